"""Evaluate one person's facts under policies that hand over to each other.

A policy declares where it hands a person over (``handoff to honour/negative_social_control
when handoff_to_honour_policy by CHILD-HANDOFF-01``). :func:`evaluate_linked` evaluates the
first policy, follows every handoff that applies (each policy once), and returns every
result together with the links followed and the legal basis for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from policylang.base.errors import FactError
from policylang.base.suggest import suggest
from policylang.engine.facts import show_name
from policylang.engine.result import Result
from policylang.policy.loader import load
from policylang.policy.policy import Policy

LINKED_FORMAT = "policylang.linked/1"


@attrs.frozen
class Link:
    """One handoff from a policy to another, as the first policy's result reports it."""

    source: str
    target: str
    rules: tuple[str, ...]
    status: str  # applies (followed) or undetermined (not followed: facts are missing)
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``from``, ``to``, ``rules``, ``status`` and ``missing``."""
        return {
            "from": self.source,
            "to": self.target,
            "rules": list(self.rules),
            "status": self.status,
            "missing": list(self.missing),
        }


@attrs.frozen
class LinkedResult:
    """The results of every policy a person was evaluated under, in order, and the links."""

    start: str
    results: dict[str, Result]
    links: tuple[Link, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``policylang.linked/1``): the first policy, each policy's result, and the links followed."""
        return {
            "format": LINKED_FORMAT,
            "start": self.start,
            "results": {name: r.to_dict() for name, r in self.results.items()},
            "links": [link.to_dict() for link in self.links],
        }


def reachable(policy: Policy) -> list[Policy]:
    """``policy`` and every policy its handoffs can lead to, directly or not."""
    return list(dict.fromkeys(_targets(policy)[0].values()))


def _targets(policy: Policy) -> tuple[dict[str, Policy], dict[str, Policy]]:
    """The policies reachable from ``policy`` by their names, and the policy each handoff target refers to.

    A handoff names its target as written (a bundled name or a path); the file's own
    ``policy`` header may name it otherwise. Each target is loaded once and each policy
    visited once, so handoffs that lead back (to the policy itself, under another name) end.
    """
    found: dict[str, Policy] = {policy.name: policy}
    targets: dict[str, Policy] = {policy.name: policy}
    queue = [policy]
    while queue:
        current = queue.pop(0)
        for handoff in current.program.handoffs:
            if handoff.target in targets:
                continue
            target = load(handoff.target)
            targets[handoff.target] = target
            if target.name not in found:
                found[target.name] = target
                queue.append(target)
    return found, targets


def evaluate_linked(
    policy: str | Policy,
    facts: Mapping[str, Any],
    *,
    trace: bool = True,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
) -> LinkedResult:
    """Evaluate ``facts`` under ``policy`` and under every policy it hands the person over to.

    Each policy reads the facts it declares; a fact no policy on the way declares is an
    error with a "did you mean" hint. ``parameters`` maps a policy's name to its
    parameter overrides.

    >>> linked = evaluate_linked("examples/benefit", {"as_of": "2024-05-01"}, trace=False)
    >>> list(linked.results), linked.links
    (['examples/benefit'], ())
    """
    start = load(policy) if isinstance(policy, str) else policy
    chain, targets = _targets(start)
    declared = {name for p in chain.values() for name in p.facts}
    for name in facts:
        if name not in declared:
            raise FactError(
                f"unknown fact `{show_name(name)}`: none of the policies {', '.join(chain)} declares it",
                facts=[name],
                hint=suggest(str(name), declared),
                code="pol-unknown-fact",
            )
    results: dict[str, Result] = {}
    links: list[Link] = []
    queue = [start]
    while queue:
        current = queue.pop(0)
        if current.name in results:
            continue
        result = current.evaluate(
            facts,
            trace=trace,
            ignore_unknown_facts=True,
            parameters=(parameters or {}).get(current.name),
        )
        results[current.name] = result
        for entry in result.handoffs:
            links.append(
                Link(
                    current.name,
                    entry["policy"],
                    tuple(entry["rules"]),
                    entry["status"],
                    tuple(entry.get("missing", ())),
                )
            )
            if entry["status"] == "applies":
                queue.append(targets[entry["policy"]])
    return LinkedResult(start.name, results, tuple(links))

"""The trace tree: what an evaluation did, as nodes with legal citations.

:mod:`policylang.trace.build` makes these nodes from the events an evaluation reported
(:mod:`policylang.trace.events`) the first time a result's trace is read. Node kinds are a
closed, documented set (see ``docs/trace.rst`` and ``docs/trace.schema.json``):

``decision``  a decision and its value, or why it has none (``status``);
``derived``   a ``let`` value and its value;
``row``       one alternative considered for a decision: its ``outcome`` and condition;
``rule``      a rule of the law behind a row, with ``rule_id``, ``citation`` and ``quote``;
``input``     a fact, parameter, ``let`` value or decision a condition read;
``factors``   the factors to weigh where the law leaves discretion;
``note``      an informational rule that applies;
``warning``   a warning about the policy's validity or sources;
``parameter`` a parameter set to something other than its default;
``handoff``   another policy the person should also be evaluated under, and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from policylang.base.span import Span

TRACE_FORMAT = "policylang.trace/1"
NODE_KINDS = ("decision", "derived", "row", "rule", "input", "factors", "note", "warning", "parameter", "handoff")


@attrs.define(slots=True)
class TraceNode:
    """One node of an explanation trace: a kind, its data, a span and children."""

    kind: str
    data: dict[str, Any]
    span: Span | None = None
    children: list[TraceNode] = attrs.Factory(list)

    def get(self, key: str, default: Any = None) -> Any:
        """A data field of the node (``rule_id``, ``value`` ...), or ``default``."""
        return self.data.get(key, default)

    def walk(self) -> Iterator[TraceNode]:
        """This node and its descendants, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``kind``, the node's data, ``span`` and ``children``."""
        result: dict[str, Any] = {"kind": self.kind}
        result.update(self.data)
        if self.span is not None:
            result["span"] = self.span.to_dict()
        result["children"] = [c.to_dict() for c in self.children]
        return result


def walk(roots: list[TraceNode]) -> Iterator[TraceNode]:
    """Every node of a trace, depth first."""
    for r in roots:
        yield from r.walk()


def rule_ids(roots: list[TraceNode], outcomes: frozenset[str] | None = None) -> list[str]:
    """The rule IDs a trace cites, once each, in order; optionally only some outcomes."""
    seen: dict[str, None] = {}
    for node in walk(roots):
        rid = node.data.get("rule_id")
        if rid and (outcomes is None or node.data.get("outcome") in outcomes):
            seen.setdefault(rid, None)
    return list(seen)

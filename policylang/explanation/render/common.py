"""Small formatting helpers the renderers share: values, inputs, outcomes, in words.

The renderers choose nothing: what to show is decided by :mod:`policylang.explanation.build`.
These helpers only turn parts of the model into short texts, the same way everywhere.

>>> from policylang.explanation.model import Shown
>>> display(Shown("known", "lav", "low", "low")), display(Shown("known", "ja", "true", True))
('low (lav)', 'true')
>>> display(Shown("known", "EUR 2, EUR 4", "[2, 4]", [2, 4])), display(Shown("known", "0.5, 1", "[0.5, 1]", [0.5, 1]))
('[EUR 2, EUR 4]', '[0.5, 1]')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from policylang.engine.result import Result
from policylang.explanation.model import Decision, Explanation, Input, Settlement, Shown, Step
from policylang.explanation.words import legal_basis, word


def display(shown: Shown) -> str:
    """A value as written in a fact file, with its label where the label says more."""
    if not shown.known:
        return shown.text
    value = shown.value
    if value == "":
        return '""'
    if isinstance(value, str):
        return value if shown.text == value else f"{value} ({shown.text})"
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        plain = ", ".join(value) if value else None
        return shown.code if plain is None or shown.text == plain else f"{shown.code} ({shown.text})"
    if isinstance(value, int | float) and not isinstance(value, bool) and shown.text != shown.code:
        return shown.text  # an amount with its currency: DKK 1,234.50
    numbers = isinstance(value, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    if numbers and value and shown.text != shown.code[1:-1]:
        return f"[{shown.text}]"  # amounts with their currency: [DKK 2, DKK 4]
    return shown.code


def label_of(text: str, name: str) -> str:
    """``name (label)`` where a label exists and differs from the name."""
    return f"{name} ({text})" if text and text != name else name


def inputs_text(inputs: Iterable[Input], lang: str | None = None) -> str:
    """``name = value, ...``, with ``(assumed)`` after a fact's default where ``lang`` is given."""
    return ", ".join(f"{i.name} = {display(i.shown)}{assumed_mark(i, lang)}" for i in inputs)


def assumed_mark(i: Input, lang: str | None) -> str:
    """`` (assumed)`` (`` (antaget)``) after the value of a fact whose default was used; else nothing."""
    return f" ({word(lang, 'assumed')})" if i.assumed and lang else ""


def holds_text(lang: str, holds: bool | str | None) -> str:
    """Whether a condition holds, in words."""
    if holds is None:
        return word(lang, "value_withheld")
    if holds == "unknown":
        return word(lang, "is_unknown")
    return word(lang, "holds" if holds else "does_not_hold")


def outcome_text(lang: str, step: Step) -> str:
    """What happened to a row, in words."""
    if step.outcome == "overridden" and step.overridden_by:
        return f"{word(lang, 'overridden_by')} {', '.join(step.overridden_by)}"
    if step.outcome == "unknown":
        return word(lang, "unknown_outcome")
    return word(lang, {"overridden": "overridden"}.get(step.outcome, step.outcome))


def otherwise(lang: str, step: Step, escape: Callable[[str], str] = str) -> str:
    """`` otherwise`` for a row without a condition that did not apply (a first match's last
    row); nothing for a single expression."""
    return f" {escape(word(lang, 'otherwise'))}" if step.outcome in ("not_applicable", "not_reached") else ""


def needs_text(lang: str, step: Step) -> str:
    """The heading of what would have to be different for a row to apply."""
    if step.outcome == "unknown":
        return word(lang, "waits_for")
    if step.needs == "any" and len(step.failing) > 1:
        return word(lang, "would_need_any")
    return word(lang, "would_need_all") if len(step.failing) > 1 else word(lang, "would_need")


def title_line(e: Explanation) -> str:
    """``Policy name - title``"""
    head = f"{word(e.lang, 'policy')} {e.policy}"
    return f"{head} - {e.title}" if e.title else head


def explanation_of(
    result: Result,
    policy: Any,
    *,
    lang: str,
    audience: str,
    decisions: Sequence[str] | None,
    why_not: bool,
) -> Explanation:
    """The explanation a ``render_*`` function formats (``policy``, if given, must be the result's)."""
    from policylang.explanation.build import explain

    return explain(result, policy, lang=lang, audience=audience, decisions=decisions, why_not=why_not)


def settled_word(settled: Settlement) -> str:
    """The words for a decision settled by cases over one fact, or over several."""
    return "settled" if len(settled.facts) == 1 else "settled_many"


@attrs.frozen
class CitizenReason:
    """One reason a citizen reads: the decisions it explains, its texts, and its legal basis once."""

    decisions: tuple[Decision, ...]
    texts: tuple[str, ...]
    basis: str


def citizen_reasons(e: Explanation) -> list[CitizenReason]:
    """The reasons of a citizen's decided decisions, each told once.

    Decisions that rest on the same texts and the same legal basis (the lawful residence
    and its basis, say) share one reason; the legal basis names each source once.
    """
    groups: dict[tuple[tuple[str, ...], str], list[Decision]] = {}
    for d in e.decisions:
        if d.status != "decided" or d.value is None:
            continue
        rules = [r for s in d.steps for r in s.rules]
        texts = tuple(dict.fromkeys(r.explain for r in rules if r.explain))
        basis = legal_basis([c for r in rules for c in r.basis], e.lang) or "; ".join(
            dict.fromkeys(r.citation for r in rules if r.citation)
        )
        if texts or basis:
            groups.setdefault((texts, basis), []).append(d)
    return [CitizenReason(tuple(ds), texts, basis) for (texts, basis), ds in groups.items()]


def headline(reason: CitizenReason) -> str:
    """What a reason explains: ``Lovligt ophold: ja · Opholdsgrundlag: opholdstilladelse``."""
    return " · ".join(f"{d.label or d.name}: {d.value.text if d.value else ''}" for d in reason.decisions)

"""The explanation model: what an explanation shows, chosen once and formatted by every renderer.

:func:`policylang.explain` builds an :class:`Explanation` from a result's trace for one
language and one audience; the renderers (``render_text``, ``render_markdown``,
``render_html``) only format it, and :meth:`Explanation.to_dict` is its JSON form
(``policylang.explanation/1``, schema ``policylang/schemas/explanation.schema.json``). Everything the
audience may not see (internal notes, personal values) is already left out here, so a
renderer cannot leak it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from policylang.base.errors import PolicyError

EXPLANATION_FORMAT = "policylang.explanation/1"
AUDIENCES = ("caseworker", "citizen", "auditor")
LANGUAGES = ("da", "en")

KNOWN, UNKNOWN, WITHHELD, EXPRESSION = "known", "unknown", "withheld", "expression"


class ExplainError(PolicyError):
    """An explanation was asked for something the policy or the options do not have."""

    code = "pol-explain"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        if code is not None:
            self.code = code

    def format(self) -> str:
        text = f"error[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  = help: {self.hint}"
        return text


def check_decisions(policy: Any, names: Iterable[str] | None) -> None:
    """Raise :class:`ExplainError` with a "did you mean" hint for a name ``policy`` does not decide."""
    from policylang.base.suggest import suggest

    for name in names or ():
        if name not in policy.decisions:
            raise ExplainError(
                f"the policy `{policy.name}` has no decision `{name}`",
                hint=suggest(name, policy.decisions),
                code="pol-unknown-decision",
            )


@attrs.frozen
class Shown:
    """A value as the explanation shows it.

    ``state`` is ``known`` (``value`` is the JSON value), ``unknown`` (no fact decides it
    yet), ``withheld`` (a personal value the audience may not see; ``value`` is absent) or
    ``expression`` (a row's value that was never computed, shown as its source text).
    ``code`` is the value written as in a fact file (``low``, ``true``, ``["heating"]``);
    ``text`` is how a reader sees it in the explanation's language (labels of enum values,
    ``yes``/``ja``).
    """

    state: str
    text: str
    code: str
    value: Any = None

    @property
    def known(self) -> bool:
        """Whether the value is shown (neither unknown, withheld nor an expression)."""
        return self.state == KNOWN

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {"state": self.state, "text": self.text, "code": self.code}
        if self.state == KNOWN:
            data["value"] = self.value
        return data


@attrs.frozen
class Input:
    """A fact, parameter, ``let`` value or decision a step read, with its value."""

    name: str
    source: str  # fact, parameter, let, decision
    label: str | None
    shown: Shown
    personal: bool = False
    assumed: bool = False  # a fact the fact set left out, whose declared default was used

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {"name": self.name, "source": self.source, "label": self.label}
        data["shown"] = self.shown.to_dict()
        if self.personal:
            data["personal"] = True
        if self.assumed:
            data["assumed"] = True
        return data


@attrs.frozen
class Rule:
    """A rule of the law behind a step: citation, force, the source's words, the explanation."""

    rule_id: str
    citation: str
    title: str | None = None
    force: str | None = None
    quote: str | None = None
    explain: str | None = None
    note: str | None = None
    provenance: str | None = None
    inferred: bool = False
    span: str | None = None
    short: str = ""  # the first citation without line numbers: what a summary shows
    basis: tuple[tuple[str, str | None], ...] = ()  # citizens: (the source as named for them, the place in it)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {"rule_id": self.rule_id, "citation": self.citation, "short": self.short}
        for key in ("title", "force", "quote", "explain", "note", "provenance", "span"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.inferred:
            data["inferred"] = True
        if self.basis:
            data["basis"] = [{"source": source, "locator": locator} for source, locator in self.basis]
        return data


@attrs.frozen
class Part:
    """One part of a condition (a conjunct or disjunct) that does not hold or is unknown."""

    condition: str
    holds: bool | str | None  # False, "unknown", or None where the value is withheld
    inputs: tuple[Input, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {"condition": self.condition, "holds": self.holds, "inputs": [i.to_dict() for i in self.inputs]}


@attrs.frozen
class Step:
    """One alternative of a decision: a row, a rule's conclusion or the default.

    ``outcome`` is the trace's (``fired``, ``default``, ``not_applicable``, ``unknown``,
    ``overridden``) or ``not_reached`` for first-match rows after the one that applied.
    ``failing`` lists the parts of the condition that do not hold (or are unknown);
    ``needs`` says whether all of them (``all``) or one (``any``) would have to change.
    """

    outcome: str
    condition: str | None = None
    holds: bool | str | None = None
    value: Shown | None = None
    rules: tuple[Rule, ...] = ()
    inputs: tuple[Input, ...] = ()
    factors: tuple[str, ...] = ()
    failing: tuple[Part, ...] = ()
    needs: str = "all"
    overridden_by: tuple[str, ...] = ()
    span: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {"outcome": self.outcome}
        if self.condition is not None:
            data["condition"] = self.condition
            data["holds"] = self.holds
        if self.value is not None:
            data["value"] = self.value.to_dict()
        data["rules"] = [r.to_dict() for r in self.rules]
        data["inputs"] = [i.to_dict() for i in self.inputs]
        if self.factors:
            data["factors"] = list(self.factors)
        if self.failing:
            data["failing"] = [p.to_dict() for p in self.failing]
            data["needs"] = self.needs
        if self.overridden_by:
            data["overridden_by"] = list(self.overridden_by)
        if self.span is not None:
            data["span"] = self.span
        return data


@attrs.frozen
class FactRef:
    """A fact named by an explanation, with its labels in Danish and English."""

    name: str
    da: str | None
    en: str | None

    def label(self, lang: str) -> str | None:
        """The label in ``lang`` (``da`` or ``en``), falling back to the other language."""
        return (self.da or self.en) if lang == "da" else (self.en or self.da)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {"name": self.name, "da": self.da, "en": self.en}


@attrs.frozen
class Settlement:
    """How a decision the rules alone left undetermined was settled by cases (``exhaustive=True``):
    every combination of values of ``facts`` the constraints accept (``cases`` of them) gives
    its value, by ``rules``."""

    facts: tuple[FactRef, ...]
    cases: int
    rules: tuple[Rule, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {
            "facts": [f.to_dict() for f in self.facts],
            "cases": self.cases,
            "rules": [r.to_dict() for r in self.rules],
        }


@attrs.frozen
class FunctionCall:
    """A call of a function of the policy that computed part of a decision: its arguments and result.

    Shown to caseworkers and auditors only (a citizen reads no function names).
    """

    function: str
    label: str | None
    arguments: tuple[tuple[str, Shown], ...]
    result: Shown
    citation: str = ""
    calls: tuple[FunctionCall, ...] = ()  # the calls its body made

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {
            "function": self.function,
            "label": self.label,
            "arguments": [{"name": n, "shown": v.to_dict()} for n, v in self.arguments],
            "result": self.result.to_dict(),
        }
        if self.citation:
            data["citation"] = self.citation
        if self.calls:
            data["calls"] = [c.to_dict() for c in self.calls]
        return data


@attrs.frozen
class Decision:
    """One decision: its value (or why it has none), the steps that decided it, and more.

    ``steps`` decided it (fired rows, or the default); ``open`` are rows that wait for
    unknown facts; ``alternatives`` (asked for with ``why_not``) are the rows that did not
    apply, with what would have to be different.
    """

    name: str
    label: str | None
    kind: str
    status: str  # decided, undetermined, no_rule
    value: Shown | None
    steps: tuple[Step, ...] = ()
    open: tuple[Step, ...] = ()
    alternatives: tuple[Step, ...] = ()
    facts: tuple[Input, ...] = ()
    missing: tuple[FactRef, ...] = ()
    waiting_for: tuple[str, ...] = ()
    note: str | None = None
    span: str | None = None
    settled: Settlement | None = None
    calls: tuple[FunctionCall, ...] = ()  # the calls of the policy's functions it made (not for citizens)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "status": self.status,
        }
        if self.value is not None:
            data["value"] = self.value.to_dict()
        data["steps"] = [s.to_dict() for s in self.steps]
        data["open"] = [s.to_dict() for s in self.open]
        data["alternatives"] = [s.to_dict() for s in self.alternatives]
        data["facts"] = [i.to_dict() for i in self.facts]
        data["missing"] = [f.to_dict() for f in self.missing]
        if self.waiting_for:
            data["waiting_for"] = list(self.waiting_for)
        if self.note is not None:
            data["note"] = self.note
        if self.span is not None:
            data["span"] = self.span
        if self.settled is not None:
            data["settled"] = self.settled.to_dict()
        if self.calls:
            data["calls"] = [c.to_dict() for c in self.calls]
        return data


@attrs.frozen
class Option:
    """A possible answer to a question: an enum value or a truth value, with labels."""

    value: Any
    da: str | None
    en: str | None

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``da`` or ``en``), falling back to the other language."""
        text = (self.da or self.en) if lang == "da" else (self.en or self.da)
        return text or str(self.value)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {"value": self.value, "da": self.da, "en": self.en}


@attrs.frozen
class Question:
    """The next thing to ask: a fact nobody has supplied, and the decisions it could settle."""

    fact: str
    da: str | None
    en: str | None
    type: str
    settles: tuple[str, ...]
    options: tuple[Option, ...] = ()
    optional: bool = False

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``da`` or ``en``), falling back to the other language."""
        return ((self.da or self.en) if lang == "da" else (self.en or self.da)) or self.fact

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {
            "fact": self.fact,
            "da": self.da,
            "en": self.en,
            "type": self.type,
            "optional": self.optional,
            "options": [o.to_dict() for o in self.options],
            "settles": list(self.settles),
        }


@attrs.frozen
class Note:
    """An informational rule that applies to the facts, with what it read."""

    rule: Rule
    inputs: tuple[Input, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {"rule": self.rule.to_dict(), "inputs": [i.to_dict() for i in self.inputs]}


@attrs.frozen
class Handoff:
    """Another policy the person should also be assessed under, and on what legal basis.

    ``status`` is ``applies`` or ``undetermined`` (``missing`` names the facts that would
    settle it); ``inputs`` are the values its condition read.
    """

    policy: str
    status: str
    rules: tuple[Rule, ...] = ()
    note: str | None = None
    missing: tuple[FactRef, ...] = ()
    inputs: tuple[Input, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        return {
            "policy": self.policy,
            "status": self.status,
            "rules": [r.to_dict() for r in self.rules],
            "note": self.note,
            "missing": [f.to_dict() for f in self.missing],
            "inputs": [i.to_dict() for i in self.inputs],
        }


@attrs.frozen
class LetValue:
    """A ``let`` value with its expression: shown to auditors."""

    name: str
    expression: str
    shown: Shown
    span: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {"name": self.name, "expression": self.expression, "shown": self.shown.to_dict()}
        if self.span is not None:
            data["span"] = self.span
        return data


@attrs.frozen
class Parameter:
    """A parameter the evaluation used, its value and its default: shown to auditors."""

    name: str
    label: str | None
    shown: Shown
    default: str
    overridden: bool
    span: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``policylang/schemas/explanation.schema.json``)."""
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "shown": self.shown.to_dict(),
            "default": self.default,
            "overridden": self.overridden,
        }
        if self.span is not None:
            data["span"] = self.span
        return data


@attrs.frozen
class Explanation:
    """Everything one audience sees of one evaluation, in one language."""

    policy: str
    title: str | None
    lang: str
    audience: str
    why_not: bool
    decisions: tuple[Decision, ...]
    questions: tuple[Question, ...] = ()
    notes: tuple[Note, ...] = ()
    warnings: tuple[str, ...] = ()
    derived: tuple[LetValue, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    version: str | None = None
    handoffs: tuple[Handoff, ...] = ()
    next_steps: str | None = None  # for a citizen: what happens next
    complaint: str | None = None  # for a citizen: how to complain
    assumed: tuple[Input, ...] = ()  # the facts left out of the fact set whose defaults were used

    def decision(self, name: str) -> Decision:
        """The part of the explanation about decision ``name``."""
        return next(d for d in self.decisions if d.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, ``policylang.explanation/1``; ``json.dumps`` works on it."""
        return {
            "format": EXPLANATION_FORMAT,
            "policy": self.policy,
            "title": self.title,
            "version": self.version,
            "lang": self.lang,
            "audience": self.audience,
            "why_not": self.why_not,
            "decisions": [d.to_dict() for d in self.decisions],
            "questions": [q.to_dict() for q in self.questions],
            "notes": [n.to_dict() for n in self.notes],
            "warnings": list(self.warnings),
            "derived": [d.to_dict() for d in self.derived],
            "parameters": [p.to_dict() for p in self.parameters],
            "handoffs": [h.to_dict() for h in self.handoffs],
            "next_steps": self.next_steps,
            "complaint": self.complaint,
            **({"assumed": [i.to_dict() for i in self.assumed]} if self.assumed else {}),
        }

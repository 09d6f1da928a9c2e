"""Build an explanation from a result's trace: select what one audience sees, in one language.

:func:`explain` walks the trace once and makes an
:class:`~policylang.explanation.model.Explanation`. It owns every choice of *what* to show:

* **caseworker**: everything: values, conditions, rules with citations, quotes,
  explanation texts and internal notes, the facts used;
* **citizen**: the same without internal notes and provenance marks, and with the value
  of every fact the policy marks ``personal`` (and every value computed from one, see
  :mod:`policylang.explanation.redact`) withheld, wherever it would appear;
* **auditor**: the caseworker's view with source spans, the ``let`` values with their
  expressions, and every parameter used with its value and default.

``why_not`` adds, for each decision, the rows that did not apply and what would have to be
different (see :mod:`policylang.explanation.conditions`).

>>> import policylang
>>> policy = policylang.load("examples/benefit")
>>> result = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01", "income": 90000})
>>> e = explain(result, policy, lang="da", audience="citizen")
>>> e.decision("income_band").value.text
'lav'
>>> [i.shown.text for i in e.decision("adult").facts]
['udeladt', '2024-05-01']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from policylang.base.suggest import suggest
from policylang.engine.result import Result
from policylang.explanation.conditions import probe_for, span_key
from policylang.explanation.model import (
    AUDIENCES,
    EXPRESSION,
    KNOWN,
    LANGUAGES,
    UNKNOWN,
    WITHHELD,
    Decision,
    ExplainError,
    Explanation,
    FactRef,
    Handoff,
    Input,
    LetValue,
    Note,
    Parameter,
    Part,
    Rule,
    Settlement,
    Shown,
    Step,
    check_decisions,
)
from policylang.explanation.questions import questions_for
from policylang.explanation.redact import carries, personal_values
from policylang.explanation.templates import VALUE, fill
from policylang.explanation.words import word
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode
from policylang.policy.policy import Policy
from policylang.trace.nodes import TraceNode

DECIDING = ("fired", "default")


def explain(
    result: Result,
    policy: Policy | None = None,
    *,
    lang: str = "en",
    audience: str = "caseworker",
    decisions: Sequence[str] | None = None,
    why_not: bool = False,
) -> Explanation:
    """The explanation of ``result`` for one audience and language.

    The result carries the program it was evaluated with, so ``policy`` is not needed;
    where it is given, it must be the policy the result is of.

    ``decisions`` limits it to some decisions; ``why_not`` adds the alternatives that did
    not apply and what would have to be different. Raises
    :class:`~policylang.explanation.model.ExplainError` for an unknown language, audience or
    decision name.
    """
    if lang not in LANGUAGES:
        raise ExplainError(f"no language `{lang}`: explanations are in {' or '.join(LANGUAGES)}", code="pol-usage")
    if audience not in AUDIENCES:
        raise ExplainError(
            f"no audience `{audience}`: choose one of {', '.join(AUDIENCES)}",
            hint=suggest(audience, AUDIENCES),
            code="pol-usage",
        )
    if policy is not None and result.policy != policy.name:
        raise ExplainError(f"the result is of `{result.policy}`, not of `{policy.name}`")
    check_decisions(result.program, decisions)
    return ExplanationBuilder(result, result.program, lang, audience, why_not).build(decisions)


def _span(span: Any) -> str | None:
    return str(span) if span is not None else None


def _normal(text: str) -> str:
    """Source text on one line: conditions may be written over several."""
    return " ".join(text.split())


class ExplanationBuilder:
    """Turns one result's trace into an explanation; owns the choices of what to show."""

    def __init__(self, result: Result, program: ir.Program, lang: str, audience: str, why_not: bool) -> None:
        self.result = result
        self.program = program
        self.lang = lang
        self.audience = audience
        self.why_not = why_not
        self.citizen = audience == "citizen"
        self.auditor = audience == "auditor"
        self.probe = probe_for(program)
        if self.probe.carried is None:
            self.probe.carried = personal_values(program)
        self.carried = self.probe.carried if self.citizen else frozenset()
        self.personal = {("fact", f.name) for f in program.facts.values() if f.personal}
        trace = result.trace
        self.decision_nodes = {n.data["name"]: n for n in trace if n.kind == "decision"}
        self.derived_nodes = {n.data["name"]: n for n in trace if n.kind == "derived"}

    # -- the whole explanation -------------------------------------------------

    def build(self, only: Sequence[str] | None) -> Explanation:
        header = self.program.header
        names = list(only) if only else list(self.program.decisions)
        return Explanation(
            policy=self.program.name,
            title=header.title.get(self.lang) if header.title else None,
            version=header.version,
            lang=self.lang,
            audience=self.audience,
            why_not=self.why_not,
            decisions=tuple(self.decision(name) for name in names),
            questions=tuple(questions_for(self.result, self.program, only)),
            notes=() if only else self.notes(),
            warnings=tuple((w.da if self.lang == "da" and w.da else w.en) or w.code for w in self.result.warnings),
            derived=self.derived() if self.auditor else (),
            parameters=self.parameters() if self.auditor else (),
            handoffs=() if only else self.handoffs(),
        )

    # -- values ----------------------------------------------------------------

    def text(self, value: Any, t: T.Type | None) -> str:
        """A value as a reader sees it: labels of enum values, yes/no, lists joined."""
        inner = T.strip_optional(t) if t is not None else None
        if value is None:
            return word(self.lang, "none")
        if isinstance(value, bool):
            return word(self.lang, "yes" if value else "no")
        if isinstance(value, str):
            enum = inner if isinstance(inner, T.EnumType) else None
            if isinstance(inner, T.UnionType):
                enum = inner.enum_with(value)
            labels = enum.label(value) if enum is not None and value in enum.members else None
            return (labels.get(self.lang) if labels else None) or value
        if isinstance(value, list):
            element = inner.element if isinstance(inner, T.ListType | T.SetType) else None
            return ", ".join(self.text(x, element) for x in value) or word(self.lang, "none")
        if isinstance(value, dict):
            parts = []
            for k, x in value.items():
                if isinstance(inner, T.RecordType):
                    parts.append(f"{k}: {self.text(x, inner.field(k))}")
                elif isinstance(inner, T.MapType):
                    parts.append(f"{self.text(k, inner.key)}: {self.text(x, inner.value)}")
                else:
                    parts.append(f"{k}: {self.text(x, None)}")
            return "; ".join(parts)
        return str(value)

    def shown(self, value: Any, t: T.Type | None, *, withheld: bool = False, unknown: bool = False) -> Shown:
        if withheld:
            text = word(self.lang, "withheld")
            return Shown(WITHHELD, text, text)
        if unknown:
            text = word(self.lang, "unknown")
            return Shown(UNKNOWN, text, "unknown")
        code = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return Shown(KNOWN, self.text(value, t), code, value)

    def label(self, source: str, name: str) -> str | None:
        p = self.program
        labels = None
        if source == "fact" and name in p.facts:
            labels = p.facts[name].labels
        elif source == "parameter" and name in p.parameters:
            labels = p.parameters[name].labels
        elif source == "decision" and name in p.decisions:
            labels = p.decisions[name].labels
        return labels.get(self.lang) if labels else None

    def input(self, node: TraceNode) -> Input:
        source, name = node.data["source"], node.data["name"]
        shown = self.shown(
            node.data.get("value"),
            self.probe.type_of(source, name),
            withheld=(source, name) in self.carried,
            unknown=bool(node.data.get("unknown")),
        )
        return Input(name, source, self.label(source, name), shown, (source, name) in self.personal)

    # -- rules and steps ---------------------------------------------------------

    def rule(self, node: TraceNode, values: dict[str, str]) -> Rule:
        d = node.data
        explain = d.get("explain")
        template = (explain.get(self.lang) or explain.get("da" if self.lang == "en" else "en")) if explain else None
        note = d.get("note")
        internal = not self.citizen
        return Rule(
            rule_id=d["rule_id"],
            citation=d.get("citation", ""),
            title=d.get("title"),
            force=d.get("force"),
            quote=d.get("quote"),
            explain=fill(template, values) if template else None,
            note=(note.get(self.lang) or note.get("da") or note.get("en")) if note and internal else None,
            provenance=d.get("provenance") if internal else None,
            inferred=bool(d.get("inferred")) and internal,
            span=_span(node.span) if self.auditor else None,
        )

    def step(
        self, decision: ir.DecisionInfo, node: TraceNode, row: ir.RowInfo | None, outcome: str | None = None
    ) -> Step:
        """One traced row of ``decision`` as the explanation shows it."""
        data = node.data
        outcome = outcome or data["outcome"]
        value_type = T.element_type(decision.type) if decision.kind == "collect" else decision.type
        withheld_value = (
            carries(row.value, self.carried) if row is not None else ("decision", decision.name) in self.carried
        )
        if "value" in data and not (outcome == "unknown" and decision.kind == "collect"):  # no item recorded
            value = self.shown(data["value"], value_type, withheld=withheld_value)
        elif row is not None:
            value = self._computed(self.probe.value_of(row, node), row, value_type, withheld_value)
        else:
            value = None
        inputs = {(c.data["source"], c.data["name"]): self.input(c) for c in node.children if c.kind == "input"}
        values = {name: i.shown.text for (_, name), i in inputs.items()}
        if value is not None:
            values.setdefault(VALUE, value.text)
        condition = data.get("condition")
        holds = data.get("condition_value")
        if row is not None and row.condition is not None and carries(row.condition, self.carried):
            holds = None
        failing: list[Part] = []
        needs = "all"
        if row is not None and outcome in ("not_applicable", "unknown") and (self.why_not or outcome == "unknown"):
            found = self.probe.failing_parts(row, node)
            if found is not None:
                parts, needs = found
                for expr, x in parts:
                    part_inputs = tuple(
                        inputs[key] for key in dict.fromkeys((r.kind, r.name) for r in ir.refs(expr)) if key in inputs
                    )
                    shown_holds: bool | str | None = "unknown" if not isinstance(x, bool | None) else False
                    if carries(expr, self.carried):
                        shown_holds = None
                    failing.append(Part(self.probe.text(expr.span), shown_holds, part_inputs))
        return Step(
            outcome=outcome,
            condition=_normal(condition) if condition is not None else None,
            holds=holds if condition is not None else None,
            value=value,
            rules=tuple(self.rule(c, values) for c in node.children if c.kind == "rule"),
            inputs=tuple(inputs.values()),
            factors=tuple(
                (f.get(self.lang) or f.get("en") or f.get("da") or f.get("code") or "")
                for c in node.children
                if c.kind == "factors"
                for f in c.data["factors"]
            ),
            failing=tuple(failing),
            needs=needs,
            span=_span(node.span) if self.auditor else None,
        )

    def _computed(self, value: Any, row: ir.RowInfo, t: T.Type | None, withheld: bool) -> Shown:
        if type(value) is Unknown:
            text = self.probe.text(row.value.span)
            return Shown(EXPRESSION, text, text)
        return self.shown(encode(value, t), t, withheld=withheld)

    def _unreached(self, decision: ir.DecisionInfo, row: ir.RowInfo) -> Step:
        """A first-match row after the one that applied: never evaluated."""
        value_type = decision.type
        if isinstance(row.value, ir.Const):
            withheld = carries(row.value, self.carried)
            value = self.shown(encode(row.value.value, value_type), value_type, withheld=withheld)
        else:
            text = self.probe.text(row.value.span)
            value = Shown(EXPRESSION, text, text)
        rules = []
        for rid in row.rules:
            info = self.program.rules.get(rid)
            if info is not None:
                rules.append(self._static_rule(info))
        return Step(
            outcome="not_reached",
            condition=self.probe.text(row.condition.span) if row.condition is not None else None,
            value=value,
            rules=tuple(rules),
            span=_span(row.span) if self.auditor else None,
        )

    def _static_rule(self, info: ir.RuleInfo) -> Rule:
        internal = not self.citizen
        explain = info.explain.get(self.lang) if info.explain else None
        return Rule(
            rule_id=info.rule_id,
            citation=info.citation,
            title=info.title,
            force=info.force,
            quote=info.quote,
            explain=fill(explain, {}) if explain else None,
            note=info.note.get(self.lang) if info.note and internal else None,
            provenance=info.provenance if internal else None,
            inferred=info.inferred and internal,
            span=_span(info.span) if self.auditor else None,
        )

    # -- decisions ---------------------------------------------------------------

    def decision(self, name: str) -> Decision:
        info = self.program.decisions[name]
        labels = info.labels.get(self.lang) if info.labels else None
        withheld = ("decision", name) in self.carried
        node = self.decision_nodes.get(name)
        if node is None:  # evaluated without a trace: what the result says
            return self._untraced(info, labels, withheld)
        data = node.data
        status = data["status"]
        value = self.shown(data["value"], info.type, withheld=withheld) if status == "decided" else None
        rows = [(c, self.probe.row_for(name, c)) for c in node.children if c.kind == "row"]
        steps = tuple(self.step(info, c, r) for c, r in rows if c.data["outcome"] in DECIDING)
        open_ = tuple(self.step(info, c, r) for c, r in rows if c.data["outcome"] == "unknown")
        alternatives: tuple[Step, ...] = ()
        if self.why_not:
            alternatives = self._alternatives(info, rows)
        note = data.get("note")
        return Decision(
            name=name,
            label=labels,
            kind=info.kind,
            status=status,
            value=value,
            steps=steps,
            open=open_,
            alternatives=alternatives,
            facts=self.facts_used(node),
            missing=tuple(self.fact_ref(f) for f in data.get("missing", ())),
            waiting_for=tuple(data.get("waiting_for", ())),
            note=(note.get(self.lang) or note.get("da") or note.get("en")) if note and not self.citizen else None,
            span=_span(node.span) if self.auditor else None,
            settled=self._settlement(data["settled"], steps) if "settled" in data else None,
        )

    def _settlement(self, data: dict[str, Any], steps: Sequence[Step]) -> Settlement:
        """How the decision was settled by cases; its rules, less those its steps show already."""
        shown = {r.rule_id for step in steps for r in step.rules}
        ids = [r for r in data["rules"] if r in self.program.rules and r not in shown]
        rules = tuple(self._static_rule(self.program.rules[r]) for r in ids)
        return Settlement(tuple(self.fact_ref(f) for f in data["facts"]), data["cases"], rules)

    def _alternatives(self, info: ir.DecisionInfo, rows: list[tuple[TraceNode, ir.RowInfo | None]]) -> tuple[Step, ...]:
        found: list[Step] = []
        fired = {
            span_key(c.span) for c, _ in rows if c.data["outcome"] == "fired" or c.data.get("condition_value") is True
        }
        for c, r in rows:
            outcome = c.data["outcome"]
            if outcome not in ("not_applicable", "overridden"):
                continue
            step = self.step(info, c, r)
            if outcome == "overridden" and r is not None:
                by = [
                    rid
                    for i in r.exceptions
                    if i < len(info.rows) and span_key(info.rows[i].span) in fired
                    for rid in info.rows[i].rules
                ]
                step = attrs.evolve(step, overridden_by=tuple(dict.fromkeys(by)))
            found.append(step)
        if info.kind == "first_match":
            traced = {span_key(c.span) for c, _ in rows}
            last = max((i for i, r in enumerate(info.rows) if span_key(r.span) in traced), default=-1)
            found.extend(self._unreached(info, r) for r in info.rows[last + 1 :])
        return tuple(found)

    def _untraced(self, info: ir.DecisionInfo, labels: str | None, withheld: bool) -> Decision:
        r = self.result
        if info.name in r.decisions:
            value = self.shown(r.decisions[info.name], info.type, withheld=withheld)
            return Decision(info.name, labels, info.kind, "decided", value)
        if info.name in r.undetermined:
            missing = tuple(self.fact_ref(f) for f in r.undetermined[info.name])
            return Decision(info.name, labels, info.kind, "undetermined", None, missing=missing)
        return Decision(info.name, labels, info.kind, "no_rule", None)

    def fact_ref(self, name: str) -> FactRef:
        info = self.program.facts.get(name)
        labels = info.labels if info is not None else None
        return FactRef(name, labels.da if labels else None, labels.en if labels else None)

    def facts_used(self, node: TraceNode) -> tuple[Input, ...]:
        """The facts the rows of ``node`` read, directly or through ``let`` values and other
        decisions, once each in the order first read."""
        found: dict[str, Input] = {}
        seen: set[tuple[str, str]] = set()

        def rows_of(decision: TraceNode) -> list[TraceNode]:
            # every row considered: a first match depends on the rows above the one that applied
            return [c for c in decision.children if c.kind == "row"]

        def visit(inputs: list[TraceNode]) -> None:
            for i in inputs:
                key = (i.data["source"], i.data["name"])
                if key in seen:
                    continue
                seen.add(key)
                source, name = key
                if source == "fact":
                    found[name] = self.input(i)
                elif source == "let" and name in self.derived_nodes:
                    visit([c for c in self.derived_nodes[name].children if c.kind == "input"])
                elif source == "decision" and name in self.decision_nodes:
                    visit([c for r in rows_of(self.decision_nodes[name]) for c in r.children if c.kind == "input"])

        visit([c for r in rows_of(node) for c in r.children if c.kind == "input"])
        return tuple(found.values())

    # -- the rest of the trace ---------------------------------------------------

    def notes(self) -> tuple[Note, ...]:
        found = []
        for n in self.result.trace:
            if n.kind != "note":
                continue
            inputs = tuple(self.input(c) for c in n.children if c.kind == "input")
            found.append(Note(self.rule(n, {i.name: i.shown.text for i in inputs}), inputs))
        return tuple(found)

    def handoffs(self) -> tuple[Handoff, ...]:
        found = []
        for n in self.result.trace:
            if n.kind != "handoff":
                continue
            entry = n.data
            rules = tuple(self._static_rule(self.program.rules[r]) for r in entry["rules"] if r in self.program.rules)
            labels = entry.get("note") or {}
            other = "en" if self.lang == "da" else "da"
            note = (labels.get(self.lang) or labels.get(other)) if not self.citizen else None  # internal, as rule notes
            missing = tuple(self.fact_ref(f) for f in entry.get("missing", ()))
            inputs = tuple(self.input(c) for c in n.children if c.kind == "input")
            found.append(Handoff(entry["policy"], entry["status"], rules, note, missing, inputs))
        return tuple(found)

    def derived(self) -> tuple[LetValue, ...]:
        found = []
        for n in self.result.trace:
            if n.kind != "derived" or n.data.get("parameter"):
                continue
            name = n.data["name"]
            t = self.program.lets[name].type if name in self.program.lets else None
            shown = self.shown(n.data.get("value"), t, unknown=bool(n.data.get("unknown")))
            found.append(LetValue(name, _normal(n.data["expression"]), shown, _span(n.span)))
        return tuple(found)

    def parameters(self) -> tuple[Parameter, ...]:
        values: dict[str, Any] = {}
        for n in self.result.trace:
            for node in n.walk():
                parameter = (node.kind == "input" and node.data["source"] == "parameter") or (
                    node.kind == "derived" and node.data.get("parameter")
                )
                if parameter and "value" in node.data:
                    values.setdefault(node.data["name"], node.data["value"])
        found = []
        for name, info in self.program.parameters.items():
            if name not in values:
                continue
            t = T.BOOL if info.is_condition else info.type
            found.append(
                Parameter(
                    name=name,
                    label=info.labels.get(self.lang) if info.labels else None,
                    shown=self.shown(values[name], t),
                    default=_normal(info.default.span.text),
                    overridden=name in self.result.parameters,
                    span=_span(info.span),
                )
            )
        return tuple(found)

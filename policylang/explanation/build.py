"""Build an explanation from a result's trace: select what one audience sees, in one language.

:func:`explain` walks the trace once and makes an
:class:`~policylang.explanation.model.Explanation`. It owns every choice of *what* to show:

* **caseworker**: everything: values, conditions, rules with citations, quotes,
  explanation texts and internal notes, the facts used;
* **citizen**: written for the person the decisions are about: for each decision that
  concerns them its value, the reasons in words (the rules' ``explain`` texts) and the
  legal basis as the statute or guideline names it, what happens next and how to
  complain; no conditions, codes, rule IDs or internal notes. The value of every fact
  the policy marks ``personal`` (and of every value computed from one) is withheld; a
  fact marked ``sensitive``, and everything computed from it in any way, does not appear
  at all: a decision that would reveal one is left out unless the policy says it is
  addressed to the person (``for person``), and decisions ``for staff`` are left out too
  (see :mod:`policylang.explanation.redact`);
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
>>> e.decision("adult").facts  # a citizen is told the reasons in words, not the facts read
()
>>> caseworker = explain(result, policy, lang="da")
>>> [(i.label, i.shown.text) for i in caseworker.decision("adult").facts]
[('Fødselsdato', '1990-01-01'), ('Vurderingsdato', '2024-05-01')]
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from policylang.base.money import show_amount
from policylang.base.suggest import suggest
from policylang.engine.result import Result
from policylang.explanation.conditions import UNKNOWN as NOT_KNOWN
from policylang.explanation.conditions import Name, probe_for
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
    FunctionCall,
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
from policylang.explanation.redact import carries, personal_values, revealing_values
from policylang.explanation.templates import VALUE, fill
from policylang.explanation.words import legal_basis, long_date, word
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode
from policylang.policy.policy import Policy
from policylang.trace.nodes import (
    NO_VALUE,
    CallNode,
    DecisionNode,
    HandoffNode,
    NotApplicableNode,
    NoteNode,
    RowNode,
)

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
    """Turns one result into an explanation; owns the choices of what to show.

    It reads the result's trace (which rows were considered and how), the values the
    evaluation recorded (``facts``, ``lets``, ``parameter_values``, ``decisions``) and the
    program (conditions, rules, labels), and looks rows up by their IDs.
    """

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
        self.revealing = (
            program.memo("explanation.revealing", lambda: revealing_values(program)) if self.citizen else frozenset()
        )
        self.personal = {("fact", f.name) for f in program.facts.values() if f.personal}
        self.assumed = frozenset(result.assumed)
        self.tables: dict[str, dict[str, Any]] = {
            "fact": result.facts,
            "let": result.lets,
            "parameter": result.parameter_values,
            "decision": result.decisions,
        }
        trace = result.trace
        self.decision_nodes = {n.name: n for n in trace if isinstance(n, DecisionNode)}
        self.considered = {name: self.rows_of(node) for name, node in self.decision_nodes.items()}

    def lookup(self, source: str, name: str) -> Any:
        """The recorded value of a fact, parameter, ``let`` value or decision, as JSON (or unknown)."""
        table = self.tables.get(source)
        return NOT_KNOWN if table is None else table.get(name, NOT_KNOWN)

    # -- the whole explanation -------------------------------------------------

    def shown_to_citizens(self, info: ir.DecisionInfo) -> bool:
        """Whether a citizen is told a decision: not ``for staff``; revealing nothing sensitive, or ``for person``."""
        if info.audience == "staff":
            return False
        return info.audience == "person" or ("decision", info.name) not in self.revealing

    def reveals(self, *exprs: ir.Expr | None) -> bool:
        """Whether ``exprs`` read a sensitive fact or anything computed from one (only for citizens)."""
        return bool(self.revealing) and any((r.kind, r.name) in self.revealing for e in exprs for r in ir.refs(e))

    def citizen_text(self, key: str) -> str:
        """The text for citizens (``next steps``, ``complaint``) as the municipality or the policy sets it."""
        set_ = self.result.parameter_values.get("NEXT_STEPS" if key == "next" else "COMPLAINT")
        text = None
        if isinstance(set_, dict):
            other = "en" if self.lang == "da" else "da"
            text = set_.get(self.lang) or set_.get(other)
        return str(text) if text else word(self.lang, f"citizen_{key}_default")

    def build(self, only: Sequence[str] | None) -> Explanation:
        header = self.program.header
        names = list(only) if only else list(self.program.decisions)
        if self.citizen:
            names = [n for n in names if self.shown_to_citizens(self.program.decisions[n])]
            return Explanation(
                policy=self.program.name,
                title=title.get(self.lang) if (title := header.title_for(citizen=True)) else None,
                version=header.version,
                lang=self.lang,
                audience=self.audience,
                why_not=self.why_not,
                decisions=tuple(self.decision(name) for name in names),
                questions=tuple(
                    q
                    for q in questions_for(self.result, self.program, names)
                    if not self.program.facts[q.fact].sensitive
                ),
                notes=() if only else self.notes(),
                warnings=self.warnings(),
                next_steps=self.citizen_text("next"),
                complaint=self.citizen_text("complaint"),
                assumed=self.assumed_facts(),
            )
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
            warnings=self.warnings(),
            derived=self.derived() if self.auditor else (),
            parameters=self.parameters() if self.auditor else (),
            handoffs=() if only else self.handoffs(),
            assumed=self.assumed_facts(),
        )

    # -- values ----------------------------------------------------------------

    def text(self, value: Any, t: T.Type | None) -> str:
        """A value as a reader sees it: labels of enum values, yes/no, lists joined."""
        inner = T.strip_optional(t) if t is not None else None
        if value is None:
            return word(self.lang, "none")
        if isinstance(value, bool):
            return word(self.lang, "yes" if value else "no")
        currency = T.currency_of(inner) if inner == T.MONEY else None
        if currency and isinstance(value, int | float | Decimal):
            return show_amount(value, currency, self.lang)  # 1.234,50 kr. / DKK 1,234.50
        if isinstance(value, str) and inner == T.DATE and self.citizen:
            return long_date(value, self.lang)
        if isinstance(value, str) and inner == T.RULE and self.citizen and value in self.program.rules:
            return self.program.rules[value].title_in(self.lang) or value  # a citizen reads no rule ID
        if isinstance(value, str):
            enum = inner if isinstance(inner, T.EnumType) else None
            if isinstance(inner, T.UnionType):
                enum = inner.enum_with(value)
            labels = enum.label(value) if enum is not None and value in enum.members else None
            return (labels.get(self.lang) if labels else None) or value
        if isinstance(value, list):
            element = inner.element if isinstance(inner, T.ListType | T.SetType) else None
            parts = [self.text(x, element) for x in value]
            # a Danish decimal comma in an element: the elements are parted by semicolons (0,5; 2)
            separator = "; " if self.lang == "da" and any("," in part for part in parts) else ", "
            return separator.join(parts) or word(self.lang, "none")
        if isinstance(value, dict) and isinstance(inner, T.EnumType) and len(value) == 1:
            ((member, fields),) = value.items()  # a tagged value: its member's label, then its fields
            labels = inner.label(member)
            shown = (labels.get(self.lang) if labels else None) or member
            return f"{shown} ({self.text(fields, inner.fields_of(member))})" if fields else shown
        if isinstance(value, dict):
            if isinstance(inner, T.UnionType):  # a record, or an enum value such as not_applicable
                inner = inner.option(T.RecordType) or inner.option(T.MapType)
            parts = []
            for k, x in value.items():
                if isinstance(inner, T.RecordType):
                    labels = inner.label(k)
                    parts.append(f"{(labels.get(self.lang) if labels else None) or k}: {self.text(x, inner.field(k))}")
                elif isinstance(inner, T.MapType):
                    parts.append(f"{self.text(k, inner.key)}: {self.text(x, inner.value)}")
                else:
                    parts.append(f"{k}: {self.text(x, None)}")
            return "; ".join(parts)
        if isinstance(value, Decimal | float) and self.lang == "da":  # a Danish reader's decimal comma: 0,2
            return format(Decimal(str(value)) if isinstance(value, float) else value, "f").replace(".", ",")
        return str(value)

    def in_text(self, shown: Shown, t: T.Type | None) -> str:
        """A value as an ``explain`` text's placeholder shows it: an amount without its currency,
        which the text writes itself (``{RATE} kr.``); anything else as :meth:`text` shows it."""
        inner = T.strip_optional(t) if t is not None else None
        currency = T.currency_of(inner) if inner == T.MONEY and inner is not None else None
        number = shown.value
        if shown.state == KNOWN and currency and isinstance(number, int | float) and not isinstance(number, bool):
            return show_amount(number, currency, self.lang, unit=False)
        return shown.text

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

    def input(self, key: Name, *read_by: ir.Expr | None) -> Input:
        source, name = key
        value = self.lookup(source, name)
        chosen = self.chosen(name, read_by) if source == "parameter" else None
        if chosen is not None:  # a dated parameter read on one date: the value that was used
            value = chosen["value"]
        shown = self.shown(
            value,
            self.probe.type_of(source, name),
            withheld=key in self.carried,
            unknown=value is NOT_KNOWN,
        )
        label = self.label(source, name)
        if chosen is not None and chosen.get("from") and shown.state == KNOWN:  # the label says which value it is
            since = f"{word(self.lang, 'in_force_from')} {chosen['from']}"
            label = f"{label}, {since}" if label else since
        assumed = source == "fact" and name in self.assumed
        return Input(name, source, label, shown, key in self.personal, assumed)

    def chosen(self, name: str, read_by: Sequence[ir.Expr | None]) -> dict[str, Any] | None:
        """The value of the dated parameter ``name`` that ``read_by`` used and its start date, if they read one date.

        On the evaluation date it is the result's record; on a date written as a constant or read
        from a known fact it is chosen from the parameter's dated values as the engine chose it.
        """
        uses = [n for e in read_by if e is not None for n in ir.walk(e) if isinstance(n, ir.AtIR)]
        uses = [n for n in uses if n.parameter.name == name]
        if not uses:
            return None
        if all(n.implicit for n in uses):
            return self.result.dated.get(name)
        days = {self.day(n.date) for n in uses}
        history = self.result.parameter_values.get(name)
        values = history.get("values") if isinstance(history, dict) else None
        if len(days) != 1 or None in days or not isinstance(values, dict):
            return None
        (day,) = days
        starts = [start for start in values if start <= str(day)]
        if not starts:
            return None
        start = max(starts)
        return {"date": day, "from": None if start == "0001-01-01" else start, "value": values[start]}

    def day(self, e: ir.Expr) -> str | None:
        """A date written as a constant, or a fact's known date, as ``YYYY-MM-DD``; else ``None``."""
        if isinstance(e, ir.Const) and isinstance(e.value, dt.date):
            return e.value.isoformat()[:10]
        if isinstance(e, ir.Ref) and e.kind == "fact":
            value = self.result.facts.get(e.name)
            return value[:10] if isinstance(value, str) else None
        return None

    def assumed_facts(self) -> tuple[Input, ...]:
        """The facts the fact set left out whose defaults were used (for citizens, none that is sensitive)."""
        facts = self.program.facts
        return tuple(
            self.input(("fact", name))
            for name in self.result.assumed
            if name in facts and not (self.citizen and facts[name].sensitive)
        )

    # -- rules and steps ---------------------------------------------------------

    def warnings(self) -> tuple[str, ...]:
        """The result's warnings in the explanation's language (for citizens, none that reveals a sensitive fact)."""
        hidden = set()
        if self.citizen and self.revealing:
            hidden = {w.name for w in self.program.warnings if self.reveals(w.condition)}
        return tuple(
            (w.da if self.lang == "da" and w.da else w.en) or w.code
            for w in self.result.warnings
            if w.code not in hidden
        )

    def rule(self, info: ir.RuleInfo, values: dict[str, str] | None = None) -> Rule:
        """A rule as the explanation shows it, its ``explain`` text filled with ``values``."""
        internal = not self.citizen
        template = info.explain.get(self.lang) if info.explain else None
        if self.citizen:  # the legal basis as the statute or guideline names it; no code, no line number
            named = tuple(dict.fromkeys(n for n in (x.named_for_citizens(self.lang) for x in info.citations) if n))
            basis = legal_basis(named, self.lang)
            return Rule(  # no title: the reasons are the explain texts; a title can name a ground
                rule_id=info.rule_id,
                citation=basis,
                explain=fill(template, values or {}) if template else None,
                short=basis,
                basis=named,
            )
        return Rule(
            rule_id=info.rule_id,
            citation=info.citation,
            title=info.title_in(self.lang),
            force=info.force,
            quote=info.quote,
            explain=fill(template, values or {}) if template else None,
            note=info.note.get(self.lang) if info.note and internal else None,
            provenance=info.provenance if internal else None,
            inferred=info.inferred and internal,
            span=_span(info.span) if self.auditor else None,
            short=info.short_citation,
        )

    def rules_of(self, rule_ids: Sequence[str], values: dict[str, str] | None = None) -> tuple[Rule, ...]:
        rules = self.program.rules
        return tuple(self.rule(rules[r], values) for r in rule_ids if r in rules)

    def step(self, decision: ir.DecisionInfo, considered: Considered, outcome: str | None = None) -> Step:
        """One considered row of ``decision`` as the explanation shows it."""
        row, node = considered.row, considered.node
        outcome = outcome or considered.outcome
        value_type = T.element_type(decision.type) if decision.kind == "collect" else decision.type
        withheld_value = carries(row.value, self.carried)
        recorded = node.value if node is not None else NO_VALUE
        if recorded is not NO_VALUE and not (outcome == "unknown" and decision.kind == "collect"):
            value: Shown | None = self.shown(recorded, value_type, withheld=withheld_value)
        else:
            value = self._computed(self.probe.value_of(row, self.lookup), row, value_type, withheld_value)
        inputs = {key: self.input(key, row.condition, row.value) for key in self.probe.reads(row.condition, row.value)}
        values = {name: self.in_text(i.shown, self.probe.type_of(kind, name)) for (kind, name), i in inputs.items()}
        if value is not None:
            values.setdefault(VALUE, self.in_text(value, value_type))
        if self.citizen:  # the reasons in words: no condition, no values read, nothing sensitive
            for kind, name in inputs:
                if (kind, name) in self.revealing:
                    values[name] = word(self.lang, "withheld")
            # no factors either: what is weighed can name the very ground a sensitive fact is
            return Step(outcome=outcome, value=value, rules=self.rules_of(row.rules, values))
        holds = considered.holds
        if row.condition is not None and carries(row.condition, self.carried):
            holds = None
        failing: list[Part] = []
        needs = "all"
        if outcome in ("not_applicable", "unknown") and (self.why_not or outcome == "unknown"):
            found = self.probe.failing_parts(row, considered.holds, self.lookup)
            if found is not None:
                parts, needs = found
                for expr, x in parts:
                    part_inputs = tuple(inputs[key] for key in self.probe.reads(expr) if key in inputs)
                    shown_holds: bool | str | None = "unknown" if not isinstance(x, bool | None) else False
                    if carries(expr, self.carried):
                        shown_holds = None
                    failing.append(Part(self.probe.text(expr.span), shown_holds, part_inputs))
        factors: tuple[str, ...] = ()
        if outcome in DECIDING:
            factors = tuple(f.labels.get(self.lang) or f.labels.en or f.labels.da or f.code or "" for f in row.factors)
        return Step(
            outcome=outcome,
            condition=self.probe.text(row.condition.span) if row.condition is not None else None,
            holds=holds if row.condition is not None else None,
            value=value,
            rules=self.rules_of(row.rules, values),
            inputs=tuple(inputs.values()),
            factors=factors,
            failing=tuple(failing),
            needs=needs,
            span=_span(row.span) if self.auditor else None,
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
        return Step(
            outcome="not_reached",
            condition=self.probe.text(row.condition.span) if row.condition is not None else None,
            value=value,
            rules=self.rules_of(row.rules),
            span=_span(row.span) if self.auditor else None,
        )

    # -- decisions ---------------------------------------------------------------

    def rows_of(self, node: DecisionNode) -> list[Considered]:
        """The rows of a decision the evaluation considered, in the order they are written."""
        found: list[Considered] = []
        for child in node.children:
            if isinstance(child, RowNode):
                row = self.program.row(child.row)
                if row is not None:
                    found.append(Considered(row, child.outcome, child.holds, child))
            elif isinstance(child, NotApplicableNode):
                for rid in child.rows:
                    row = self.program.row(rid)
                    if row is not None:
                        found.append(Considered(row, "not_applicable", False, None))
        order = self._order(node.name)
        found.sort(key=lambda c: order.get(c.row.id, len(order)))
        return found

    def _order(self, decision: str) -> dict[str, int]:
        info = self.program.decisions[decision]
        rows = (*info.rows, info.default) if info.default is not None else info.rows
        return {r.id: i for i, r in enumerate(rows)}

    def decision(self, name: str) -> Decision:
        info = self.program.decisions[name]
        labels = info.labels.get(self.lang) if info.labels else None
        withheld = ("decision", name) in self.carried
        node = self.decision_nodes.get(name)
        if node is None:  # evaluated without a trace: what the result says
            return self._untraced(info, labels, withheld)
        value = self.shown(node.value, info.type, withheld=withheld) if node.status == "decided" else None
        rows = self.considered[name]
        steps = tuple(self.step(info, c) for c in rows if c.outcome in DECIDING)
        open_: tuple[Step, ...] = ()
        alternatives: tuple[Step, ...] = ()
        if self.citizen:  # a citizen reads what was decided and why; the rows' conditions are for staff
            missing = tuple(self.fact_ref(f) for f in node.missing if not self.program.facts[f].sensitive)
            return Decision(
                name=name,
                label=labels,
                kind=info.kind,
                status=node.status,
                value=value,
                steps=steps,
                missing=missing,
                settled=self._settlement(node.settled, steps) if node.settled is not None else None,
            )
        open_ = tuple(self.step(info, c) for c in rows if c.outcome == "unknown")
        if self.why_not:
            alternatives = self._alternatives(info, rows)
        return Decision(
            name=name,
            label=labels,
            kind=info.kind,
            status=node.status,
            value=value,
            steps=steps,
            open=open_,
            alternatives=alternatives,
            facts=self.facts_used(name),
            missing=tuple(self.fact_ref(f) for f in node.missing),
            waiting_for=node.waiting_for,
            note=info.note.get(self.lang) if info.note and not self.citizen else None,
            span=_span(info.span) if self.auditor else None,
            settled=self._settlement(node.settled, steps) if node.settled is not None else None,
            calls=tuple(self.call(c) for c in node.children if isinstance(c, CallNode)),
        )

    def call(self, node: CallNode) -> FunctionCall:
        """A call of a function of the policy, as a caseworker or auditor reads it."""
        info = self.program.functions.get(node.function)
        types = dict(info.params) if info is not None else {}
        arguments = tuple(
            (
                name,
                self.shown(None, types.get(name), unknown=True)
                if value == "unknown"
                else self.shown(value, types.get(name)),
            )
            for name, value in node.arguments.items()
        )
        result_type = info.type if info is not None else None
        result = (
            self.shown(None, result_type, unknown=True)
            if node.result is NO_VALUE
            else self.shown(node.result, result_type)
        )
        label = info.labels.get(self.lang) if info is not None and info.labels else None
        calls = tuple(self.call(c) for c in node.children if isinstance(c, CallNode))
        return FunctionCall(node.function, label, arguments, result, node.citation, calls)

    def _settlement(self, data: dict[str, Any], steps: Sequence[Step]) -> Settlement:
        """How the decision was settled by cases; its rules, less those its steps show already."""
        shown = {r.rule_id for step in steps for r in step.rules}
        ids = [r for r in data["rules"] if r not in shown]
        return Settlement(tuple(self.fact_ref(f) for f in data["facts"]), data["cases"], self.rules_of(ids))

    def _alternatives(self, info: ir.DecisionInfo, rows: list[Considered]) -> tuple[Step, ...]:
        found: list[Step] = []
        fired = {c.row.id for c in rows if c.outcome == "fired" or c.holds is True}
        for c in rows:
            if c.outcome not in ("not_applicable", "overridden"):
                continue
            step = self.step(info, c)
            if c.outcome == "overridden":
                by = [
                    rid
                    for i in c.row.exceptions
                    if i < len(info.rows) and info.rows[i].id in fired
                    for rid in info.rows[i].rules
                ]
                step = attrs.evolve(step, overridden_by=tuple(dict.fromkeys(by)))
            found.append(step)
        if info.kind == "first_match":
            traced = {c.row.id for c in rows}
            last = max((i for i, r in enumerate(info.rows) if r.id in traced), default=-1)
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

    def facts_used(self, decision: str) -> tuple[Input, ...]:
        """The facts the considered rows of ``decision`` read, directly or through ``let`` values
        and other decisions, once each in the order first read."""
        found: dict[str, Input] = {}
        seen: set[Name] = set()
        lets = self.program.lets

        def visit(keys: Sequence[Name]) -> None:
            for key in keys:
                if key in seen:
                    continue
                seen.add(key)
                source, name = key
                if source == "fact":
                    found[name] = self.input(key)
                elif source == "let" and name in lets:
                    visit(self.probe.reads(lets[name].expr))
                elif source == "decision" and name in self.considered:
                    visit(self._reads_of_rows(name))

        visit(self._reads_of_rows(decision))
        return tuple(found.values())

    def _reads_of_rows(self, decision: str) -> list[Name]:
        # every row considered: a first match depends on the rows above the one that applied
        return [
            key for c in self.considered.get(decision, ()) for key in self.probe.reads(c.row.condition, c.row.value)
        ]

    # -- the rest of the trace ---------------------------------------------------

    def notes(self) -> tuple[Note, ...]:
        found = []
        for n in self.result.trace:
            if not isinstance(n, NoteNode) or n.rule_id not in self.program.rules:
                continue
            info = self.program.rules[n.rule_id]
            if self.citizen and self.reveals(info.condition):
                continue
            inputs = tuple(self.input(key) for key in self.probe.reads(info.condition))
            filled = {i.name: self.in_text(i.shown, self.probe.type_of(i.source, i.name)) for i in inputs}
            found.append(Note(self.rule(info, filled), inputs))
        return tuple(found)

    def handoffs(self) -> tuple[Handoff, ...]:
        if self.citizen:  # where else the person is assessed is the caseworkers' routing
            return ()
        found = []
        entries = iter(self.result.handoffs)
        by_target = [h for h in self.program.handoffs]
        for n in self.result.trace:
            if not isinstance(n, HandoffNode):
                continue
            entry = next(entries, None)
            if entry is None:
                break
            info = next((h for h in by_target if h.target == n.policy and h.span == n.span), None)
            labels = entry.get("note") or {}
            other = "en" if self.lang == "da" else "da"
            note = (labels.get(self.lang) or labels.get(other)) if not self.citizen else None  # internal, as rule notes
            missing = tuple(self.fact_ref(f) for f in entry.get("missing", ()))
            reads = self.probe.reads(info.condition) if info is not None else ()
            inputs = tuple(self.input(key) for key in reads)
            found.append(
                Handoff(entry["policy"], entry["status"], self.rules_of(entry["rules"]), note, missing, inputs)
            )
        return tuple(found)

    def derived(self) -> tuple[LetValue, ...]:
        found = []
        lets = self.result.lets
        for step in self.program.plan:
            if step.kind != "let":
                continue
            info = self.program.lets[step.name]
            value = lets.get(step.name, NOT_KNOWN)
            shown = self.shown(value, info.type, unknown=value is NOT_KNOWN)
            found.append(LetValue(step.name, _normal(info.expr.span.text), shown, _span(info.span)))
        return tuple(found)

    def parameters(self) -> tuple[Parameter, ...]:
        used: set[str] = set()
        program = self.program
        reads: list[Name] = []
        for rows in self.considered.values():
            for c in rows:
                reads.extend(self.probe.reads(c.row.condition, c.row.value))
        for step in program.plan:
            if step.kind == "let":
                reads.extend(self.probe.reads(program.lets[step.name].expr))
            elif step.kind == "parameter":
                used.add(step.name)
        for n in self.result.trace:
            if isinstance(n, NoteNode) and n.rule_id in program.rules:
                reads.extend(self.probe.reads(program.rules[n.rule_id].condition))
        for h in program.handoffs:
            reads.extend(self.probe.reads(h.condition))
        used.update(name for source, name in reads if source == "parameter")
        values = self.result.parameter_values
        found = []
        for name, info in program.parameters.items():
            if name not in used or name not in values:
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


@attrs.frozen
class Considered:
    """A row of a decision the evaluation considered: its outcome, its condition's value, its trace node."""

    row: ir.RowInfo
    outcome: str
    holds: bool | str | None
    node: RowNode | None

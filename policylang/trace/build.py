"""Build the trace tree from a recorder's events, when a result's trace is first read.

During evaluation the engine only reports flat events (:mod:`policylang.trace.events`),
each naming the checked program's own records. A :class:`TraceBuilder` turns them into
:class:`~policylang.trace.nodes.TraceNode` trees with the rules' citations and quotes and
the values each row read, from the program and the evaluation's final values. It keeps
what it works out once per program (a rule's data, the values an expression reads), so it
belongs to one evaluated program and lives as long as the engine that made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode
from policylang.trace.nodes import TraceNode


@attrs.frozen
class ReadValue:
    """A fact, parameter, ``let`` value or decision an expression reads, for the ``input`` nodes."""

    kind: str
    name: str
    slot: int
    type: T.Type


@attrs.frozen
class SettledDecision:
    """A decision settled by cases (:mod:`policylang.engine.settle`), as its trace node reports it."""

    value: Any
    facts: tuple[str, ...]
    cases: int
    rules: tuple[str, ...]


class TraceBuilder:
    """Turns the events of evaluations of one program into trace trees."""

    def __init__(
        self,
        program: ir.Program,
        declared: ir.Program,
        parameter_values: Mapping[str, Any],
        overridden: Iterable[str] = (),
    ) -> None:
        self.program = program
        self.declared = declared  # as written: the defaults the trace shows next to an override
        self.parameter_values = dict(parameter_values)
        self.overridden = frozenset(overridden)
        self.slots = ir.slot_table(program)
        self.fact_order = {name: i for i, name in enumerate(program.facts)}
        self.reads: dict[tuple[int, ...], tuple[ReadValue, ...]] = {}
        self.rule_data: dict[str, tuple[dict[str, Any], Any]] = {}
        self.rows: dict[int, tuple[Any, ir.RowInfo]] = {}

    # -- the tree ------------------------------------------------------------------

    def build(self, events: list[tuple[Any, ...]], v: list[Any]) -> list[TraceNode]:
        """The trace tree of one evaluation: its events and its final values ``v``."""
        roots: list[TraceNode] = []
        stack: list[TraceNode] = []
        for event in events:
            kind = event[0]
            node: TraceNode
            if kind == "decided":
                stack.pop().data.update(self.status(event[1], event[2]))
                continue
            if kind == "row":
                _, decision, row, outcome, condition, value = event
                node = self.row(row, outcome, v, condition, value, _value_type(decision))
            elif kind == "decision":
                node = TraceNode("decision", self.decision_data(event[1]), event[1].span)
            elif kind == "derived":
                node = self.let(event[1], event[2], v)
            elif kind == "note":
                node = self.note(event[1], v)
            elif kind == "warning":
                node = TraceNode("warning", event[1].to_dict())
            elif kind == "handoff":
                node = self.handoff(event[1], event[3], v)
            else:
                node = self.parameter(event[1], event[2])
            (stack[-1].children if stack else roots).append(node)
            if kind == "decision":
                stack.append(node)
        return roots

    def decision_data(self, info: ir.DecisionInfo) -> dict[str, Any]:
        """What a ``decision`` node says before its value is known."""
        data: dict[str, Any] = {"name": info.name}
        if info.provenance:
            data["provenance"] = info.provenance
        if info.note:
            data["note"] = {"da": info.note.da, "en": info.note.en}
        return data

    def status(self, info: ir.DecisionInfo, value: Any) -> dict[str, Any]:
        """What the trace says about a decision's value."""
        if type(value) is not Unknown:
            return {"status": "decided", "value": encode(value, info.type)}
        data: dict[str, Any] = {}
        if value.facts:
            data["status"] = "undetermined"
            data["missing"] = self.in_fact_order(value.facts)
        else:
            data["status"] = "no_rule"
        if value.blocked - {info.name}:
            data["waiting_for"] = sorted(value.blocked - {info.name})
        return data

    def let(self, info: ir.LetInfo | ir.ParamInfo, value: Any, v: list[Any]) -> TraceNode:
        """The node of a ``let`` value, or of a ``condition`` parameter."""
        expression: ir.Expr
        rules: tuple[str, ...]
        value_type: T.Type
        if isinstance(info, ir.ParamInfo):
            expression, rules, value_type = info.default, (), T.BOOL
        else:
            expression, rules, value_type = info.expr, info.rules, info.type
        data: dict[str, Any] = {"name": info.name, "expression": expression.span.text}
        if isinstance(info, ir.ParamInfo):
            data["parameter"] = True
            data["overridden"] = info.name in self.overridden
        if type(value) is Unknown:
            data["unknown"] = True
            data["missing"] = self.in_fact_order(value.facts)
            outcome = "unknown"
        else:
            data["value"] = encode(value, value_type)
            # a condition-like value that does not hold does not make its rule apply
            outcome = "not_applicable" if value is False or value is None else "fired"
        row = self.row_of(info, lambda: ir.RowInfo(expression, None, (), rules, info.span))
        children = self.row(row, outcome, v, True, value, value_type).children
        return TraceNode("derived", data, info.span, children)

    def note(self, rule: ir.RuleInfo, v: list[Any]) -> TraceNode:
        """The node citing an informational rule whose condition holds."""
        row = self.row_of(
            rule,
            lambda: ir.RowInfo(
                ir.Const(True, T.BOOL, rule.span), rule.condition, rule.factors, (rule.rule_id,), rule.span
            ),
        )
        node = self.row(row, "fired", v, True, True, T.BOOL)
        cited = node.children[0]
        return TraceNode("note", dict(cited.data), cited.span, node.children[1:])

    def handoff(self, handoff: ir.HandoffInfo, entry: dict[str, Any], v: list[Any]) -> TraceNode:
        """The node of a handoff to another policy, with the values its condition read."""
        row = self.row_of(
            handoff,
            lambda: ir.RowInfo(
                ir.Const(True, T.BOOL, handoff.span), handoff.condition, (), handoff.rules, handoff.span
            ),
        )
        fired = entry["status"] == "applies"
        detail = self.row(row, "fired" if fired else "unknown", v, True if fired else Unknown(), None, T.BOOL)
        return TraceNode("handoff", dict(entry), handoff.span, detail.children)

    def parameter(self, name: str, value: Any) -> TraceNode:
        """The node of a parameter overridden for this evaluation, with its declared default."""
        p = self.declared.parameters[name]
        shown = value if p.is_condition else encode(self.parameter_values.get(name, value), p.type)
        return TraceNode("parameter", {"name": name, "value": shown, "default": p.default.span.text}, p.span)

    def row(
        self,
        row: ir.RowInfo,
        outcome: str,
        v: list[Any],
        condition: Any,
        value: Any = None,
        value_type: T.Type | None = None,
    ) -> TraceNode:
        """The ``row`` node for one alternative: outcome, condition, its rules, the values it read, factors."""
        data: dict[str, Any] = {"outcome": outcome}
        if outcome in ("fired", "unknown", "default") and type(value) is not Unknown:
            data["value"] = encode(value, value_type)
        if row.condition is not None:
            data["condition"] = row.condition.span.text
            data["condition_value"] = "unknown" if type(condition) is Unknown else bool(condition)
        node = TraceNode("row", data, row.span)
        for rid in row.rules:
            cited = self.rule(rid)
            if cited is not None:
                data_, span = cited
                node.children.append(TraceNode("rule", {**data_, "outcome": outcome}, span))
        for read in self.read_values(row.condition, row.value):
            x = v[read.slot]
            if type(x) is Unknown:
                entry = {"name": read.name, "source": read.kind, "unknown": True}
            else:
                entry = {"name": read.name, "source": read.kind, "value": encode(x, read.type)}
            node.children.append(TraceNode("input", entry))
        if outcome in ("fired", "default") and row.factors:
            node.children.append(TraceNode("factors", {"factors": [factor_data(f) for f in row.factors]}))
        return node

    def mark_settled(self, nodes: list[TraceNode], settled: Mapping[str, SettledDecision]) -> list[TraceNode]:
        """The trace with each settled decision's node saying its value and how it was settled."""
        for node in nodes:
            name = node.data.get("name")
            if node.kind != "decision" or not isinstance(name, str) or name not in settled:
                continue
            found = settled[name]
            node.data.pop("missing", None)
            node.data.pop("waiting_for", None)
            node.data.update(
                status="decided",
                value=encode(found.value, self.program.decisions[name].type),
                settled={"facts": list(found.facts), "cases": found.cases, "rules": list(found.rules)},
            )
        return nodes

    # -- what is worked out once per program ----------------------------------------------

    def row_of(self, info: Any, make: Callable[[], ir.RowInfo]) -> ir.RowInfo:
        """The row a ``let`` value, note or handoff is traced as (made once per declaration)."""
        row = self.rows.get(id(info))
        if row is None or row[0] is not info:
            row = self.rows[id(info)] = (info, make())
        return row[1]

    def read_values(self, *exprs: ir.Expr | None) -> tuple[ReadValue, ...]:
        """The named values ``exprs`` read, once each, in the order they are written."""
        key = tuple(id(e) for e in exprs)
        found = self.reads.get(key)
        if found is None:
            seen: dict[tuple[str, str], ReadValue] = {}
            for e in exprs:
                for ref in ir.refs(e):
                    at = (ref.kind, ref.name)
                    if at not in seen and at in self.slots:
                        seen[at] = ReadValue(ref.kind, ref.name, self.slots[at], ref.type)
            found = self.reads[key] = tuple(seen.values())
        return found

    def rule(self, rule_id: str) -> tuple[dict[str, Any], Any] | None:
        """What a ``rule`` node says about a rule, and its span; ``None`` for an unknown ID."""
        cited = self.rule_data.get(rule_id)
        if cited is None:
            info = self.program.rules.get(rule_id)
            if info is None:
                return None
            cited = self.rule_data[rule_id] = (rule_data(info), info.span)
        return cited

    def in_fact_order(self, facts: Iterable[str]) -> list[str]:
        """Fact names in the order the policy declares them."""
        return sorted(facts, key=lambda f: self.fact_order.get(f, 0))


def _value_type(info: ir.DecisionInfo) -> T.Type:
    """The type of one row's value: a ``collect`` row gives one element."""
    return (T.element_type(info.type) or info.type) if info.kind == "collect" else info.type


def factor_data(f: ir.FactorInfo) -> dict[str, Any]:
    """A factor to weigh as the trace shows it: its code and Danish and English labels."""
    return {"code": f.code, "da": f.labels.da, "en": f.labels.en}


def rule_data(rule: ir.RuleInfo) -> dict[str, Any]:
    """What a ``rule`` node says about a rule: ID, citations, force, provenance, quote, notes."""
    data: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "citation": rule.citation,
        "citations": [c.to_dict() for c in rule.citations],
    }
    if rule.title:
        data["title"] = rule.title
    if rule.force:
        data["force"] = rule.force
    if rule.provenance:
        data["provenance"] = rule.provenance
    if rule.inferred:
        data["inferred"] = True
    if rule.quote:
        data["quote"] = rule.quote
    if rule.note:
        data["note"] = {"da": rule.note.da, "en": rule.note.en}
    if rule.explain:
        data["explain"] = {"da": rule.explain.da, "en": rule.explain.en}
    return data

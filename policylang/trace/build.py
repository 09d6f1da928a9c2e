"""Build the trace tree from the events of an evaluation, as they happen.

The engine reports events (:mod:`policylang.trace.events`), each naming the checked
program's own records. A :class:`TreeRecorder` is a tracer that turns them into the typed
nodes of :mod:`policylang.trace.nodes` as they come: a node per decision, per row that
fired, was the default, is unknown or was overridden, one node for a decision's rows
that do not apply, and a ``rule`` node for every rule each of them applies. Its
:class:`TraceBuilder` belongs to one program and keeps what it works out once (one
shared ``rule`` node per rule, one ``not_applicable`` node per set of rows), so it lives
as long as the engine that made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode, encoder
from policylang.trace.events import NOT_COMPUTED
from policylang.trace.nodes import (
    NO_VALUE,
    CallNode,
    DecisionNode,
    HandoffNode,
    LetNode,
    NotApplicableNode,
    NoteNode,
    RowNode,
    RuleNode,
    TraceNode,
)


@attrs.frozen
class SettledDecision:
    """A decision settled by cases (:mod:`policylang.engine.settle`), as its trace node reports it."""

    value: Any
    facts: tuple[str, ...]
    cases: int
    rules: tuple[str, ...]


class TraceBuilder:
    """Turns the events of evaluations of one program into trace trees."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.fact_order = {name: i for i, name in enumerate(program.facts)}
        self.rules = {rid: RuleNode(rid, info.short_citation, info.span) for rid, info in program.rules.items()}
        self.cited: dict[tuple[str, ...], tuple[RuleNode, ...]] = {}
        self.skipped: dict[tuple[str, ...], NotApplicableNode] = {}
        # how each decision's value, and one row's value, is written: worked out once
        self.encoders = {
            name: (encoder(info.type), encoder(_value_type(info))) for name, info in program.decisions.items()
        }

    def recorder(self) -> TreeRecorder:
        """A tracer that builds one evaluation's tree as it happens."""
        return TreeRecorder(self)

    def build(self, events: list[tuple[Any, ...]]) -> list[TraceNode]:
        """The trace tree of a :class:`~policylang.trace.events.Recorder`'s events."""
        tree = TreeRecorder(self)
        for event in events:
            getattr(tree, event[0])(*event[1:])
        return tree.roots

    def row(self, info: ir.DecisionInfo, row: ir.RowInfo, outcome: str, condition: Any, value: Any) -> RowNode:
        """The node of a row that fired, was the default, is unknown or was overridden."""
        holds: bool | str | None = None
        if row.condition is not None:
            holds = "unknown" if type(condition) is Unknown else bool(condition)
        shown = NO_VALUE
        if outcome != "overridden" and type(value) is not Unknown:
            found = self.encoders.get(info.name)
            shown = found[1](value) if found is not None else encode(value, _value_type(info))
        return RowNode(row.id, outcome, holds, shown, self.cite(row.rules), row.span)

    def decided(self, node: DecisionNode, info: ir.DecisionInfo, value: Any, skipped: list[str]) -> None:
        """Complete a decision's node: its status, and the rows that do not apply."""
        if skipped:
            node.children.append(self.not_applicable(tuple(skipped)))
        if type(value) is not Unknown:
            found = self.encoders.get(info.name)
            node.value = found[0](value) if found is not None else encode(value, info.type)
            return
        node.status = "undetermined" if value.facts else "no_rule"
        node.missing = tuple(self.in_fact_order(value.facts))
        node.waiting_for = tuple(sorted(value.blocked - {info.name}))

    def let(self, info: ir.LetInfo | ir.ParamInfo, value: Any) -> LetNode | None:
        """The node of a ``let`` value that cites rules (its value is in the result's ``lets``)."""
        rules = info.rules if isinstance(info, ir.LetInfo) else ()
        if not rules:
            return None
        if type(value) is Unknown:
            outcome = "unknown"
        else:  # a condition-like value that does not hold does not make its rule apply
            outcome = "not_applicable" if value is False or value is None else "fired"
        return LetNode(info.name, outcome, isinstance(info, ir.ParamInfo), self.cite(rules), info.span)

    def call(self, function: ir.FunctionInfo, args: tuple[Any, ...], result: Any, calls: tuple[Any, ...]) -> CallNode:
        """The node of a call of a function, with the nodes of the calls its body made."""
        arguments = {
            name: "unknown" if type(value) is Unknown else encode(value, type_)
            for (name, type_), value in zip(function.params, args, strict=False)
            if value is not NOT_COMPUTED
        }
        shown = NO_VALUE if type(result) is Unknown else encode(result, function.type)
        children = [self.call(*made) for made in calls]
        return CallNode(function.name, arguments, shown, function.short_citation, children, function.span)

    def mark_settled(self, nodes: list[TraceNode], settled: Mapping[str, SettledDecision]) -> list[TraceNode]:
        """The trace with each settled decision's node saying its value and how it was settled."""
        for node in nodes:
            if not isinstance(node, DecisionNode) or node.name not in settled:
                continue
            found = settled[node.name]
            node.status = "decided"
            node.value = encode(found.value, self.program.decisions[node.name].type)
            node.missing = node.waiting_for = ()
            node.settled = {"facts": list(found.facts), "cases": found.cases, "rules": list(found.rules)}
        return nodes

    # -- what is worked out once per program ----------------------------------------------

    def cite(self, rule_ids: tuple[str, ...]) -> tuple[RuleNode, ...]:
        """The shared ``rule`` nodes of ``rule_ids`` (unknown IDs left out)."""
        found = self.cited.get(rule_ids)
        if found is None:
            found = self.cited[rule_ids] = tuple(self.rules[r] for r in rule_ids if r in self.rules)
        return found

    def not_applicable(self, rows: tuple[str, ...]) -> NotApplicableNode:
        """The node of these rows that do not apply (one shared node per set of rows: it does not change)."""
        found = self.skipped.get(rows)
        if found is None:
            if len(self.skipped) > 4096:
                self.skipped.clear()
            rules = dict.fromkeys(r for rid in rows for r in self.row_rules(rid) if r in self.rules)
            found = self.skipped[rows] = NotApplicableNode(rows, tuple(rules))
        return found

    def row_rules(self, row_id: str) -> tuple[str, ...]:
        """The rule IDs a decision row applies."""
        row = self.program.row(row_id)
        return row.rules if row is not None else ()

    def in_fact_order(self, facts: Iterable[str]) -> list[str]:
        """Fact names in the order the policy declares them."""
        return sorted(facts, key=lambda f: self.fact_order.get(f, 0))


def _value_type(info: ir.DecisionInfo) -> T.Type:
    """The type of one row's value: a ``collect`` row gives one element."""
    return (T.element_type(info.type) or info.type) if info.kind == "collect" else info.type


class TreeRecorder:
    """A tracer that builds the trace tree of one evaluation as its events come."""

    __slots__ = ("builder", "current", "roots", "skipped")

    def __init__(self, builder: TraceBuilder) -> None:
        self.builder = builder
        self.roots: list[TraceNode] = []
        self.current: DecisionNode | None = None
        self.skipped: list[str] = []  # the rows of the current decision that do not apply

    def parameter(self, name: str, value: Any) -> None:
        """Nothing: the overridden parameters are in the result's ``parameters``."""

    def decision(self, decision: ir.DecisionInfo) -> None:
        """Start a decision's node."""
        self.current = DecisionNode(decision.name, span=decision.span)
        self.skipped = []

    def decided(self, decision: ir.DecisionInfo, value: Any) -> None:
        """Complete the decision's node."""
        node = self.current
        assert node is not None, "`decided` follows `decision`"
        self.builder.decided(node, decision, value, self.skipped)
        self.roots.append(node)
        self.current = None

    def reported(
        self, decision: ir.DecisionInfo, fired: list[tuple[ir.RowInfo, Any]], skipped: list[str], value: Any
    ) -> None:
        """A decision's events at once, as a run with this tracer would have told them: the rows
        that fired with their values, the IDs of the rows that do not apply, the value."""
        self.decision(decision)
        for row, item in fired:
            self.row(decision, row, "fired", True, item)
        self.skipped = skipped
        self.decided(decision, value)

    def row(self, decision: ir.DecisionInfo, row: ir.RowInfo, outcome: str, condition: Any, value: Any) -> None:
        """Add a row to the decision's node (rows that do not apply, together)."""
        if outcome == "not_applicable":
            self.skipped.append(row.id)
            return
        node = self.current
        assert node is not None, "rows come between `decision` and `decided`"
        node.children.append(self.builder.row(decision, row, outcome, condition, value))

    def derived(self, let: ir.LetInfo | ir.ParamInfo, value: Any) -> None:
        """A ``let`` value's node, where it cites rules."""
        if not isinstance(let, ir.LetInfo) or not let.rules:  # most values cite none: no node
            return
        node = self.builder.let(let, value)
        if node is not None:
            self.roots.append(node)

    def note(self, rule: ir.RuleInfo) -> None:
        """An informational rule's node."""
        cited = self.builder.rules[rule.rule_id]
        self.roots.append(NoteNode(cited.rule_id, cited.citation, cited.span))

    def warning(self, warning: Any) -> None:
        """Nothing: the warnings are in the result's ``warnings``."""

    def call(self, function: ir.FunctionInfo, args: tuple[Any, ...], result: Any, calls: tuple[Any, ...]) -> None:
        """A call's node: under the decision being computed, else at the top."""
        node = self.builder.call(function, args, result, calls)
        if self.current is not None:
            self.current.children.append(node)
        else:
            self.roots.append(node)

    def handoff(self, handoff: ir.HandoffInfo, holds: Any, entry: dict[str, Any]) -> None:
        """A handoff's node, with its rules."""
        self.roots.append(HandoffNode(handoff.target, entry["status"], self.builder.cite(handoff.rules), handoff.span))

"""Turn a recorder's events into the explanation tree, when the trace is first read.

During evaluation the engine only records flat events (:class:`policylang.trace.nodes.Recorder`);
the nodes, with the rules' citations and quotes and the values each row read, are built
here from those events and the evaluation's final values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode
from policylang.trace.nodes import TraceNode

if TYPE_CHECKING:
    from policylang.engine.evaluate import Engine
    from policylang.engine.steps import RuntimeRow


def trace_nodes(engine: Engine, events: list[tuple[Any, ...]], v: list[Any]) -> list[TraceNode]:
    """Build the trace tree from a :class:`~policylang.trace.nodes.Recorder`'s events."""
    roots: list[TraceNode] = []
    stack: list[TraceNode] = []
    for event in events:
        kind = event[0]
        node: TraceNode | None
        if kind == "decided":
            stack.pop().data.update(event[1].status(event[2], engine))
            continue
        if kind == "row":
            _, step, row, outcome, condition, value = event
            node = row_node(engine, row, outcome, v, condition, value, step.value_type)
        elif kind == "decision":
            node = TraceNode("decision", dict(event[1].static), event[1].info.span)
        elif kind == "derived":
            node = event[1].node(event[2], v, engine)
        elif kind == "note":
            node = event[1].node(v, engine)
        elif kind == "warning":
            node = TraceNode("warning", event[1].to_dict())
        elif kind == "handoff":
            _, info, row, entry = event
            outcome = "fired" if entry["status"] == "applies" else "unknown"
            detail = row_node(engine, row, outcome, v, True if outcome == "fired" else Unknown(), None, T.BOOL)
            node = TraceNode("handoff", dict(entry), info.span, detail.children)
        else:
            node = parameter_node(engine, event[1], event[2])
        (stack[-1].children if stack else roots).append(node)
        if kind == "decision":
            stack.append(node)
    return roots


def parameter_node(engine: Engine, name: str, value: Any) -> TraceNode:
    """The trace node of a parameter overridden for this evaluation, with its declared default."""
    p = engine.declared.parameters[name]
    shown = value if p.is_condition else encode(dict(engine.parameter_values).get(p.slot, value), p.type)
    return TraceNode("parameter", {"name": name, "value": shown, "default": p.default.span.text}, p.span)


def row_node(
    engine: Engine,
    row: RuntimeRow,
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
    if row.condition_text is not None:
        data["condition"] = row.condition_text
        data["condition_value"] = "unknown" if type(condition) is Unknown else bool(condition)
    node = TraceNode("row", data, row.info.span)
    for rule in row.rule_nodes:
        node.children.append(TraceNode("rule", {**rule, "outcome": outcome}, rule["_span"]))
        del node.children[-1].data["_span"]
    for inp in row.inputs:
        x = v[inp.slot]
        if type(x) is Unknown:
            entry = {"name": inp.name, "source": inp.kind, "unknown": True}
        else:
            entry = {"name": inp.name, "source": inp.kind, "value": encode(x, inp.type)}
        node.children.append(TraceNode("input", entry))
    if outcome in ("fired", "default") and row.info.factors:
        node.children.append(TraceNode("factors", {"factors": [factor_data(f) for f in row.info.factors]}))
    return node


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
    data["_span"] = rule.span
    return data

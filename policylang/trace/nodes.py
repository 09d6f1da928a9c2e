"""The trace tree: what an evaluation did, as typed nodes that name the law they apply.

A trace says each thing once. The static text of the law (rule titles, full citations,
quotes, notes, labels, row conditions, spans) is in the policy's manifest
(:mod:`policylang.trace.manifest`); the values the evaluation read are in the result's
``facts``, ``lets`` and ``parameter_values``; a node carries what happened and refers to
the rest by ID: a decision by name, a row by its ID in the checked program
(``right_to_help/3``), a rule by its rule ID. Every node keeps its kind, and every rule
it applies as a ``rule`` node with the rule ID and a short citation (the rules of the
alternatives that did not apply by ID), so that the trace alone says which law decided
what, and which did not.

The kinds are a closed set, one class each (``docs/trace.rst`` and
``policylang/schemas/result.schema.json``):

``decision``        a decision: its status and value, or the facts it waits for;
``row``             an alternative that fired, was the default, is unknown or was overridden;
``not_applicable``  the alternatives of a decision whose conditions do not hold, together,
                    with the IDs of their rules;
``rule``            a rule of the law a row, ``let`` value or handoff applies;
``let``             a ``let`` value (or ``condition`` parameter) that cites rules;
``note``            an informational rule whose condition holds;
``handoff``         another policy the person should also be evaluated under;
``call``            a call of a function the policy declares: its arguments and result.

The in-memory tree and the JSON are the same records: ``node.to_dict()`` is the node's
JSON, and :func:`node_from_dict` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from policylang.base.span import Span
from policylang.ir import program as ir

TRACE_FORMAT = "policylang.trace/2"
NODE_KINDS = ("decision", "row", "not_applicable", "rule", "let", "note", "handoff", "call")


class _NoValue:
    """The value of a node that has none (a row that did not give one): not written in its JSON."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


class TraceNode:
    """What every trace node has: a ``kind``, ``children``, a ``span``, and its JSON.

    ``node.get(key)`` and ``node.data`` read the node's JSON fields (``rule_id``,
    ``outcome``, ``value`` ...), as for a node read back from JSON.
    """

    __slots__ = ()
    kind: ClassVar[str]
    children: Sequence[TraceNode]
    span: Span | None

    def to_dict(self) -> dict[str, Any]:
        """The node's JSON: ``kind``, its fields, and ``children``."""
        raise NotImplementedError

    @property
    def data(self) -> dict[str, Any]:
        """The node's JSON fields, without ``kind`` and ``children``."""
        found = self.to_dict()
        found.pop("kind", None)
        found.pop("children", None)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        """A JSON field of the node (``rule_id``, ``value`` ...), or ``default``."""
        return self.data.get(key, default)

    def walk(self) -> Iterator[TraceNode]:
        """This node and its descendants, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()


def _children(data: dict[str, Any], children: Sequence[TraceNode]) -> dict[str, Any]:
    data["children"] = [c.to_dict() for c in children] if children else []
    return data


@attrs.define(slots=True, eq=False)
class RuleNode(TraceNode):
    """A rule of the law applied here: its ID and short citation (the rest is in the manifest).

    One node per rule is shared by every tree that cites it: it has no children and does
    not change.
    """

    kind: ClassVar[str] = "rule"
    rule_id: str
    citation: str
    span: Span | None = None
    children: Sequence[TraceNode] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": "rule", "rule_id": ..., "citation": ..., "children": []}``."""
        return {"kind": "rule", "rule_id": self.rule_id, "citation": self.citation, "children": []}


@attrs.define(slots=True, eq=False)
class RowNode(TraceNode):
    """An alternative of a decision that fired, was the default, is unknown or was overridden.

    ``row`` is its ID in the checked program (its condition, rules and the factors it
    weighs are in the manifest); ``holds`` the value of its condition (absent where it has
    none); ``value`` its value (as in a fact file) where it gave one.
    """

    kind: ClassVar[str] = "row"
    row: str
    outcome: str  # fired, default, unknown, overridden
    holds: bool | str | None = None  # True, False or "unknown"; None: the row has no condition
    value: Any = NO_VALUE
    children: Sequence[TraceNode] = ()
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row's JSON (see ``docs/trace.rst``); a row that fired holds, so its ``holds`` is left out."""
        data: dict[str, Any] = {"kind": "row", "row": self.row, "outcome": self.outcome}
        if self.holds is not None and not (self.outcome == "fired" and self.holds is True):
            data["holds"] = self.holds
        if self.value is not NO_VALUE:
            data["value"] = self.value
        return _children(data, self.children)


@attrs.define(slots=True, eq=False)
class NotApplicableNode(TraceNode):
    """The alternatives of a decision whose conditions do not hold: their row IDs, and their rules' IDs once each.

    The rows' conditions and the rules' citations are in the manifest; a ``--why-not``
    explanation reads them there.
    """

    kind: ClassVar[str] = "not_applicable"
    rows: tuple[str, ...]
    rule_ids: tuple[str, ...] = ()
    span: Span | None = None
    children: Sequence[TraceNode] = ()
    numbers: str = attrs.field(init=False, default="")

    def __attrs_post_init__(self) -> None:
        self.numbers = row_numbers(self.rows)

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": "not_applicable", "rows": "1-5,7", "rule_ids": [...], "children": []}``.

        ``rows`` are the rows' numbers in their decision (the node's parent): ``1-5,7`` are
        the rows ``name/1`` to ``name/5`` and ``name/7``.
        """
        return {"kind": "not_applicable", "rows": self.numbers, "rule_ids": list(self.rule_ids), "children": []}


@attrs.define(slots=True, eq=False)
class DecisionNode(TraceNode):
    """A decision: ``status`` decided (with ``value``), undetermined (``missing``) or no_rule.

    ``waiting_for`` names the decisions an undetermined or gapless one waits for;
    ``settled`` says how a decision was settled by cases (``exhaustive=True``).
    """

    kind: ClassVar[str] = "decision"
    name: str
    status: str = "decided"
    value: Any = NO_VALUE
    missing: tuple[str, ...] = ()
    waiting_for: tuple[str, ...] = ()
    settled: dict[str, Any] | None = None
    children: list[TraceNode] = attrs.Factory(list)
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """The decision's JSON (see ``docs/trace.rst``)."""
        data: dict[str, Any] = {"kind": "decision", "name": self.name, "status": self.status}
        if self.value is not NO_VALUE:
            data["value"] = self.value
        if self.missing:
            data["missing"] = list(self.missing)
        if self.waiting_for:
            data["waiting_for"] = list(self.waiting_for)
        if self.settled is not None:
            data["settled"] = self.settled
        return _children(data, self.children)


@attrs.define(slots=True, eq=False)
class LetNode(TraceNode):
    """A ``let`` value (or ``condition`` parameter) that cites rules; its value is in the result's ``lets``.

    ``outcome`` is ``fired`` where the value holds (or is not a truth value), ``not_applicable``
    where it is false or null, ``unknown`` where facts are missing.
    """

    kind: ClassVar[str] = "let"
    name: str
    outcome: str
    parameter: bool = False
    children: Sequence[TraceNode] = ()
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``let`` node's JSON (see ``docs/trace.rst``)."""
        data: dict[str, Any] = {"kind": "let", "name": self.name, "outcome": self.outcome}
        if self.parameter:
            data["parameter"] = True
        return _children(data, self.children)


@attrs.define(slots=True, eq=False)
class NoteNode(TraceNode):
    """An informational rule whose condition holds (the factors it names are in the manifest)."""

    kind: ClassVar[str] = "note"
    rule_id: str
    citation: str
    span: Span | None = None
    children: Sequence[TraceNode] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": "note", "rule_id": ..., "citation": ..., "children": []}``."""
        return {"kind": "note", "rule_id": self.rule_id, "citation": self.citation, "children": []}


@attrs.define(slots=True, eq=False)
class HandoffNode(TraceNode):
    """A handoff to another policy that applies or may apply; the rest is in the result's ``handoffs``."""

    kind: ClassVar[str] = "handoff"
    policy: str
    status: str  # applies, undetermined
    children: Sequence[TraceNode] = ()
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": "handoff", "policy": ..., "status": ..., "children": [rule nodes]}``."""
        return _children({"kind": "handoff", "policy": self.policy, "status": self.status}, self.children)


@attrs.define(slots=True, eq=False)
class CallNode(TraceNode):
    """A call of a function the policy declares, with its arguments, result and short citations.

    ``arguments`` maps each parameter to its value as in a fact file (``"unknown"`` where it
    is unknown); ``result`` is absent where the result is unknown. Its children are the calls
    the function's body made. It sits under the decision whose computation made the call
    (a call made computing a ``let`` value is a node of its own at the top).
    """

    kind: ClassVar[str] = "call"
    function: str
    arguments: dict[str, Any]
    result: Any = NO_VALUE
    citation: str = ""
    children: Sequence[TraceNode] = ()
    span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """The call's JSON (see ``docs/trace.rst``)."""
        data: dict[str, Any] = {"kind": "call", "function": self.function, "arguments": dict(self.arguments)}
        if self.result is not NO_VALUE:
            data["result"] = self.result
        if self.citation:
            data["citation"] = self.citation
        return _children(data, self.children)


def row_numbers(rows: Sequence[str]) -> str:
    """Row IDs of one decision as their numbers, runs written as ranges.

    >>> row_numbers(["d/1", "d/2", "d/3", "d/5", "d/7", "d/8"])
    '1-3,5,7-8'
    """
    numbers = [int(r.rpartition("/")[2]) for r in rows]
    parts: list[str] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ",".join(parts)


def row_ids(decision: str, numbers: str | Sequence[str]) -> tuple[str, ...]:
    """The row IDs that :func:`row_numbers` wrote for ``decision`` (a list of IDs is taken as it is).

    >>> row_ids("d", "1-3,5")
    ('d/1', 'd/2', 'd/3', 'd/5')
    """
    if not isinstance(numbers, str):
        return tuple(numbers)
    found: list[str] = []
    for part in filter(None, numbers.split(",")):
        first, _, last = part.partition("-")
        found.extend(f"{decision}/{n}" for n in range(int(first), int(last or first) + 1))
    return tuple(found)


def node_from_dict(data: Mapping[str, Any], program: ir.Program | None = None, decision: str = "") -> TraceNode:
    """A node read back from its JSON; with the ``program`` it is of, with its span again.

    ``decision`` is the name of the decision node the node is in (its rows' numbers are of it).
    """
    kind = data.get("kind")
    inside = data["name"] if kind == "decision" else decision
    children = [node_from_dict(c, program, inside) for c in data.get("children", ())]
    p = program
    if kind == "rule":
        info = p.rules.get(data["rule_id"]) if p is not None else None
        return RuleNode(data["rule_id"], data.get("citation", ""), info.span if info is not None else None)
    if kind == "row":
        row = p.row(data["row"]) if p is not None else None
        holds = data.get("holds")
        if holds is None and data["outcome"] == "fired" and row is not None and row.condition is not None:
            holds = True  # a row that fired holds: its JSON leaves it out
        return RowNode(
            data["row"],
            data["outcome"],
            holds,
            data.get("value", NO_VALUE),
            children,
            row.span if row is not None else None,
        )
    if kind == "not_applicable":
        return NotApplicableNode(row_ids(decision, data["rows"]), tuple(data.get("rule_ids", ())))
    if kind == "decision":
        declared = p.decisions.get(data["name"]) if p is not None else None
        return DecisionNode(
            data["name"],
            data["status"],
            data.get("value", NO_VALUE),
            tuple(data.get("missing", ())),
            tuple(data.get("waiting_for", ())),
            data.get("settled"),
            children,
            declared.span if declared is not None else None,
        )
    if kind == "let":
        let = p.lets.get(data["name"]) if p is not None else None
        return LetNode(data["name"], data["outcome"], bool(data.get("parameter")), children, let.span if let else None)
    if kind == "note":
        info = p.rules.get(data["rule_id"]) if p is not None else None
        return NoteNode(data["rule_id"], data.get("citation", ""), info.span if info is not None else None)
    if kind == "handoff":
        spans = [h.span for h in p.handoffs if h.target == data["policy"]] if p is not None else []
        return HandoffNode(data["policy"], data["status"], children, spans[0] if spans else None)
    if kind == "call":
        function = p.functions.get(data["function"]) if p is not None else None
        return CallNode(
            data["function"],
            dict(data.get("arguments", {})),
            data.get("result", NO_VALUE),
            data.get("citation", ""),
            children,
            function.span if function is not None else None,
        )
    raise ValueError(f"not a trace node of {TRACE_FORMAT}: kind {kind!r}")


def walk(roots: Sequence[TraceNode]) -> Iterator[TraceNode]:
    """Every node of a trace, depth first."""
    for r in roots:
        yield from r.walk()


DECIDING = frozenset({"fired", "default"})


def rule_ids(roots: Sequence[TraceNode], outcomes: frozenset[str] | None = None) -> list[str]:
    """The rule IDs a trace cites, once each, in order.

    With ``outcomes``, only the rules of rows (and ``let`` values) with one of those
    outcomes (a ``not_applicable`` node's rules have that outcome); a note's rule counts
    as ``fired``.
    """
    seen: dict[str, None] = {}

    def visit(node: TraceNode, outcome: str | None) -> None:
        if isinstance(node, RowNode | LetNode):
            outcome = node.outcome
        elif isinstance(node, NotApplicableNode):
            outcome = "not_applicable"
        elif isinstance(node, HandoffNode):
            outcome = "fired" if node.status == "applies" else "unknown"
        if isinstance(node, RuleNode | NoteNode):
            at = "fired" if isinstance(node, NoteNode) else outcome
            if outcomes is None or at in outcomes:
                seen.setdefault(node.rule_id, None)
        elif isinstance(node, NotApplicableNode) and (outcomes is None or "not_applicable" in outcomes):
            for rid in node.rule_ids:
                seen.setdefault(rid, None)
        for c in node.children:
            visit(c, outcome)

    for r in roots:
        visit(r, None)
    return list(seen)

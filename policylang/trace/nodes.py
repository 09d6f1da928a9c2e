"""Explanation traces: what an evaluation did, as a tree of nodes with legal citations.

The evaluator reports events to a :class:`Tracer` that is passed in explicitly; with
none, it records nothing and costs nothing. :class:`Recorder` keeps the events, and the
result turns them into a tree of :class:`TraceNode` the first time the trace is read. Node kinds are a
closed, documented set (see ``docs/trace.rst`` and ``docs/trace.schema.json``):

``decision``  a decision and its value, or why it has none (``status``);
``derived``   a derived value (``let``) and its value;
``row``       one alternative considered for a decision: its ``outcome`` and condition;
``rule``      a rule of the law behind a row, with ``rule_id``, ``citation`` and ``quote``;
``input``     a fact, parameter, derived value or decision a condition read;
``factors``   the factors to weigh where the law leaves discretion;
``note``      an informational rule that applies;
``warning``   a warning about the policy's validity or sources;
``parameter`` a parameter set to something other than its default;
``handoff``   another policy the person should also be evaluated under, and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

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


class Tracer(Protocol):
    """Receives the events of one evaluation, in the order they happen.

    The events are a closed set. ``step`` is the engine's step for a decision, derived
    value or note; ``row`` one alternative it considered. A tracer that keeps the events
    (:class:`Recorder`) lets the result build :class:`TraceNode` trees from them when
    they are first read, so that recording costs little.
    """

    def parameter(self, name: str, value: Any) -> None:
        """A parameter has a value other than its default."""

    def decision(self, step: Any) -> None:
        """A decision starts; the following ``row`` events belong to it."""

    def decided(self, step: Any, value: Any) -> None:
        """The decision that started last ends with ``value`` (possibly unknown)."""

    def row(self, step: Any, row: Any, outcome: str, condition: Any, value: Any) -> None:
        """A row was considered: ``outcome`` is fired, not_applicable, unknown, overridden or default."""

    def derived(self, step: Any, value: Any) -> None:
        """A derived value (or condition parameter) was computed."""

    def note(self, step: Any) -> None:
        """An informational rule's condition holds."""

    def warning(self, warning: Any) -> None:
        """The result carries a warning."""

    def handoff(self, info: Any, row: Any, entry: dict[str, Any]) -> None:
        """The person should also be evaluated under another policy (``entry`` says which and why)."""


class Recorder:
    """A tracer that keeps every event, for the result to turn into a tree on demand."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def parameter(self, name: str, value: Any) -> None:
        """Keep a ``parameter`` event."""
        self.events.append(("parameter", name, value))

    def decision(self, step: Any) -> None:
        """Keep a ``decision`` event."""
        self.events.append(("decision", step))

    def decided(self, step: Any, value: Any) -> None:
        """Keep a ``decided`` event."""
        self.events.append(("decided", step, value))

    def row(self, step: Any, row: Any, outcome: str, condition: Any, value: Any) -> None:
        """Keep a ``row`` event."""
        self.events.append(("row", step, row, outcome, condition, value))

    def derived(self, step: Any, value: Any) -> None:
        """Keep a ``derived`` event."""
        self.events.append(("derived", step, value))

    def note(self, step: Any) -> None:
        """Keep a ``note`` event."""
        self.events.append(("note", step))

    def warning(self, warning: Any) -> None:
        """Keep a ``warning`` event."""
        self.events.append(("warning", warning))

    def handoff(self, info: Any, row: Any, entry: dict[str, Any]) -> None:
        """Keep a ``handoff`` event."""
        self.events.append(("handoff", info, row, entry))


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

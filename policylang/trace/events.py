"""The events of an evaluation: what the engine reports to a tracer, as it happens.

The engine reports to a :class:`Tracer` passed in explicitly; with none, it records
nothing and costs nothing. Every event names what it is about by the checked program's
own records (:mod:`policylang.ir.program`), never by the engine's internals, so that the
trace can be built, and a tracer written, without knowing how the engine runs.
:class:`Recorder` keeps the events for :mod:`policylang.trace.build`.
"""

from __future__ import annotations

from typing import Any, Protocol

from policylang.ir import program as ir


class Tracer(Protocol):
    """Receives the events of one evaluation, in the order they happen.

    The events are a closed set. A decision's events come between ``decision`` and
    ``decided``; each ``row`` is one alternative it considered. A tracer that keeps the
    events (:class:`Recorder`) lets the result build :class:`~policylang.trace.TraceNode`
    trees from them when they are first read, so that recording costs little.
    """

    def parameter(self, name: str, value: Any) -> None:
        """A parameter has a value other than its default."""

    def decision(self, decision: ir.DecisionInfo) -> None:
        """A decision starts; the following ``row`` events belong to it."""

    def decided(self, decision: ir.DecisionInfo, value: Any) -> None:
        """The decision that started last ends with ``value`` (possibly unknown)."""

    def row(self, decision: ir.DecisionInfo, row: ir.RowInfo, outcome: str, condition: Any, value: Any) -> None:
        """A row was considered: ``outcome`` is fired, not_applicable, unknown, overridden or default."""

    def derived(self, let: ir.LetInfo | ir.ParamInfo, value: Any) -> None:
        """A ``let`` value (or a ``condition`` parameter) was computed."""

    def note(self, rule: ir.RuleInfo) -> None:
        """An informational rule's condition holds."""

    def warning(self, warning: Any) -> None:
        """The result carries a warning (an object with ``to_dict()``)."""

    def handoff(self, handoff: ir.HandoffInfo, holds: Any, entry: dict[str, Any]) -> None:
        """The person should also be evaluated under another policy (``entry`` says which and why)."""

    def call(self, function: ir.FunctionInfo, args: tuple[Any, ...], result: Any, calls: tuple[Any, ...]) -> None:
        """A function of the policy was called: its arguments (by position), its result, and the calls
        its body made, each as a tuple ``(function, args, result, calls)``. A tracer without this
        method is not told of calls."""


class Recorder:
    """A tracer that keeps every event, for the result to turn into a tree on demand."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def parameter(self, name: str, value: Any) -> None:
        """Keep a ``parameter`` event."""
        self.events.append(("parameter", name, value))

    def decision(self, decision: ir.DecisionInfo) -> None:
        """Keep a ``decision`` event."""
        self.events.append(("decision", decision))

    def decided(self, decision: ir.DecisionInfo, value: Any) -> None:
        """Keep a ``decided`` event."""
        self.events.append(("decided", decision, value))

    def row(self, decision: ir.DecisionInfo, row: ir.RowInfo, outcome: str, condition: Any, value: Any) -> None:
        """Keep a ``row`` event."""
        self.events.append(("row", decision, row, outcome, condition, value))

    def derived(self, let: ir.LetInfo | ir.ParamInfo, value: Any) -> None:
        """Keep a ``derived`` event."""
        self.events.append(("derived", let, value))

    def note(self, rule: ir.RuleInfo) -> None:
        """Keep a ``note`` event."""
        self.events.append(("note", rule))

    def warning(self, warning: Any) -> None:
        """Keep a ``warning`` event."""
        self.events.append(("warning", warning))

    def handoff(self, handoff: ir.HandoffInfo, holds: Any, entry: dict[str, Any]) -> None:
        """Keep a ``handoff`` event."""
        self.events.append(("handoff", handoff, holds, entry))

    def call(self, function: ir.FunctionInfo, args: tuple[Any, ...], result: Any, calls: tuple[Any, ...]) -> None:
        """Keep a ``call`` event."""
        self.events.append(("call", function, args, result, calls))

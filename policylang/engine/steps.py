"""The steps of an evaluation: the semantics of decisions, rules and unknown facts.

Each decision is read through its core (:mod:`policylang.ir.core`), in one of four modes:

* ``value`` (``decision d: T = expr``): a single expression;
* ``first`` (``first match``): the first row whose condition holds gives the value. A row
  whose condition is unknown makes the decision unknown, unless every value it could take
  agrees;
* ``collect``: every row (or ``add`` rule) that takes effect adds its item, in order;
* ``unique`` (Catala-style rules ``then d = v``): an applicable exception removes the rule
  it overrides; two applicable rules that disagree are a conflict; none gives the default
  or the reported state "no rule applies".

``let`` values, informational notes and warnings are steps too. One implementation serves
both traced and untraced evaluation; with no tracer the tracing branches are skipped. Steps
report events to the tracer; they never build trace nodes (:mod:`policylang.trace.build` does).
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from policylang.base.errors import ConflictError, Diagnostic
from policylang.engine.compile import Fn
from policylang.engine.facts import show
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.core import CoreDecision
from policylang.ir.values import Unknown, encode, same_value
from policylang.trace.events import Tracer


@attrs.frozen
class RuntimeRow:
    """A row ready to run: the checked row and its value and condition compiled."""

    info: ir.RowInfo
    value: Fn
    condition: Fn | None


def _merge(a: Unknown | None, b: Any) -> Unknown:
    if a is None:
        return b if type(b) is Unknown else Unknown()
    return a.merge(b) if type(b) is Unknown else a


class DecisionStep:
    """Computes one decision, from its core (:mod:`policylang.ir.core`): candidates and a mode.

    ``rows`` are the core's candidates compiled, in its order; ``default`` its default.
    """

    def __init__(self, core: CoreDecision, rows: tuple[RuntimeRow, ...], default: RuntimeRow | None) -> None:
        info = core.info
        self.core = core
        self.info = info
        self.rows = rows
        self.default = default
        self.slot = info.slot
        self.element = T.element_type(core.type)
        self.is_set = isinstance(T.strip_optional(core.type), T.SetType)
        self.name = core.name
        self.no_rule = Unknown(frozenset(), frozenset({core.name}))
        modes = {"value": self._expr, "first": self._first_match, "collect": self._collect, "unique": self._rules}
        self.method = modes[core.mode]
        self.has_exceptions = core.has_exceptions
        self.settle_order = list(core.settle_order) if self.has_exceptions else []
        self.overridden_by = tuple(c.overridden_by for c in core.candidates)
        self.fast_rows = tuple((r.condition, r.value, r) for r in rows)
        self.position = {id(r): i for i, r in enumerate(rows)}
        self.row_ids = tuple(r.info.id for r in rows)
        self.calls = any(  # whether it calls a function of the policy
            isinstance(x, ir.FnCallIR)
            for r in (*rows, *filter(None, [default]))
            for e in (r.info.value, r.info.condition)
            if e is not None
            for x in ir.walk(e)
        )

    def run(self, v: list[Any], tracer: Tracer | None = None) -> list[RuntimeRow]:
        """Compute the decision into its slot; return the rows that decided it."""
        if tracer is None:
            value, fired = self.method(v, None)
            v[self.slot] = value
            return fired
        tracer.decision(self.info)
        value, fired = self.method(v, tracer)
        v[self.slot] = value
        tracer.decided(self.info, value)
        return fired

    def decided_by(self, v: list[Any], rows: list[RuntimeRow]) -> tuple[list[tuple[ir.RowInfo, Any]], list[str]] | None:
        """What a run with a tracer would report, known from the rows a run without one says decided it.

        For values ``v`` in which nothing is unknown, so that every condition held or did
        not: the rows that fired, in order, each with its value, and the IDs of the rows that
        do not apply. ``None`` where the rows alone do not say it (exceptions, the
        ``unique`` mode, a function called, whose calls the tracer is told of): run the step
        with the tracer then.
        """
        mode = self.core.mode
        if self.calls or self.has_exceptions or mode == "unique":
            return None
        if mode != "collect":  # first match, or a value: the one row that gave it; the rows before it did not apply
            if len(rows) != 1:
                return None
            k = self.position[id(rows[0])]
            return [(rows[0].info, v[self.slot])], list(self.row_ids[:k])
        fired = {id(r) for r in rows}
        return [(r.info, r.value(v)) for r in rows], [r.info.id for r in self.rows if id(r) not in fired]

    def _trace(self, tracer: Tracer | None, row: RuntimeRow, outcome: str, condition: Any, value: Any = None) -> None:
        """Report a row considered, with its outcome, to the tracer (if any)."""
        if tracer is not None:
            tracer.row(self.info, row.info, outcome, condition, value)

    def _expr(self, v: list[Any], tracer: Tracer | None) -> tuple[Any, list[RuntimeRow]]:
        row = self.rows[0]
        value = row.value(v)
        if type(value) is Unknown:
            if tracer is not None:
                tracer.row(self.info, row.info, "unknown", True, value)
            return value, []
        if tracer is not None:
            tracer.row(self.info, row.info, "fired", True, value)
        return value, [row]

    def _first_match(self, v: list[Any], tracer: Tracer | None) -> tuple[Any, list[RuntimeRow]]:
        pending: list[Any] | None = None
        unknown: Unknown | None = None
        for row in self.rows:
            c = True if row.condition is None else row.condition(v)
            if c is True:
                value = row.value(v)
                if tracer is not None:
                    tracer.row(self.info, row.info, "fired", c, value)
                if type(value) is Unknown:
                    return _merge(unknown, value), []
                if pending is None or all(same_value(p, value) for p in pending):
                    return value, [row]
                for p in pending:
                    unknown = _merge(unknown, p)
                return _merge(unknown, Unknown()), []
            if type(c) is Unknown:
                value = row.value(v)
                if pending is None:
                    pending = []
                pending.append(value)
                unknown = _merge(unknown, c)
                if tracer is not None:
                    tracer.row(self.info, row.info, "unknown", c, value)
            elif tracer is not None:
                tracer.row(self.info, row.info, "not_applicable", c, None)
        if unknown is not None:
            for p in pending or ():
                unknown = _merge(unknown, p)
            return unknown, []
        return self.no_rule, []

    def active(self, v: list[Any]) -> tuple[list[Any], list[Any]]:
        """Whether each row applies once exceptions are taken into account (Kleene)."""
        applies = [True if r.condition is None else r.condition(v) for r in self.rows]
        applies = [a if a is True or type(a) is Unknown else False for a in applies]
        active: list[Any] = list(applies)
        for i in self.settle_order:  # a row's exceptions are settled before it
            result = applies[i]
            if result is False:
                continue
            for e in self.overridden_by[i]:
                over = active[e]
                if over is True:
                    result = False
                    break
                if type(over) is Unknown:
                    result = over if result is True else result.merge(over)
            active[i] = result
        return active, applies

    def _collect(self, v: list[Any], tracer: Tracer | None) -> tuple[Any, list[RuntimeRow]]:
        if tracer is None and not self.has_exceptions:
            return self._collect_fast(v)
        if self.has_exceptions:
            active, applies = self.active(v)
        else:
            active = [True if r.condition is None else r.condition(v) for r in self.rows]
            applies = active
        items: list[Any] = []
        fired: list[RuntimeRow] = []
        unknown: Unknown | None = None
        for row, a, raw in zip(self.rows, active, applies, strict=True):
            if a is True:
                item = row.value(v)
                if tracer is not None:
                    tracer.row(self.info, row.info, "fired", raw, item)
                if type(item) is Unknown:
                    unknown = _merge(unknown, item)
                elif not any(same_value(item, x) for x in items):
                    items.append(item)
                    fired.append(row)
                else:
                    fired.append(row)
            elif type(a) is Unknown:
                unknown = _merge(unknown, a)
                if tracer is not None:
                    tracer.row(self.info, row.info, "unknown", raw, None)
            elif tracer is not None:
                outcome = "overridden" if raw is True else "not_applicable"
                tracer.row(self.info, row.info, outcome, raw, None)
        if unknown is not None:
            return unknown, []
        return (frozenset(items) if self.is_set else tuple(items)), fired

    def _collect_fast(self, v: list[Any]) -> tuple[Any, list[RuntimeRow]]:
        """``_collect`` without exceptions or a tracer: the common case, kept lean."""
        items: list[Any] = []
        fired: list[RuntimeRow] = []
        unknown: Unknown | None = None
        for condition, value, row in self.fast_rows:
            a = True if condition is None else condition(v)
            if a is True:
                item = value(v)
                if type(item) is Unknown:
                    unknown = _merge(unknown, item)
                    continue
                fired.append(row)
                if item not in items or not any(same_value(item, x) for x in items):
                    items.append(item)
            elif type(a) is Unknown:
                unknown = a if unknown is None else unknown.merge(a)
        if unknown is not None:
            return unknown, []
        return (frozenset(items) if self.is_set else tuple(items)), fired

    def _rules(self, v: list[Any], tracer: Tracer | None) -> tuple[Any, list[RuntimeRow]]:
        active, applies = self.active(v)
        chosen: list[tuple[RuntimeRow, Any]] = []
        possible: list[Any] = []
        unknown: Unknown | None = None
        for row, a, raw in zip(self.rows, active, applies, strict=False):
            if a is True:
                value = row.value(v)
                self._trace(tracer, row, "fired", raw, value)
                chosen.append((row, value))
            elif type(a) is Unknown:
                value = row.value(v)
                possible.append(value)
                unknown = _merge(unknown, a)
                self._trace(tracer, row, "unknown", raw, value)
            else:
                self._trace(tracer, row, "overridden" if raw is True else "not_applicable", raw)
        known = [(r, x) for r, x in chosen if type(x) is not Unknown]
        for (r1, x1), (r2, x2) in itertools.pairwise(known):
            if not same_value(x1, x2):
                raise self._conflict(r1, x1, r2, x2)
        for _, x in chosen:
            if type(x) is Unknown:
                unknown = _merge(unknown, x)
        if chosen and unknown is None:
            return chosen[0][1], [r for r, _ in chosen]
        if chosen:
            value = chosen[0][1]
            if type(value) is not Unknown and all(same_value(p, value) for p in possible):
                return value, [r for r, _ in chosen]
            for p in possible:
                unknown = _merge(unknown, p)
            return _merge(unknown, value), []
        if self.default is not None:
            default = self.default.value(v)
            if unknown is None or (type(default) is not Unknown and all(same_value(p, default) for p in possible)):
                self._trace(tracer, self.default, "default", True, default)
                return default, [self.default]
            for p in possible:
                unknown = _merge(unknown, p)
            return _merge(unknown, default), []
        if unknown is not None:
            return unknown.merge(self.no_rule), []
        return self.no_rule, []

    def _conflict(self, r1: RuntimeRow, x1: Any, r2: RuntimeRow, x2: Any) -> ConflictError:
        a = r1.info.rules[0] if r1.info.rules else "a rule"
        b = r2.info.rules[0] if r2.info.rules else "a rule"
        message = (
            f"conflict in `{self.info.name}`: `{a}` concludes {show(encode(x1))} and `{b}` concludes "
            f"{show(encode(x2))}, and neither is an exception to the other"
        )
        hint = "declare one of them `exception to` the other, or make their conditions exclusive"
        diagnostics = [
            Diagnostic("pol-conflict", message, r1.info.span, hint=hint),
            Diagnostic("pol-conflict", f"`{b}` is the other rule of the conflict", r2.info.span),
        ]
        return ConflictError(message, diagnostics)


class LetStep:
    """Computes one ``let`` value (or a ``condition`` parameter)."""

    def __init__(self, info: ir.LetInfo | ir.ParamInfo, row: RuntimeRow) -> None:
        self.info = info
        self.row = row
        self.slot = info.slot
        self.value = row.value

    @property
    def name(self) -> str:
        """The name of the value."""
        return self.info.name

    def run(self, v: list[Any], tracer: Tracer | None = None) -> None:
        """Compute the value into its slot."""
        value = self.value(v)
        v[self.slot] = value
        if tracer is not None:
            tracer.derived(self.info, value)


class NoteStep:
    """Cites an informational rule where its condition holds."""

    def __init__(self, info: ir.RuleInfo, condition: Fn) -> None:
        self.info = info
        self.condition = condition

    @property
    def name(self) -> str:
        """The rule ID."""
        return self.info.rule_id

    def run(self, v: list[Any], tracer: Tracer | None = None) -> None:
        """Report the rule to the tracer where its condition holds."""
        if tracer is not None and self.condition(v) is True:
            tracer.note(self.info)


class WarningStep:
    """A declared warning, and whether its condition holds."""

    def __init__(self, info: ir.WarningInfo, condition: Fn | None) -> None:
        self.info = info
        self.condition = condition

    @property
    def name(self) -> str:
        """The warning's name."""
        return self.info.name

    def applies(self, v: list[Any]) -> bool:
        """Whether the warning applies to the values ``v``."""
        return self.condition is None or self.condition(v) is True

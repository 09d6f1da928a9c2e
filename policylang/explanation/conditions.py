"""Why a condition did not hold: which of its parts failed, worked out from a result's values.

A result records the value of every fact, parameter, ``let`` value and decision the
evaluation knew (``facts``, ``parameter_values``, ``lets``, ``decisions``) and, for each
row that was considered, the value of its condition. :class:`Probe` decodes those values,
splits a condition into its parts (the items of a top-level ``and``, or of an ``or`` that
failed) and evaluates each part again with the same compiled code the engine uses, so
that an explanation can say *which* part does not hold and which values made it so.

The analysis is checked against the result: when evaluating the whole condition from the
recorded values does not give the recorded value, the probe reports nothing rather than
a guess.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from policylang.base.errors import PolicyError
from policylang.engine.compile import Compiler, Fn
from policylang.engine.facts import BadValue, decoder
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown

Name = tuple[str, str]  # (kind, name): ("fact", "as_of"), ("let", "age"), ...
UNKNOWN: Any = Unknown()  # what a lookup gives for a value the evaluation did not know
Lookup = Callable[[str, str], Any]  # (kind, name) -> the value as JSON, or UNKNOWN


def flatten(e: ir.Expr, op: str) -> list[ir.Expr]:
    """The items of nested ``and`` (or ``or``) expressions, left to right."""
    if isinstance(e, ir.BoolOpIR) and e.op == op:
        return [item for i in e.items for item in flatten(i, op)]
    return [e]


def truth(value: Any) -> bool | str:
    """A condition's value as the trace writes it: true, false or ``"unknown"``."""
    if type(value) is Unknown:
        return "unknown"
    return bool(value)


def probe_for(program: ir.Program) -> Probe:
    """The probe of ``program``, made once and kept with the program (it caches compiled parts)."""
    return program.memo("explanation.probe", lambda: Probe(program))


class Probe:
    """Evaluates parts of a policy's conditions from the values a result recorded.

    A probe may be shared between threads: compiling is done under a lock.
    """

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.compiler = Compiler(ir.slot_table(program), program.slots)
        self.rule_ids = frozenset(program.rules)
        self._compiled: dict[int, tuple[ir.Expr, Fn]] = {}
        self._decoders: dict[Name, Any] = {}
        self._reads: dict[tuple[int, ...], tuple[Name, ...]] = {}
        self._texts: dict[int, tuple[Any, str]] = {}
        self._lock = threading.Lock()
        self.carried: frozenset[Name] | None = None

    def text(self, span: Any) -> str:
        """The source text of ``span`` on one line."""
        if span is None:
            return ""
        found = self._texts.get(id(span))
        if found is None or found[0] is not span:
            found = self._texts[id(span)] = (span, " ".join(span.text.split()))
        return found[1]

    def reads(self, *exprs: ir.Expr | None) -> tuple[Name, ...]:
        """The facts, parameters, ``let`` values and decisions ``exprs`` read, once each, in order."""
        key = tuple(id(e) for e in exprs)
        found = self._reads.get(key)
        if found is None:
            slots = self.compiler.slots
            seen: dict[Name, None] = {}
            for e in exprs:
                for ref in ir.refs(e):
                    if (ref.kind, ref.name) in slots:
                        seen.setdefault((ref.kind, ref.name), None)
            found = self._reads[key] = tuple(seen)
        return found

    # -- values --------------------------------------------------------------------

    def type_of(self, source: str, name: str) -> T.Type | None:
        """The type of a fact, parameter, ``let`` value or decision (a condition parameter's is ``bool``)."""
        p = self.program
        if source == "fact" and name in p.facts:
            return p.facts[name].type
        if source == "parameter" and name in p.parameters:
            param = p.parameters[name]
            return T.BOOL if param.is_condition else param.type
        if source == "let" and name in p.lets:
            return p.lets[name].type
        if source == "decision" and name in p.decisions:
            return p.decisions[name].type
        return None

    def _decode(self, source: str, name: str, value: Any) -> Any:
        if value is UNKNOWN:
            return Unknown(frozenset({name})) if source == "fact" else Unknown()
        key = (source, name)
        decode = self._decoders.get(key)
        if decode is None:
            t = self.type_of(source, name)
            if t is None:
                raise LookupError(name)
            decode = self._decoders[key] = decoder(t, self.rule_ids)
        return decode(value)

    def _fn(self, e: ir.Expr) -> Fn:
        entry = self._compiled.get(id(e))
        if entry is None or entry[0] is not e:
            with self._lock:
                entry = self._compiled.get(id(e))
                if entry is None or entry[0] is not e:
                    entry = self._compiled[id(e)] = (e, self.compiler.expr(e))
        return entry[1]

    def evaluate(self, exprs: list[ir.Expr], reads: tuple[Name, ...], lookup: Lookup) -> list[Any] | None:
        """The values of ``exprs`` from the recorded values of what they read, or ``None`` if they cannot be had."""
        try:
            fns = [self._fn(e) for e in exprs]
            v: list[Any] = [Unknown()] * max(self.compiler.size, self.program.slots)
            slots = self.compiler.slots
            for source, name in reads:
                v[slots[(source, name)]] = self._decode(source, name, lookup(source, name))
            return [fn(v) for fn in fns]
        except (BadValue, PolicyError, LookupError, TypeError, ValueError, ArithmeticError, AttributeError):
            return None

    # -- analysis ------------------------------------------------------------------

    def failing_parts(
        self, row: ir.RowInfo, recorded: bool | str | None, lookup: Lookup
    ) -> tuple[list[tuple[ir.Expr, Any]], str] | None:
        """The parts of the row's condition that do not hold (or are unknown), and whether
        ``all`` of them or ``any`` one would have to change; ``None`` where the values cannot
        tell. ``recorded`` is the condition's value as the evaluation found it."""
        condition = row.condition
        if condition is None or recorded is None or recorded is True:
            return None
        parts = flatten(condition, "and")
        needs = "all"
        if len(parts) == 1:
            ors = flatten(condition, "or")
            if len(ors) > 1:
                parts, needs = ors, "any"
        values = self.evaluate([condition, *parts], self.reads(condition), lookup)
        if values is None or truth(values[0]) != recorded:
            return None
        failing = [(p, x) for p, x in zip(parts, values[1:], strict=True) if truth(x) == recorded]
        return failing, needs

    def value_of(self, row: ir.RowInfo, lookup: Lookup) -> Any:
        """The value the row would give, from the recorded values (``Unknown`` if it cannot be had)."""
        if isinstance(row.value, ir.Const):
            return row.value.value
        values = self.evaluate([row.value], self.reads(row.value), lookup)
        return Unknown() if values is None else values[0]

    def holds(self, row: ir.RowInfo, lookup: Lookup) -> bool | str | None:
        """The value of the row's condition from the recorded values (``None`` where it has none or cannot be had)."""
        if row.condition is None:
            return None
        values = self.evaluate([row.condition], self.reads(row.condition), lookup)
        return None if values is None else truth(values[0])


__all__ = ["UNKNOWN", "Lookup", "Probe", "flatten", "probe_for", "truth"]


def lookup_in(tables: Mapping[str, Mapping[str, Any]]) -> Lookup:
    """A lookup over a result's tables: ``{"fact": facts, "let": lets, "parameter": ..., "decision": ...}``."""

    def lookup(source: str, name: str) -> Any:
        table = tables.get(source)
        if table is None:
            return UNKNOWN
        return table.get(name, UNKNOWN)

    return lookup

"""Why a condition did not hold: which of its parts failed, worked out from the trace.

A trace ``row`` records the condition's source text, its value, and the value of every
fact, parameter, ``let`` value and decision it read. :class:`Probe` decodes those values,
splits the condition into its parts (the items of a top-level ``and``, or of an ``or``
that failed) and evaluates each part again with the same compiled code the engine uses,
so that an explanation can say *which* part does not hold and which values made it so.

The analysis is checked against the trace: when evaluating the whole condition from the
recorded values does not give the recorded value, the probe reports nothing rather than
a guess.
"""

from __future__ import annotations

import threading
from typing import Any

from policylang.base.errors import PolicyError
from policylang.engine.compile import Compiler, Fn
from policylang.engine.facts import BadValue, decoder
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown
from policylang.trace.nodes import TraceNode


def span_key(span: Any) -> tuple[Any, ...] | None:
    """A key that identifies a row by where it is written."""
    if span is None:
        return None
    return (span.file, span.line, span.column, span.end_line, span.end_column)


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
    """Evaluates parts of a policy's conditions from the values a trace row recorded.

    A probe may be shared between threads: compiling is done under a lock.
    """

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.compiler = Compiler(ir.slot_table(program), program.slots)
        self.rule_ids = frozenset(program.rules)
        self._compiled: dict[int, tuple[ir.Expr, Fn]] = {}
        self._decoders: dict[tuple[str, str], Any] = {}
        self._rows: dict[str, dict[tuple[Any, ...], ir.RowInfo]] = {}
        self._texts: dict[tuple[Any, ...], str] = {}
        self._lock = threading.Lock()
        self.carried: frozenset[tuple[str, str]] | None = None

    def text(self, span: Any) -> str:
        """The source text of ``span`` on one line (cached: reading a span splits its file)."""
        key = span_key(span)
        if key is None:
            return ""
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = " ".join(span.text.split())
        return found

    # -- finding the rows of a decision --------------------------------------------

    def rows(self, decision: str) -> dict[tuple[Any, ...], ir.RowInfo]:
        """The IR rows of ``decision`` by where they are written."""
        found = self._rows.get(decision)
        if found is None:
            d = self.program.decisions[decision]
            rows = (*d.rows, d.default) if d.default is not None else d.rows
            found = {k: r for r in rows if (k := span_key(r.span)) is not None}
            self._rows[decision] = found
        return found

    def row_for(self, decision: str, node: TraceNode) -> ir.RowInfo | None:
        """The IR row a trace ``row`` node records."""
        key = span_key(node.span)
        return self.rows(decision).get(key) if key is not None else None

    # -- values --------------------------------------------------------------------

    def type_of(self, source: str, name: str) -> T.Type | None:
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

    def _decode(self, source: str, name: str, data: dict[str, Any]) -> Any:
        if data.get("unknown"):
            return Unknown(frozenset({name})) if source == "fact" else Unknown()
        key = (source, name)
        decode = self._decoders.get(key)
        if decode is None:
            t = self.type_of(source, name)
            if t is None:
                raise LookupError(name)
            decode = self._decoders[key] = decoder(t, self.rule_ids)
        return decode(data.get("value"))

    def _fn(self, e: ir.Expr) -> Fn:
        entry = self._compiled.get(id(e))
        if entry is None:
            with self._lock:
                entry = self._compiled.get(id(e))
                if entry is None:
                    entry = self._compiled[id(e)] = (e, self.compiler.expr(e))
        return entry[1]

    def evaluate(self, exprs: list[ir.Expr], inputs: list[TraceNode]) -> list[Any] | None:
        """The values of ``exprs`` given a row's recorded inputs, or ``None`` if they cannot be had."""
        try:
            fns = [self._fn(e) for e in exprs]
            v: list[Any] = [Unknown()] * max(self.compiler.size, self.program.slots)
            slots = self.compiler.slots
            for node in inputs:
                source, name = node.data["source"], node.data["name"]
                slot = slots.get((source, name))
                if slot is None:
                    return None
                v[slot] = self._decode(source, name, node.data)
            return [fn(v) for fn in fns]
        except (BadValue, PolicyError, LookupError, TypeError, ValueError, ArithmeticError, AttributeError):
            return None

    # -- analysis ------------------------------------------------------------------

    def failing_parts(self, row: ir.RowInfo, node: TraceNode) -> tuple[list[tuple[ir.Expr, Any]], str] | None:
        """The parts of the row's condition that do not hold (or are unknown), and whether
        ``all`` of them or ``any`` one would have to change; ``None`` where the trace cannot
        tell."""
        condition = row.condition
        recorded = node.data.get("condition_value")
        if condition is None or recorded is None or recorded is True:
            return None
        inputs = [c for c in node.children if c.kind == "input"]
        parts = flatten(condition, "and")
        needs = "all"
        if len(parts) == 1:
            ors = flatten(condition, "or")
            if len(ors) > 1:
                parts, needs = ors, "any"
        values = self.evaluate([condition, *parts], inputs)
        if values is None or truth(values[0]) != recorded:
            return None
        failing = [(p, x) for p, x in zip(parts, values[1:], strict=True) if truth(x) == recorded]
        return failing, needs

    def value_of(self, row: ir.RowInfo, node: TraceNode) -> Any:
        """The value the row would give, from its recorded inputs (``Unknown`` if it cannot be had)."""
        if isinstance(row.value, ir.Const):
            return row.value.value
        values = self.evaluate([row.value], [c for c in node.children if c.kind == "input"])
        return Unknown() if values is None else values[0]

"""Questions to the z3 solver about one policy, with its constraints as background.

Every question the analyses ask is "is there a fact set where these formulas hold?".
:class:`Session` answers ``sat`` (with a model), ``unsat`` or ``unknown`` (the time limit
ran out, or the arithmetic is beyond the solver). The policy's ``constraint``
declarations hold in every question unless one is left out on purpose, so a combination
of facts the policy would reject never counts as a finding.

With the approximate calendar (linear bounds only) one incremental solver answers every
question in turn, in milliseconds. With the exact calendar each question gets a fresh
solver with only the side conditions its formulas need: z3 then preprocesses the whole
(small) problem, which decides the calendar's integer equations far faster than an
incremental solver would. Every question has a time limit, and all questions of a policy
share a deadline; a question asked after it is answered ``unknown``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import attrs
import z3

from policylang.analysis import domain as D
from policylang.analysis.encode import Encoder, Note
from policylang.ir import program as ir
from policylang.ir import types as T


@attrs.frozen
class Answer:
    """The outcome of one question: ``sat``, ``unsat`` or ``unknown``."""

    status: str
    model: Any = None

    @property
    def sat(self) -> bool:
        return self.status == "sat"

    @property
    def unsat(self) -> bool:
        return self.status == "unsat"


class Session:
    """Asks the solver questions about one encoded program, within a time budget."""

    def __init__(self, encoder: Encoder, *, timeout_ms: int = 2000, deadline: float | None = None) -> None:
        self.encoder = encoder
        self.logic = logic(encoder.program)
        self.incremental = not encoder.exact
        self._solver: Any = None
        self._added = 0
        self.timeout_ms = timeout_ms
        self.deadline = deadline if deadline is not None else time.monotonic() + 10.0
        self.background: list[Any] = []
        self.constraints: dict[str, Any] = {}
        self.questions = 0
        self.gave_up = 0
        self.seconds = 0.0
        self.constraint_notes: frozenset[Note] = frozenset()
        for c in encoder.program.constraints:

            def encode(c: ir.ConstraintInfo = c) -> tuple[Any, D.Val]:
                return encoder.condition(c.condition), encoder.expr(c.require, {})

            (when, require), notes = encoder.noted(encode)
            broken = D.z_and(when, false_value(require))
            self.constraints[c.name] = D.as_z3_bool(D.z_not(broken))
            self.constraint_notes |= notes

    @property
    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def ask(
        self,
        formulas: Sequence[Any],
        *,
        notes: frozenset[Note] | None = None,
        without_constraint: str | None = None,
        prefer: Sequence[Any] = (),
    ) -> Answer:
        """Is there a fact set where every formula holds?

        ``notes`` are the encoder's notes of the formulas: with them, a fresh solver gets
        only the side conditions the formulas need. ``prefer`` are formulas kept only if
        the question stays satisfiable with them (they make a model's values nicer).
        """
        if any(f is False for f in formulas):
            return Answer("unsat")
        if self.out_of_time:
            self.gave_up += 1
            return Answer("unknown")
        self.background.extend(self.encoder.take_definitions())
        parts = [D.as_z3_bool(f) for f in formulas if f is not True]
        parts += [f for name, f in self.constraints.items() if name != without_constraint]
        needed = None if notes is None else self.encoder.needed(notes | self.constraint_notes)
        started = time.perf_counter()
        try:
            if prefer:
                answer = self._check([*parts, *prefer], needed)
                if answer.sat:
                    return answer
            answer = self._check(parts, needed)
            if answer.status == "unknown":
                self.gave_up += 1
            return answer
        finally:
            self.seconds += time.perf_counter() - started

    def _check(self, parts: list[Any], needed: list[Any] | None) -> Answer:
        self.questions += 1
        if self.incremental:
            return self._check_incremental(parts)
        solver = z3.SolverFor(self.logic) if self.logic else z3.Solver()
        solver.set("timeout", self.timeout_ms)
        solver.set("smt.arith.solver", 2)
        solver.add(*(self.background if needed is None else needed))
        solver.add(*parts)
        try:
            result = solver.check()
            if result == z3.sat:
                return Answer("sat", solver.model())
        except z3.Z3Exception:  # interrupted (a time limit in the middle of a step): no answer
            return Answer("unknown")
        return Answer("unsat" if result == z3.unsat else "unknown")

    def _check_incremental(self, parts: list[Any]) -> Answer:
        solver = self._solver
        if solver is None:
            solver = self._solver = z3.SolverFor(self.logic) if self.logic else z3.Solver()
            solver.set("timeout", self.timeout_ms)
            solver.set("smt.arith.solver", 2)
        solver.add(*self.background[self._added :])
        self._added = len(self.background)
        solver.push()
        try:
            solver.add(*parts)
            result = solver.check()
            if result == z3.sat:
                return Answer("sat", solver.model())
            return Answer("unsat" if result == z3.unsat else "unknown")
        except z3.Z3Exception:  # interrupted (a time limit in the middle of a step): no answer
            return Answer("unknown")
        finally:
            solver.pop()


def logic(program: ir.Program) -> str | None:
    """The solver logic the program's terms need: integers, then reals, then texts (any)."""
    reals = False
    exprs: list[ir.Expr | None] = [let.expr for let in program.lets.values()]
    exprs += [p.default for p in program.parameters.values()]
    for d in program.decisions.values():
        for row in (*d.rows, *([d.default] if d.default else [])):
            exprs += [row.value, row.condition]
    exprs += [r.condition for r in program.rules.values()]
    exprs += [c.condition for c in program.constraints] + [c.require for c in program.constraints]
    exprs += [w.condition for w in program.warnings]
    types = [f.type for f in program.facts.values()]
    for e in exprs:
        for node in ir.walk(e) if e is not None else ():
            types.append(node.type)
            reals = reals or (isinstance(node, ir.ArithIR) and node.op == "/")
    found = set().union(*(_primitives(t) for t in types)) if types else set()
    texts = T.TEXT in found
    reals = reals or T.DECIMAL in found or T.MONEY in found
    if texts:
        return None
    return "QF_LIRA" if reals else "QF_LIA"


def _primitives(t: T.Type) -> set[T.Type]:
    """The primitive types a type is built from."""
    if isinstance(t, T.Prim):
        return {t}
    if isinstance(t, T.OptionalType):
        return _primitives(t.inner)
    if isinstance(t, T.ListType | T.SetType):
        return _primitives(t.element)
    if isinstance(t, T.MapType):
        return _primitives(t.key) | _primitives(t.value)
    if isinstance(t, T.RecordType):
        return set().union(*(_primitives(ft) for _, ft in t.fields)) if t.fields else set()
    if isinstance(t, T.UnionType):
        return set().union(*(_primitives(o) for o in t.options))
    return set()


def false_value(v: D.Val) -> Any:
    """The value is known to be ``false`` (not null): a broken ``require``."""
    if v.kind != D.BOOL:
        return False
    return D.z_and(D.z_not(v.null), D.z_not(v.term))

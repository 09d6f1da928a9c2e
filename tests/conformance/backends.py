"""Run the conformance table (:mod:`tests.conformance.table`) against each backend.

``mismatches(entry, backend)`` evaluates one entry with one backend and lists every way
the backend's answer differs from the table (an empty list: it conforms). The backends:

* ``row``: the row engine, ``Policy.evaluate(facts)``;
* ``vectorised``: the batch backend, ``Policy.evaluate_many([facts])``, which must compute
  every decision as Polars expressions except those the entry says it declines, and send
  a row back to the reference path only for a conflict;
* ``z3``: the encoding of the logic analyses (:class:`~policylang.analysis.encode.Encoder`).
  The given facts are fixed in the solver; a decided value is one the facts force (its
  negation is unsatisfiable), "no rule applies" one where no row or rule can apply, a
  conflict one where two applicable rules must disagree, and anything else is undetermined.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
import z3

import policylang
from policylang.analysis import domain as D
from policylang.analysis.encode import DecisionModel, Encoder
from policylang.base.errors import ConflictError
from policylang.batch import columns as C
from policylang.batch.run import backend_for, coverage
from policylang.engine.facts import decoder
from policylang.ir import program as ir
from policylang.ir.values import encode
from tests.conformance.table import POLICIES, Entry, NoRule, Undetermined
from tests.conftest import compile_text

BACKENDS = ("row", "vectorised", "z3")
CONFLICT = "conflict"
DECLINED = "declined"


def compile_policy(name: str) -> policylang.Policy:
    """A policy of the table, compiled anew (so that a patched engine is used)."""
    return compile_text(POLICIES[name])


@functools.cache
def policy(name: str) -> policylang.Policy:
    """A policy of the table, compiled once."""
    return compile_policy(name)


def mismatches(entry: Entry, backend: str, compiled: policylang.Policy | None = None) -> list[str]:
    """How ``backend``'s answer for ``entry`` differs from the table (empty: it conforms)."""
    p = compiled if compiled is not None else policy(entry.policy)
    run: Callable[[Entry, policylang.Policy], list[str]] = {
        "row": _row,
        "vectorised": _vectorised,
        "z3": _z3,
    }[backend]
    return [f"{entry.name} [{backend}]: {m}" for m in run(entry, p)]


def _internal(p: policylang.Policy, name: str, value: Any) -> Any:
    """A value of the table (JSON form) as the language's own value of the decision's type."""
    return decoder(p.decisions[name].type, frozenset(p.program.rules))(value)


def _expected_json(p: policylang.Policy, name: str, value: Any) -> Any:
    return encode(_internal(p, name, value), p.decisions[name].type)


def _compare(entry: Entry, got: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    found = []
    for name, want in expect.items():
        have = got.get(name, "(nothing)")
        if isinstance(want, Undetermined) and isinstance(have, Undetermined):
            if sorted(want.facts) != sorted(have.facts):
                found.append(f"`{name}` waits for {sorted(have.facts)}, the table says {sorted(want.facts)}")
        elif have != want:
            found.append(f"`{name}` is {have!r}, the table says {want!r}")
    return found


def _normalised(p: policylang.Policy, entry: Entry) -> dict[str, Any]:
    """The entry's expectations, with values in the JSON form the engine gives."""
    return {d: v if isinstance(v, Undetermined | NoRule) else _expected_json(p, d, v) for d, v in entry.expect.items()}


# -- the row engine ---------------------------------------------------------------------


def _row(entry: Entry, p: policylang.Policy) -> list[str]:
    try:
        result = p.evaluate(dict(entry.facts), trace=False)
    except ConflictError as e:
        return [] if entry.conflict else [f"conflict ({e.message}), the table says none"]
    if entry.conflict:
        return ["no conflict, the table says one"]
    got: dict[str, Any] = {}
    for d in p.decisions:
        if d in result.undetermined:
            got[d] = Undetermined(tuple(result.undetermined[d]))
        elif d in result.no_rule:
            got[d] = NoRule(tuple(result.no_rule[d]))
        else:
            got[d] = result.decisions[d]
    return _compare(entry, got, _normalised(p, entry))


# -- the vectorised batch backend -------------------------------------------------------


def _vectorised(entry: Entry, p: policylang.Policy) -> list[str]:
    found = []
    declined = {d: why for d, why in coverage(p).items() if why is not None}
    for d in p.decisions:
        if d in entry.vectorised_declines and d not in declined:
            found.append(f"`{d}` is vectorised, the table says it is computed row by row")
        elif d not in entry.vectorised_declines and d in declined:
            found.append(f"`{d}` is computed row by row ({declined[d]}), the table says it is vectorised")
        elif d in declined and entry.vectorised_declines[d] not in declined[d]:
            found.append(f"`{d}` is declined because {declined[d]}, the table says {entry.vectorised_declines[d]}")
    frame = p.evaluate_many([dict(entry.facts)])
    (row,) = frame.iter_rows(named=True)
    redone = backend_for(p.engine()).stats.get("redone", 0)
    if entry.conflict and row[C.ERROR] is not None and redone != 1:
        found.append("a conflict the vectorised path did not send back to the reference path")
    elif not entry.conflict and redone:
        found.append(f"{redone} row(s) sent back to the reference path without a conflict")
    return [*found, *vectorised_row(entry, p, row)]


def vectorised_row(entry: Entry, p: policylang.Policy, row: dict[str, Any]) -> list[str]:
    """How one row of a batch result differs from the entry."""
    if row[C.ERROR] is not None:
        if not entry.conflict or row[C.ERROR_CODE] != "pol-conflict":
            return [f"error {row[C.ERROR_CODE]} ({row[C.ERROR]}), the table says {entry.expect}"]
        return []
    if entry.conflict:
        return ["no conflict, the table says one"]
    got: dict[str, Any] = {}
    expect: dict[str, Any] = {}
    for d, want in entry.expect.items():
        undetermined = (row[C.UNDETERMINED] or {}).get(d)
        blocked = (row[C.NO_RULE] or {}).get(d)
        if undetermined is not None:
            got[d] = Undetermined(tuple(undetermined))
        elif blocked is not None:
            got[d] = NoRule(tuple(blocked))
        else:
            got[d] = row[d]
        if isinstance(want, Undetermined | NoRule):
            expect[d] = want
        else:
            expect[d] = C.cell_encoder(p.decisions[d].type)(_internal(p, d, want))
    return _compare(entry, got, expect)


# -- the z3 encoding ----------------------------------------------------------------------


@attrs.frozen
class Question:
    """One decision in the encoding, with the given facts fixed: what do they force?"""

    solver: Any
    model: DecisionModel
    conflict: Any

    def forced(self, formula: Any) -> bool:
        """Whether the facts force ``formula`` (its negation is unsatisfiable)."""
        if formula is True:
            return True
        if formula is False:
            return False
        return bool(self.check(z3.Not(formula))[0] == z3.unsat)

    def check(self, formula: Any) -> tuple[Any, Any]:
        """Whether ``formula`` can hold with the facts, and a model where it does."""
        self.solver.push()
        try:
            self.solver.add(formula)
            status = self.solver.check()
            return status, self.solver.model() if status == z3.sat else None
        finally:
            self.solver.pop()

    def outcome(self) -> Any:
        """``NoRule()``, ``CONFLICT``, ``("value", v)`` (a model's value) or ``Undetermined()``."""
        value = self.model.value
        if value.kind == D.OPAQUE:
            return DECLINED
        if self.forced(D.z_not(self.model.defined)):
            return NoRule()
        if self.forced(self.conflict):
            return CONFLICT
        decided = D.as_z3_bool(D.z_and(self.model.defined, D.z_not(self.conflict)))
        status, m = self.check(decided)
        if status != z3.sat:
            return Undetermined()
        seen = _evaluated(value, m)
        if seen is not None and self.forced(D.z_and(decided, self.same(value, seen))):
            return ("value", seen)
        return Undetermined()

    def same(self, a: D.Val, b: D.Val) -> Any:
        return D.equal(a, b, lambda: z3.Bool("opaque"))


def _evaluated(v: D.Val, m: Any) -> D.Val | None:
    """``v`` with its terms replaced by their values in the model ``m``."""

    def ev(t: Any) -> Any:
        return t if isinstance(t, bool) else m.eval(t, model_completion=True)

    if v.kind in (D.BOOL, D.NUM, D.ENUM, D.TEXT, D.DATE, D.DATETIME, D.TIME):
        return attrs.evolve(v, term=ev(v.term), null=ev(v.null))
    if v.kind == D.SET:
        return attrs.evolve(v, term={k: ev(t) for k, t in v.term.items()}, null=ev(v.null))
    return None


def _conflict(info: ir.DecisionInfo, model: DecisionModel) -> Any:
    """Two applicable rules of the decision conclude different values."""
    if info.kind != "rules":
        return False
    parts = []
    for i in range(len(model.active)):
        for j in range(i + 1, len(model.active)):
            differ = D.z_not(D.equal(model.values[i], model.values[j], lambda: z3.Bool("opaque")))
            parts.append(D.z_and(model.active[i], model.active[j], differ))
    return D.z_or(*parts)


def _z3(entry: Entry, p: policylang.Policy) -> list[str]:
    program = p.program
    encoder = Encoder(program, exact=True)
    fixed = []
    for name, value in entry.facts.items():
        fact = program.facts[name]
        internal = decoder(fact.type, frozenset(program.rules))(value)
        constant = D.constant(internal, fact.type, encoder.rule_enum, ymd=True)
        fixed.append(D.equal(encoder.fact(name), constant, lambda: z3.Bool("opaque")))
    for name, fact in program.facts.items():  # an absent fact with a default has its default's value
        if name not in entry.facts and fact.default is not None:
            default = encoder.expr(fact.default, {})
            fixed.append(D.equal(encoder.fact(name), default, lambda: z3.Bool("opaque")))
    solver = z3.Solver()
    solver.set(timeout=5000)
    questions = {}
    for d, info in program.decisions.items():
        model = encoder.decision(d)
        questions[d] = Question(solver, model, _conflict(info, model))
    solver.add(*[D.as_z3_bool(f) for f in fixed], *encoder.definitions)
    outcomes = {d: q.outcome() for d, q in questions.items()}
    found = []
    for d in entry.z3_declines:
        if outcomes[d] != DECLINED:
            found.append(f"`{d}` is encoded, the table says the encoding declines it")
    for d, outcome in outcomes.items():
        if outcome == DECLINED and d not in entry.z3_declines:
            found.append(f"`{d}` is not encoded (opaque), the table does not say so")
    if entry.conflict:
        if not any(o == CONFLICT for o in outcomes.values()):
            found.append("no conflict is forced, the table says one")
        return found
    for d, outcome in outcomes.items():
        if outcome == CONFLICT:
            found.append(f"`{d}` is a forced conflict, the table says none")
    expect = {**entry.expect, **entry.z3}
    for d, want in expect.items():
        if d in entry.z3_declines or want is None:  # None: the entry leaves the encoding free here
            continue
        have = outcomes[d]
        question = questions[d]
        if isinstance(want, Undetermined):
            if not isinstance(have, Undetermined):
                found.append(f"`{d}` is {_show(have)}, the table says undetermined")
        elif isinstance(want, NoRule):
            if not isinstance(have, NoRule):
                found.append(f"`{d}` is {_show(have)}, the table says no rule applies")
        else:
            constant = D.constant(_internal(p, d, want), p.decisions[d].type, encoder.rule_enum, ymd=True)
            decided = D.z_and(question.model.defined, D.z_not(question.conflict))
            if not question.forced(D.z_and(decided, question.same(question.model.value, constant))):
                found.append(f"`{d}` is {_show(have)}, the table says {want!r}")
    return found


def _show(outcome: Any) -> str:
    if isinstance(outcome, tuple):
        v = outcome[1]
        return f"forced to {v.term if v.kind != D.SET else {k: str(t) for k, t in v.term.items()}}"
    if isinstance(outcome, NoRule):
        return "no rule applies"
    if isinstance(outcome, Undetermined):
        return "undetermined"
    return str(outcome)


# -- the row engine's answer as an entry, for generated fact sets ----------------------------


def entry_from_row_engine(name: str, facts: dict[str, Any], compiled: policylang.Policy | None = None) -> Entry:
    """An entry whose expectations are what the row engine concludes for ``facts``.

    The declines the table states for the policy ``name`` carry over, and so do the
    decisions it says the z3 encoding leaves free (``None``). Run on the other
    backends, it checks that they agree with the row engine: the vectorised backend in
    everything; the z3 encoding in what Kleene's logic decides (a value, no rule, a
    conflict), which the two-valued encoding must force too, while what the row engine
    leaves undetermined the encoding may decide.
    """
    from tests.conformance.table import TABLE

    p = compiled if compiled is not None else policy(name)
    stated = [e for e in TABLE if e.policy == name]
    z3_declines = frozenset().union(*(e.z3_declines for e in stated))
    vectorised_declines = {d: why for e in stated for d, why in e.vectorised_declines.items()}
    z3_free = {d: None for e in stated for d, v in e.z3.items() if v is None}
    try:
        result = p.evaluate(dict(facts), trace=False)
    except ConflictError:
        return Entry(
            "generated", name, facts, conflict=True, z3_declines=z3_declines, vectorised_declines=vectorised_declines
        )
    expect: dict[str, Any] = {}
    z3_lenient: dict[str, Any] = dict(z3_free)
    for d in p.decisions:
        if d in result.undetermined:
            expect[d] = Undetermined(tuple(result.undetermined[d]))
        elif d in result.no_rule:
            expect[d] = NoRule(tuple(result.no_rule[d]))
            if d not in result.no_rule[d]:  # blocked by another decision: free in the encoding
                z3_lenient[d] = None
        else:
            expect[d] = result.decisions[d]
        if isinstance(expect[d], Undetermined):
            z3_lenient[d] = None
    return Entry(
        "generated",
        name,
        facts,
        expect,
        z3=z3_lenient,
        z3_declines=z3_declines,
        vectorised_declines=vectorised_declines,
    )

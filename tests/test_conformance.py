"""The conformance table against every backend, and the proof that it catches a divergence.

Every entry of :mod:`tests.conformance.table` runs on the row engine, the vectorised batch
backend and the z3 encoding (:mod:`tests.conformance.backends`). Then each backend is
broken on purpose, in one small way, and the runner must report mismatches: a table that
cannot fail would prove nothing.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from hypothesis import Phase, settings

import policylang
from policylang.analysis import encode
from policylang.analysis.encode import Encoder
from policylang.batch import vexpr, vsteps
from policylang.batch.run import backend_for
from policylang.batch.vec import Vec, merge
from policylang.batch.vexpr import ExprCompiler
from policylang.engine import steps
from policylang.engine.steps import DecisionStep
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.core import MODES, lower
from policylang.policy import loader
from tests import test_batch_properties
from tests.conformance.backends import (
    BACKENDS,
    compile_policy,
    entry_from_row_engine,
    mismatches,
    policy,
    vectorised_row,
)
from tests.conformance.table import POLICIES, TABLE, Entry, NoRule, Undetermined, entries


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("entry", TABLE, ids=[e.name for e in TABLE])
def test_backend_conforms(entry: Entry, backend: str) -> None:
    assert mismatches(entry, backend) == []


def test_the_table_covers_every_decision_kind_and_unknowns() -> None:
    names = [e.name for e in TABLE]
    assert len(names) == len(set(names)), "entry names are unique"
    assert len(TABLE) >= 40
    kinds = {e.kind for e in TABLE}
    assert {"kleene", "compare", "first", "no-rule", "exceptions", "default", "rules", "conflict", "collect"} <= kinds
    decision_kinds = {policy(name).program.decisions[d].kind for name in POLICIES for d in policy(name).decisions}
    assert decision_kinds == {"expr", "first_match", "collect", "rules"}
    outcomes = [v for e in TABLE for v in e.expect.values()]
    assert any(isinstance(v, Undetermined) for v in outcomes)
    assert any(isinstance(v, NoRule) for v in outcomes)
    assert any(e.conflict for e in TABLE)
    assert any(e.vectorised_declines for e in TABLE) and any(e.z3_declines for e in TABLE)
    for e in TABLE:  # every entry names a decision of its policy, and says why where a backend differs
        assert set(e.expect) | set(e.z3) | e.z3_declines | set(e.vectorised_declines) <= set(policy(e.policy).decisions)
        assert e.why or not e.z3, e.name


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_a_whole_caseload_in_one_table(name: str) -> None:
    """A policy's fact sets as one batch (unknown facts as nulls in its columns) conform row by row."""
    group = [e for e in TABLE if e.policy == name]
    p = policy(name)
    frame = p.evaluate_many([dict(e.facts) for e in group])
    for e, row in zip(group, frame.iter_rows(named=True), strict=True):
        assert vectorised_row(e, p, row) == [], e.name
    # only the rows with a conflict went back to the reference path
    assert backend_for(p.engine()).stats["redone"] == sum(e.conflict for e in group)


# the core: one lowering of the decision kinds, read by every backend ------------------------


@pytest.mark.parametrize("name", policylang.bundled_names())
def test_every_bundled_decision_lowers_to_the_core(name: str) -> None:
    for info in policylang.load(name).program.decisions.values():
        core = lower(info)
        assert core.mode == MODES[info.kind]
        assert [c.row for c in core.candidates] == list(info.rows)
        assert sorted(core.settle_order) == list(range(len(core.candidates)))
        place = {c: k for k, c in enumerate(core.settle_order)}
        for c in core.candidates:  # what overrides a candidate is settled before it
            assert all(place[o] < place[c.index] for o in c.overridden_by)
        assert (core.otherwise == "default") == (info.default is not None)


@pytest.mark.parametrize("module", [steps, vsteps, encode], ids=["row engine", "vectorised", "z3 encoding"])
def test_the_backend_reads_decisions_only_through_the_core(module: Any) -> None:
    """No half migration: each backend interprets the core's modes, not the surface kinds."""
    source = inspect.getsource(module)
    assert "lower(" in source or "CoreDecision" in source
    for surface in ("d.kind", "info.kind", "info.rows", "d.rows", ".exceptions", "exception_order", '"first_match"'):
        assert surface not in source, surface


# every small fact set: the backends agree with the row engine ---------------------------------

NUMBERS = (0, 9, 10, 18, 20, 99, 100, 600)  # at and next to the bounds the table's policies compare with
DAYS = ("2015-01-01", "2016-12-31", "2017-01-01", "2030-06-01")  # at and next to the dated values' start dates


def small_fact_sets(name: str) -> list[dict[str, Any]]:
    """Every fact set of a table policy over a small domain: each fact absent or one of a few values."""
    facts = policy(name).program.facts
    domains = [
        [None, True, False]
        if T.strip_optional(f.type) == T.BOOL
        else [None, *DAYS]
        if T.strip_optional(f.type) == T.DATE
        else [None, *NUMBERS]
        for f in facts.values()
    ]
    return [
        {n: v for n, v in zip(facts, values, strict=True) if v is not None} for values in itertools.product(*domains)
    ]


def agreement(name: str, fresh: bool = False) -> list[str]:
    """Where the vectorised backend (one batch) or the z3 encoding disagrees with the row engine."""
    p = compile_policy(name) if fresh else policy(name)
    generated = [entry_from_row_engine(name, facts, p) for facts in small_fact_sets(name)]
    frame = p.evaluate_many([dict(e.facts) for e in generated])
    found = []
    for e, row in zip(generated, frame.iter_rows(named=True), strict=True):
        found += [f"{dict(e.facts)} [vectorised]: {m}" for m in vectorised_row(e, p, row)]
        found += [f"{dict(e.facts)} {m}" for m in mismatches(e, "z3", p)]
    return found


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_backends_agree_on_every_small_fact_set(name: str) -> None:
    """Row engine = vectorised backend; and what Kleene's logic decides, the z3 encoding forces."""
    assert agreement(name) == []


# -- show it: break one backend and see the table fail -------------------------------------


def _reported(backend: str, *, fresh: bool = True) -> dict[str, list[str]]:
    """Every entry's mismatches for one backend, the policies compiled after a patch."""
    compiled: dict[str, Any] = {}
    found = {}
    for e in TABLE:
        if e.policy not in compiled:
            compiled[e.policy] = compile_policy(e.policy) if fresh else policy(e.policy)
        reported = mismatches(e, backend, compiled[e.policy])
        if reported:
            found[e.name] = reported
    return found


def test_the_runner_reports_nothing_for_the_unbroken_backends() -> None:
    for backend in BACKENDS:
        assert _reported(backend) == {}


@pytest.fixture
def last_match(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The row engine broken: ``first match`` takes the last applicable row."""
    original = DecisionStep._first_match

    def broken(self: DecisionStep, v: list[Any], tracer: Any) -> Any:
        rows = self.rows
        self.rows = tuple(reversed(rows))
        try:
            return original(self, v, tracer)
        finally:
            self.rows = rows

    monkeypatch.setattr(DecisionStep, "_first_match", broken)
    yield


def test_a_broken_first_match_in_the_row_engine_is_caught(last_match: None) -> None:
    found = _reported("row")
    assert {"first/first-row", "first/first-of-two", "first/second-row"} <= set(found)
    assert found["first/first-of-two"] == ["first/first-of-two [row]: `d` is 'z', the table says 'x'"]
    assert all(name.startswith(("first/", "no-rule/")) for name in found)  # nothing else moved
    assert agreement("first", fresh=True)  # the other backends now disagree with it


@pytest.fixture
def unknown_and_false(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The vectorised backend broken: ``unknown and false`` is unknown, not false."""
    original = ExprCompiler._BoolOpIR

    def broken(self: ExprCompiler, e: ir.BoolOpIR) -> Vec:
        vec = original(self, e)
        items = [self.expr(i) for i in e.items]
        if e.op != "and" or all(i.known for i in items) or vec.is_static:
            return vec
        return Vec(T.BOOL, vec.value(), merge(i.mask for i in items))

    monkeypatch.setattr(ExprCompiler, "_BoolOpIR", broken)
    yield


def test_a_broken_kleene_and_in_the_vectorised_backend_is_caught(unknown_and_false: None) -> None:
    found = _reported("vectorised")
    assert {"kleene/false-and-unknown", "kleene/unknown-and-false", "compare/chain-unknown-false"} <= set(found)
    assert "first/first-row" not in found
    assert _reported("row") == {}  # the row engine is not touched
    assert agreement("logic", fresh=True)


@pytest.fixture
def off_by_one(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The vectorised backend broken: ``<`` is computed as ``<=``."""
    original = vexpr._ordered

    def broken(op: str, left: pl.Expr, right: pl.Expr, nullable: bool = True) -> pl.Expr:
        return original("<=" if op == "<" else op, left, right, nullable)

    monkeypatch.setattr(vexpr, "_ordered", broken)
    yield


def test_an_off_by_one_in_the_vectorised_backend_is_caught(off_by_one: None) -> None:
    found = _reported("vectorised")
    assert set(found) == {"compare/at-the-bounds", "compare/upper-bound"}
    assert agreement("compare", fresh=True)


def test_the_batch_properties_catch_an_off_by_one(off_by_one: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend-agreement property on the batch test policy finds it too, with its examples."""
    quick = settings(test_batch_properties.THOROUGH, phases=[Phase.explicit, Phase.generate])  # no shrinking
    monkeypatch.setattr(test_batch_properties, "THOROUGH", quick)
    loader.CACHE.clear()  # the policy's engine is made anew, with the broken backend
    try:
        with pytest.raises(AssertionError):
            test_batch_properties.test_every_decision_kind_with_conflicts_and_errors()
    finally:
        loader.CACHE.clear()


@pytest.fixture
def no_exceptions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The z3 encoding broken: exceptions override nothing."""
    monkeypatch.setattr(Encoder, "_active", lambda self, core, conditions: list(conditions))
    yield


def test_broken_exceptions_in_the_z3_encoding_are_caught(no_exceptions: None) -> None:
    found = _reported("z3")
    assert {"exceptions/exception", "exceptions/override-applies", "collect/rules-exception"} <= set(found)
    assert not any(name.startswith(("kleene/", "first/")) for name in found)
    assert agreement("exceptions", fresh=True)


def test_entries_of_each_kind_exist() -> None:
    for kind in ("first", "collect", "exceptions", "default", "conflict", "no-rule", "kleene"):
        assert entries(kind), kind

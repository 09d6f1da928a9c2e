"""The vectorised backend against the row-by-row reference, on generated caseloads.

For every bundled policy (and the batch test policy, which has every decision kind the
backend computes), a generated table of complete and partial fact sets gives the very same
result table with the vectorised backend as with one :meth:`Policy.evaluate` per row,
and each row agrees with the single evaluation of its fact set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import policylang
from policylang.base.errors import PolicyError
from policylang.batch import columns as C
from policylang.batch import evaluate_many
from policylang.batch.io import read_frame
from policylang.batch.run import backend_for
from policylang.ir import types as T
from policylang.testing import fact_values, partial_fact_sets

HERE = Path(__file__).parent
POLICIES = policylang.bundled_names()
TEST_POLICY = str(HERE / "batch_policies" / "benefits.pol")
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
# The batch test policy is small and has every decision kind: many more examples, for little
# time. 8 missed a vectorised `<` computed as `<=` (tests/test_conformance.py breaks backends
# like this on purpose; see docs/architecture.rst, "The conformance table").
THOROUGH = settings(SETTINGS, max_examples=150)


def _single(policy: policylang.Policy, facts: dict[str, Any]) -> dict[str, Any]:
    """What a single evaluation says, with decided values as the batch's cells."""
    try:
        result = policy.evaluate(facts, trace=False)
    except PolicyError as e:
        return {"error": e.message}
    cells = {d: C.cell_encoder(policy.decisions[d].type)(v) for d, v in result.values.items()}
    return {
        "decisions": {d: None if v is None else cells[d] for d, v in result.values.items()},
        "undetermined": result.undetermined,
        "no_rule": result.no_rule,
        "missing": result.missing,
        "reasons": result.reasons,
    }


def _row(row: dict[str, Any], policy: policylang.Policy) -> dict[str, Any]:
    """The same, read from a row of a batch result."""
    if row["_error"] is not None:
        return {"error": row["_error"]}
    decided = [d for d in policy.decisions if row["_undetermined"][d] is None and row["_no_rule"][d] is None]
    return {
        "decisions": {d: row[d] for d in decided},
        "undetermined": {d: v for d, v in row["_undetermined"].items() if v is not None},
        "no_rule": {d: v for d, v in row["_no_rule"].items() if v is not None},
        "missing": row["_missing"],
        "reasons": {d: v for d, v in row["_reasons"].items() if v is not None},
    }


@pytest.mark.parametrize("name", POLICIES)
def test_vectorised_equals_row_by_row(name: str) -> None:
    policy = policylang.load(name)

    @SETTINGS
    @given(st.lists(partial_fact_sets(policy), min_size=1, max_size=10))
    def check(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        rows = [partial for _, partial in pairs] + [full for full, _ in pairs]
        vectorised = evaluate_many(policy, rows, reasons=True)
        reference = evaluate_many(policy, rows, reasons=True, backend="rowwise")
        assert_frame_equal(vectorised, reference)
        # the vectorised backend computed the rows itself: none went back to the reference
        assert backend_for(policy.engine()).stats["redone"] == 0
        for facts, row in zip(rows, vectorised.iter_rows(named=True), strict=True):
            assert _row(row, policy) == _single(policy, facts)
        # the same caseload stored with enum facts as pl.Enum columns (their categories in
        # reverse order, so that an ordered comparison cannot lean on the column's order)
        assert_frame_equal(evaluate_many(policy, _with_enum_columns(policy, rows), reasons=True), reference)

    check()


def _with_enum_columns(policy: policylang.Policy, rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame, _ = read_frame(rows, policy.program)
    enums = {}
    for name, dtype in frame.schema.items():
        fact = policy.program.facts.get(name)
        base = T.strip_optional(fact.type) if fact is not None else None
        if isinstance(base, T.EnumType) and dtype == pl.String:
            enums[name] = pl.col(name).cast(pl.Enum(list(reversed(base.members))))
    return frame.with_columns(**enums)


def test_every_decision_kind_with_conflicts_and_errors() -> None:
    """Rules with exceptions, first match, collect, if: with rows that conflict or break a constraint."""
    policy = policylang.load(TEST_POLICY)
    strategies = fact_values(policy)
    # negative incomes break the constraint; the rest stays near the thresholds the policy compares with
    strategies["income"] = st.one_of(strategies["income"], st.integers(-5, -1))

    @THOROUGH
    @given(
        st.lists(st.fixed_dictionaries({}, optional=strategies), min_size=1, max_size=20),
    )
    def check(rows: list[dict[str, Any]]) -> None:
        vectorised = evaluate_many(policy, rows, reasons=True)
        reference = evaluate_many(policy, rows, reasons=True, backend="rowwise")
        assert_frame_equal(vectorised, reference)
        errors = vectorised.get_column("_error").is_not_null().sum()
        assert backend_for(policy.engine()).stats["redone"] == errors  # only rows that raise go back
        for facts, row in zip(rows, vectorised.iter_rows(named=True), strict=True):
            assert _row(row, policy) == _single(policy, facts)

    check()


@pytest.mark.parametrize("name", ["residence/help_and_repatriation", TEST_POLICY])
def test_every_fact_unknown_in_some_rows(name: str) -> None:
    """Columns with nulls (unknown facts) and columns missing entirely, in one Polars table."""
    policy = policylang.load(name)
    strategies = fact_values(policy)

    @THOROUGH if name == TEST_POLICY else SETTINGS
    @given(
        st.lists(
            st.fixed_dictionaries({n: st.one_of(st.none(), s) for n, s in strategies.items()}), min_size=1, max_size=8
        ),
        st.sets(st.sampled_from(sorted(strategies))),
    )
    def check(rows: list[dict[str, Any]], dropped: set[str]) -> None:
        # a null cell is an unknown fact: the single evaluation does not get the key
        fact_sets = [{k: v for k, v in row.items() if v is not None and k not in dropped} for row in rows]
        vectorised = evaluate_many(policy, fact_sets)
        reference = evaluate_many(policy, fact_sets, backend="rowwise")
        assert_frame_equal(vectorised, reference)

    check()

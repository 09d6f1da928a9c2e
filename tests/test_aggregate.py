"""Aggregation (``sum``, ``min``, ``max``, ``filter``, ``map``): values, unknowns, types and the backends.

The Kleene rules: an unknown collection, or an unknown value for any one element, makes
the aggregate unknown, waiting for every fact that could decide it; a null collection
counts as empty; ``sum`` of nothing is zero; ``min`` and ``max`` skip nulls and are null
when nothing is left; ``filter`` is unknown as soon as one element's condition is.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import policylang
from policylang import EvaluationError
from policylang.analysis import analyse
from policylang.analysis import domain as D
from policylang.analysis.encode import Encoder
from policylang.analysis.observe import Observer
from policylang.analysis.sampling import Sampler
from policylang.analysis.search import Search
from policylang.batch import evaluate_many
from policylang.batch.run import backend_for
from policylang.ir import program as ir
from policylang.ir import serial
from policylang.ir.values import Unknown
from policylang.testing import partial_fact_sets
from tests.conftest import compile_text, diagnostics_of
from tests.test_analysis import _bind

HERE = Path(__file__).parent
BATCH_POLICY = HERE / "batch_policies" / "aggregates.pol"

HOUSEHOLD = """
type member = record { name: text, income: money, age: int, born: date, hours: int? }
fact members: list of member
fact rate: decimal
fact sizes: set of int
let household_income = sum(m in members: m.income)
decision total: money = household_income
decision taxed: money = sum(m in members: m.income * rate)
decision oldest: int? = max(m in members: m.age)
decision first_born: date? = min(m in members: m.born)
decision least_hours: int? = min(m in members: m.hours)
decision adults: list of text = map(m in filter(m in members: m.age >= 18): m.name)
decision size_total: int = sum(sizes)
decision largest: int? = max(sizes)
"""

A = {"name": "A", "income": 200000, "age": 40, "born": "1985-03-01", "hours": None}
B = {"name": "B", "income": "50000.50", "age": 12, "born": "2013-06-30", "hours": 20}


def test_sum_min_max_filter_map_over_a_household() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [A, B], "rate": "0.5", "sizes": [3, 4]})
    assert result.values == {
        "total": Decimal("250000.50"),
        "taxed": Decimal("125000.250"),
        "oldest": 40,
        "first_born": dt.date(1985, 3, 1),
        "least_hours": 20,  # the null is skipped
        "adults": ("A",),
        "size_total": 7,
        "largest": 4,
    }


def test_over_nothing_a_sum_is_zero_and_min_and_max_are_null() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [], "rate": "0.5", "sizes": []})
    assert result.values == {
        "total": 0,
        "taxed": 0,
        "oldest": None,
        "first_born": None,
        "least_hours": None,
        "adults": (),
        "size_total": 0,
        "largest": None,
    }


def test_an_unknown_collection_makes_every_aggregate_over_it_unknown() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"rate": "0.5", "sizes": [1]})
    assert set(result.undetermined) == {"total", "taxed", "oldest", "first_born", "least_hours", "adults"}
    assert result.undetermined["total"] == ["members"]
    assert result.values == {"size_total": 1, "largest": 1}


def test_an_unknown_value_for_one_element_makes_the_aggregate_unknown() -> None:
    # each member's contribution needs `rate`; the other aggregates are decided
    result = compile_text(HOUSEHOLD).evaluate({"members": [A, B], "sizes": []})
    assert result.undetermined == {"taxed": ["rate"]}
    assert result.values["total"] == Decimal("250000.50")


def test_but_over_no_element_nothing_is_waited_for() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [], "sizes": []})
    assert result.values["taxed"] == 0
    assert "taxed" not in result.undetermined


def test_filter_is_unknown_when_one_elements_condition_is() -> None:
    policy = compile_text(
        """
fact xs: list of int
fact limit: int
decision kept: list of int = filter(x in xs: x > limit)
decision kept_count: int = count(filter(x in xs: x > limit))
"""
    )
    assert policy.evaluate({"xs": [1, 5], "limit": 2}).values == {"kept": (5,), "kept_count": 1}
    unknown = policy.evaluate({"xs": [1, 5]})
    assert unknown.undetermined == {"kept": ["limit"], "kept_count": ["limit"]}
    assert policy.evaluate({"xs": []}).values == {"kept": (), "kept_count": 0}  # no element waits for limit


def test_a_null_collection_counts_as_empty() -> None:
    policy = compile_text(
        "type ints = list of int\nfact xs: ints?\ndecision s: int = sum(xs)\ndecision m: int? = max(xs)\n"
    )
    assert policy.evaluate({"xs": None}).values == {"s": 0, "m": None}


def test_a_set_filters_to_a_set_and_maps_to_a_list_in_canonical_order() -> None:
    policy = compile_text(
        """
fact xs: set of int
decision big: set of int = filter(x in xs: x > 1)
decision doubled: list of int = map(x in xs: x * 2)
"""
    )
    assert policy.evaluate({"xs": [3, 1, 2]}).values == {"big": frozenset({2, 3}), "doubled": (2, 4, 6)}


def test_min_and_max_of_an_ordered_enum_follow_its_declaration() -> None:
    policy = compile_text(
        """
type level = ordered enum { low, middle, high }
fact levels: list of level
decision worst: level? = max(levels)
decision best: level? = min(l in levels: l)
"""
    )
    assert policy.evaluate({"levels": ["middle", "low", "high", "low"]}).values == {"worst": "high", "best": "low"}


def test_an_unknown_value_cannot_matter_beside_an_ordered_enums_extreme_member() -> None:
    policy = compile_text(
        """
type level = ordered enum { low, middle, high }
type case = record { base: level }
fact cases: list of case
fact raised: bool
decision worst: level? = max(c in cases: if c.base = high then high else if raised then middle else low)
decision best: level? = min(c in cases: if c.base = low then low else if raised then high else middle)
"""
    )
    middling = policy.evaluate({"cases": [{"base": "middle"}, {"base": "middle"}]})
    assert middling.values == {}
    assert middling.undetermined == {"worst": ["raised"], "best": ["raised"]}
    # one case is already the highest (the lowest) there is: the unknown other cannot change that
    extremes = policy.evaluate({"cases": [{"base": "middle"}, {"base": "high"}, {"base": "low"}]})
    assert extremes.values == {"worst": "high", "best": "low"}


def test_durations_add_up() -> None:
    policy = compile_text(
        """
type leave = record { length: duration }
fact leaves: list of leave
fact start: date
decision ends: date = start + sum(l in leaves: l.length)
"""
    )
    facts = {"leaves": [{"length": "P1M"}, {"length": "P10D"}], "start": "2024-01-31"}
    assert policy.evaluate(facts).values == {"ends": dt.date(2024, 3, 10)}


def test_a_literal_list_that_cannot_be_empty_has_a_min_that_is_never_null() -> None:
    policy = compile_text("fact a: int\nfact b: int\ndecision lower: int = min([a, b])\n")
    assert policy.evaluate({"a": 3, "b": 2}).values == {"lower": 2}
    assert policy.evaluate({"a": 3}).undetermined == {"lower": ["b"]}


def test_min_and_max_of_several_values_are_still_the_builtins() -> None:
    policy = compile_text("fact a: int\nfact b: int?\ndecision lower: int = min(a, b)\n")
    assert policy.evaluate({"a": 3, "b": None}).values == {"lower": 3}


def test_a_sum_too_large_for_a_whole_number_is_a_located_error() -> None:
    policy = compile_text("fact xs: list of int\ndecision s: int = sum(xs)\n")
    with pytest.raises(EvaluationError) as info:
        policy.evaluate({"xs": [2**62, 2**62]})
    (d,) = info.value.diagnostics
    assert d.code == "pol-evaluation" and d.span is not None and d.span.text == "sum(xs)"


def test_a_bound_variable_can_shadow_a_fact_and_aggregates_nest() -> None:
    policy = compile_text(
        """
type family = record { children: list of int }
fact x: int
fact families: list of family
decision total: int = sum(x in families: sum(x.children)) + x
"""
    )
    assert policy.evaluate({"x": 1, "families": [{"children": [1, 2]}, {"children": [3]}]}).values == {"total": 7}


# ----------------------------------------------------------------- the checker


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("fact xs: list of text\ndecision d: int = sum(xs)", "pol-aggregate-type", "adds numbers"),
        ("fact xs: list of bool\ndecision d: bool? = max(x in xs: x)", "pol-aggregate-type", "ordered"),
        ("fact xs: list of int?\ndecision d: int = sum(xs)", "pol-aggregate-type", "cannot add null"),
        ("type r = record { a: int }\nfact xs: list of r\ndecision d: int = sum(xs)", "pol-aggregate-type", "x.a"),
        ("decision d: int? = min([])", "pol-aggregate-empty", "has no value"),
        ("decision d: int = sum(x in []: x)", "pol-aggregate-empty", "always 0"),
        ("fact n: int\ndecision d: int = sum(n)", "pol-type", "needs a list or set"),
        ("fact n: int\ndecision d: int = sum(n, n)", "pol-type", "`a + b`"),
        ("fact xs: list of int\ndecision d: list of int = filter(x in xs: x + 1)", "pol-type", "true or false"),
        ("fact xs: list of int\ndecision d: int = max(xs)", "pol-type", "coalesce"),
        ("fact xs: list of duration\ndecision d: duration? = max(xs)", "pol-aggregate-type", "ordered"),
    ],
)
def test_misuse_is_a_located_diagnostic_with_a_hint(text: str, code: str, words: str) -> None:
    found = [d for d in diagnostics_of(text + "\n") if d.code == code]
    assert found, diagnostics_of(text + "\n")
    d = found[0]
    assert d.span is not None and d.span.line >= 1
    assert words in d.message + (d.hint or "")


# ----------------------------------------------------------------- the analyses


def test_the_analyses_treat_an_aggregate_as_opaque_and_say_so() -> None:
    (gap,) = analyse(
        compile_text(
            """
type member = record { income: money }
fact members: list of member
decision band: enum { low, high }
  first match
    low when sum(m in members: m.income) < 100 DKK
    high when sum(m in members: m.income + 0 DKK) >= 100 DKK
"""
        ).program
    )
    assert gap.code == "pol-gap" and "possibly; not exhaustive" in gap.message and "sum(m in members" in gap.message


def test_a_gap_outside_the_aggregate_is_still_proved() -> None:
    findings = analyse(
        compile_text(
            """
fact members: list of int
fact flag: bool
decision band: enum { low, high }
  first match
    low when flag and sum(members) < 100
    high when not flag
"""
        ).program
    )
    assert [d.code for d in findings] == ["pol-gap"]


ENCODED = """
fact a: int
fact b: int
fact c: decimal
fact d1: date
fact d2: date?
fact levels: set of enum { x, y, z }
fact tags: list of enum { p, q }
decision band: enum { one, two, three, four }
  first match
    one when sum([a, b]) > 10 and max([d1, d2]) > 2024-01-01
    two when min(v in [a, b, 3]: v * 2) < a + 1
    three when sum(l in levels: if l = x then 2 else 1) >= 3 or max(t in tags: if t = p then c else 0) > 1.5
    four otherwise
"""


def test_sums_and_extremes_of_literals_and_enum_sets_are_encoded_as_the_engine_computes_them() -> None:
    program = compile_text(ENCODED).program
    encoder = Encoder(program, exact=True)
    observer = Observer(program)
    search = Search(program, Sampler(program, 11), observer, 11)
    model = encoder.decision("band")
    assert not any(kind == "opaque" for notes in model.row_notes for kind, _ in notes)
    step = observer.decision_steps["band"]
    compared = 0
    for _ in range(40):
        facts = search.facts([])
        loaded = observer.load(facts)
        if loaded is None or loaded[1]:
            continue
        v = loaded[0]
        observer.run_steps(v)
        solver = z3.Solver()
        solver.add(*encoder.definitions)
        for fact, value in facts.items():
            if fact in encoder.facts:
                solver.add(*_bind(encoder.facts[fact], value, program.facts[fact].type))
        assert solver.check() == z3.sat, facts
        found = solver.model()
        for i in range(3):
            engine = step.rows[i].condition(v)
            if type(engine) is Unknown:
                continue
            symbolic = z3.is_true(found.eval(D.as_z3_bool(model.conditions[i]), model_completion=True))
            assert symbolic == (engine is True), (i, facts)
            compared += 1
    assert compared >= 30


# ----------------------------------------------------------------- the vectorised backend


def test_the_batch_backend_vectorises_what_it_computes_exactly_and_declines_the_rest() -> None:
    coverage = backend_for(policylang.load(str(BATCH_POLICY)).engine()).coverage()
    vectorised = {d for d, why in coverage.items() if why is None}
    assert vectorised == {
        "total_age",
        "total_counts",
        "oldest",
        "first_born",
        "least_hours",
        "large_household",
        "adults",
        "ages",
        "incomes",  # carried, not computed with
        "kept_counts",
    }
    assert coverage["income"] is not None and "decimal" in coverage["income"]  # a sum of amounts is exact
    assert coverage["with_bonus"] is not None  # each element's value reads another fact


def _rows() -> list[dict[str, Any]]:
    a = {"age": 40, "born": "1985-03-01", "income": 100, "hours": None}
    b = {"age": 70, "born": "1950-01-02", "income": "2.5", "hours": 3}
    return [
        {"members": [a, b], "counts": [1, 2], "bonus": 1},
        {"members": [], "counts": [], "bonus": 1},
        {"counts": [5]},
        {"members": [b], "counts": [2**62, 2**62 + 1], "bonus": 2},  # the sum overflows: the reference's error
    ]


def test_the_batch_agrees_with_the_row_engine_on_chosen_rows() -> None:
    policy = policylang.load(str(BATCH_POLICY))
    vectorised = evaluate_many(policy, _rows(), reasons=True)
    assert_frame_equal(vectorised, evaluate_many(policy, _rows(), reasons=True, backend="rowwise"))
    assert vectorised["total_age"].to_list()[:2] == [110, 0]
    assert "aggregates.pol:11:30: the result is larger than" in (vectorised["_error"].to_list()[3] or "")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data())
def test_the_batch_agrees_with_evaluate_on_generated_households(data: st.DataObject) -> None:
    policy = policylang.load(str(BATCH_POLICY))
    pairs = data.draw(st.lists(partial_fact_sets(policy), min_size=1, max_size=8))
    rows = [partial for _, partial in pairs] + [full for full, _ in pairs]
    vectorised = evaluate_many(policy, rows)
    assert_frame_equal(vectorised, evaluate_many(policy, rows, backend="rowwise"))
    for facts, row in zip(rows, vectorised.iter_rows(named=True), strict=True):
        try:
            result = policy.evaluate(facts, trace=False)
        except policylang.PolicyError:
            assert row["_error"] is not None
            continue
        assert row["_error"] is None
        assert row["total_age"] == result.values.get("total_age")
        assert row["oldest"] == result.values.get("oldest")
        assert row["first_born"] == result.values.get("first_born")
        assert set(result.undetermined) == {d for d, v in row["_undetermined"].items() if v is not None}


def test_polars_is_what_computes_the_vectorised_decisions() -> None:
    assert isinstance(evaluate_many(policylang.load(str(BATCH_POLICY)), _rows()[:1]), pl.DataFrame)


def test_a_checked_aggregate_is_stored_and_read_back_whole() -> None:
    program = policylang.load(str(BATCH_POLICY)).program
    (restored,) = serial.restore(json.loads(json.dumps(serial.dump([program]))))
    before = [n for d in program.decisions.values() for n in ir.walk(d.rows[0].value) if isinstance(n, ir.AggregateIR)]
    after = [n for d in restored.decisions.values() for n in ir.walk(d.rows[0].value) if isinstance(n, ir.AggregateIR)]
    assert before and after == before

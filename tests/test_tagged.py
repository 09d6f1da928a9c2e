"""Tagged values (enum members that carry fields) and ``match``: values, unknowns, types and the backends.

In JSON a member that carries fields is ``{"member": {fields}}``, one without is its name;
a ``match`` takes the arm of the value's member and computes only that arm; an unknown
value makes the match unknown.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import policylang
from policylang.analysis import analyse
from policylang.batch import evaluate_many
from policylang.batch.run import backend_for
from policylang.explanation.redact import personal_values
from policylang.ir import program as ir
from policylang.ir import serial
from policylang.ir import types as T
from policylang.ir.values import Tagged
from policylang.testing import partial_fact_sets
from policylang.trace.manifest import manifest
from tests.conftest import compile_text, diagnostics_of

INCOME = """
type income = enum {
  salary { amount: money } "Løn" / "Salary",
  pension { amount: money, since: date } "Pension" / "Pension",
  none "Ingen" / "None"
}
fact inc: income "Indkomst" / "Income"
fact bonus: money "Bonus" / "Bonus"
fact history: list of income "Tidligere" / "Earlier"
parameter FALLBACK: income = {salary: {amount: 10 DKK}} "Reserve" / "Fallback"
decision monthly: money = match inc {
  salary s => s.amount + bonus
  pension p => p.amount
  none => 0 DKK
}
decision since: date? = match inc { pension p => p.since  otherwise => null }
decision earns: bool = inc = salary
decision not_earning: bool = inc != salary
decision receives: bool = inc in {salary, pension}
decision nothing: bool = inc = none
decision current: income = inc
decision assumed: income = if inc = none then FALLBACK else inc
decision earned: money = sum(i in history: match i { salary s => s.amount  otherwise => 0 DKK })
decision same_as_fallback: bool = inc = FALLBACK
"""

SALARY = {"salary": {"amount": "100 DKK"}}
PENSION = {"pension": {"amount": 8000, "since": "2019-01-01"}}


@pytest.fixture(scope="module")
def incomes() -> policylang.Policy:
    return compile_text(INCOME)


def test_a_match_takes_the_arm_of_the_members_value(incomes: policylang.Policy) -> None:
    result = incomes.evaluate({"inc": SALARY, "bonus": 5, "history": [SALARY, "none", PENSION, SALARY]})
    assert result.values["monthly"] == Decimal(105)
    assert result.decisions["since"] is None
    assert [result.decisions[d] for d in ("earns", "not_earning", "receives", "nothing")] == [True, False, True, False]
    assert result.values["earned"] == Decimal(200)
    assert result.values["current"] == Tagged("salary", {"amount": Decimal(100)})
    pension = incomes.evaluate({"inc": PENSION, "history": []})
    assert pension.decisions["monthly"] == 8000 and pension.decisions["since"] == "2019-01-01"
    assert [pension.decisions[d] for d in ("earns", "not_earning", "receives", "nothing")] == [False, True, True, False]
    none = incomes.evaluate({"inc": "none"})
    assert none.decisions["monthly"] == 0 and none.decisions["nothing"] is True and none.decisions["receives"] is False


def test_a_tagged_value_round_trips_through_a_result(incomes: policylang.Policy) -> None:
    for value in (SALARY, PENSION, "none"):
        decided = incomes.evaluate({"inc": value}).to_dict()["decisions"]
        assert json.loads(json.dumps(decided))["current"] == decided["current"]
        again = incomes.evaluate({"inc": decided["current"]}).to_dict()["decisions"]
        assert again["current"] == decided["current"]
    assert incomes.evaluate({"inc": PENSION}).to_dict()["decisions"]["current"] == {
        "pension": {"amount": 8000, "since": "2019-01-01"}
    }
    assert incomes.evaluate({"inc": "none"}).to_dict()["decisions"]["current"] == "none"
    assert incomes.evaluate({"inc": {"none": {}}}).decisions["current"] == "none"


def test_a_parameter_holds_a_tagged_value_and_can_be_given_one(incomes: policylang.Policy) -> None:
    assert incomes.evaluate({"inc": "none"}).decisions["assumed"] == {"salary": {"amount": 10}}
    given = incomes.evaluate({"inc": "none"}, parameters={"FALLBACK": PENSION})
    assert given.decisions["assumed"] == {"pension": {"amount": 8000, "since": "2019-01-01"}}
    assert incomes.evaluate({"inc": {"salary": {"amount": 10}}}).decisions["same_as_fallback"] is True
    assert incomes.evaluate({"inc": {"salary": {"amount": 11}}}).decisions["same_as_fallback"] is False


def test_an_unknown_tagged_value_makes_the_match_unknown(incomes: policylang.Policy) -> None:
    result = incomes.evaluate({"bonus": 1, "history": []})
    for d in ("monthly", "since", "earns", "receives", "current"):
        assert result.undetermined[d] == ["inc"], d


def test_only_the_arm_taken_is_computed(incomes: policylang.Policy) -> None:
    assert incomes.evaluate({"inc": PENSION}).decisions["monthly"] == 8000  # bonus is not needed for a pension
    assert incomes.evaluate({"inc": SALARY}).undetermined["monthly"] == ["bonus"]
    assert incomes.evaluate({"history": [SALARY]}).decisions["earned"] == 100


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("salary", '`salary` carries fields: write it as {"salary": {"amount": ...}}'),
        ({"salery": {"amount": 1}}, 'one of "none", {"salary": {"amount": ...}}'),
        ({"salary": {}}, "`salary` lacks the field `amount`"),
        ({"salary": {"amount": 1, "extra": 2}}, "`salary` has no field `extra`"),
        ({"salary": {"amount": "x"}}, 'the field `amount` of `salary` is "x"'),
        ({"pension": {"amount": 1, "since": "2019-02-30"}}, "the field `since` of `pension`"),
        ({"none": {"a": 1}}, "`none` carries no fields"),
        ({"salary": {"amount": 1}, "none": {}}, "one of"),
        (3, "one of"),
    ],
)
def test_a_bad_tagged_fact_names_the_fact_and_the_field(incomes: policylang.Policy, value: Any, words: str) -> None:
    with pytest.raises(policylang.PolicyError) as info:
        incomes.evaluate({"inc": value})
    assert "fact `inc`" in str(info.value) and words in str(info.value)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("decision d: money = match inc { salary s => s.amount  none => 0 DKK }", "pol-match-missing", "`pension`"),
        ("decision d: int = match inc { salary => 1  salary => 2  otherwise => 3 }", "pol-match-unreachable", "twice"),
        (
            "decision d: int = match inc { salary => 1 pension => 2 none => 3 otherwise => 4 }",
            "pol-match-unreachable",
            "never taken",
        ),
        ("decision d: int = match inc { salry => 1  otherwise => 3 }", "pol-match-case", "`salary`"),
        ("decision d: int = match inc { none n => 1  otherwise => 3 }", "pol-match-binding", "`none =>"),
        (
            "decision d: date = match inc { salary s => s.since  otherwise => 2020-01-01 }",
            "pol-match-field",
            "field of `pension`",
        ),
        ("decision d: int = match bonus { salary => 1 }", "pol-match-type", "not money"),
        ("decision d: income = salary", "pol-tagged-value", "carries fields"),
        ("decision d: money = inc.amount", "pol-type", "match inc"),
        ('decision d: int = match inc { salary => 1  otherwise => "x" }', "pol-type", "one type"),
        ("decision d: set of income = {}", "pol-type", "use a list"),
        ("decision d: income = {salary: {amount: true}}", "pol-type", "the field `amount`"),
        ("decision d: income = {salery: {amount: 1 DKK}}", "pol-tagged-value", "`salary`"),
    ],
)
def test_misuse_is_a_located_diagnostic_with_a_hint(text: str, code: str, words: str) -> None:
    source = INCOME.split("decision monthly")[0] + text + "\n"
    found = [d for d in diagnostics_of(source) if d.code == code]
    assert found, diagnostics_of(source)
    d = found[0]
    assert d.span is not None and d.span.line >= 1
    assert words in d.message + (d.hint or "")


def test_the_arms_share_one_type_and_a_null_arm_makes_it_optional() -> None:
    policy = compile_text(
        INCOME.split("decision monthly")[0]
        + "let d = match inc { pension p => p.since  otherwise => null }\n"
        + "let e = match inc { salary => 1  pension => 2.5  none => 0 }\n"
        + "decision f: bool = d is null and e > 1\n"
    )
    assert policy.program.lets["d"].type == T.OptionalType(T.DATE)
    assert policy.program.lets["e"].type == T.DECIMAL
    assert policy.evaluate({"inc": "none"}).decisions["f"] is False
    assert policy.evaluate({"inc": SALARY}).decisions["f"] is False


def test_match_works_on_a_plain_enum_and_names_its_members_from_context() -> None:
    policy = compile_text(
        """
type level = enum { low, middle, high }
type grade = enum { pass, fail }
fact l: level
decision g: grade = match l { low => fail  otherwise => pass }
"""
    )
    assert policy.evaluate({"l": "low"}).decisions["g"] == "fail"
    assert policy.evaluate({"l": "high"}).decisions["g"] == "pass"
    assert policy.evaluate({}).undetermined["g"] == ["l"]


def test_the_explanation_shows_the_members_label_and_its_fields(incomes: policylang.Policy) -> None:
    explained = policylang.explain(incomes.evaluate({"inc": PENSION}), incomes, lang="da")
    current = explained.decision("current")
    assert current.value is not None and current.value.text == "Pension (amount: 8.000 kr.; since: 2019-01-01)"
    assert explained.decision("nothing").value is not None
    plain = policylang.explain(incomes.evaluate({"inc": "none"}), incomes, lang="en").decision("current")
    assert plain.value is not None and plain.value.text == "None"


def test_a_checked_match_is_stored_and_read_back_whole(incomes: policylang.Policy) -> None:
    program = incomes.program
    (restored,) = serial.restore(json.loads(json.dumps(serial.dump([program]))))
    before = [n for d in program.decisions.values() for n in ir.walk(d.rows[0].value) if isinstance(n, ir.MatchIR)]
    after = [n for d in restored.decisions.values() for n in ir.walk(d.rows[0].value) if isinstance(n, ir.MatchIR)]
    assert before and after == before
    assert restored.types["income"] == program.types["income"] and restored.parameters == program.parameters


# ----------------------------------------------------------------- the vectorised backend


def _rows() -> list[dict[str, Any]]:
    return [
        {"inc": SALARY, "bonus": 5, "history": [SALARY, PENSION]},
        {"inc": "none", "history": []},
        {"inc": PENSION},
        {},
        {"inc": "salary"},  # a member that carries fields, without them: the row's error
    ]


def test_the_batch_backend_leaves_a_match_to_the_row_engine_and_says_so(incomes: policylang.Policy) -> None:
    coverage = backend_for(incomes.engine()).coverage()
    assert all(why is not None for why in coverage.values()), coverage
    assert "match" in (coverage["monthly"] or "") and "inc" in (coverage["current"] or "")


def test_the_batch_agrees_with_the_row_engine_and_with_evaluate(incomes: policylang.Policy, tmp_path: Any) -> None:
    frame = evaluate_many(incomes, _rows())
    assert_frame_equal(frame, evaluate_many(incomes, _rows(), backend="rowwise"))
    assert frame["monthly"].to_list()[:3] == [105.0, 0.0, 8000.0]
    assert json.loads(frame["current"].to_list()[0]) == {"salary": {"amount": 100}}
    assert "fact `inc`" in (frame["_error"].to_list()[4] or "")
    lines = tmp_path / "facts.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in _rows()), encoding="utf-8")
    assert_frame_equal(evaluate_many(incomes, str(lines)), frame)
    column = evaluate_many(incomes, pl.DataFrame({"inc": ["none", "salary", None]}))
    assert column["nothing"].to_list()[0] is True and column["_error"].to_list()[1] is not None


# ----------------------------------------------------------------- the analyses


GAP = """
type income = enum { salary { amount: money }, pension { amount: money, since: date }, none }
fact inc: income
fact other: income
decision band: enum { low, high }
  first match
    low when match inc { salary s => s.amount < 100 DKK  pension p => p.since < 2000-01-01  none => true }
    high when match inc { salary s => s.amount > 100 DKK  otherwise => false }
"""


def test_the_analyses_prove_a_gap_through_a_match_with_an_example_that_has_fields() -> None:
    (gap,) = analyse(compile_text(GAP).program)
    assert gap.code == "pol-gap" and "possibly" not in gap.message
    example = json.loads((gap.hint or "").split("for example ")[1].split("; add")[0])
    policy = compile_text(GAP)
    assert policy.evaluate(example).no_rule == {"band": []} or "band" in policy.evaluate(example).no_rule
    assert isinstance(example["inc"], dict)  # a salary of 100 or a pension since 2000: fields shown


def test_a_match_covering_every_case_has_no_gap() -> None:
    text = GAP.replace("s.amount > 100 DKK", "s.amount >= 100 DKK").replace("p.since < 2000-01-01", "true")
    assert analyse(compile_text(text).program) == []


def test_a_match_whose_fields_the_encoding_cannot_read_is_opaque_and_says_so() -> None:
    text = (
        GAP.replace("low when match inc", "low when match (if true then inc else other)")
        .replace("pension p => p.since < 2000-01-01  none => true", "otherwise => true")
        .replace("s.amount > 100 DKK", "s.amount >= 100 DKK")
    )
    findings = analyse(compile_text(text).program)
    assert [d.code for d in findings] == ["pol-gap"]
    assert "possibly; not exhaustive" in findings[0].message


def test_the_manifest_names_the_fields_each_member_carries(incomes: policylang.Policy) -> None:
    values = manifest(incomes.program)["types"]["income"]["values"]
    assert values[1] == {
        "value": "pension",
        "labels": {"da": "Pension", "en": "Pension"},
        "fields": {
            "type": "record",
            "fields": {"amount": {"type": "money", "currency": "DKK"}, "since": {"type": "date"}},
        },
    }
    assert "fields" not in values[2]


def test_the_exact_form_of_a_tagged_value_round_trips_too(incomes: policylang.Policy) -> None:
    result = incomes.evaluate({"inc": {"pension": {"amount": "8000.50 DKK", "since": "2019-01-01"}}})
    exact = result.to_dict()["exact"]["current"]
    assert exact == {"pension": {"amount": {"amount": "8000.50", "currency": "DKK"}, "since": "2019-01-01"}}
    assert incomes.evaluate({"inc": exact}).values["current"] == result.values["current"]


def test_a_match_on_a_personal_fact_carries_it_only_where_an_arm_reads_its_fields() -> None:
    program = compile_text(
        """
type income = enum { salary { amount: money }, none }
fact inc: income personal
decision monthly: money = match inc { salary s => s.amount  none => 0 DKK }
decision earns: bool = inc = salary
decision label: text = match inc { salary => "løn"  none => "ingen" }
"""
    ).program
    carried = personal_values(program)
    assert ("decision", "monthly") in carried
    assert ("decision", "earns") not in carried and ("decision", "label") not in carried


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data())
def test_the_batch_agrees_with_evaluate_on_generated_tagged_values(data: st.DataObject) -> None:
    policy = compile_text(INCOME)
    pairs = data.draw(st.lists(partial_fact_sets(policy), min_size=1, max_size=6))
    rows = [partial for _, partial in pairs] + [full for full, _ in pairs]
    frame = evaluate_many(policy, rows)
    assert_frame_equal(frame, evaluate_many(policy, rows, backend="rowwise"))
    for facts, row in zip(rows, frame.iter_rows(named=True), strict=True):
        result = policy.evaluate(facts, trace=False)
        assert row["_error"] is None
        assert set(result.undetermined) == {d for d, v in row["_undetermined"].items() if v is not None}
        for name in ("earns", "receives", "nothing"):
            assert row[name] == result.values.get(name)
        current = result.to_dict()["decisions"].get("current")
        assert (json.loads(row["current"]) if row["current"] is not None else None) == current


def test_a_match_on_a_plain_enum_is_vectorised() -> None:
    policy = compile_text(
        """
type level = enum { low, middle, high }
fact l: level
fact a: int
decision amount: int = match l { low => a  middle => 2  high => 3 }
"""
    )
    assert backend_for(policy.engine()).coverage() == {"amount": None}
    rows = [{"l": "low", "a": 7}, {"l": "high"}, {"a": 1}, {"l": "low"}]
    frame = evaluate_many(policy, rows)
    assert_frame_equal(frame, evaluate_many(policy, rows, backend="rowwise"))
    assert frame["amount"].to_list() == [7, 3, None, None]

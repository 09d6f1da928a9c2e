"""Money: currencies as units of the type, what arithmetic on amounts gives, rounding with
modes and steps, amounts in fact sets and results, and the same meaning in the batch
backend and the logic analyses (issue 20, point 6).

The checker's messages are golden-tested in tests/cases/pol-currency, pol-type and
pol-enum-value; here is what they rest on and what an evaluation gives.
"""

from __future__ import annotations

import json
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import z3

import policylang
from policylang.analysis import domain as D
from policylang.analysis.encode import Encoder
from policylang.base.errors import EvaluationError, FactError
from policylang.base.money import show_amount
from policylang.batch import coverage, evaluate_many
from policylang.engine.result import Result
from policylang.explanation.build import explain
from policylang.explanation.render.text import format_text
from policylang.ir import types as T
from policylang.ir.builtins import round_to_step
from tests.conftest import compile_text, diagnostics_of
from tests.test_analysis import codes, findings

AMOUNTS = """
fact rent: money EUR
fact share: decimal
fact months: int
rule R-1 cites S "§ 1"
decision part: money EUR = rent * share by R-1
decision twice: money EUR = 2 * rent by R-1
decision monthly: money EUR = rent / months by R-1
decision ratio: decimal = part / rent by R-1
decision over: bool = rent > 1000 EUR by R-1
"""


def errors(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in diagnostics_of(text) if d.severity == "error"]


# ---------------------------------------------------------------- the checker


def test_a_money_type_has_one_currency_and_money_alone_is_danish_kroner() -> None:
    program = compile_text(AMOUNTS + "fact deposit: money\n").program
    assert T.currency_of(program.facts["rent"].type) == "EUR"
    assert T.currency_of(program.facts["deposit"].type) == "DKK"
    assert T.describe(program.decisions["part"].type) == "money EUR"
    assert program.decisions["ratio"].type == T.DECIMAL and T.currency_of(program.decisions["ratio"].type) is None


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("rent + 5 DKK", "pol-currency"),
        ("rent - deposit", "pol-currency"),
        ("rent / deposit", "pol-currency"),
        ("rent * rent", "pol-type"),
        ("rent * deposit", "pol-type"),
        ("3 / rent", "pol-type"),
        ("max(rent, deposit)", "pol-type"),
        ("if months > 1 then rent else deposit", "pol-type"),
    ],
)
def test_amounts_that_do_not_go_together_are_located_errors(expression: str, code: str) -> None:
    text = f"fact rent: money EUR\nfact deposit: money\nfact months: int\ndecision d: decimal = {expression}\n"
    found = [d for d in diagnostics_of(text) if d.severity == "error"]
    assert found and found[0].code == code, found
    assert found[0].span is not None and found[0].span.line == 6  # after the header the test adds


def test_comparisons_and_decisions_of_another_currency_are_currency_errors() -> None:
    text = "fact rent: money EUR\ndecision a: bool = rent < 10 DKK\ndecision b: money SEK = rent\n"
    assert [c for c, _ in errors(text)] == ["pol-currency", "pol-currency"]


def test_what_arithmetic_on_amounts_gives() -> None:
    program = compile_text(AMOUNTS).program
    types = {name: T.describe(info.type) for name, info in program.decisions.items()}
    assert types == {
        "part": "money EUR",
        "twice": "money EUR",
        "monthly": "money EUR",
        "ratio": "decimal",
        "over": "bool",
    }


def test_an_unknown_currency_code_is_reported_once_with_a_suggestion() -> None:
    found = errors("fact rent: money EUX\ndecision d: bool = rent > 10 EUR\n")
    assert found == [
        ("pol-currency", "`EUX` is not a currency: money is counted in a currency named by its ISO 4217 code")
    ]


def test_a_constant_step_that_is_not_above_zero_is_an_error() -> None:
    assert ("pol-type", "`round_to` rounds to a step more than 0") in errors(
        "fact x: decimal\ndecision d: decimal = round_to(x, 0)\n"
    )


def test_a_rounding_mode_is_one_of_four_words() -> None:
    assert [c for c, _ in errors("fact x: decimal\ndecision d: decimal = round(x, 2, up)\n")] == ["pol-enum-value"]
    assert errors("fact x: decimal\ndecision d: decimal = round(x, 2, ceiling)\n") == []


# ---------------------------------------------------------------- evaluation


def test_amounts_evaluate_exactly() -> None:
    result = compile_text(AMOUNTS).evaluate({"rent": "1000.10 EUR", "share": "0.3", "months": 3})
    assert result.values == {
        "part": Decimal("300.030"),
        "twice": Decimal("2000.20"),
        "monthly": Decimal("333.3666666666666666666666666666667"),
        "ratio": Decimal("0.3"),
        "over": True,
    }


_PY = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "floor": ROUND_FLOOR, "ceiling": ROUND_CEILING}


@pytest.mark.parametrize(
    ("value", "step", "mode", "expected"),
    [
        ("2.345", "0.01", "half_up", "2.35"),
        ("2.345", "0.01", "half_even", "2.34"),
        ("2.355", "0.01", "half_even", "2.36"),
        ("-2.345", "0.01", "half_up", "-2.35"),
        ("-2.345", "0.01", "floor", "-2.35"),
        ("-2.345", "0.01", "ceiling", "-2.34"),
        ("1234.56", "100", "floor", "1200"),
        ("1234.56", "100", "ceiling", "1300"),
        ("1250", "100", "half_even", "1200"),
        ("1350", "100", "half_even", "1400"),
        ("10.125", "0.05", "half_up", "10.15"),
        ("10.124", "0.05", "half_up", "10.10"),
        ("0.5", "1", "half_even", "0"),
        ("7", "0.25", "floor", "7.00"),
    ],
)
def test_rounding_to_a_step_by_each_mode(value: str, step: str, mode: str, expected: str) -> None:
    assert str(round_to_step(Decimal(value), Decimal(step), mode)) == expected


def test_rounding_to_decimal_places_agrees_with_python_decimal() -> None:
    rng = random.Random(20)
    for _ in range(400):
        value = Decimal(rng.randint(-(10**12), 10**12)).scaleb(-rng.randint(0, 8))
        places = rng.randint(-3, 6)
        mode = rng.choice(list(_PY))
        quantum = Decimal((0, (1,), -places))
        expected = value.quantize(quantum, rounding=_PY[mode]) if places >= 0 else None
        got = round_to_step(value, quantum, mode)
        if expected is not None:
            assert got == expected, (value, places, mode)
        assert abs(got - value) < quantum and got % quantum == 0


def test_round_and_round_to_in_a_policy() -> None:
    policy = compile_text(
        """
fact x: money
fact mode: enum { half_up, half_even, floor, ceiling }
rule R-1 cites S "§ 1"
decision places: money = round(x, 1, mode) by R-1
decision default: money = round(x, 0) by R-1
decision kroner: money = round_to(x, 1 DKK, floor) by R-1
decision share: decimal = round_to(x / 3 DKK, 0.001) by R-1
"""
    )
    result = policy.evaluate({"x": "2.25 DKK", "mode": "half_even"})
    assert result.values == {
        "places": Decimal("2.2"),
        "default": Decimal("2"),
        "kroner": Decimal("2"),
        "share": Decimal("0.750"),
    }
    assert policy.evaluate({"x": "2.25", "mode": "ceiling"}).values["places"] == Decimal("2.3")


@pytest.mark.parametrize(
    ("decision", "facts", "message"),
    [
        ("money = rent / x", {"x": 0}, "division by zero"),
        ("decimal = rent / rent", {"x": 1, "rent": 0}, "division by zero"),
        ("money = rent * x", {"x": "1E+60", "rent": "1E+60"}, "larger than the largest decimal"),
        ("money = round(rent, 40)", {"x": 1, "rent": "12345"}, "need more than 34 digits"),
        ("money = round_to(rent, x)", {"x": "-1", "rent": 5}, "the step to round to must be more than 0"),
        ("money = round_to(rent, x)", {"x": "1E-90", "rent": "1E+20"}, "need more than 34 digits"),
    ],
)
def test_every_arithmetic_failure_is_a_located_evaluation_error(
    decision: str, facts: dict[str, Any], message: str
) -> None:
    policy = compile_text(f'fact rent: money\nfact x: decimal\nrule R-1 cites S "§ 1"\ndecision d: {decision} by R-1\n')
    with pytest.raises(EvaluationError) as info:
        policy.evaluate({"rent": 10, **facts})
    (d,) = info.value.diagnostics
    assert d.code == "pol-evaluation" and message in d.message and d.span is not None and d.span.line == 6


# ---------------------------------------------------------------- fact sets


@pytest.mark.parametrize(
    "written",
    [1234.5, "1234.50", "1234.50 EUR", "EUR 1234.50", {"amount": "1234.50", "currency": "EUR"}, Decimal("1234.5")],
)
def test_a_fact_set_writes_an_amount_in_any_documented_form(written: Any) -> None:
    result = compile_text(AMOUNTS).evaluate({"rent": written, "share": 1, "months": 1})
    assert result.values["part"] == Decimal("1234.5")


@pytest.mark.parametrize(
    ("written", "detail"),
    [
        ("1234.50 DKK", "it is in DKK: convert it to EUR first"),
        ({"amount": 1, "currency": "SEK"}, "it is in SEK"),
        ({"amount": 1}, 'exactly "amount" and "currency"'),
        ("12 euro", None),
        (True, None),
    ],
)
def test_an_amount_in_another_currency_or_form_names_the_fact(written: Any, detail: str | None) -> None:
    with pytest.raises(FactError) as info:
        compile_text(AMOUNTS).evaluate({"rent": written})
    assert "fact `rent`" in str(info.value) and "an amount of money in EUR" in str(info.value)
    if detail:
        assert detail in str(info.value)


# ---------------------------------------------------------------- results and explanations


def test_results_keep_their_json_numbers_and_add_exact_amounts() -> None:
    policy = compile_text(AMOUNTS)
    result = policy.evaluate({"rent": "1000", "share": "0.3", "months": 3})
    assert result.decisions["monthly"] == 333.3333333333333 and result.decisions["twice"] == 2000
    assert result.exact == {
        "part": {"amount": "300.0", "currency": "EUR"},
        "twice": {"amount": "2000", "currency": "EUR"},
        "monthly": {"amount": "333.3333333333333333333333333333333", "currency": "EUR"},
        "ratio": "0.3",
    }
    record = json.loads(json.dumps(result.to_dict()))
    assert record["exact"] == result.exact
    again = Result.from_dict(record, policy.program)
    assert again.values["monthly"] == result.values["monthly"] and again.to_dict() == record


def test_a_result_without_decimals_has_no_exact_part() -> None:
    result = compile_text("fact n: int\ndecision d: int = n * 2\n").evaluate({"n": 2})
    assert result.exact == {} and "exact" not in result.to_dict()


def test_an_amount_is_shown_with_its_currency_in_the_readers_language() -> None:
    assert show_amount(Decimal("1234.5"), "DKK", "da") == "1.234,50 kr."
    assert show_amount(Decimal("1234.5"), "DKK", "en") == "DKK 1,234.50"
    assert show_amount(Decimal("-0.125"), "EUR", "da") == "-0,125 EUR"
    assert show_amount(Decimal("1500"), "JPY", "en") == "JPY 1,500"
    policy = compile_text(AMOUNTS)
    result = policy.evaluate({"rent": "1234.50 EUR", "share": 1, "months": 1})
    danish = format_text(explain(result, policy, lang="da"))
    english = format_text(explain(result, policy, lang="en"))
    assert "1.234,50 EUR" in danish and "EUR 1,234.50" in english


# ---------------------------------------------------------------- the batch backend


def test_the_batch_backend_computes_money_row_by_row_with_the_same_results() -> None:
    policy = compile_text(
        AMOUNTS + "decision rounded: money EUR = round_to(rent, 0.05, half_even) by R-1\ndecision n: int = months\n"
    )
    why = coverage(policy)
    assert why["n"] is None  # an int is vectorised
    assert all(why[d] for d in ("part", "twice", "monthly", "ratio", "rounded")), why
    rows = [
        {"rent": 1000.125, "share": 0.3, "months": 3},
        {"rent": 12.5, "share": 2, "months": 0},  # a division by zero: an error on that row
        {"rent": 7, "months": 1},
    ]
    table = evaluate_many(policy, rows)
    expected = [policy.evaluate(r, trace=False) for r in (rows[0], rows[2])]
    first, third = table.row(0, named=True), table.row(2, named=True)
    assert first["rounded"] == float(expected[0].values["rounded"]) == 1000.1
    assert first["monthly"] == expected[0].decisions["monthly"]
    assert third["over"] is False and third["rounded"] == 7
    assert table.row(1, named=True)["_error"] is not None


# ---------------------------------------------------------------- the logic analyses


@pytest.mark.parametrize(
    "condition",
    [
        "round_to(x, 0.05, floor) <= x",
        "round_to(x, 0.05, ceiling) >= x",
        "round(x, 2) - x <= 0.005 and x - round(x, 2) <= 0.005",
        "round(x, 2, half_even) - x <= 0.005 and x - round(x, 2, half_even) <= 0.005",
    ],
)
def test_the_analyses_prove_what_rounding_guarantees(condition: str) -> None:
    text = f"fact x: decimal\ndecision d: enum {{ a, b }}\n  first match\n    a when {condition}\n"
    assert codes(text) == ["pol-always-true"]  # proved: no gap, and the condition cannot fail


def test_a_computed_rounding_mode_is_opaque_and_the_finding_says_so() -> None:
    text = (
        "fact x: decimal\nfact m: enum { half_up, half_even, floor, ceiling }\n"
        "decision d: enum { a, b }\n  first match\n    a when round(x, 2, m) <= x + 1\n"
    )
    (gap,) = findings(text)
    assert gap.code == "pol-gap" and "not exhaustive" in gap.message


@pytest.mark.parametrize("mode", ["half_up", "half_even", "floor", "ceiling"])
def test_the_encoding_of_rounding_agrees_with_the_engine(mode: str) -> None:
    program = compile_text(
        f"fact x: decimal\nfact y: decimal\ndecision d: enum {{ a, b }}\n  first match\n"
        f"    a when round_to(x, 0.05, {mode}) = y\n    b otherwise\n"
    ).program
    encoder = Encoder(program, exact=True)
    condition = D.as_z3_bool(encoder.decision("d").conditions[0])
    rng = random.Random(mode)
    for _ in range(30):
        x = Decimal(rng.randint(-20000, 20000)).scaleb(-3)
        y = round_to_step(x, Decimal("0.05"), mode)
        for candidate, holds in ((y, True), (y + Decimal("0.05"), False)):
            solver = z3.Solver()
            solver.add(*encoder.definitions)
            solver.add(
                encoder.facts["x"].term == z3.RealVal(str(x)), encoder.facts["y"].term == z3.RealVal(str(candidate))
            )
            solver.add(z3.Not(encoder.facts["x"].null) if not D.is_false(encoder.facts["x"].null) else True)
            solver.add(z3.Not(encoder.facts["y"].null) if not D.is_false(encoder.facts["y"].null) else True)
            assert solver.check() == z3.sat
            assert z3.is_true(solver.model().eval(condition, model_completion=True)) is holds, (x, candidate, mode)


def test_money_policies_load_through_the_public_api(tmp_path: Any) -> None:
    path = tmp_path / "amounts.pol"
    path.write_text('policy test/amounts\nsource S "Loven"\n' + AMOUNTS, encoding="utf-8")
    result = policylang.load(path).evaluate({"rent": {"amount": "10", "currency": "EUR"}, "share": 1, "months": 2})
    assert result.values["monthly"] == Decimal("5")


def test_the_manifest_names_the_currency_of_each_money_type() -> None:
    from policylang.trace.manifest import manifest

    data = manifest(compile_text(AMOUNTS + "fact deposit: money\n").program)
    assert (data["facts"]["rent"]["type"], data["facts"]["rent"]["currency"]) == ("money", "EUR")
    assert data["facts"]["deposit"]["currency"] == "DKK" and data["decisions"]["ratio"]["type"] == "decimal"
    assert "currency" not in data["decisions"]["ratio"]


def test_a_stored_program_keeps_its_currencies() -> None:
    from policylang.ir.serial import dump, restore

    program = compile_text(AMOUNTS).program
    (again,) = restore(json.loads(json.dumps(dump([program]))))
    assert T.describe(again.facts["rent"].type) == "money EUR"
    assert T.currency_of(again.decisions["part"].type) == "EUR"


def test_an_explain_text_writes_the_unit_itself_so_a_placeholder_shows_the_number_alone() -> None:
    policy = compile_text(
        'fact rent: money EUR\nrule R-1 cites S "§ 1"\n'
        '  explain "Huslejen er {rent} EUR." / "The rent is EUR {rent}."\n'
        "decision high: bool = rent > 1000 EUR by R-1\n"
    )
    result = policy.evaluate({"rent": "1234.5 EUR"})
    danish = format_text(explain(result, policy, lang="da"))
    english = format_text(explain(result, policy, lang="en"))
    assert "Huslejen er 1.234,50 EUR." in danish and "The rent is EUR 1,234.50." in english

"""Fact validation: every error names the fact, the value and what was expected."""

from __future__ import annotations

import datetime as dt

import pytest

from policylang import FactError
from tests.conftest import compile_text

POLICY = """
fact as_of: date
fact start: date?
fact end: date?
fact age: int
fact amount: money
fact moment: datetime
fact status: enum { permit_valid, visa_stay, no_lawful_basis }
fact forms: set of enum { threats, violence }
fact person: record { name: text, age: int }
constraint period_order "the period must not end before it starts"
  when start is not null and end is not null
  require start <= end
  message "start must not be after end"
decision adult: bool = age >= 18
decision later: bool = as_of > coalesce(end, as_of)
decision total: money = amount + 1
decision recent: bool = date_of(moment) >= as_of
decision threatened: bool = threats in forms
decision lawful: bool = status in {permit_valid, visa_stay}
decision named: text = person.name
"""


def error_for(facts: dict[str, object]) -> FactError:
    with pytest.raises(FactError) as info:
        compile_text(POLICY).evaluate(facts)
    return info.value


@pytest.mark.parametrize(
    ("facts", "fact", "words"),
    [
        ({"age": "18"}, "age", ['"18"', "whole number"]),
        ({"age": True}, "age", ["true", "whole number"]),
        ({"as_of": "1999-13-01"}, "as_of", ['"1999-13-01"', "real calendar date"]),
        ({"as_of": "15/01/1999"}, "as_of", ["YYYY-MM-DD"]),
        ({"as_of": None}, "as_of", ["null", "not optional"]),
        ({"moment": "2025-03-15T23:00:00"}, "moment", ["UTC offset"]),
        ({"status": "permit"}, "status", ['"permit"', '"permit_valid"']),
        ({"forms": ["threats", "shouting"]}, "forms", ["element 2", '"shouting"']),
        ({"person": {"name": "x"}}, "person", ["fields name, age"]),
        ({"amount": "lots"}, "amount", ["number"]),
    ],
)
def test_a_wrong_value_names_the_fact_the_value_and_what_was_expected(
    facts: dict[str, object], fact: str, words: list[str]
) -> None:
    error = error_for(facts)
    assert error.facts == [fact]
    assert f"`{fact}`" in error.message
    for word in words:
        assert word in error.message or word in (error.hint or ""), (word, error.message, error.hint)


def test_every_bad_fact_is_reported_not_only_the_first() -> None:
    error = error_for({"age": "18", "status": "visa_stya", "agee": 3, "amount": "lots"})
    assert error.facts == ["age"] and '"18"' in error.message  # the first, as before
    # in the policy's order of declaration (not the fact set's: a batch's table has its own), unknown names last
    assert [(e.code, e.facts) for e in error.also] == [
        ("pol-fact-type", ["amount"]),
        ("pol-fact-type", ["status"]),
        ("pol-unknown-fact", ["agee"]),
    ]
    assert [e["facts"] for e in error.to_dict()["also"]] == [["amount"], ["status"], ["agee"]]  # type: ignore[union-attr]
    same = error_for({"amount": "lots", "agee": 3, "status": "visa_stya", "age": "18"})
    assert [e.facts for e in (same, *same.also)] == [["age"], ["amount"], ["status"], ["agee"]]
    assert error.format().count("error[") == 4 and "did you mean `visa_stay`?" in error.format()
    assert "also" not in error_for({"age": "18"}).to_dict()


def test_an_enum_typo_gets_a_did_you_mean_hint() -> None:
    assert error_for({"status": "visa_stya"}).hint == "did you mean `visa_stay`?"


def test_an_unknown_fact_gets_a_did_you_mean_hint() -> None:
    error = error_for({"agee": 3})
    assert error.code == "pol-unknown-fact"
    assert error.hint == "did you mean `age`?"


def test_unknown_facts_can_be_ignored_on_request() -> None:
    result = compile_text(POLICY).evaluate({"agee": 3, "age": 20}, ignore_unknown_facts=True)
    assert result.decisions["adult"] is True


def test_a_broken_constraint_names_the_facts_involved() -> None:
    error = error_for({"start": "2020-01-02", "end": "2020-01-01"})
    assert error.code == "pol-constraint"
    assert error.facts == ["start", "end"]
    assert "start must not be after end" in error.message
    assert '`start` = "2020-01-02"' in error.message


def test_a_constraint_with_unknown_facts_is_not_checked() -> None:
    result = compile_text(POLICY).evaluate({"start": "2020-01-02"})
    assert "later" in result.undetermined


def test_python_values_are_accepted() -> None:
    result = compile_text(POLICY).evaluate(
        {
            "as_of": dt.date(2024, 1, 1),
            "end": None,
            "moment": dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC),
            "amount": 10.5,
        }
    )
    assert result.decisions["later"] is False
    assert result.decisions["recent"] is True
    assert result.decisions["total"] == 11.5


def test_a_fact_set_must_be_a_mapping() -> None:
    with pytest.raises(FactError) as info:
        compile_text(POLICY).evaluate(["age", 3])  # type: ignore[arg-type]
    assert "must be an object" in info.value.message

"""Semantics of evaluation: tables, collections, rules with exceptions, unknowns, nulls."""

from __future__ import annotations

import pytest

from policylang import ConflictError, EvaluationError
from tests.conftest import compile_text

TABLE = """
fact age: int
fact resident: bool
rule R-ADULT cites S "§ 1"
rule R-RES cites S "§ 2"
decision status: enum { adult_resident, adult, minor }
  first match
    minor          when age < 18                 by R-ADULT
    adult_resident when resident                 by R-ADULT, R-RES
    adult          otherwise                     by R-ADULT
"""


def test_first_match_takes_the_first_row_that_holds() -> None:
    policy = compile_text(TABLE)
    assert policy.evaluate({"age": 17, "resident": True}).decisions == {"status": "minor"}
    assert policy.evaluate({"age": 18, "resident": True}).decisions == {"status": "adult_resident"}
    assert policy.evaluate({"age": 40, "resident": False}).decisions == {"status": "adult"}


def test_an_unknown_earlier_row_makes_the_decision_undetermined() -> None:
    result = compile_text(TABLE).evaluate({"resident": True})
    assert result.decisions == {}
    assert result.undetermined == {"status": ["age"]}
    assert result.missing == ["age"]


def test_a_fact_that_cannot_change_the_outcome_is_not_needed() -> None:
    # age < 18 is false, so the row for resident decides or falls through; resident unknown
    result = compile_text(TABLE).evaluate({"age": 30})
    assert result.undetermined == {"status": ["resident"]}


def test_rows_that_agree_decide_despite_an_unknown() -> None:
    policy = compile_text(
        """
        fact a: bool
        fact b: bool
        decision d: enum { x, y }
          first match
            x when a
            x when b
            y otherwise
        """
    )
    assert policy.evaluate({"b": True}).decisions == {"d": "x"}
    assert policy.evaluate({"b": False}).undetermined == {"d": ["a"]}


def test_kleene_logic() -> None:
    policy = compile_text(
        """
        fact a: bool
        fact b: bool
        decision both: bool = a and b
        decision either: bool = a or b
        decision neither: bool = not (a or b)
        """
    )
    r = policy.evaluate({"a": False})
    assert r.decisions == {"both": False}
    assert r.undetermined == {"either": ["b"], "neither": ["b"]}
    r = policy.evaluate({"a": True})
    assert r.decisions == {"either": True, "neither": False}


def test_reasons_are_the_rules_of_the_row_that_decided() -> None:
    result = compile_text(TABLE).evaluate({"age": 30, "resident": True})
    assert result.reasons == {"status": ["R-ADULT", "R-RES"]}


def test_collect_adds_in_declared_order_once_each() -> None:
    policy = compile_text(
        """
        fact a: bool
        fact b: bool
        type code = enum { first, second, third }
        decision codes: list of code
          collect
            add second when b
            add first when a
            add second when a and b
            add third
        decision code_set: set of code
          collect
            add third
            add first when a
        """
    )
    r = policy.evaluate({"a": True, "b": True})
    assert r.decisions["codes"] == ["second", "first", "third"]
    assert r.decisions["code_set"] == ["first", "third"]  # sets come out in declaration order
    assert policy.evaluate({"a": False, "b": True}).decisions["codes"] == ["second", "third"]
    assert policy.evaluate({"a": True}).undetermined["codes"] == ["b"]


RULES = """
fact adult: bool
fact fraud: bool
fact permit: bool
rule R-MAIN cites S "§ 4" when adult then eligible = yes
rule R-FRAUD cites S "§ 4, stk. 2" exception to R-MAIN when fraud then eligible = no
rule R-PERMIT cites S "§ 4, stk. 3" exception to R-FRAUD when permit then eligible = yes
decision eligible: enum { yes, no }
  default no
"""


def test_exceptions_override_the_rule_they_are_an_exception_to() -> None:
    policy = compile_text(RULES)
    assert policy.evaluate({"adult": True, "fraud": False, "permit": False}).decisions == {"eligible": "yes"}
    assert policy.evaluate({"adult": True, "fraud": True, "permit": False}).decisions == {"eligible": "no"}
    assert policy.evaluate({"adult": True, "fraud": True, "permit": True}).decisions == {"eligible": "yes"}
    assert policy.evaluate({"adult": False, "fraud": False, "permit": False}).decisions == {"eligible": "no"}


def test_the_default_is_used_only_when_no_rule_can_apply() -> None:
    policy = compile_text(RULES)
    # FRAUD may apply, but it concludes what the default gives anyway
    assert policy.evaluate({"adult": False, "permit": False}).decisions == {"eligible": "no"}
    # PERMIT may apply and conclude yes, so the decision waits for it
    assert policy.evaluate({"adult": False, "fraud": True}).undetermined == {"eligible": ["permit"]}
    # adult unknown: MAIN might apply, so the default cannot be used
    assert "eligible" in policy.evaluate({"fraud": False, "permit": False}).undetermined


def test_overridden_rules_are_traced_as_overridden() -> None:
    result = compile_text(RULES).evaluate({"adult": True, "fraud": True, "permit": False})
    from policylang.trace import rule_ids

    outcomes = {
        outcome: rule_ids(result.trace, frozenset({outcome})) for outcome in ("overridden", "fired", "not_applicable")
    }
    assert outcomes == {"overridden": ["R-MAIN"], "fired": ["R-FRAUD"], "not_applicable": ["R-PERMIT"]}


def test_two_applicable_rules_that_disagree_are_a_conflict() -> None:
    policy = compile_text(
        """
        fact a: bool
        fact b: bool
        rule R-ONE cites S "§ 1" when a then d = 1
        rule R-TWO cites S "§ 2" when b then d = 2
        decision d: int
        """
    )
    assert policy.evaluate({"a": True, "b": False}).decisions == {"d": 1}
    with pytest.raises(ConflictError) as info:
        policy.evaluate({"a": True, "b": True})
    assert "R-ONE" in info.value.message and "R-TWO" in info.value.message
    assert [d.span.line for d in info.value.diagnostics if d.span] == [6, 7]


def test_no_rule_applies_is_reported_not_defaulted() -> None:
    policy = compile_text(
        """
        fact a: bool
        decision d: enum { x, y }
          first match
            x when a
        decision e: enum { x, y } = if d = x then y else x
        """
    )
    result = policy.evaluate({"a": False})
    assert result.decisions == {}
    assert result.no_rule == {"d": ["d"], "e": ["d"]}
    assert result.undetermined == {}


def test_rule_conclusions_can_build_lists() -> None:
    policy = compile_text(
        """
        fact danish_before: bool
        fact custody: bool
        rule EX-A cites S "pkt. 26 a" when danish_before then add EX-A to reasons
        rule EX-B cites S "pkt. 26 b" when custody then add EX-B to reasons
        decision reasons: list of rule
        """
    )
    assert policy.evaluate({"danish_before": True, "custody": True}).decisions == {"reasons": ["EX-A", "EX-B"]}
    assert policy.evaluate({"danish_before": False, "custody": False}).decisions == {"reasons": []}


def test_null_semantics() -> None:
    policy = compile_text(
        """
        fact d: date?
        fact n: int?
        decision early: bool = d < 2000-01-01
        decision late: bool = d >= 2000-01-01
        decision missing: bool = d is null
        decision plus: int? = n + 1
        decision fallback: int = coalesce(n, 0)
        """
    )
    r = policy.evaluate({"d": None, "n": None})
    assert r.decisions == {"early": False, "late": False, "missing": True, "plus": None, "fallback": 0}
    r = policy.evaluate({"d": "1999-12-31", "n": 4})
    assert r.decisions == {"early": True, "late": False, "missing": False, "plus": 5, "fallback": 4}


def test_ordered_enums_compare_by_declaration_order() -> None:
    policy = compile_text(
        """
        type step = ordered enum { none, step_1, step_2, step_3 }
        fact current: step
        decision placed: bool = current >= step_2
        decision between: bool = step_1 < current < step_3
        """
    )
    assert policy.evaluate({"current": "step_2"}).decisions == {"placed": True, "between": True}
    assert policy.evaluate({"current": "none"}).decisions == {"placed": False, "between": False}


def test_sets_quantifiers_maps_and_records() -> None:
    policy = compile_text(
        """
        type form = enum { threats, violence, control, other }
        fact forms: set of form
        fact people: list of record { name: text, age: int }
        parameter ACUTE: set of form = {threats, violence}
        parameter HOURS: map of weekday to list of record { opens: time, closes: time } = {
          monday: [{opens: 09:00, closes: 15:00}] }
        fact at: datetime
        let local = local_time(at, "Europe/Copenhagen")
        decision acute: bool = (forms & ACUTE) is not empty
        decision all_forms: set of form = forms | ACUTE
        decision adults: int = count(p in people: p.age >= 18)
        decision any_minor: bool = any(p in people: p.age < 18)
        decision open: bool = any(h in HOURS[weekday(local)]: h.opens <= time_of(local) and time_of(local) < h.closes)
        """
    )
    r = policy.evaluate(
        {
            "forms": ["control"],
            "people": [{"name": "a", "age": 17}, {"name": "b", "age": 40}],
            "at": "2025-03-17T08:30:00+00:00",  # 09:30 on a Monday in Copenhagen
        }
    )
    assert r.decisions == {
        "acute": False,
        "all_forms": ["threats", "violence", "control"],
        "adults": 1,
        "any_minor": True,
        "open": True,
    }
    r = policy.evaluate({"forms": ["violence"], "people": [], "at": "2025-03-17T14:00:00+00:00"})
    assert r.decisions["acute"] is True and r.decisions["open"] is False  # 15:00 is closed: [09:00, 15:00)
    r = policy.evaluate({"forms": [], "people": [], "at": "2025-03-16T10:00:00+01:00"})  # a Sunday
    assert r.decisions["open"] is False


def test_dates_durations_and_derived_values() -> None:
    policy = compile_text(
        """
        fact start: date
        fact as_of: date
        let threshold = add_years(start, 3)
        decision protected: bool = as_of > threshold
        decision review: date = start + 1 month + 1 day
        decision days: int = as_of - start
        decision age_at: int = age(start, as_of)
        """
    )
    r = policy.evaluate({"start": "1996-02-29", "as_of": "1999-02-28"})
    assert r.decisions == {"protected": False, "review": "1996-03-30", "days": 1095, "age_at": 3}
    assert policy.evaluate({"start": "1996-02-29", "as_of": "1999-03-01"}).decisions["protected"] is True


def test_division_by_zero_is_an_evaluation_error_with_a_location() -> None:
    policy = compile_text("fact n: int\ndecision d: decimal = 10 / n\n")
    assert policy.evaluate({"n": 4}).decisions == {"d": 2.5}
    with pytest.raises(EvaluationError) as info:
        policy.evaluate({"n": 0})
    assert "division by zero" in info.value.message
    assert info.value.diagnostics[0].span is not None and info.value.diagnostics[0].span.line == 4


def test_trace_false_gives_the_same_result_without_a_trace() -> None:
    policy = compile_text(RULES)
    facts = {"adult": True, "fraud": True, "permit": True}
    traced, untraced = policy.evaluate(facts), policy.evaluate(facts, trace=False)
    assert untraced.trace == []
    assert traced.trace != []
    a, b = traced.to_dict(), untraced.to_dict()
    a.pop("trace"), b.pop("trace")
    assert a == b


def test_factors_are_reported_where_discretion_decides() -> None:
    policy = compile_text(
        """
        fact hardship: enum { yes, no, not_assessed }
        factor household "Husstand" / "Household"
        rule R-5 cites S "§ 5" force kan
        decision help: enum { yes, requires_individual_assessment, no }
          first match
            yes when hardship = yes
            requires_individual_assessment when hardship = not_assessed weigh household, "Lokale priser" by R-5
            no otherwise
        """
    )
    r = policy.evaluate({"hardship": "not_assessed"})
    assert r.decisions == {"help": "requires_individual_assessment"}
    assert r.factors == {
        "help": [
            {
                "value": "requires_individual_assessment",
                "rules": ["R-5"],
                "factors": [
                    {"code": "household", "da": "Husstand", "en": "Household"},
                    {"code": None, "da": "Lokale priser", "en": "Lokale priser"},
                ],
            }
        ]
    }


def test_union_types_hold_a_record_or_an_enum_value() -> None:
    policy = compile_text(
        """
        fact moved: bool
        type rights = record { continue_program: bool, danish_education: bool }
        decision after: rights or enum { not_applicable }
          first match
            not_applicable when not moved
            {continue_program: true, danish_education: false} otherwise
        decision is_na: bool = after = not_applicable
        """
    )
    assert policy.evaluate({"moved": False}).decisions == {"after": "not_applicable", "is_na": True}
    assert policy.evaluate({"moved": True}).decisions == {
        "after": {"continue_program": True, "danish_education": False},
        "is_na": False,
    }


def test_a_condition_that_excludes_null_narrows_the_value() -> None:
    policy = compile_text(
        """
        fact moved: date?
        fact as_of: date
        decision reminders: list of date
          collect
            add moved when moved is not null
        decision since: int
          first match
            days_between(moved, as_of) when moved != null
            0 otherwise
        decision months: int = if moved is null then 0 else days_between(moved, as_of) * 0 + 1
        """
    )
    r = policy.evaluate({"moved": "2024-01-01", "as_of": "2024-01-31"})
    assert r.decisions == {"reminders": ["2024-01-01"], "since": 30, "months": 1}
    assert policy.evaluate({"moved": None, "as_of": "2024-01-31"}).decisions == {
        "reminders": [],
        "since": 0,
        "months": 0,
    }


def test_an_enum_whose_values_all_belong_to_another_can_stand_for_it() -> None:
    policy = compile_text(
        """
        fact support: enum { not_applicable, requires_individual_assessment }
        type status = enum { candidate, not_applicable, requires_individual_assessment }
        decision item: record { code: enum { preventive }, status: status } = {code: preventive, status: support}
        """
    )
    assert policy.evaluate({"support": "not_applicable"}).decisions == {
        "item": {"code": "preventive", "status": "not_applicable"}
    }


def test_negative_numbers_and_subtraction() -> None:
    policy = compile_text(
        """
        fact n: int
        fact d: date
        decision sign: int
          first match
            -1 when n < 0
            0 when n = 0
            1 otherwise
        decision less: int = n - 1
        decision tight: int = n-1
        decision earlier: date = d + -3 days
        decision amount: decimal = -2.5 * n
        """
    )
    r = policy.evaluate({"n": -4, "d": "2024-03-02"})
    assert r.decisions == {"sign": -1, "less": -5, "tight": -5, "earlier": "2024-02-28", "amount": 10}
    assert policy.evaluate({"n": 0, "d": "2024-03-02"}).decisions["sign"] == 0


def test_to_list_gives_a_set_of_enum_values_in_declaration_order() -> None:
    policy = compile_text(
        """
        type form = enum { zebra, apple }
        fact xs: list of form
        decision out: list of form = to_list(to_set(xs))
        """
    )
    assert policy.evaluate({"xs": ["apple", "zebra", "apple"]}).decisions == {"out": ["zebra", "apple"]}

"""Differential tests: residence modules I, G and H against independent oracles.

The oracles (tests/oracles/residence_i.py, residence_g.py, residence_h.py) are written from
/work/shared/spec/residence.md alone. Every decision of the bundled policy must equal the
oracle's (lists compared without regard to order, as the contract says), no decision may be
undetermined on a complete fact set, and the rules the spec says a decision cites must be in
the trace.

The generators concentrate on the spec's boundaries: the integration-period end date against
the move date, every takeover ground and their combinations; IGU ages 17/18/40/41 and
20 years in Denmark (+/- a day) at the start date, the scheme dates 2024-01-01 and
2027-12-31, the 1,500 cap; L110 (2024-05-01) and hjemrejselov (2021-06-01) dates.

Run many more examples locally with ORACLE_EXAMPLES=5000.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policylang
from policylang.testing import valid_fact_sets
from policylang.trace import rule_ids
from tests.oracles import residence_g, residence_h, residence_i

EXAMPLES = int(os.environ.get("ORACLE_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

D = dt.date
DAY = dt.timedelta(days=1)


def _canon(value: Any) -> Any:
    value = json.loads(json.dumps(value, default=lambda o: o.isoformat()))
    if isinstance(value, list):
        return sorted(json.dumps(x, sort_keys=True) for x in value)
    return value


def _compare(policy: policylang.Policy, oracle: Any, facts: dict[str, Any]) -> None:
    result = policy.evaluate(facts)
    data = result.to_dict()
    expected = oracle.decide(facts)
    assert data["undetermined"] == {}, (facts, data["undetermined"])
    diffs = {
        name: (data["decisions"].get(name), value)
        for name, value in expected.items()
        if _canon(data["decisions"].get(name)) != _canon(value)
    }
    assert not diffs, f"policy vs oracle {diffs} for facts {json.dumps(facts, default=str)}"
    cited = oracle.cited_rules(facts)
    assert not cited - set(rule_ids(result.trace)), f"rules missing from the trace: {cited} for facts {facts}"
    reasons = {rule for rules in data["reasons"].values() for rule in rules}
    assert not cited - reasons, f"rules no decision cites: {cited - reasons} for facts {facts}"


def _near(day: D, spread: int = 2) -> st.SearchStrategy[D]:
    return st.integers(-spread, spread).map(lambda k: day + k * DAY)


def _any_date(low: D, high: D) -> st.SearchStrategy[D]:
    return st.integers(0, (high - low).days).map(lambda k: low + k * DAY)


def _iso(day: D | None) -> str | None:
    return None if day is None else day.isoformat()


def _add_years(day: D, years: int) -> D:
    return residence_g.add_years(day, years)


# ---------------------------------------------------------------- module I

I_POLICY = policylang.load("residence/integration_responsibility")


@st.composite
def integration_facts(draw: st.DrawFn) -> dict[str, Any]:
    as_of = draw(
        st.one_of(_any_date(D(2021, 1, 1), D(2030, 12, 31)), st.sampled_from([D(2024, 2, 29), D(2025, 12, 31)]))
    )
    planned = draw(st.one_of(st.none(), _near(as_of, 40), _any_date(D(2021, 1, 1), D(2030, 12, 31))))
    move = planned or as_of
    end = draw(st.one_of(st.none(), _near(move, 1), _near(move, 400), _any_date(D(2021, 1, 1), D(2030, 12, 31))))
    married = draw(st.sampled_from(["unmarried", "married", "separated", "divorced", "widowed"]))
    # Ground facts: each ground is switched on often enough to combine with the others.
    return {
        "as_of": as_of.isoformat(),
        "integration_person_group": draw(st.sampled_from(["refugee", "refugee", "family_reunified", "other"])),
        "integration_period_end_date": _iso(end),
        "planned_move_date": _iso(planned),
        "applicant": draw(st.sampled_from(["foreigner", "foreigner", "foreigner", "departure_municipality"])),
        "marital_status": married,
        "ordinary_employment_in_receiving_municipality": draw(st.sampled_from(["none", "self", "spouse"])),
        "move_necessary_for_work": draw(st.sampled_from(["yes", "no", "not_assessed"])),
        "admitted_to_education_in_receiving_municipality": draw(st.booleans()),
        "reasonable_transport_to_education": draw(st.booleans()),
        "same_education_reachable_elsewhere": draw(st.booleans()),
        "education_fastest_route_to_employment": draw(st.booleans()),
        "spouse_lives_or_moves_to_receiving_municipality": draw(st.booleans()),
        "spouse_covered_by_integration_program": draw(st.booleans()),
        "spouse_takeover_obligation_established": draw(st.booleans()),
        "in_partner_relationship": draw(st.booleans()),
        "child_with_partner": draw(
            st.sampled_from(["none", "expected", "born_paternity_registered", "born_paternity_not_registered"])
        ),
        "wish_to_cohabit_with_partner_and_child": draw(st.booleans()),
        "own_illness_frequent_treatment": draw(st.booleans()),
        "close_relative_illness_frequent_treatment": draw(st.booleans()),
        "reasonable_transport_to_treatment": draw(st.booleans()),
        "cannot_return_for_security_reasons": draw(st.sampled_from(["yes", "no", "not_assessed"])),
        "stronger_attachment_to_other_municipality": draw(st.booleans()),
        "unaccompanied_minor_placed_in_receiving_municipality": draw(st.booleans()),
        "other_reasons_raised": draw(
            st.lists(
                st.sampled_from(["larger_town", "family_or_friends_in_receiving_municipality", "loneliness"]),
                max_size=3,
                unique=True,
            )
        ),
        "takeover_application_outcome": draw(st.sampled_from(["pending", "granted", "refused"])),
        "consent_obtained_before_move": draw(st.booleans()),
        "has_moved": draw(st.booleans()),
        "moved_back_to_departure_municipality": draw(st.booleans()),
    }


@SETTINGS
@given(st.one_of(integration_facts(), valid_fact_sets(I_POLICY)))
def test_integration_responsibility_matches_oracle(facts: dict[str, Any]) -> None:
    _compare(I_POLICY, residence_i, facts)


# ---------------------------------------------------------------- module G

G_POLICY = policylang.load("residence/igu_and_danskbonus")

IGU_STARTS = [D(2024, 1, 1), D(2027, 12, 31)]


@st.composite
def igu_facts(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(
        st.one_of(
            st.sampled_from(IGU_STARTS).flatmap(lambda d: _near(d, 1)),
            _any_date(D(2023, 6, 1), D(2028, 6, 30)),
            st.sampled_from([D(2024, 2, 29), D(2025, 2, 28), D(2025, 3, 1), D(2028, 2, 29)]),
        )
    )
    start_is_null = draw(st.booleans())
    as_of = start if start_is_null else draw(st.one_of(_near(start, 60), _any_date(D(2023, 1, 1), D(2028, 12, 31))))
    age_years = draw(st.sampled_from([16, 17, 18, 19, 25, 39, 40, 41, 42]))
    dob = draw(
        st.one_of(
            _near(_add_years(start, -age_years), 1),
            st.sampled_from([D(1984, 2, 29), D(1996, 2, 29), D(2004, 2, 29), D(2008, 2, 29)]),
        )
    )
    arrival_years = draw(st.sampled_from([1, 5, 19, 20, 21]))
    arrival = draw(
        st.one_of(
            _near(_add_years(start, -arrival_years), 1),
            st.sampled_from([D(2004, 2, 29), D(2008, 2, 29)]),
        )
    )
    courses = draw(st.one_of(st.none(), st.sampled_from([0, 1, 1498, 1499, 1500, 1501, 3000]), st.integers(0, 5000)))
    return {
        "as_of": as_of.isoformat(),
        "date_of_birth": dob.isoformat(),
        "igu_person_category": draw(st.sampled_from(["family_reunified", "family_reunified", "refugee", "other"])),
        "denmark_arrival_date": arrival.isoformat(),
        "igu_start_date": None if start_is_null else start.isoformat(),
        "igu_new_courses_started_this_year": courses,
        "danish_test_passed": draw(st.sampled_from(["pd2", "fvu_reading_step_2", "equivalent_or_higher", "none"])),
        "current_benefit": draw(
            st.sampled_from(["selvforsoergelses_hjemrejseydelse_or_overgangsydelse", "kontanthjaelp", "none", "other"])
        ),
    }


def _valid_g(facts: dict[str, Any]) -> bool:
    try:
        G_POLICY.evaluate(facts, trace=False)
    except policylang.PolicyError:
        return False
    return True


@SETTINGS
@given(st.one_of(igu_facts().filter(_valid_g), valid_fact_sets(G_POLICY)))
def test_igu_and_danskbonus_matches_oracle(facts: dict[str, Any]) -> None:
    _compare(G_POLICY, residence_g, facts)


# ---------------------------------------------------------------- module H

H_POLICY = policylang.load("residence/repatriation_and_return")


@st.composite
def return_facts(draw: st.DrawFn) -> dict[str, Any]:
    as_of = draw(
        st.one_of(
            st.sampled_from([D(2024, 5, 1), D(2021, 6, 1)]).flatmap(lambda d: _near(d, 1)),
            _any_date(D(2019, 1, 1), D(2028, 12, 31)),
        )
    )
    return {
        "as_of": as_of.isoformat(),
        "case_type": draw(st.sampled_from(["repatriation_support", "refused_residence_return", "other"])),
        "refusal_is_asylum": draw(st.booleans()),
        "appeal_to_refugee_board_available": draw(st.booleans()),
        "cooperates_with_return": draw(st.booleans()),
        "family_member_returning_ahead": draw(st.booleans()),
    }


@SETTINGS
@given(st.one_of(return_facts(), valid_fact_sets(H_POLICY)))
def test_repatriation_and_return_matches_oracle(facts: dict[str, Any]) -> None:
    _compare(H_POLICY, residence_h, facts)


# ---------------------------------------------------------------- the oracles agree with the shared cases

SHARED = "/work/shared/cases/residence"


@pytest.mark.parametrize(
    ("module", "oracle"),
    [
        ("integration_responsibility", residence_i),
        ("igu_and_danskbonus", residence_g),
        ("repatriation_and_return", residence_h),
    ],
)
def test_oracle_agrees_with_bundled_json_cases(module: str, oracle: Any) -> None:
    from pathlib import Path

    folder = Path(__file__).parent.parent / "policies" / "cases" / "residence" / module
    cases = sorted(folder.glob("*.json"))
    assert cases
    for path in cases:
        case = json.loads(path.read_text())
        decided = oracle.decide(case["facts"])
        for name, value in case["expected"].items():
            assert _canon(decided[name]) == _canon(value), (path.name, name)

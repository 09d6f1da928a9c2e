"""Independent oracle for module G (IGU and danskbonus).

Written from /work/shared/spec/residence.md §0.4, §1.3, §2.3, §3.3 and §5 (A-41..A-45) only.
Test-only code. ``decide(facts)`` returns the decisions in the JSON shape of
``result.to_dict()["decisions"]``.

Date conventions (§0.4): ``add_years`` is calendar arithmetic with the day clamped to the
end of the target month (29 Feb + 1 year = 28 Feb); ``age(dob, d)`` is the number of
completed years on ``d``, i.e. the largest n with ``add_years(dob, n) <= d``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

IGU_IN_FORCE = dt.date(2024, 1, 1)  # IGU-01
IGU_SCHEME_END = dt.date(2027, 12, 31)  # IGU-02
IGU_ANNUAL_CAP = 1500  # IGU-04
DB_TESTS = ("pd2", "fvu_reading_step_2", "equivalent_or_higher")  # DB-01


def _opt_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _date(value: Any) -> dt.date:
    day = _opt_date(value)
    assert day is not None
    return day


def add_years(d: dt.date, n: int) -> dt.date:
    year = d.year + n
    day = min(d.day, calendar.monthrange(year, d.month)[1])
    return dt.date(year, d.month, day)


def age(dob: dt.date, on: dt.date) -> int:
    years = on.year - dob.year
    if add_years(dob, years) > on:
        years -= 1
    return years


def igu_eligible(f: Mapping[str, Any]) -> str:
    start = _opt_date(f["igu_start_date"]) or _date(f["as_of"])
    if start > IGU_SCHEME_END:  # IGU-02, every category
        return "no"
    if start < IGU_IN_FORCE:  # IGU-01
        return "outside_documented_scope"
    # IGU-03: category, then age, then years in Denmark
    if f["igu_person_category"] != "family_reunified":
        return "outside_documented_scope"
    a = age(_date(f["date_of_birth"]), start)
    if a < 18 or a > 40:
        return "no"
    if start > add_years(_date(f["denmark_arrival_date"]), 20):
        return "no"
    return "yes"


def igu_cap_status(f: Mapping[str, Any]) -> str:
    n = f["igu_new_courses_started_this_year"]
    if n is None:
        return "unknown"
    return "cap_reached" if n >= IGU_ANNUAL_CAP else "below_cap"


def decide(f: Mapping[str, Any]) -> dict[str, Any]:
    eligible = "yes" if f["danish_test_passed"] in DB_TESTS else "no"
    if eligible == "no":
        form = "not_applicable"
    else:
        form = {
            "selvforsoergelses_hjemrejseydelse_or_overgangsydelse": "monthly_under_aktivloven_max_6_months",
            "none": "lump_sum_under_integrationsloven",
            "other": "lump_sum_under_integrationsloven",
            "kontanthjaelp": "not_determinable_from_sources",
        }[f["current_benefit"]]
    return {
        "igu_eligible": igu_eligible(f),
        "igu_cap_status": igu_cap_status(f),
        "danskbonus_eligible": eligible,
        "danskbonus_payment_form": form,
    }


def cited_rules(f: Mapping[str, Any]) -> set[str]:
    """Rule IDs the spec says the decisions cite (main paths)."""
    start = _opt_date(f["igu_start_date"]) or _date(f["as_of"])
    rules = {"DB-01", "IGU-04"}
    if start > IGU_SCHEME_END:
        rules.add("IGU-02")
    elif start < IGU_IN_FORCE:
        rules.add("IGU-01")
    else:
        rules.add("IGU-03")
    form = decide(f)["danskbonus_payment_form"]
    if form == "monthly_under_aktivloven_max_6_months":
        rules.add("DB-03")
    elif form in ("lump_sum_under_integrationsloven", "not_determinable_from_sources"):
        rules.add("DB-04")
    return rules

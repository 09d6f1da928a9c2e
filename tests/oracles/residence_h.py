"""Independent oracle for module H (L110 repatriation and hjemrejseloven).

Written from /work/shared/spec/residence.md §1.4, §2.3, §3.4 and §5 (A-46, A-47) only.
Test-only code. ``decide(facts)`` returns the decisions in the JSON shape of
``result.to_dict()["decisions"]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

L110_IN_FORCE = dt.date(2024, 5, 1)  # REP-L110-01
HJEM_IN_FORCE = dt.date(2021, 6, 1)  # HJEM-01, year INFERRED


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def decide(f: Mapping[str, Any]) -> dict[str, Any]:
    as_of = _date(f["as_of"])
    l110 = as_of >= L110_IN_FORCE
    hjem = as_of >= HJEM_IN_FORCE
    return_case = f["case_type"] == "refused_residence_return" and hjem

    if f["case_type"] == "repatriation_support":
        police = "required" if l110 else "not_determinable_from_sources"
    else:
        police = "not_applicable"
    consequences = ["no_teaching_or_activation", "entry_ban"] if return_case and not f["cooperates_with_return"] else []
    bonus = 20000 if return_case and f["refusal_is_asylum"] and f["appeal_to_refugee_board_available"] else None
    extension = 90 if return_case and f["family_member_returning_ahead"] else None
    return {
        "police_statement_required": police,
        "income_register_access_for_dedicated_guidance": "available" if l110 else "not_determinable_from_sources",
        "non_cooperation_consequences": consequences,
        "appeal_waiver_bonus_dkk": bonus,
        "family_departure_deadline_extension_max_days": extension,
    }


def cited_rules(f: Mapping[str, Any]) -> set[str]:
    d = decide(f)
    rules = {"REP-L110-01"}
    if d["income_register_access_for_dedicated_guidance"] == "available":
        rules.add("REP-L110-02")
    if d["police_statement_required"] != "not_applicable":
        rules.add("REP-L110-04")
    if (
        d["non_cooperation_consequences"]
        or d["appeal_waiver_bonus_dkk"] is not None
        or d["family_departure_deadline_extension_max_days"] is not None
    ):
        rules.add("HJEM-01")
    if d["non_cooperation_consequences"]:
        rules |= {"HJEM-04", "HJEM-08"}
    if d["appeal_waiver_bonus_dkk"] is not None:
        rules.add("HJEM-06")
    if d["family_departure_deadline_extension_max_days"] is not None:
        rules.add("HJEM-09")
    return rules

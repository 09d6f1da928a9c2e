"""Independent oracle for honour/negative_social_control.

A literal transcription of the evaluation pseudo-code in
/work/shared/spec/child-honour-greenland.md, section B.5 (parameters B.4, rule texts B.2),
version 2. Test-only code: written from the spec, not from the policy.

v2: HONOUR-REF-07 follows the rule record in B.2 ("Condition (v2)"): the referral is listed for a
young person who has left home *or* faces one of RED_FORMS, with the discretion point
`red_safehouse_need_to_flee`. (The referrals line of the B.5 pseudo-code still reads
`left_home_due_to_honour_conflict ∧ 16 ≤ age ≤ 30`, the v1 condition; the rule record, the
discretion-point table and the v2 worked cases all follow the new condition.)

v2 also asks "the child-related parts" of this policy to warn, from 2024-01-01, that the cited
serviceloven provisions moved to barnets lov (:func:`barnets_lov_warning`). The catalogue does
not say which parts those are; read here as: the person is under 18, so that HONOUR-SEL-01
("Lov om social service") and the route to section A are in play. Section B has no date fact;
the evaluation date is section A's ``evaluation_timestamp`` (its local Copenhagen date), the
fact a linked evaluation passes to both policies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

FORMS_ORDER = [  # HONOUR-DEF-03 canonical order
    "surveillance",
    "education_decided_by_family",
    "behaviour_and_movement_restriction",
    "threats",
    "verbal_harassment",
    "physical_violence",
    "isolation_exclusion",
    "forced_marriage",
    "threat_of_forced_marriage",
    "grey_zone_marriage",
    "re_education_trip",
    "pressure_not_to_divorce",
    "abuse",
    "other",
]
ACUTE_FORMS = {"physical_violence", "threats", "abuse", "forced_marriage", "threat_of_forced_marriage"}
SERIOUS_FORMS = {"re_education_trip", "grey_zone_marriage", "verbal_harassment"}
RIGHTS_VIOLATION_FORMS = set(ACUTE_FORMS)
POLICE_FORMS = {"threats", "threat_of_forced_marriage", "physical_violence", "abuse"}
RED_FORMS = {
    "forced_marriage",
    "threat_of_forced_marriage",
    "physical_violence",
    "threats",
    "verbal_harassment",
    "abuse",
}
RED_SAFEHOUSE_MIN_AGE, RED_SAFEHOUSE_MAX_AGE = 16, 30
YOUNG_PERSON_MAX_AGE = 30
BARNETS_LOV_IN_FORCE = dt.date(2024, 1, 1)  # spec v2; the catalogue's date, not the seeds'


def barnets_lov_warning(f: dict[str, Any]) -> bool | None:
    """Spec v2: a minor's result warns when the evaluation date is on or after 2024-01-01.

    ``None`` when it cannot be decided: no ``evaluation_timestamp``, or no age.
    """
    ts, age = f.get("evaluation_timestamp"), f.get("age_years")
    if age is not None and age >= 18:
        return False
    if ts is None:
        return None
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    on_or_after = ts.astimezone(ZoneInfo("Europe/Copenhagen")).date() >= BARNETS_LOV_IN_FORCE
    if not on_or_after:
        return False
    return None if age is None else True


def evaluate(f: dict[str, Any]) -> dict[str, Any]:
    F = set(f["observed_forms"])
    age = f["age_years"]
    hc = f["honour_context"]
    rs = f["restriction_significant"]
    dev = f["development_or_wellbeing_endangered"]
    left = f["left_home_due_to_honour_conflict"]
    coercion = f["coercion_by_violence_or_threat"]
    into = f["coerced_into"]

    indicators = [c for c in FORMS_ORDER if c in F]

    if not F or hc == "not_indicated" or (rs == "no" and not F & RIGHTS_VIOLATION_FORMS):
        nsc = "not_indicated"
    elif hc == "indicated" and (rs == "yes" or F & RIGHTS_VIOLATION_FORMS):
        nsc = "nsc_indicated"
    else:
        nsc = "requires_individual_assessment"
    honour_case = nsc in ("nsc_indicated", "requires_individual_assessment")
    relevant = F if honour_case else F & ACUTE_FORMS

    if relevant & ACUTE_FORMS:
        risk = "acute_danger"
    elif (honour_case and dev == "yes") or relevant & SERIOUS_FORMS or (honour_case and left):
        risk = "serious"
    elif relevant:
        risk = "concern"
    else:
        risk = "none_indicated"
    safety = risk in ("serious", "acute_danger")

    if F & POLICE_FORMS or coercion:
        police = "yes"
    elif (left and honour_case) or "forced_marriage" in F:
        police = "consider"
    else:
        police = "no_documented_trigger"

    referrals: list[dict[str, str]] = []
    if honour_case:
        referrals.append({"code": "siri_advice", "addressee": "municipality", "status": "meets_stated_criteria"})
        referrals.append(
            {"code": "security_consultants", "addressee": "professional_or_citizen", "status": "meets_stated_criteria"}
        )
    if honour_case and f["case_specialised_and_complex"]:
        referrals.append(
            {
                "code": "viso_individual_case",
                "addressee": "municipal_professional_specialised_social_area",
                "status": "meets_stated_criteria",
            }
        )
    if f["is_group_case"]:
        referrals.append(
            {
                "code": "viso_group_case",
                "addressee": "municipal_professional_specialised_social_area",
                "status": "meets_stated_criteria",
            }
        )
    etnisk_status = None
    if honour_case:
        etnisk_status = "meets_stated_criteria" if age <= YOUNG_PERSON_MAX_AGE else "requires_individual_assessment"
        referrals.append(
            {"code": "etnisk_ung", "addressee": "child_young_person_parent_or_professional", "status": etnisk_status}
        )
    if honour_case and age < 18:
        referrals.append(
            {"code": "boerns_vilkaar", "addressee": "child_or_young_person", "status": "meets_stated_criteria"}
        )
    red_status = None
    red_named = bool(F & RED_FORMS) and hc == "indicated"
    if honour_case and RED_SAFEHOUSE_MIN_AGE <= age <= RED_SAFEHOUSE_MAX_AGE and (left or F & RED_FORMS):
        red_status = "meets_stated_criteria" if left and red_named else "requires_individual_assessment"
        referrals.append({"code": "red_safehouse", "addressee": "person_concerned", "status": red_status})
    if honour_case and age >= 18 and f["at_crisis_centre"]:
        referrals.append(
            {
                "code": "crisis_centre_cooperation",
                "addressee": "municipality_adult_area",
                "status": "documented_practice",
            }
        )

    if age < 18 and (dev == "yes" or risk == "acute_danger"):
        route = "yes"
    elif age < 18 and risk in ("concern", "serious"):
        route = "consider"
    else:
        route = "no"

    crim: list[dict[str, str]] = []
    if coercion and into in ("marriage", "religious_wedding_without_civil_validity"):
        crim.append(
            {
                "code": "strl_260_forced_marriage_or_religious_wedding",
                "max_penalty": "fængsel indtil 4 år",
                "status": "potentially_applicable",
            }
        )
    elif coercion and into == "other_act_tolerance_or_omission":
        crim.append(
            {
                "code": "strl_260_unlawful_coercion",
                "max_penalty": "bøde eller fængsel indtil 2 år",
                "status": "potentially_applicable",
            }
        )
    elif "forced_marriage" in F:
        crim.append(
            {
                "code": "strl_260_forced_marriage_or_religious_wedding",
                "max_penalty": "fængsel indtil 4 år",
                "status": "requires_assessment_of_means",
            }
        )
    if F & {"threats", "threat_of_forced_marriage"}:
        crim.append(
            {
                "code": "strl_threats_section_not_in_source",
                "max_penalty": "not_stated_in_source",
                "status": "potentially_applicable",
            }
        )
    if "physical_violence" in F:
        crim.append(
            {
                "code": "strl_life_and_body_section_not_in_source",
                "max_penalty": "not_stated_in_source",
                "status": "potentially_applicable",
            }
        )

    cr = f["cannot_return_for_safety_reasons"]
    if not (f["in_integration_period"] and f["applied_to_receiving_municipality"]):
        transfer = "not_applicable"
    elif cr == "not_assessed":
        transfer = "requires_individual_assessment"
    elif cr == "no":
        transfer = "no_safety_ground"
    elif f["other_municipality_attachment"] == "greater_attachment_elsewhere":
        transfer = "not_obliged_greater_attachment_elsewhere"
    else:
        transfer = "obliged_to_take_over"

    dp: list[str] = []
    if nsc == "requires_individual_assessment":
        dp.append("nsc_significance_and_honour_context")
    if "other" in F:
        dp.append("unlisted_form_assessment")
    if red_status == "requires_individual_assessment" and not red_named:
        dp.append("red_safehouse_other_honour_violence")
    if red_status is not None and not left:
        dp.append("red_safehouse_need_to_flee")
    if any(c["status"] == "requires_assessment_of_means" for c in crim):
        dp.append("strl_260_means_of_coercion")
    if police == "consider":
        dp.append("police_involvement")
    if "abuse" in F:
        dp.append("abuse_criminal_provisions_not_in_sources")
    if transfer == "requires_individual_assessment":
        dp.append("safety_reasons_integration_transfer")
    if etnisk_status == "requires_individual_assessment":
        dp.append("etnisk_ung_age_band")
    if risk in ("serious", "acute_danger"):
        dp.append("safety_assessment")

    return {
        "honour_conflict_indicators": indicators,
        "nsc_assessment": nsc,
        "risk_level": risk,
        "safety_assessment_recommended": safety,
        "involve_police": police,
        "referrals": referrals,
        "route_to_child_protection": route,
        "criminal_provisions": crim,
        "integration_responsibility_transfer": transfer,
        "discretion_points": dp,
    }

"""Independent oracle for child_protection/migrant_children.

A literal transcription of the evaluation pseudo-code in
/work/shared/spec/child-honour-greenland.md, section A.5 (with the A.2 rule texts and the
A.4 placeholder opening hours). Test-only code: written from the spec, not from the policy.
Input: a complete fact set (JSON-style values). Output: every decision, lists in the spec's
canonical order.

v2 ("Changes in v2"): no decision changes; :func:`barnets_lov_warning` says whether the result
must warn that the cited serviceloven provisions moved to barnets lov (from 2024-01-01).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Copenhagen")
# A.4 [PLACEHOLDER]: Mon-Fri [09:00, 15:00), closed Sat-Sun. Keys: isoweekday 1..7.
NORMAL_OPENING_HOURS = {d: (dt.time(9, 0), dt.time(15, 0)) for d in range(1, 6)}

ACUTE_FACTORS = [
    "concern_and_nature_of_neglect",
    "child_ability_to_communicate_with_staff",
    "child_functional_level",
    "time_horizon",
    "likelihood_family_goes_underground",
]


def _local(ts: Any) -> dt.datetime:
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError("evaluation_timestamp needs a UTC offset")
    return ts.astimezone(TIMEZONE)


# Spec v2: barnets lov (lov nr. 721 af 13. juni 2023) in force from this date; the catalogue's
# date, not the seeds'.
BARNETS_LOV_IN_FORCE = dt.date(2024, 1, 1)


def barnets_lov_warning(f: dict[str, Any]) -> bool | None:
    """Spec v2: every result warns when the evaluation date is on or after 2024-01-01.

    The evaluation date is the local (Copenhagen) date of ``evaluation_timestamp``, as for the
    age in CHILD-AGE-01; ``None`` when the timestamp is not given (it cannot be decided).
    """
    if f.get("evaluation_timestamp") is None:
        return None
    return _local(f["evaluation_timestamp"]).date() >= BARNETS_LOV_IN_FORCE


def _offer_types(f: dict[str, Any]) -> list[str]:
    g = set(f["vulnerability_grounds"])
    out: list[str] = []
    if {"poor_parental_support", "family_trauma_or_mental_illness"} & g:
        out.append("preventive_offers_children_and_parents")
    if f["is_unaccompanied"]:
        out.append("unaccompanied_minor_offers")
    if {"witnessed_or_victim_of_war_flight_abuse", "family_trauma_or_mental_illness"} & g:
        out.append("trauma_offers")
    if "negative_social_control" in g:
        out.append("honour_conflict_offers")
    if "radicalisation_risk" in g:
        out.append("radicalisation_prevention")
    if "crime_risk" in g:
        out.append("crime_prevention")
    return out


def evaluate(f: dict[str, Any]) -> dict[str, Any]:
    age = f["age_years"]
    lawful = f["has_lawful_residence"]
    concern = f["concern_for_child"]
    acuteness = f["acuteness"]
    hdr = f["health_or_development_at_risk"]
    foreign = f["child_of_foreign_parents"]
    grounds = set(f["vulnerability_grounds"])

    child_rules_apply = age < 18 and f["present_in_denmark"]  # CHILD-AGE-01, CHILD-SCOPE-03
    if child_rules_apply:
        out_of_scope_reason = "none"
    elif age >= 18:
        out_of_scope_reason = "age_18_or_over"
    else:
        out_of_scope_reason = "not_present_in_denmark"
    service_act_applies = child_rules_apply and lawful  # CHILD-SCOPE-01/02

    if not child_rules_apply:
        duty_to_act = "none"
    elif concern and acuteness == "acute":
        duty_to_act = "acute_duty"
    elif concern and acuteness == "not_assessed":
        duty_to_act = "acute_assessment_pending"
    elif service_act_applies:
        duty_to_act = "service_act_applies"
    else:
        duty_to_act = "none"

    if not child_rules_apply:
        must_notify = "no"
    elif hdr == "yes" and foreign and not lawful:
        must_notify = "yes"
    elif hdr == "yes" or hdr == "unclear":
        must_notify = "requires_individual_assessment"
    else:
        must_notify = "no"

    t = _local(f["evaluation_timestamp"])
    wd = t.isoweekday()
    if must_notify == "no":
        notify_recipient = "none"
    elif f["municipality"] != "koebenhavn":
        notify_recipient = "not_specified_by_source"
    elif wd in (6, 7) or f["is_public_holiday"]:
        notify_recipient = "doegnvagten"
    else:
        hours = NORMAL_OPENING_HOURS.get(wd)
        tod = t.time().replace(tzinfo=None)
        if hours is None or not (hours[0] <= tod < hours[1]):
            notify_recipient = "doegnvagten"
        else:
            notify_recipient = "borgercenter_boern_og_unge"

    acute_assessment_factors = list(ACUTE_FACTORS) if duty_to_act in ("acute_duty", "acute_assessment_pending") else []

    ia = f["individual_assessment_11_3"]
    if not service_act_applies:
        eligible = "not_applicable"
    elif ia == "done_need_identified":
        eligible = "precondition_met_discretionary"
    elif ia == "done_no_need":
        eligible = "not_supported_by_assessment"
    elif f["support_basis"] == "general_group_measure":
        eligible = "not_permitted_without_individual_assessment"
    else:
        eligible = "requires_individual_assessment"

    candidate_interventions: list[dict[str, str]] = []
    int01 = child_rules_apply and concern and foreign and not lawful  # CHILD-INT-01/02
    if int01:
        ci = candidate_interventions
        ci.append({"code": "counselling_and_guidance", "status": "candidate"})
        if f["has_somatic_or_mental_illness"]:
            ci.append({"code": "treatment_assistance_somatic_or_mental", "status": "candidate"})
        ci.append({"code": "embassy_or_home_country_contact", "status": "candidate"})
        ci.append({"code": "return_to_home_country_assistance", "status": "candidate"})
        if f["family_homeless"]:
            ci.append({"code": "homeless_shelter_measure", "status": "candidate"})
        ci.append({"code": "parallel_placement", "status": "special_cases_only"})
        ci.append({"code": "out_of_home_placement", "status": "requires_overall_balancing"})
    if service_act_applies:
        candidate_interventions.append({"code": "preventive_support_11_3", "status": eligible})
        candidate_interventions.append(
            {"code": "leisure_activity_support_11", "status": "requires_individual_assessment"}
        )
        candidate_interventions.append(
            {
                "code": "special_support_52_3",
                "status": "candidate_after_investigation"
                if f["childfocused_investigation_50"] == "completed"
                else "requires_childfocused_investigation",
            }
        )

    placement_cautions: list[str] = []
    if child_rules_apply and (int01 or f["placement_under_consideration"]):  # CHILD-BAL-01/02
        placement_cautions.append("overall_balancing_required")
        if not f["child_understands_local_language"]:
            placement_cautions.append("risk_of_more_harm_than_good_language_barrier")
        if f["is_refugee_child"]:
            placement_cautions.append("consider_language_culture_ethnicity_religion_individually")

    unaccompanied_minor = child_rules_apply and f["is_unaccompanied"]
    if unaccompanied_minor and f["has_residence_permit"]:
        custodian = "yes_special_rules_if_placed_not_specified" if f["is_placed_out_of_home"] else "yes"
    else:
        custodian = "not_applicable"

    offer_types = _offer_types(f) if child_rules_apply and f["is_refugee_child"] else []
    track = (
        "handle_within_crime_prevention_and_social_efforts"
        if child_rules_apply and grounds & {"crime_risk", "radicalisation_risk"}
        else "not_indicated"
    )
    resources = (
        ["national_center_prevention_extremism_advice", "mentor_and_parent_coach_corps"]
        if child_rules_apply and "radicalisation_risk" in grounds
        else []
    )
    handoff = child_rules_apply and "negative_social_control" in grounds

    scope04 = (
        child_rules_apply
        and not lawful
        and f["nationality_category"] in ("nordic", "eu", "third_country")
        and (concern or hdr != "no")
    )
    dp: list[str] = []
    if duty_to_act in ("acute_duty", "acute_assessment_pending"):
        dp.append("acute_need_assessment")
    if must_notify == "requires_individual_assessment":
        dp.append("notification_assessment")
    if child_rules_apply and concern and not lawful and duty_to_act == "none":
        dp.append("uncrc_protection_outside_acute_cases")
    if scope04:
        dp.append("nationality_dependent_options")
    if placement_cautions:
        dp.append("placement_overall_balancing")
    if eligible in (
        "requires_individual_assessment",
        "precondition_met_discretionary",
        "not_permitted_without_individual_assessment",
    ):
        dp.append("preventive_support_11_3_individual_assessment")
    if service_act_applies:
        dp.append("leisure_support_individual_assessment")
    if offer_types:
        dp.append("offer_selection_individual_assessment")
    if child_rules_apply and dp:
        dp.append("maturity_weighting")

    return {
        "child_rules_apply": child_rules_apply,
        "out_of_scope_reason": out_of_scope_reason,
        "service_act_applies": service_act_applies,
        "duty_to_act": duty_to_act,
        "must_notify": must_notify,
        "notify_recipient": notify_recipient,
        "acute_assessment_factors": acute_assessment_factors,
        "eligible_preventive_support_11_3": eligible,
        "candidate_interventions": candidate_interventions,
        "placement_cautions": placement_cautions,
        "unaccompanied_minor": unaccompanied_minor,
        "must_involve_temporary_custodian": custodian,
        "offer_types_to_consider": offer_types,
        "crime_radicalisation_track": track,
        "crime_radicalisation_resources": resources,
        "handoff_to_honour_policy": handoff,
        "discretion_points": dp,
    }

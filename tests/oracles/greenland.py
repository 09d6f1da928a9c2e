"""Independent oracle for greenland/indsatstrappe.

A literal transcription of the evaluation pseudo-code in
/work/shared/spec/child-honour-greenland.md, section C.5, with the default GL-STEP-04 table
(C.2) as LEVEL_SUFFICIENT. Test-only code: written from the spec, not from the policy.
Levels are numbers 0..5 internally (0 = none / none_indicated); the fact and decision values
are the enum names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

STEP_NAMES = {1: "Forebyggelse", 2: "Indsatser", 3: "Netværksfamiliepleje", 4: "Familiepleje", 5: "Døgninstitution"}
FOCUS_START, FOCUS_END = dt.date(2020, 1, 1), dt.date(2024, 12, 31)


def _step_level(v: str) -> int:
    return 0 if v == "none" else int(v.removeprefix("step_"))


def level_sufficient(k: int, f: dict[str, Any]) -> bool:
    """GL-STEP-04 default table [MODEL]."""
    t = f["targeted_support_needed"]
    home = f["child_can_remain_home_with_support"]
    fam = f["needs_can_be_met_in_family_care"]
    net = f["suitable_network_family_available"]
    return {
        1: (not t) and f["risk_factors_present"],
        2: t and home == "yes",
        3: t and home == "no" and fam and net,
        4: t and home == "no" and fam,
        5: t and home == "no" and not fam,
    }[k]


def evaluate(f: dict[str, Any]) -> dict[str, Any]:
    cur = _step_level(f["current_step"])
    sdr = None
    if f["investigation_status"] != "completed":  # GL-INV-01
        requires_investigation = True
        rec: Any = "pending_investigation"
    else:
        requires_investigation = False
        if not f["targeted_support_needed"] and not f["risk_factors_present"]:
            need: Any = 0
        else:
            need = min(k for k in range(1, 6) if level_sufficient(k, f))
        if f["needs_can_be_met_in_family_care"]:
            placement_step = 3 if f["suitable_network_family_available"] else 4
        else:
            placement_step = 5
        rec = need
        if cur >= 3 and need <= 2:  # GL-HOME-01
            if f["placement_cause_persists"] == "yes":
                rec, sdr = placement_step, "return_home_blocked_cause_persists"
            if f["placement_cause_persists"] == "not_assessed":
                rec, sdr = placement_step, "assess_whether_placement_cause_persists"

    pending = rec == "pending_investigation"
    lvl = None if pending else rec  # 0 = none_indicated

    if pending:
        rec_value, rec_name = "pending_investigation", None
    elif rec == 0:
        rec_value, rec_name = "none_indicated", None
    else:
        rec_value, rec_name = f"step_{rec}", STEP_NAMES[rec]

    if pending:
        step_change = "pending_investigation"
    elif cur == 0 and lvl == 0:
        step_change = "none"
    elif cur == 0:
        step_change = "new_measure"
    elif lvl == cur:
        step_change = "maintain"
    elif lvl < cur:
        step_change = "step_down"
    else:
        step_change = "step_up"

    if cur == 0:
        sdr_out = "not_applicable"
    elif pending:
        sdr_out = "not_assessable_pending_investigation"
    elif sdr is not None:
        sdr_out = sdr
    elif lvl < cur and cur >= 3 and lvl <= 2:
        sdr_out = "planned_return_home_indicated"
    elif lvl < cur and cur == 5 and lvl in (3, 4):
        sdr_out = "move_from_institution_to_family_care_indicated"
    elif lvl < cur:
        sdr_out = "step_down_indicated"
    else:
        sdr_out = "no_step_down_indicated"

    placing = (not pending) and lvl in (3, 4, 5)
    placement_avoidance = placing and cur <= 2
    family_treatment = cur in (3, 4, 5) or placing
    resource_gap = (not pending) and lvl in (1, 2, 3, 4, 5) and not f["offer_available_at_recommended_level"]

    if requires_investigation:
        stage, handler = "undersoegelse", "investigation_caseworker"
    elif lvl == 0:
        stage, handler = "no_measure_indicated", "none"
    else:
        stage, handler = "indsats", "intervention_caseworker"

    authority = "local_tasiilaq" if f["town"] == "tasiilaq" else "per_competence_plan"

    me = f["measure_effect"]
    if cur == 0:
        review = "not_applicable"
    elif me == "no_positive_difference":
        review = "rethink_replace_or_remove"
    elif me == "positive":
        review = "positive_effect_recorded"
    else:
        review = "evaluate_effect"

    emergency = bool(f["immediate_danger_reported"])

    d = f["evaluation_date"]
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    if d < FOCUS_START:
        period = "before_2020_2024_focus_period"
    elif d <= FOCUS_END:
        period = "within_2020_2024_focus_period"
    else:
        period = "after_2024_check_successor_policy"

    dp: list[str] = []
    if not pending:
        dp.append("step_choice_within_framework")
    if requires_investigation:
        dp.append("investigation_timeliness_and_quality")
    if sdr_out == "assess_whether_placement_cause_persists":
        dp.append("placement_cause_assessment")
    if placement_avoidance:
        dp.append("placement_avoidance_parental_capacity")
    if resource_gap:
        dp.append("creative_flexible_local_solution")
    if emergency:
        dp.append("emergency_measures_outside_source")
    if review == "evaluate_effect":
        dp.append("effect_evaluation")

    return {
        "requires_investigation": requires_investigation,
        "recommended_step": rec_value,
        "recommended_step_name": rec_name,
        "step_change": step_change,
        "step_down_review": sdr_out,
        "placement_avoidance_assessment_required": placement_avoidance,
        "placement_very_intrusive": placing,
        "family_treatment_targeting_placement_cause": family_treatment,
        "resource_gap": resource_gap,
        "next_case_stage": stage,
        "stage_handler": handler,
        "decision_authority": authority,
        "measure_review": review,
        "emergency_outside_source": emergency,
        "policy_period_note": period,
        "discretion_points": dp,
    }

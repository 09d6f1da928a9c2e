"""Independent oracle for module I (integration responsibility when moving municipality).

Written from /work/shared/spec/residence.md §1.2, §2.2, §3.2 and §5 (A-33..A-40) only, as
literally as the spec states it, version 2 (INT-ILL-02 changed). Test-only code: it is not used
by the policy.

``decide(facts)`` takes a complete fact set (JSON shapes: dates as ``"YYYY-MM-DD"`` or
``datetime.date``) and returns the expected decisions in the JSON shape of
``result.to_dict()["decisions"]``.

Documented choices (where §1.2 and the pseudo-code of §3.2 leave room):

- Out of scope (INT-PERIOD-01 fails): INT-PERIOD-01 says "all other module-I decisions
  become not_applicable". Decisions with a ``not_applicable`` value get it; the bool
  ``takeover_application_admissible`` is false (pseudo-code); the date
  ``takeover_effective_from`` is null; the lists ``takeover_grounds`` and ``rejected_grounds``
  are empty. (The §3.2 pseudo-code computes rejected_grounds outside the admissibility branch
  but has no scope branch at all; the rule text of INT-PERIOD-01 is the specific statement.
  REJECTED_WHEN_OUT_OF_SCOPE switches to the other reading.)
- Facts that do not apply are ignored (§2 conventions), never rejected: e.g.
  ``moved_back_to_departure_municipality`` without a refused takeover and a move.
- INT-PARTNER-02 with a registered child but no wish to cohabit: the obligation needs
  »ønsker at bo sammen«, so the ground is raised with result ``not_obliged``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

MUST = "must_take_over"
PRESUMPTIVELY = "must_take_over_presumptively"
ASSESS = "requires_individual_assessment"
NOT_OBLIGED = "not_obliged"
NOT_APPLICABLE = "not_applicable"

RANK = {MUST: 3, PRESUMPTIVELY: 2, ASSESS: 1, NOT_OBLIGED: 0}

# Whether rejected_grounds is still listed when the move is out of scope (see module doc).
REJECTED_WHEN_OUT_OF_SCOPE = False


def _opt_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _date(value: Any) -> dt.date:
    day = _opt_date(value)
    assert day is not None
    return day


def grounds(f: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each ground raised, with its own result (§1.2), for an admissible application."""
    out: list[dict[str, str]] = []

    # INT-JOB-01
    if f["ordinary_employment_in_receiving_municipality"] in ("self", "spouse"):
        necessary = f["move_necessary_for_work"]
        result = {"yes": MUST, "no": NOT_OBLIGED, "not_assessed": ASSESS}[necessary]
        out.append({"rule": "INT-JOB-01", "result": result})

    # INT-EDU-01/02/03 (EDU-02 and EDU-03 override EDU-01)
    if f["admitted_to_education_in_receiving_municipality"]:
        if f["same_education_reachable_elsewhere"]:
            out.append({"rule": "INT-EDU-02", "result": NOT_OBLIGED})
        elif not f["education_fastest_route_to_employment"]:
            out.append({"rule": "INT-EDU-03", "result": NOT_OBLIGED})
        else:
            result = NOT_OBLIGED if f["reasonable_transport_to_education"] else ASSESS
            out.append({"rule": "INT-EDU-01", "result": result})

    # INT-SPOUSE-01/02
    if f["marital_status"] == "married" and f["spouse_lives_or_moves_to_receiving_municipality"]:
        if not f["spouse_covered_by_integration_program"]:
            out.append({"rule": "INT-SPOUSE-01", "result": PRESUMPTIVELY})
        else:
            result = PRESUMPTIVELY if f["spouse_takeover_obligation_established"] else ASSESS
            out.append({"rule": "INT-SPOUSE-02", "result": result})

    # INT-PARTNER-01/02
    if f["in_partner_relationship"]:
        child = f["child_with_partner"]
        if child == "none":
            out.append({"rule": "INT-PARTNER-01", "result": NOT_OBLIGED})
        elif child == "born_paternity_registered" and f["wish_to_cohabit_with_partner_and_child"]:
            out.append({"rule": "INT-PARTNER-02", "result": MUST})
        else:
            out.append({"rule": "INT-PARTNER-02", "result": NOT_OBLIGED})

    # INT-ILL-01: own illness, the transport condition. INT-ILL-02 (v2): a relative's illness is
    # always an individual assessment, whatever the transport, and is listed after INT-ILL-01
    # when both are raised.
    if f["own_illness_frequent_treatment"]:
        out.append({"rule": "INT-ILL-01", "result": NOT_OBLIGED if f["reasonable_transport_to_treatment"] else ASSESS})
    if f["close_relative_illness_frequent_treatment"]:
        out.append({"rule": "INT-ILL-02", "result": ASSESS})

    # INT-THREAT-01/02
    security = f["cannot_return_for_security_reasons"]
    if security == "yes":
        result = NOT_OBLIGED if f["stronger_attachment_to_other_municipality"] else MUST
        out.append({"rule": "INT-THREAT-01", "result": result})
    elif security == "not_assessed":
        out.append({"rule": "INT-THREAT-02", "result": ASSESS})

    # INT-UAM-01
    if f["unaccompanied_minor_placed_in_receiving_municipality"]:
        out.append({"rule": "INT-UAM-01", "result": ASSESS})

    return out


def rejected(f: Mapping[str, Any]) -> list[dict[str, str]]:
    """INT-NOGROUND-01/02: one entry per reason raised."""
    out = []
    for reason in f["other_reasons_raised"]:
        rule = "INT-NOGROUND-01" if reason == "larger_town" else "INT-NOGROUND-02"
        entry = {"reason": reason, "rule": rule}
        if entry not in out:
            out.append(entry)
    return out


def decide(f: Mapping[str, Any]) -> dict[str, Any]:
    as_of = _date(f["as_of"])
    planned = _opt_date(f["planned_move_date"])
    end = _opt_date(f["integration_period_end_date"])
    move_date = planned if planned is not None else as_of

    in_scope = f["integration_person_group"] in ("refugee", "family_reunified") and end is not None and move_date <= end
    admissible = in_scope and f["applicant"] == "foreigner"
    outcome = f["takeover_application_outcome"]
    moved = f["has_moved"]
    moved_back = f["moved_back_to_departure_municipality"]

    d: dict[str, Any] = {
        "integration_move_in_scope": in_scope,
        "takeover_application_admissible": admissible,
    }
    if not in_scope:
        d.update(
            receiving_municipality_must_take_over=NOT_APPLICABLE,
            takeover_grounds=[],
            rejected_grounds=rejected(f) if REJECTED_WHEN_OUT_OF_SCOPE else [],
            takeover_effective_from=None,
            rights_after_move_without_takeover=NOT_APPLICABLE,
            benefit_after_move=NOT_APPLICABLE,
            receiving_municipality_must_provide_housing=NOT_APPLICABLE,
        )
        return d

    if not admissible:
        d["receiving_municipality_must_take_over"] = NOT_APPLICABLE
        d["takeover_grounds"] = []
    else:
        g = grounds(f)
        d["takeover_grounds"] = g
        d["receiving_municipality_must_take_over"] = max(
            (x["result"] for x in g), key=RANK.__getitem__, default=NOT_OBLIGED
        )
    d["rejected_grounds"] = rejected(f)

    # INT-EFFECT-01
    d["takeover_effective_from"] = (
        move_date.isoformat() if outcome == "granted" and f["consent_obtained_before_move"] else None
    )
    # INT-CONS-01
    if outcome == "refused" and moved and not moved_back:
        d["rights_after_move_without_takeover"] = {
            "continue_program": False,
            "danish_education": True,
            "integration_act_employment_offers": False,
        }
    else:
        d["rights_after_move_without_takeover"] = NOT_APPLICABLE
    # INT-CONS-02/03/04
    if outcome == "granted":
        d["benefit_after_move"] = "full_if_conditions_met"
    elif outcome == "refused" and moved and not moved_back:
        d["benefit_after_move"] = "individual_assessment_may_reduce_or_stop"
    elif outcome == "refused" and moved and moved_back:
        d["benefit_after_move"] = "full_on_application_if_conditions_met"
    else:
        d["benefit_after_move"] = NOT_APPLICABLE
    # INT-HOUSING-01
    d["receiving_municipality_must_provide_housing"] = "no_as_main_rule" if outcome == "granted" else NOT_APPLICABLE
    return d


def cited_rules(f: Mapping[str, Any]) -> set[str]:
    """Rule IDs the spec says the decisions cite (for the main paths)."""
    d = decide(f)
    rules = {"INT-PERIOD-01"}
    if d["integration_move_in_scope"]:
        rules.add("INT-APPLY-01")
    rules |= {g["rule"] for g in d["takeover_grounds"]}
    rules |= {r["rule"] for r in d["rejected_grounds"]}
    if d["takeover_application_admissible"]:
        rules.add("INT-RIGHT-01")
    if d["takeover_effective_from"] is not None:
        rules.add("INT-EFFECT-01")
    if d["rights_after_move_without_takeover"] != NOT_APPLICABLE:
        rules.add("INT-CONS-01")
    rules |= {
        "full_if_conditions_met": {"INT-CONS-02"},
        "individual_assessment_may_reduce_or_stop": {"INT-CONS-03"},
        "full_on_application_if_conditions_met": {"INT-CONS-04"},
        NOT_APPLICABLE: set(),
    }[d["benefit_after_move"]]
    if d["receiving_municipality_must_provide_housing"] == "no_as_main_rule":
        rules.add("INT-HOUSING-01")
    return rules

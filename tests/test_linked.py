"""Cross-policy wiring (spec section D): handoffs between the child and honour policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import policylang
from policylang import FactError, evaluate_linked

CASES = Path(__file__).parent.parent / "policies" / "cases"


def facts_of(path: str) -> dict[str, object]:
    return dict(json.loads((CASES / path).read_text(encoding="utf-8"))["facts"])


def child_facts() -> dict[str, object]:
    facts = facts_of("child_protection/migrant_children/C01.json")
    facts["age_years"] = 17
    facts["vulnerability_grounds"] = ["negative_social_control"]
    return facts


def test_the_child_policy_hands_off_to_the_honour_policy_and_says_why() -> None:
    facts = child_facts() | facts_of("honour/negative_social_control/H01.json")
    linked = evaluate_linked("child_protection/migrant_children", facts)
    assert list(linked.results) == ["child_protection/migrant_children", "honour/negative_social_control"]
    child = linked.results["child_protection/migrant_children"]
    assert child.decisions["handoff_to_honour_policy"] is True
    assert child.handoffs == [
        {
            "policy": "honour/negative_social_control",
            "rules": ["CHILD-HANDOFF-01"],
            "status": "applies",
            "note": {
                "da": "Vurder også negativ social kontrol (afsnit B) på samme persons oplysninger",
                "en": "Also assess negative social control (section B) on the same person's facts",
            },
        }
    ]
    honour = linked.results["honour/negative_social_control"]
    assert honour.decisions["nsc_assessment"] == "nsc_indicated"
    # the honour policy routes back to child protection, which was already evaluated: no loop
    assert [(link.source, link.target, link.status) for link in linked.links] == [
        ("child_protection/migrant_children", "honour/negative_social_control", "applies"),
        ("honour/negative_social_control", "child_protection/migrant_children", "applies"),
    ]
    handoff_nodes = [n for n in child.trace if n.kind == "handoff"]
    assert handoff_nodes and handoff_nodes[0].children[0].data["rule_id"] == "CHILD-HANDOFF-01"


def test_the_honour_policy_routes_a_minor_to_child_protection() -> None:
    honour = policylang.load("honour/negative_social_control")
    result = honour.evaluate(facts_of("honour/negative_social_control/H01.json"))
    assert result.decisions["route_to_child_protection"] == "yes"
    assert [h["policy"] for h in result.handoffs] == ["child_protection/migrant_children"]
    assert result.to_dict()["handoffs"][0]["rules"] == ["HONOUR-SEL-01"]


def test_no_handoff_without_its_ground() -> None:
    facts = facts_of("child_protection/migrant_children/C01.json")
    linked = evaluate_linked("child_protection/migrant_children", facts)
    assert list(linked.results) == ["child_protection/migrant_children"]
    assert linked.links == ()


def test_an_unknown_ground_is_reported_not_followed() -> None:
    facts = child_facts()
    del facts["vulnerability_grounds"]
    linked = evaluate_linked("child_protection/migrant_children", facts)
    assert list(linked.results) == ["child_protection/migrant_children"]
    (link,) = linked.links
    assert link.status == "undetermined" and link.missing == ("vulnerability_grounds",)


def test_a_fact_no_linked_policy_declares_is_an_error() -> None:
    with pytest.raises(FactError) as info:
        evaluate_linked("child_protection/migrant_children", child_facts() | {"observed_form": []})
    assert info.value.hint == "did you mean `observed_forms`?"


def test_linked_results_are_json() -> None:
    facts = child_facts() | facts_of("honour/negative_social_control/H01.json")
    data = evaluate_linked("child_protection/migrant_children", facts, trace=False).to_dict()
    assert data["format"] == "policylang.linked/1"
    assert json.loads(json.dumps(data)) == data

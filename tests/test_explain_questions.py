"""What is missing: the next questions, ranked, labelled, and able to drive an interview to the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import policylang

CASES = policylang.policies_root() / "cases"


def _case(path: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((CASES / path).read_text(encoding="utf-8"))
    return data


def test_questions_follow_the_results_ranking_with_both_labels() -> None:
    policy = policylang.load("residence/help_and_repatriation")
    facts = dict(_case("residence/help_and_repatriation/R01.json")["facts"])  # type: ignore[arg-type]
    for name in ("need_outlook", "residence_status", "entry_date"):
        del facts[name]
    result = policy.evaluate(facts)
    questions = policylang.next_questions(policy, facts)
    assert [q.fact for q in questions] == result.missing
    for q in questions:
        assert set(q.settles) == {d for d, waiting in result.undetermined.items() if q.fact in waiting}
        info = policy.facts[q.fact]
        assert info.labels is not None and (q.da, q.en) == (info.labels.da, info.labels.en)
        assert q.da and q.en
    counts = [len(q.settles) for q in questions]
    assert counts == sorted(counts, reverse=True)


def test_enum_and_truth_questions_offer_their_answers_with_labels() -> None:
    questions = policylang.next_questions("examples/benefit", {"as_of": "2024-05-01"})
    band = next(q for q in questions if q.fact == "previous_band")
    assert band.optional and band.type == "band?"
    assert [(o.value, o.da, o.en) for o in band.options] == [
        ("low", "lav", "low"),
        ("middle", "mellem", "middle"),
        ("high", "høj", "high"),
    ]
    fraud = next(q for q in questions if q.fact == "fraud_found")
    assert [o.value for o in fraud.options] == [True, False] and fraud.options[0].label("da") == "ja"


def test_limit_and_decisions_narrow_the_questions() -> None:
    every = policylang.next_questions("examples/benefit", {"as_of": "2024-05-01"})
    assert policylang.next_questions("examples/benefit", {"as_of": "2024-05-01"}, limit=2) == every[:2]
    covered = policylang.next_questions("examples/benefit", {"as_of": "2024-05-01"}, decisions=["covered"])
    assert [(q.fact, q.settles) for q in covered] == [("needs", ("covered",))]
    with pytest.raises(policylang.PolicyError, match="no decision `coverd`"):
        policylang.next_questions("examples/benefit", {}, decisions=["coverd"])


def test_nothing_is_asked_when_everything_is_decided() -> None:
    facts = json.loads((policylang.policies_root() / "examples" / "benefit.facts.json").read_text("utf-8"))
    assert policylang.next_questions("examples/benefit", facts) == []


@pytest.mark.parametrize(
    "case",
    [
        "residence/help_and_repatriation/R03.json",
        "child_protection/migrant_children/C01.json",
        "greenland/indsatstrappe/G01.json",
        "honour/negative_social_control/H03.json",
    ],
)
def test_an_interview_driven_by_the_questions_reaches_the_full_decision(case: str) -> None:
    """Start from nothing, answer the first question from the case's facts, repeat."""
    data = _case(case)
    facts: dict[str, object] = data["facts"]  # type: ignore[assignment]
    policy = policylang.load(str(data["policy"]))
    known: dict[str, object] = {}
    asked = []
    while questions := policylang.next_questions(policy, known):
        fact = questions[0].fact
        assert fact not in known and fact in facts, f"asked for {fact}"
        known[fact] = facts[fact]
        asked.append(fact)
    assert policy.evaluate(known).decisions == policy.evaluate(facts).decisions
    assert len(asked) <= len(facts)


def test_questions_in_the_explanation_are_the_same(tmp_path: Path) -> None:
    policy = policylang.load("examples/benefit")
    result = policy.evaluate({"as_of": "2024-05-01"})
    assert list(policylang.explain(result, policy).questions) == policylang.next_questions(
        policy, {"as_of": "2024-05-01"}
    )

"""``evaluate(..., exhaustive=True)``: undetermined decisions settled by trying every value of
the facts they wait for (:mod:`policylang.engine.settle`).

* on small policies: what three-valued logic cannot see (a condition and its negation, a
  comparison with an undetermined decision, correlated rows), what the constraints rule
  out, and what settles nothing (numbers, a conflict in one combination, values that differ);
* on every bundled policy, with Hypothesis: a settled value is the value of the complete
  fact set (soundness), and nothing decided without ``exhaustive`` changes;
* the trace, the explanation and the command line say how a decision was settled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policylang
from policylang.explanation.render.text import format_text
from policylang.testing import partial_fact_sets
from tests.conftest import compile_text

ROOT = Path(__file__).parent.parent
RESULT = jsonschema.Draft202012Validator(
    json.loads((ROOT / "policylang" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
)
EXPLANATION = jsonschema.Draft202012Validator(
    json.loads((ROOT / "policylang" / "schemas" / "explanation.schema.json").read_text(encoding="utf-8"))
)

POLICY = """
rule R-1 "En" cites S "§ 1"
rule R-2 "To" cites S "§ 2"
rule R-3 "Tre" cites S "§ 3"

fact a: bool "A" / "A"
fact b: bool "B" / "B"
fact level_asked: enum { low, high } "Niveau" / "Level"
fact amount: int "Beløb" / "Amount"

constraint not_both_high when level_asked = high require not b message "b cannot be with a high level"

decision either: bool "Enten" / "Either"
  = a or not a by R-1

decision level: enum { x, y, z } "Trin" / "Step"
  first match
    x when a by R-1
    y otherwise by R-2

decision is_z: bool "Er z" / "Is z"
  = level = z by R-3

decision differs: bool "Afhænger" / "Depends"
  = a and b by R-1

decision needs_amount: bool "Beløb over" / "Amount above"
  = amount > 10 or a by R-1

decision under_constraint: bool "Under begrænsning" / "Under the constraint"
  first match
    true when b by R-1
    true when level_asked = low by R-2
    false otherwise by R-3
"""


@pytest.fixture(scope="module")
def policy() -> policylang.Policy:
    return compile_text(POLICY)


def test_what_three_valued_logic_cannot_see_is_settled(policy: policylang.Policy) -> None:
    plain = policy.evaluate({"level_asked": "low", "amount": 5})
    assert {"either", "level", "is_z"} <= set(plain.undetermined)
    result = policy.evaluate({"level_asked": "low", "amount": 5}, exhaustive=True)
    assert result.decisions["either"] is True  # a or not a
    assert result.decisions["is_z"] is False  # no row of `level` gives z
    assert result.undetermined["level"] == ["a"]  # x or y: a decides it
    assert result.undetermined["differs"] == ["a", "b"]
    assert result.reasons["is_z"] == ["R-3"] and result.reasons["either"] == ["R-1"]
    assert result.missing == ["a", "b"]


def test_combinations_the_constraints_reject_are_not_counted(policy: policylang.Policy) -> None:
    # with a high level, b cannot be true: only b = false remains, and then the third row decides
    result = policy.evaluate({"level_asked": "high", "a": True, "amount": 5}, exhaustive=True)
    assert result.decisions["under_constraint"] is False
    node = next(n for n in result.trace if n.kind == "decision" and n.data["name"] == "under_constraint")
    assert node.data["settled"] == {"facts": ["b"], "cases": 1, "rules": ["R-3"]}
    assert (
        policy.evaluate({"level_asked": "low", "a": True, "amount": 5}, exhaustive=True).decisions["under_constraint"]
        is True
    )  # b or a low level: true either way


def test_numbers_are_not_tried_and_nothing_decided_changes(policy: policylang.Policy) -> None:
    facts = {"level_asked": "low", "b": False}
    plain, result = policy.evaluate(facts), policy.evaluate(facts, exhaustive=True)
    assert result.undetermined["needs_amount"] == ["a", "amount"]  # an int has too many values
    assert {k: v for k, v in result.decisions.items() if k in plain.decisions} == plain.decisions


def test_a_conflict_in_one_combination_settles_nothing() -> None:
    conflicting = compile_text(
        """
rule R-1 "En" cites S "§ 1"
  when a then d = true
rule R-2 "To" cites S "§ 2"
  when a then d = false
rule R-3 "Tre" cites S "§ 3"
  when not a then d = true
fact a: bool "A" / "A"
decision d: bool "D" / "D"
  default false by R-3
"""
    )
    assert conflicting.evaluate({}, exhaustive=True).undetermined == {"d": ["a"]}


def test_the_trace_explanation_and_command_say_how_it_was_settled(
    policy: policylang.Policy, golden: Callable[[str, str], None], tmp_path: Path
) -> None:
    result = policy.evaluate({"level_asked": "low", "amount": 5}, exhaustive=True)
    assert not list(RESULT.iter_errors(json.loads(json.dumps(result.to_dict(), default=str))))
    node = next(n for n in result.trace if n.kind == "decision" and n.data["name"] == "is_z")
    assert node.data["status"] == "decided" and node.data["settled"] == {"facts": ["a"], "cases": 2, "rules": ["R-3"]}
    e = policylang.explain(result, policy, decisions=["either", "is_z", "level"])
    assert not list(EXPLANATION.iter_errors(e.to_dict()))
    settled = e.decision("is_z").settled
    assert settled is not None and [f.name for f in settled.facts] == ["a"] and settled.cases == 2
    golden("render/settled/caseworker.en.txt", format_text(e) + "\n")

    from policylang.cli import main

    path = tmp_path / "p.pol"
    path.write_text('policy test/inline\nsource S "Testloven"\n' + POLICY, encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"level_asked": "low", "amount": 5}), encoding="utf-8")
    assert main(["eval", str(path), "--facts", str(facts), "--exhaustive", "--format", "json"]) == 0


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("name", policylang.bundled_names())
def test_a_settled_value_is_the_value_of_the_complete_facts(name: str) -> None:
    policy = policylang.load(name)

    @SETTINGS
    @given(partial_fact_sets(policy))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        full, partial = pair
        plain = policy.evaluate(partial, trace=False)
        result = policy.evaluate(partial, trace=False, exhaustive=True)
        complete = policy.evaluate(full, trace=False)
        assert {k: v for k, v in result.decisions.items() if k in plain.decisions} == plain.decisions
        for decision, value in result.decisions.items():
            assert complete.decisions[decision] == value, decision
        assert set(result.undetermined) <= set(plain.undetermined)

    check()


GREENLAND_PARTIAL = {
    "evaluation_date": "2020-01-01",
    "town": "tasiilaq",
    "investigation_status": "completed",
    "child_can_remain_home_with_support": "yes",
    "needs_can_be_met_in_family_care": True,
    "suitable_network_family_available": True,
    "offer_available_at_recommended_level": True,
    "current_step": "step_3",
    "placement_cause_persists": "yes",
    "measure_effect": "no_positive_difference",
    "immediate_danger_reported": True,
}


@pytest.mark.parametrize("name", ["greenland/indsatstrappe", "child_protection/migrant_children"])
def test_batch_evaluation_settles_the_same_decisions(name: str) -> None:
    """``evaluate_many(..., exhaustive=True)``: the rows with an undetermined decision go to the reference path."""
    from polars.testing import assert_frame_equal

    from policylang.batch import evaluate_many

    policy = policylang.load(name)

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(partial_fact_sets(policy), min_size=1, max_size=6))
    def check(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        rows = [partial for _, partial in pairs] + ([GREENLAND_PARTIAL] if name.startswith("greenland") else [])
        batch = evaluate_many(policy, rows, exhaustive=True)
        assert_frame_equal(batch, evaluate_many(policy, rows, exhaustive=True, backend="rowwise"))
        for facts, row in zip(rows, batch.iter_rows(named=True), strict=True):
            single = policy.evaluate(facts, trace=False, exhaustive=True)
            assert {d: v for d, v in row["_undetermined"].items() if v is not None} == single.undetermined

    check()
    if name.startswith("greenland"):
        row = evaluate_many(policy, [GREENLAND_PARTIAL], exhaustive=True).row(0, named=True)
        assert row["recommended_step"] == "step_3" and row["_undetermined"]["recommended_step"] is None
        assert evaluate_many(policy, [GREENLAND_PARTIAL]).row(0, named=True)["recommended_step"] is None


def test_no_question_is_asked_whose_answer_changes_nothing(policy: policylang.Policy) -> None:
    facts = {"level_asked": "low", "amount": 5, "b": False}
    plain = policylang.next_questions(policy, facts)
    exhaustive = policylang.next_questions(policy, facts, exhaustive=True)
    assert list({q.fact: q.settles for q in plain}["a"]) == ["either", "level", "is_z", "needs_amount"]
    # a or not a, and whether the level is z, are settled: the answer changes only these two
    assert list({q.fact: q.settles for q in exhaustive}["a"]) == ["level", "needs_amount"]

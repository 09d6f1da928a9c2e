"""Properties every bundled policy must have, checked with Hypothesis on generated facts.

* soundness of unknown facts: a decision decided on a partial fact set keeps its value
  when the missing facts are added;
* determinism: the same facts give the same result;
* completeness: a complete, valid fact set decides every decision, with no conflict;
* the JSON result round-trips and validates against the published schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

import policylang
from policylang.testing import partial_fact_sets, valid_fact_sets

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "policylang" / "schemas" / "result.schema.json").read_text(encoding="utf-8")
)
POLICIES = policylang.bundled_names()
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_every_contract_policy_is_bundled() -> None:
    assert "examples/benefit" in POLICIES


@pytest.mark.parametrize("name", POLICIES)
def test_partial_facts_never_change_a_decided_value(name: str) -> None:
    policy = policylang.load(name)

    @SETTINGS
    @given(partial_fact_sets(policy))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        full, partial = pair
        complete = policy.evaluate(full, trace=False)
        reduced = policy.evaluate(partial, trace=False)
        for decision, value in reduced.decisions.items():
            assert complete.decisions.get(decision) == value, (
                f"{decision} was {value!r} without {sorted(set(full) - set(partial))}, "
                f"but {complete.decisions.get(decision)!r} with them"
            )
        for decision, facts in reduced.undetermined.items():
            assert set(facts) <= set(full) - set(partial), f"{decision} waits for facts that are known: {facts}"

    check()


@pytest.mark.parametrize("name", POLICIES)
def test_complete_facts_decide_everything_deterministically(name: str) -> None:
    policy = policylang.load(name)

    @SETTINGS
    @given(valid_fact_sets(policy))
    def check(facts: dict[str, Any]) -> None:
        first = policy.evaluate(facts)
        second = policy.evaluate(facts)
        assert first.to_dict() == second.to_dict()
        assert first.undetermined == {}
        assert first.no_rule == {}, f"no rule decides {sorted(first.no_rule)}"
        assert first.missing == []
        assert set(first.decisions) == set(policy.decisions)

    check()


@pytest.mark.parametrize("name", POLICIES)
def test_json_results_round_trip_and_follow_the_schema(name: str) -> None:
    policy = policylang.load(name)

    @settings(SETTINGS, max_examples=20)
    @given(partial_fact_sets(policy))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        for facts in pair:
            data = policy.evaluate(facts).to_dict()
            text = json.dumps(data, ensure_ascii=False)
            assert json.loads(text) == data
            jsonschema.validate(data, SCHEMA)

    check()

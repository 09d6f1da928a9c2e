"""The trace made when it is read is the trace of a run with a tracer.

Where no value of an evaluation is unknown, the trace of a decision is made from the rows
that decided it in the run without a tracer (``DecisionStep.decided_by``), without its
conditions computed again; elsewhere the decision runs again with a tracer. Either way the
trace must be the one a run with a tracer from the start reports: checked on every case
of every bundled policy (complete and partial fact sets alike), and on fact sets the
generator makes for the conformance table's policies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policylang
from policylang.engine.steps import DecisionStep
from policylang.testing import partial_fact_sets
from policylang.testing.cases import discover, read_cases
from policylang.trace import Recorder
from policylang.trace.build import TraceBuilder
from tests.conftest import bundled_policy

CASE_FILES = sorted(discover([policylang.policies_root() / "cases"]))
README_FACTS = policylang.policies_root() / "examples" / "help_and_repatriation.facts.json"


def traced_from_the_start(policy: policylang.Policy, facts: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
    """The trace of a run that had a tracer all along, as JSON."""
    recorder = Recorder()
    policy.evaluate(facts, tracer=recorder, **options)
    return [node.to_dict() for node in TraceBuilder(policy.program).build(recorder.events)]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(policylang.policies_root() / "cases")))
def test_the_trace_read_later_is_the_trace_of_a_traced_run(path: Any) -> None:
    for case in read_cases(path):
        if case.error is not None or case.skip is not None:
            continue
        policy = bundled_policy(case.policy)
        options = {"parameters": case.parameters or None}
        later = policy.evaluate(case.facts, **options).to_dict()["trace"]
        assert later == traced_from_the_start(policy, case.facts, **options), case.id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_same_on_generated_fact_sets_complete_or_not(data: st.DataObject) -> None:
    policy = bundled_policy(
        data.draw(st.sampled_from(["residence/help_and_repatriation", "child_protection/migrant_children"]))
    )
    for facts in data.draw(partial_fact_sets(policy)):  # complete, then with some facts removed
        assert policy.evaluate(facts).to_dict()["trace"] == traced_from_the_start(policy, facts)


def test_a_complete_evaluation_is_traced_without_running_its_decisions_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's example: every decision's trace comes from the rows that decided it."""
    told: list[bool] = []
    decided_by = DecisionStep.decided_by

    def counted(self: DecisionStep, v: list[Any], rows: list[Any]) -> Any:
        found = decided_by(self, v, rows)
        told.append(found is not None)
        return found

    monkeypatch.setattr(DecisionStep, "decided_by", counted)
    ran_again: list[str] = []
    run = DecisionStep.run

    def counted_run(self: DecisionStep, v: list[Any], tracer: Any = None) -> Any:
        if tracer is not None:
            ran_again.append(self.name)
        return run(self, v, tracer)

    monkeypatch.setattr(DecisionStep, "run", counted_run)
    policy = bundled_policy("residence/help_and_repatriation")
    facts = json.loads(README_FACTS.read_text(encoding="utf-8"))
    result = policy.evaluate(facts)
    assert result.trace
    assert told and all(told) and ran_again == []
    partial = dict(facts)
    del partial["residence_status"]
    assert policy.evaluate(partial).trace  # something unknown: the decisions run again with the tracer
    assert ran_again

"""Golden tests of the explanation trace, and the tracer protocol."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import policylang

ROOT = Path(__file__).parent.parent


def load_facts(path: str) -> dict[str, Any]:
    data = json.loads((ROOT / path).read_text(encoding="utf-8"))
    return dict(data.get("facts", data))


def test_the_example_policys_trace(golden: Callable[[str, str], None]) -> None:
    result = policylang.load("examples/benefit").evaluate(load_facts("policies/examples/benefit.facts.json"))
    golden("trace/examples_benefit.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n")


def test_a_bundled_policys_trace(golden: Callable[[str, str], None]) -> None:
    facts = load_facts("policies/cases/residence/help_and_repatriation/R01.json")
    result = policylang.load("residence/help_and_repatriation").evaluate(facts)
    golden("trace/residence_R01.json", json.dumps(result.to_dict()["trace"], ensure_ascii=False, indent=1) + "\n")


def test_a_partial_fact_sets_trace_shows_what_is_unknown(golden: Callable[[str, str], None]) -> None:
    result = policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
    income = next(n for n in result.trace if n.kind == "decision" and n.data["name"] == "income_band")
    assert income.data["status"] == "undetermined"
    assert income.data["missing"] == ["income", "savings"]
    assert [row.data["outcome"] for row in income.children] == ["unknown", "unknown", "fired"]
    golden(
        "trace/examples_benefit_partial.json",
        json.dumps([n.to_dict() for n in result.trace], ensure_ascii=False, indent=1) + "\n",
    )


class Counting:
    """A tracer of our own: counts the events it receives."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def parameter(self, name: str, value: Any) -> None:
        self._count("parameter")

    def decision(self, step: Any) -> None:
        self._count("decision")

    def decided(self, step: Any, value: Any) -> None:
        self._count("decided")

    def row(self, step: Any, row: Any, outcome: str, condition: Any, value: Any) -> None:
        self._count(f"row:{outcome}")

    def derived(self, step: Any, value: Any) -> None:
        self._count("derived")

    def note(self, step: Any) -> None:
        self._count("note")

    def warning(self, warning: Any) -> None:
        self._count("warning")

    def handoff(self, info: Any, row: Any, entry: dict[str, Any]) -> None:
        self._count("handoff")


def test_a_tracer_of_ones_own_receives_every_event() -> None:
    policy = policylang.load("examples/benefit")
    tracer = Counting()
    result = policy.evaluate(load_facts("policies/examples/benefit.facts.json"), tracer=tracer)
    assert result.trace == []  # the events went to our tracer
    assert tracer.counts["decision"] == tracer.counts["decided"] == len(policy.decisions)
    assert tracer.counts["warning"] == 1 and tracer.counts["note"] == 1
    assert tracer.counts["row:fired"] >= len(policy.decisions)


def test_a_stored_record_is_explained_as_the_result_was() -> None:
    """A result's JSON and the policy it is of give back the result, and the same explanations."""
    for name in policylang.bundled_names():
        policy = policylang.load(name)
        for path in sorted((ROOT / "policies" / "cases" / name).glob("*.json"))[:3]:
            case = json.loads(path.read_text(encoding="utf-8"))
            result = policy.evaluate(case["facts"], parameters=case.get("parameters"))
            record = json.loads(json.dumps(result.to_dict()))
            again = policylang.Result.from_dict(record, policy.program)
            assert again.to_dict() == record
            for audience in ("caseworker", "citizen", "auditor"):
                shown = policylang.explain(result, audience=audience, lang="da", why_not=True)
                assert policylang.explain(again, audience=audience, lang="da", why_not=True) == shown, path


def test_a_record_of_another_version_or_format_is_refused() -> None:
    from policylang.base.errors import RecordError

    policy = policylang.load("examples/benefit")
    record = policy.evaluate({"as_of": "2024-05-01"}).to_dict()
    other = policylang.load("residence/help_and_repatriation")
    try:
        policylang.Result.from_dict(record, other.program)
    except RecordError as e:
        assert "another version" in e.message
    else:
        raise AssertionError("a record of another policy was read")
    try:
        policylang.Result.from_dict({**record, "format": "policylang.result/1"}, policy.program)
    except RecordError as e:
        assert "not a policylang.result/2 record" in e.message
    else:
        raise AssertionError("a /1 record was read as /2")


def test_the_trace_is_made_when_first_read_and_is_the_traced_runs() -> None:
    """The lazy trace (the steps run again on the final values) equals what a tracer sees during the run."""
    from policylang.trace.build import TraceBuilder

    for name in policylang.bundled_names():
        policy = policylang.load(name)
        for path in sorted((ROOT / "policies" / "cases" / name).glob("*.json"))[:4]:
            facts = json.loads(path.read_text(encoding="utf-8"))["facts"]
            lazy = policy.evaluate(facts)
            tree = TraceBuilder(policy.program).recorder()
            policy.evaluate(facts, tracer=tree)
            assert [n.to_dict() for n in lazy.trace] == [n.to_dict() for n in tree.roots], path

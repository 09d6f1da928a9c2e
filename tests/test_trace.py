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

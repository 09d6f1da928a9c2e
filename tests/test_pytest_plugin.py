"""The pytest plugin: case files become test items, and failures read well."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
FACTS = json.loads((ROOT / "policies" / "examples" / "benefit.facts.json").read_text(encoding="utf-8"))

YAML = """\
# Two cases for the example policy, one of them wrong on purpose.
policy: examples/benefit
facts:
  as_of: 2024-05-01
  date_of_birth: 1990-01-01
cases:
  - id: adult
    title: Born 1990, so an adult
    expected: {adult: true, next_review: 2024-11-02}
    undetermined:
      income_band: [income, savings]
    rules: [EX-AGE]
  - id: wrong
    title: A case that expects the wrong things
    expected: {adult: false}
    rules: [EX-AGE, EX-NOPE]
  - id: later
    skip: waiting for the municipality's opening hours
    expected: {adult: true}
"""


def test_case_files_are_collected_and_run(pytester: pytest.Pytester, golden: Callable[[str, str], None]) -> None:
    pytester.makefile(".cases.yaml", benefit=YAML)
    case = {
        "policy": "examples/benefit",
        "id": "J1",
        "title": "JSON case",
        "facts": FACTS,
        "expected": {"eligible": "yes", "covered": ["heating"]},
        "rules": ["EX-PERMIT"],
    }
    pytester.makefile(".json", j1=json.dumps(case))
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    output = result.stdout.str()
    assert "Traceback" not in output
    start = output.index("FAIL ")
    end = output.index("=====", start)
    golden("pytest_plugin/failure.txt", output[start:end].rstrip() + "\n")
    result.stdout.fnmatch_lines(["*SKIPPED*waiting for the municipality's opening hours*"])


def test_a_broken_case_file_is_one_failed_test_and_the_others_still_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", broken='{"policy": "examples/benefit", "facts": {}, "surprise": 1}')
    good = {"policy": "examples/benefit", "id": "G1", "facts": FACTS, "expected": {"eligible": "yes"}}
    pytester.makefile(".json", good=json.dumps(good))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*unknown key `surprise` in a case*"])
    assert "Traceback" not in result.stdout.str()

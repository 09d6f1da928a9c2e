"""A policy of one's own, outside the bundle: cases beside it, local parameters, failures that read well.

The parameters set for an evaluation show in its trace with the defaults the policy
declares; a case file names the policy beside it by a relative path; and a failing case
of such a policy is reported by the pytest plugin like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import policylang
from policylang.testing.cases import read_cases, run_case

pytest_plugins = ["pytester"]

LOCAL = 'policy t/p\nsource S "Testloven"\nfact x: bool\nrule T-1 cites S "§ 1"\ndecision d: bool = x by T-1\n'

POLICY = """
fact x: bool
fact y: bool
parameter LIMIT: int = 3
parameter ENOUGH: condition = x and y
rule T-1 cites S "§ 1"
decision ok: bool = ENOUGH by T-1
decision small: bool = LIMIT < 5 by T-1
"""


def test_a_replaced_condition_shows_its_declared_default(make_policy: Callable[[str], policylang.Policy]) -> None:
    result = make_policy(POLICY).evaluate({"x": True, "y": False}, parameters={"ENOUGH": "x"})
    assert result.decisions["ok"] is True
    data = result.to_dict(manifest=True)
    assert data["parameters"] == {"ENOUGH": "x"}  # as set
    assert data["parameter_values"]["ENOUGH"] is True  # what it gave
    assert data["policy_manifest"]["parameters"]["ENOUGH"]["default"] == "x and y"  # as declared


def test_a_plain_parameter_shows_its_value_and_default(make_policy: Callable[[str], policylang.Policy]) -> None:
    policy = make_policy(POLICY)
    result = policy.evaluate({"x": True, "y": True}, parameters={"LIMIT": 7})
    assert result.decisions["small"] is False
    assert result.to_dict()["parameters"] == {"LIMIT": 7}
    assert result.parameter_values["LIMIT"] == 7
    assert policy.manifest()["parameters"]["LIMIT"]["default"] == "3"


def test_a_case_file_names_a_policy_beside_it(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "p.pol").write_text(LOCAL, encoding="utf-8")
    (folder / "p.cases.yaml").write_text(
        "policy: p.pol\ncases:\n  - {id: one, facts: {x: true}, expected: {d: true}, rules: [T-1]}\n", encoding="utf-8"
    )
    (case,) = read_cases(folder / "p.cases.yaml")
    assert Path(case.policy) == folder / "p.pol"
    assert run_case(case).passed


def test_a_failing_case_of_a_local_policy_reads_well_in_pytest(pytester: pytest.Pytester) -> None:
    pytester.makefile(".pol", p=LOCAL)
    pytester.makefile(
        ".cases.yaml",
        p="policy: p.pol\ncases:\n  - {id: wrong, facts: {x: true}, expected: {d: false}, rules: [T-1]}\n",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "INTERNALERROR" not in output and "Traceback" not in output
    result.stdout.fnmatch_lines(
        ["FAIL *p.cases.yaml::wrong", "  decision `d`: expected false, got true", "*explanation of what was decided:*"]
    )

"""Tolerances in case files (issue 20, point 7): ``tolerances: {decision: margin}`` for expected numbers.

A number within the margin passes; one outside fails with the value, the expected value
and the tolerance; a tolerance that cannot apply is an error in the case file
(``pol-case-file``), found when the file is read or, for the decision's type, when the
case runs; ``policylang test`` then exits with 1.
"""

from __future__ import annotations

import contextlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policylang.cli import main
from policylang.testing.case import CaseFileError
from policylang.testing.cases import read_cases, run_case, within

pytest_plugins = ["pytester"]

POLICY = """\
policy test/shares
source S "Testloven"
fact income: int "Indkomst" / "Income"
fact children: int "Børn" / "Children" default 0
rule R-1 "Andel" / "Share" cites S "§ 1"
decision share: decimal "Andel" / "Share" = income / 3 by R-1
decision amount: money "Beløb" / "Amount" = income * 1 DKK / 7 + children * 100 DKK by R-1
decision count: int "Antal" / "Count" = children + 1 by R-1
decision many: bool "Mange" / "Many" = children > 2 by R-1
"""


def case(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "policy": "shares.pol",
        "id": "S1",
        "facts": {"income": 1000},
        "expected": {"share": 333.33, "amount": 142.857, "count": 1, "many": False},
        "tolerances": {"share": 0.01, "amount": 0.001},
    }
    data.update(changes)
    return data


def run_test(folder: Path, *paths: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["test", *(str(folder / p) for p in paths)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "shares.pol").write_text(POLICY, encoding="utf-8")
    return tmp_path


def write(folder: Path, name: str, data: Any) -> str:
    (folder / name).write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return name


def test_within_compares_as_exact_decimals() -> None:
    assert not within(Decimal("0.3"), 0.1 + 0.2, Decimal(0)) and within(Decimal("0.3"), 0.1 + 0.2, Decimal("1e-15"))
    assert within(100, 100.01, Decimal("0.01")) and not within(100, 100.0101, Decimal("0.01"))
    assert not within(1, None, Decimal(1)) and not within(1, True, Decimal(1))


def test_numbers_within_their_tolerance_pass(folder: Path) -> None:
    code, out, _ = run_test(folder, write(folder, "s1.json", case()))
    assert code == 0, out
    assert "1 passed, 0 failed" in out


def test_without_a_tolerance_numbers_still_compare_exactly(folder: Path) -> None:
    code, out, _ = run_test(folder, write(folder, "s1.json", case(tolerances={"share": 0.01})))
    assert code == 2
    assert "decision `amount`: expected DKK 142.857, got DKK 142.8571428571428571428571428571429\n" in out


def test_a_failure_shows_value_expected_and_tolerance(folder: Path) -> None:
    wrong = case(
        facts={"income": 1000, "children": 1},
        expected={"share": 333.33, "amount": 142.857},
        tolerances={"share": 0.01, "amount": 0.5},
    )
    code, out, _ = run_test(folder, write(folder, "s1.json", wrong))
    assert code == 2
    assert (
        "decision `amount`: expected DKK 142.857 with a tolerance of 0.5, got DKK 242.8571428571428571428571428571429,"
        " 100.0001428571428571428571428571429 off" in out
    )
    assert "`share`" not in out


def test_yaml_cases_share_tolerances(folder: Path) -> None:
    text = """\
policy: shares.pol
tolerances: {share: 0.01}
cases:
  - id: one
    facts: {income: 1000}
    expected: {share: 333.33}
  - id: two
    facts: {income: 2000}
    expected: {share: 666.67}
  - id: three
    facts: {income: 2000}
    expected: {share: 666.6}
"""
    name = write(folder, "s.cases.yaml", text)
    cases = read_cases(folder / name)
    assert [c.tolerances for c in cases] == [{"share": Decimal("0.01")}] * 3
    code, out, _ = run_test(folder, name)
    assert code == 2 and "2 passed, 1 failed" in out
    assert "decision `share`: expected 666.6 with a tolerance of 0.01, got" in out


@pytest.mark.parametrize(
    ("tolerances", "expected", "message"),
    [
        (
            {"share": -0.1},
            {"share": 1},
            "the tolerance of `share` must be a number of 0 or more, such as 0.01, not -0.1",
        ),
        (
            {"share": "0.1"},
            {"share": 1},
            'the tolerance of `share` must be a number of 0 or more, such as 0.01, not "0.1"',
        ),
        ({"share": True}, {"share": 1}, "the tolerance of `share` must be a number of 0 or more"),
        ({"share": 0.1}, {"count": 1}, "a tolerance for `share`, but the case expects no value of `share`"),
        ({"many": 0.1}, {"many": False}, "a tolerance for `many`, whose expected value false is not a number"),
        ([0.1], {"share": 1}, "`tolerances` must be an object"),
    ],
)
def test_a_tolerance_that_cannot_apply_is_a_case_file_error(
    folder: Path, tolerances: Any, expected: dict[str, Any], message: str
) -> None:
    name = write(folder, "bad.json", case(tolerances=tolerances, expected=expected))
    with pytest.raises(CaseFileError) as info:
        read_cases(folder / name)
    assert info.value.code == "pol-case-file"
    assert message in info.value.message
    code, _, err = run_test(folder, name)
    assert code == 1 and "error[pol-case-file]" in err


def test_a_tolerance_on_a_decision_that_is_no_number_names_the_decision(folder: Path) -> None:
    name = write(folder, "text.json", case(expected={"many": 0}, tolerances={"many": 1}))
    (found,) = read_cases(folder / name)
    outcome = run_case(found)
    assert not outcome.passed and isinstance(outcome.error, CaseFileError)
    assert "a tolerance for `many`, which is bool, not a number" in outcome.error.message
    code, out, err = run_test(folder, name, write(folder, "s1.json", case()))
    assert code == 1
    assert "error[pol-case-file]" in err and "`many`" in err
    assert "1 passed, 0 failed, 1 case file(s) could not be read" in out


def test_the_pytest_plugin_uses_tolerances(pytester: pytest.Pytester) -> None:
    pytester.makefile(".pol", shares=POLICY)
    pytester.makefile(".json", good=json.dumps(case()))
    pytester.makefile(".json", off=json.dumps(case(id="S2", expected={"share": 333}, tolerances={"share": 0.3})))
    pytester.makefile(".json", typed=json.dumps(case(id="S3", expected={"many": 0}, tolerances={"many": 1})))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*decision `share`: expected 333 with a tolerance of 0.3, got 333.3333333333333333333333333333333,*",
            "*error?pol-case-file?*a tolerance for `many`, which is bool, not a number*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_failure_shows_the_exact_value_with_its_currency(tmp_path: Path) -> None:
    (tmp_path / "third.pol").write_text(
        'policy test/third\nsource S "Testloven"\nfact x: money EUR\nrule R-1 cites S "§ 1"\n'
        "decision third: money EUR = x / 3 by R-1\n"
        "decision thirds: list of money EUR = [x, x / 3] by R-1\n"
        "decision share: decimal = 1 / 3 by R-1\n",
        encoding="utf-8",
    )
    expected = {"third": 33.33, "thirds": [100, 33.33], "share": 0.33}
    name = write(tmp_path, "third.json", {"policy": "third.pol", "id": "T", "facts": {"x": 100}, "expected": expected})
    code, out, _ = run_test(tmp_path, name)
    assert code == 2
    assert "decision `third`: expected EUR 33.33, got EUR 33.33333333333333333333333333333333\n" in out
    thirds = "expected [EUR 100, EUR 33.33], got [EUR 100, EUR 33.33333333333333333333333333333333]\n"
    assert f"decision `thirds`: {thirds}" in out
    assert "decision `share`: expected 0.33, got 0.3333333333333333333333333333333333\n" in out

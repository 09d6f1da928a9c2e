"""What-if: a caseload under two versions of a policy, or two parameter sets."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import policylang
from policylang.batch import compare
from policylang.batch.options import BatchOptionError
from policylang.cli import main

MUST_REPORT = Path(__file__).parent.parent / "benchmarks" / "must_report.pol"

PARAMETRISED = """\
policy tests/whatif
source S "Testloven"
fact months: int "Måneder" / "Months"
fact exempt: bool "Fritaget" / "Exempt"
parameter LIMIT: int = 12 "Grænse" / "Limit"
rule R-1 "Regel" cites S "§ 1" force lov
decision report: bool "Indberet" / "Report" = months >= LIMIT and not exempt by R-1
"""


def caseload(n: int = 300, seed: int = 9) -> list[dict[str, Any]]:
    """Fact sets for must_report, some with unknown facts."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row: dict[str, Any] = {
            "citizenship": rng.choice(["danish", "nordic", "eu_eea", "third_country"]),
            "help_months": rng.randint(0, 24),
            "help_expected_continuous": rng.random() < 0.3,
            "temporary_purpose": rng.random() < 0.5,
            "lawful_permanent_years": rng.randint(0, 7),
            "spouse_lawful_permanent_years": rng.randint(0, 7),
        }
        for name in (
            "formerly_danish_citizen",
            "has_custody_of_danish_child_in_dk",
            "married_and_cohabiting",
            "spouse_is_danish",
            "refugee_107",
            "guarantee_family_reunified",
            "parent_over_60_pre_1992",
            "procedural_stay",
            "eu_permanently_incapacitated",
        ):
            row[name] = rng.random() < 0.1
        if rng.random() < 0.2:
            del row["help_expected_continuous"]
        rows.append(row)
    return rows


@pytest.fixture
def reform(tmp_path: Path) -> policylang.Policy:
    """must_report with continuous help from 6 months instead of 12."""
    text = MUST_REPORT.read_text(encoding="utf-8").replace("help_months >= 12", "help_months >= 6")
    path = tmp_path / "must_report_6.pol"
    path.write_text(text, encoding="utf-8")
    return policylang.load(path)


def bucket(policy: policylang.Policy, facts: dict[str, Any], decision: str) -> str:
    result = policy.evaluate(facts, trace=False)
    if decision in result.undetermined:
        return "(undetermined)"
    return json.dumps(result.decisions[decision])


def test_two_versions_count_each_transition(reform: policylang.Policy) -> None:
    current = policylang.load(MUST_REPORT)
    rows = caseload()
    comparison = compare(current, reform, rows, decisions=["must_report"])
    expected = Counter(
        (bucket(current, r, "must_report"), bucket(reform, r, "must_report"))
        for r in rows
        if bucket(current, r, "must_report") != bucket(reform, r, "must_report")
    )
    assert comparison.transitions["must_report"] == dict(expected)
    assert ("false", "true") in expected and ("(undetermined)", "true") in expected
    changes = comparison.changes()
    assert changes.height == comparison.changed_count == sum(expected.values())
    assert changes.columns == ["_row", "_changed", "must_report:before", "must_report:after"]
    for row in changes.iter_rows(named=True):
        facts = rows[row["_row"]]
        assert row["must_report:after"] == reform.evaluate(facts, trace=False).decisions.get("must_report")
    report = comparison.report()
    assert report.startswith(f"300 rows, {changes.height} of them change\nmust_report: {changes.height} rows change\n")
    assert "  false → true" in report


def test_one_policy_under_two_parameter_sets(make_policy: Callable[[str], policylang.Policy]) -> None:
    policy = make_policy(PARAMETRISED.split("\n", 2)[2])
    rows = [{"months": m, "exempt": m % 5 == 0} for m in range(20)] + [{"months": 8}]
    comparison = compare(policy, policy, rows, after_parameters={"LIMIT": 6})
    assert comparison.transitions == {"report": {("false", "true"): 5, ("false", "(undetermined)"): 1}}
    assert comparison.to_dict()["changed"] == 6
    with pytest.raises(BatchOptionError, match="both versions must have the decision `nothing`"):
        compare(policy, policy, rows, decisions=["nothing"])


def test_a_fact_of_one_version_only_is_ignored_by_the_other(make_policy: Callable[[str], policylang.Policy]) -> None:
    old = make_policy(PARAMETRISED.split("\n", 2)[2])
    new = make_policy(
        PARAMETRISED.split("\n", 2)[2].replace("and not exempt", "and not exempt and not paused")
        + 'fact paused: bool "Pause" / "Paused"\n'
    )
    rows = [{"months": 20, "exempt": False, "paused": True}, {"months": 20, "exempt": False, "paused": False}]
    comparison = compare(old, new, pl.DataFrame(rows))
    assert comparison.transitions == {"report": {("true", "false"): 1}}


def test_cli_whatif_prints_transitions(
    reform: policylang.Policy, tmp_path: Path, capsys: pytest.CaptureFixture[str], golden: Callable[[str, str], None]
) -> None:
    source = tmp_path / "caseload.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in caseload(200, seed=3)) + "\n", encoding="utf-8")
    reformed = tmp_path / "must_report_6.pol"
    changes = tmp_path / "changes.parquet"
    code = main(
        [
            "whatif",
            str(MUST_REPORT),
            str(source),
            "--against",
            str(reformed),
            "--output",
            str(changes),
            "--decisions",
            "must_report",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    golden("cli/whatif_must_report.txt", out)
    assert pl.read_parquet(changes).height == int(out.split(", ")[1].split()[0])
    code = main(["whatif", str(MUST_REPORT), str(source)])
    assert code == 1 and "nothing to compare" in capsys.readouterr().err

"""The command line: output, exit codes, and no Python traceback for a user's mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from policylang.cli import main

ROOT = Path(__file__).parent.parent
FACTS = ROOT / "policies" / "examples" / "benefit.facts.json"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_prints_the_explained_result(
    capsys: pytest.CaptureFixture[str], golden: Callable[[str, str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(["eval", "examples/benefit", "--facts", str(FACTS.relative_to(ROOT))], capsys)
    assert code == 0, err
    golden("cli/eval_benefit.txt", out)


def test_eval_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["eval", "examples/benefit", "--facts", str(FACTS), "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "policylang.result/2"
    assert data["policy"] == "examples/benefit"
    assert data["decisions"]["eligible"] == "yes"
    assert data["undetermined"] == {} and data["missing"] == []
    assert any(node["kind"] == "decision" for node in data["trace"])


def test_eval_with_parameters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    facts = json.loads(FACTS.read_text()) | {"fraud_found": False}
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    code, out, err = run(
        [
            "eval",
            "examples/benefit",
            "--facts",
            str(tmp_path / "facts.json"),
            "--format",
            "json",
            "--param",
            "LOW_INCOME=100000",
            "--param",
            "SPECIAL_CASE=hardship = not_assessed",
        ],
        capsys,
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["decisions"]["income_band"] == "middle"
    assert data["decisions"]["eligible"] == "requires_individual_assessment"
    assert data["parameters"] == {"LOW_INCOME": 100000, "SPECIAL_CASE": "hardship = not_assessed"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["eval", "no/such_policy", "--facts", str(FACTS)], ["no bundled policy named `no/such_policy`"]),
        (["eval", "examples/benefit", "--facts", "missing.json"], ["missing.json", "cannot read"]),
        (["eval", "examples/benefit", "--facts", str(FACTS), "--param", "NO_SUCH=1"], ["no parameter `NO_SUCH`"]),
        (["eval", "examples/benefit", "--facts", str(FACTS), "--param", 'LOW_INCOME="x"'], ["`LOW_INCOME`"]),
        (
            ["eval", "examples/benefit", "--facts", str(FACTS), "--param", "SPECIAL_CASE=hardship = maybe"],
            ["SPECIAL_CASE", "maybe"],
        ),
        (["check", "no/such/dir"], ["no such file or folder"]),
        (["frobnicate"], ["pol-usage"]),
    ],
)
def test_input_problems_exit_1_with_a_message(
    args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) if args == ["frobnicate"] else _nothing():
        code, _out, err = run(args, capsys)
        assert code == 1
        for word in words:
            assert word in err, err
        assert "Traceback" not in err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_bad_facts_name_the_file_and_the_fact(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    facts = json.loads(FACTS.read_text())
    facts["as_of"] = "2024-02-30"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(facts))
    code, _, err = run(["eval", "examples/benefit", "--facts", str(bad)], capsys)
    assert code == 1
    assert str(bad) in err and "`as_of`" in err and "2024-02-30" in err


def test_malformed_json_gives_line_and_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"as_of": "2024-01-01",\n "income": }')
    code, _, err = run(["eval", "examples/benefit", "--facts", str(bad)], capsys)
    assert code == 1
    assert f"{bad}:2:" in err and "not valid JSON" in err


def test_check_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`check` exits 2 for any error it finds in the policy text, syntax errors included; 1 when it cannot run."""
    cases = Path(__file__).parent / "cases"
    assert run(["check", str(ROOT / "policies" / "examples")], capsys)[0] == 0
    assert run(["check", str(cases / "pol-type" / "bad")], capsys)[0] == 2
    assert run(["check", str(cases / "pol-syntax" / "bad")], capsys)[0] == 2
    assert run(["check", str(cases / "pol-bad-literal" / "bad")], capsys)[0] == 2
    assert run(["check", str(cases / "pol-import-not-found" / "bad")], capsys)[0] == 2
    assert run(["check", "--strict", str(cases / "pol-unused-fact" / "bad")], capsys)[0] == 2
    assert run(["check", str(cases / "pol-unused-fact" / "bad")], capsys)[0] == 0  # warnings only
    assert run(["check", str(tmp_path / "nowhere.pol")], capsys)[0] == 1
    (tmp_path / "latin1.pol").write_bytes("policy test/x\nfact år: bool\n".encode("latin-1"))
    code, _, err = run(["check", str(tmp_path / "latin1.pol")], capsys)
    assert code == 1 and "not UTF-8" in err
    # a policy that does not load is bad input for every other command, whatever its error
    facts = str(FACTS)
    for bad in (cases / "pol-syntax" / "bad" / "unclosed.pol", cases / "pol-type" / "bad" / "date_vs_int.pol"):
        assert run(["eval", str(bad), "--facts", facts, "--ignore-unknown-facts"], capsys)[0] == 1


_PARALLEL_CHECK = """
import json, sys
from pathlib import Path
from policylang.policy import checking as loader
files = [Path(f) for f in sys.argv[1:]]
forks = loader.can_fork()
both = [loader.check_files(files, require_header=False, jobs=jobs, cache=False) for jobs in (2, 1)]
print(json.dumps({"forks": forks, "results": [[[d.to_dict() for d in found] for found in r] for r in both]}))
"""


def test_check_in_several_processes_reports_what_one_does(capsys: pytest.CaptureFixture[str]) -> None:
    """Files checked in parallel: the same diagnostics, in the same order, as one after the other.

    In a fresh interpreter: a test process with threads running checks one file after another.
    """
    cases = Path(__file__).parent / "cases"
    files = sorted(cases.glob("pol-*/*/*.pol"))[:12] + sorted((ROOT / "policies" / "examples").glob("*.pol"))
    done = subprocess.run(
        [sys.executable, "-c", _PARALLEL_CHECK, *map(str, files)], capture_output=True, text=True, check=True
    )
    out = json.loads(done.stdout)
    assert out["forks"]  # the parallel path was taken
    parallel, serial = out["results"]
    assert parallel == serial and any(parallel)
    assert all(Path(d["span"]["file"]).name == f.name for f, found in zip(files, parallel, strict=True) for d in found)
    code, out_text, err = run(
        [
            "check",
            "--jobs",
            "2",
            str(cases / "pol-type" / "bad" / "date_vs_int.pol"),
            str(ROOT / "policies" / "examples"),
        ],
        capsys,
    )
    assert code == 2 and "checked 3 file(s): 2 error(s), 0 warning(s)" in out_text
    code, _, err = run(["check", "--jobs", "-1", str(cases / "pol-type" / "bad")], capsys)
    assert code == 1 and "--jobs must be 0" in err


def test_check_falls_back_to_one_process_where_processes_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """No semaphores (a container without /dev/shm) or a killed worker: the files are checked here."""
    from policylang.policy import checking as loader

    def cannot_start(*args: object) -> list[list[object]]:
        raise OSError(38, "Function not implemented")

    files = sorted((Path(__file__).parent / "cases" / "pol-type").glob("*/*.pol"))
    expected = loader.check_files(files, require_header=False, jobs=1)
    monkeypatch.setattr(loader, "can_fork", lambda: True)
    monkeypatch.setattr(loader, "check_in_processes", cannot_start)
    assert loader.check_files(files, require_header=False, jobs=2) == expected


def test_check_json_lists_every_diagnostic(capsys: pytest.CaptureFixture[str]) -> None:
    bad = Path(__file__).parent / "cases" / "pol-type" / "bad" / "date_vs_int.pol"
    code, out, _ = run(["check", "--format", "json", str(bad)], capsys)
    data = json.loads(out)
    assert code == 2 and data["errors"] == 2
    assert [d["code"] for d in data["diagnostics"]] == ["pol-type", "pol-type"]
    assert data["diagnostics"][0]["span"]["line"] == 4


def test_test_command_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = {
        "policy": "examples/benefit",
        "id": "ok",
        "facts": json.loads(FACTS.read_text()),
        "expected": {"eligible": "yes"},
        "rules": ["EX-PERMIT"],
    }
    bad = dict(good, id="bad", expected={"eligible": "no"}, rules=["EX-NOPE"])
    (tmp_path / "good.json").write_text(json.dumps(good))
    assert run(["test", str(tmp_path / "good.json")], capsys)[0] == 0
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    code, out, _ = run(["test", str(tmp_path)], capsys)
    assert code == 2
    assert 'decision `eligible`: expected "no", got "yes"' in out
    assert "the policy has no rule `EX-NOPE`" in out
    assert "1 passed, 1 failed" in out
    (tmp_path / "broken.json").write_text('{"policy": "examples/benefit", "facts": [')
    assert run(["test", str(tmp_path / "broken.json")], capsys)[0] == 1


def test_a_case_naming_what_the_policy_lacks_says_so_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case = {
        "policy": "examples/benefit",
        "id": "typo",
        "facts": json.loads(FACTS.read_text()),
        "expected": {"eligble": "yes"},
        "rules": ["EX-PERMITT"],
    }
    (tmp_path / "typo.json").write_text(json.dumps(case))
    (tmp_path / "nowhere.json").write_text(json.dumps(dict(case, id="nowhere", policy="examples/benefits")))
    code, out, _ = run(["test", str(tmp_path)], capsys)
    assert code == 2
    assert "the policy has no decision `eligble` (did you mean `eligible`?)" in out
    assert "the policy has no rule `EX-PERMITT` (did you mean `EX-PERMIT`?)" in out
    assert "eligble`: expected" not in out and "does not appear in the explanation" not in out
    assert "unexpected error[pol-not-found]: no policy file at examples/benefits" in out
    assert "expected null" not in out


def test_the_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pol"
    bad.write_text("policy x\nfact a: bool\ndecision d: bool = a and\n")
    for args, exit_code in (
        (["eval", str(bad), "--facts", str(FACTS)], 1),
        (["check", str(bad)], 2),
        (["eval"], 1),
        (["eval", "examples/benefit", "--facts", str(bad)], 1),
    ):
        proc = subprocess.run([sys.executable, "-m", "policylang.cli", *args], capture_output=True, text=True)
        assert proc.returncode == exit_code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_coverage_report_and_threshold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case = {
        "policy": "examples/benefit",
        "id": "ok",
        "facts": json.loads(FACTS.read_text()),
        "expected": {"eligible": "yes"},
    }
    (tmp_path / "case.json").write_text(json.dumps(case))
    code, out, _ = run(["test", str(tmp_path), "--coverage"], capsys)
    assert code == 0
    # fraud is found but the special permit overrides it, so EX-FRAUD decided nothing
    assert "examples/benefit: 7/10 rules (70.0%)" in out
    assert "never exercised: EX-FRAUD, EX-HARDSHIP, EX-CHANNEL" in out
    assert "Eksempelloven § 4: 2/3" in out
    code, out, _ = run(["test", str(tmp_path), "--fail-under", "90"], capsys)
    assert code == 2 and "coverage of examples/benefit is 70.0%, below 90.0%" in out
    assert run(["test", str(tmp_path), "--fail-under", "70"], capsys)[0] == 0
    code, out, _ = run(["test", str(tmp_path), "--format", "json", "--coverage"], capsys)
    data = json.loads(out)
    assert data["coverage"][0]["unexercised"] == ["EX-FRAUD", "EX-HARDSHIP", "EX-CHANNEL"]


def test_a_warning_can_be_accepted_with_a_reason_but_an_error_cannot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "allow.pol"
    policy.write_text(
        "policy test/allow\n"
        "# policylang: allow pol-unused-fact (recorded only)\n"
        "fact kept: bool\n"
        "fact forgotten: bool\n"
        "fact a: bool\n"
        "decision d: bool = a\n"
        "# policylang: allow pol-type\n"
        "decision e: int = a\n"
    )
    code, _out, err = run(["check", str(policy)], capsys)
    assert "`kept`" not in err and "`forgotten` is declared but never used" not in err  # no unused warnings with errors
    assert "error[pol-type]" in err and code == 2
    policy.write_text(policy.read_text().replace("decision e: int = a\n", "decision e: bool = not a\n"))
    code, _out, err = run(["check", str(policy)], capsys)
    assert "`kept`" not in err and "`forgotten` is declared but never used" in err
    assert code == 0


def test_eval_detail_shows_each_amount_of_a_list_with_its_currency(
    capsys: pytest.CaptureFixture[str], golden: Callable[[str, str], None], tmp_path: Path
) -> None:
    (tmp_path / "ys.pol").write_text(
        'policy test/amounts\nsource S "Testloven"\nfact xs: list of money EUR\nfact ds: list of decimal\n'
        'rule R-1 cites S "§ 1"\n'
        "decision ys: list of money EUR = map(x in xs: x * 2) by R-1\n"
        "decision zs: list of decimal = map(x in ds: x * 2) by R-1\n",
        encoding="utf-8",
    )
    (tmp_path / "ys.json").write_text('{"xs": [1, 2.5, 1234], "ds": [0.25, 1]}', encoding="utf-8")
    shown = []
    for lang in ("en", "da"):
        code, out, err = run(
            ["eval", str(tmp_path / "ys.pol"), "--facts", str(tmp_path / "ys.json"), "--detail", "--lang", lang], capsys
        )
        assert code == 0, err
        shown.append(out)
    assert "ys = [EUR 2, EUR 5, EUR 2,468]" in shown[0] and "zs = [0.5, 2]" in shown[0]
    golden("cli/eval_detail_list_of_amounts.txt", "\n".join(shown))

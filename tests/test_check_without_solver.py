"""``policylang check`` without the z3 solver (not installed with ``pip install policylang``, only with ``[check]``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policylang.policy.checking import MISSING_SOLVER, analyses_missing

ROOT = Path(__file__).parent.parent

WITHOUT_Z3 = """
import sys
sys.modules["z3"] = None  # as if z3-solver were not installed: importing it fails
from policylang.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def check(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"POLICYLANG_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-c", WITHOUT_Z3, "check", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False)


def test_the_solver_is_there_in_the_test_environment() -> None:
    assert analyses_missing() is None


def test_without_the_solver_check_reports_the_checker_and_says_the_analyses_were_skipped(tmp_path: Path) -> None:
    run = check("policies/examples/", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "checked 2 file(s): 0 error(s), 0 warning(s)\n"
    assert run.stderr == (
        "note: the logic analyses (gaps, overlapping rules, shadowed rows, constant conditions) were not run: "
        'they need the z3 solver, which is not installed; install it with: pip install "policylang[check]"\n'
    )


def test_without_the_solver_check_still_finds_the_checkers_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pol"
    bad.write_text('policy test/bad\nfact age: int "Alder" / "Age"\ndecision adult: bool = agee >= 18\n')
    run = check(str(bad), tmp_path=tmp_path)
    assert run.returncode == 2
    assert "error[pol-unknown-name]" in run.stderr and "note: the logic analyses" in run.stderr


def test_without_the_solver_strict_check_fails_as_not_checked(tmp_path: Path) -> None:
    run = check("--strict", "policies/examples/benefit.pol", tmp_path=tmp_path)
    assert run.returncode == 1
    assert "error[pol-no-solver]: the logic analyses" in run.stderr


def test_without_the_solver_the_json_report_names_what_was_skipped(tmp_path: Path) -> None:
    run = check("--format", "json", "policies/examples/benefit.pol", tmp_path=tmp_path)
    assert run.returncode == 0
    report = json.loads(run.stdout)
    assert report["errors"] == 0 and report["skipped"] == [MISSING_SOLVER]

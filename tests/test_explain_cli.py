"""`policylang explain` and `policylang questions`: formats, options, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from policylang.cli import main

ROOT = Path(__file__).parent.parent
FACTS = ROOT / "policies" / "examples" / "benefit.facts.json"
SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "explanation.schema.json").read_text(encoding="utf-8"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_text_for_one_decision_with_why_not(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["explain", "examples/benefit", "--facts", str(FACTS), "--decision", "eligible", "--why-not"], capsys
    )
    assert code == 0, err
    assert "eligible (Eligible) = yes" in out
    assert "income_band (Income band)" not in out  # only the decision asked for
    assert "- no when fraud_found [EX-FRAUD]: overridden by EX-PERMIT" in out


def test_explain_json_is_a_versioned_explanation_that_follows_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "explain",
            "examples/benefit",
            "--facts",
            str(FACTS),
            "--format",
            "json",
            "--audience",
            "auditor",
            "--why-not",
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "policylang.explanation/1" and data["audience"] == "auditor"
    jsonschema.validate(data, SCHEMA)


def test_explain_html_is_one_fragment_in_danish_for_a_citizen(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "explain",
            "examples/benefit",
            "--facts",
            str(FACTS),
            "--format",
            "html",
            "--lang",
            "da",
            "--audience",
            "citizen",
        ],
        capsys,
    )
    assert code == 0
    assert out.startswith('<div class="policylang-explanation plx plx-audience-citizen" lang="da"')
    assert out.rstrip().endswith("</div>")
    assert "1990-01-01" not in out  # the date of birth is personal
    assert "Ret til hjælp" in out


def test_explain_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", "examples/benefit", "--facts", str(FACTS), "--format", "markdown"], capsys)
    assert code == 0
    assert out.startswith("# Winter help \\(example\\)") or out.startswith("# Winter help (example)")
    assert "## Eligible: `yes`" in out


def test_explain_an_unknown_decision_is_an_input_error_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["explain", "examples/benefit", "--facts", str(FACTS), "--decision", "elgible"], capsys)
    assert code == 1 and out == ""
    assert err == (
        "error[pol-unknown-decision]: the policy `examples/benefit` has no decision `elgible`\n"
        "  = help: did you mean `eligible`?\n"
    )


def test_explain_bad_facts_and_missing_files_are_input_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "bad.json").write_text('{"income": "a lot"}')
    code, _, err = run(["explain", "examples/benefit", "--facts", str(tmp_path / "bad.json")], capsys)
    assert code == 1 and "error[" in err and "income" in err and "Traceback" not in err
    code, _, err = run(["explain", "examples/benefit", "--facts", str(tmp_path / "none.json")], capsys)
    assert code == 1 and "cannot read the facts file" in err
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "examples/benefit", "--facts", str(FACTS), "--audience", "judge"])
    assert exit_.value.code == 1 and "error[pol-usage]" in capsys.readouterr().err


def test_questions_text_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "known.json").write_text('{"as_of": "2024-05-01", "savings": 0}')
    code, out, _ = run(
        ["questions", "examples/benefit", "--facts", str(tmp_path / "known.json"), "--limit", "2"], capsys
    )
    assert code == 0
    assert out == (
        "Next questions, most useful first:\n"
        "  1. date_of_birth (Date of birth): date\n"
        "     could settle: adult, eligible, reminders\n"
        "  2. income (Income): money DKK\n"
        "     could settle: income_band, eligible, band_change\n"
        "... and 9 more questions (11 in all); --limit N or --all shows more.\n"
    )
    code, out, _ = run(["questions", "examples/benefit", "--format", "json", "--decision", "covered"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["policy"] == "examples/benefit"
    assert [(q["fact"], q["da"], q["en"], q["settles"]) for q in data["questions"]] == [
        ("needs", "Behov", "Needs", ["covered"])
    ]
    jsonschema.validate(data["questions"][0], {"$ref": "#/$defs/question", "$defs": SCHEMA["$defs"]})


def test_questions_when_nothing_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["questions", "examples/benefit", "--facts", str(FACTS), "--lang", "da"], capsys)
    assert (code, out) == (0, "Intet mangler: alle afgørelser er truffet.\n")


def test_the_subcommands_have_an_example_in_their_help() -> None:
    for command in ("explain", "questions"):
        proc = subprocess.run(
            [sys.executable, "-m", "policylang.cli", command, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0
        assert f"policylang {command} " in proc.stdout.split("\nexample")[-1]

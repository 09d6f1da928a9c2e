"""The command line as a newcomer meets it: version, the bundled policies, the help examples, batch and questions."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import policylang
from policylang.cli import main
from policylang.cli.batch import ProgressBar
from policylang.cli.main import build_parser

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "policies" / "examples"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"policylang {policylang.__version__}\n"


def test_list_names_every_bundled_policy_with_its_title(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "CASE", "FILES", "TITLE"]
    for name in policylang.bundled_names():
        assert any(line.startswith(name + " ") for line in lines), name
    assert re.search(r"^residence/help_and_repatriation +1\.0 +\d+ +Help and repatriation", out, re.MULTILINE)
    assert "examples/benefit" in out and "Winter help (example)" in out
    code, out, _ = run(["list", "--lang", "da"], capsys)
    assert "Vinterhjælp (eksempel)" in out and "Winter help" not in out
    code, out, _ = run(["list", "--format", "json"], capsys)
    data = json.loads(out)["policies"]
    assert [p["name"] for p in data] == policylang.bundled_names()
    benefit = next(p for p in data if p["name"] == "examples/benefit")
    assert benefit == {
        "name": "examples/benefit",
        "version": "1.0",
        "title": {"da": "Vinterhjælp (eksempel)", "en": "Winter help (example)"},
        "cases": None,
        "case_files": 0,
    }
    for p in data:
        if not p["name"].startswith("examples/"):
            assert p["case_files"] > 0 and Path(p["cases"]) == policylang.policies_root() / "cases" / p["name"]


def test_test_runs_a_bundled_policys_own_cases_by_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no checkout around: the name alone finds the cases
    code, out, _ = run(["test", "residence/repatriation_and_return"], capsys)
    assert code == 0 and re.search(r"^\d+ passed, 0 failed$", out, re.MULTILINE)
    code, _, err = run(["test", "examples/benefit"], capsys)
    assert code == 1 and "has no bundled cases" in err
    code, _, err = run(["test", "residence/no_such_policy"], capsys)
    assert code == 1 and "no such file or folder" in err


# ---------------------------------------------------------------- every --help example runs


def _examples() -> list[tuple[str, str]]:
    """Every command shown in an ``example(s):`` epilog: the main command's and each subcommand's."""
    parser = build_parser()
    parsers = {"policylang": parser}
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        parsers.update({f"policylang {name}": p for name, p in getattr(action, "choices", {}).items()})
    found = []
    for where, p in parsers.items():
        text = (p.epilog or "").replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("policylang "):
                found.append((where, re.split(r"\s{2,}", line)[0]))  # the main help explains each in a column
    return found


EXAMPLE_COMMANDS = _examples()


def test_every_command_has_an_example_in_its_help() -> None:
    shown = {where for where, _ in EXAMPLE_COMMANDS}
    parser = build_parser()
    assert parser._subparsers is not None
    commands = {name for action in parser._subparsers._group_actions for name in getattr(action, "choices", {})}
    assert shown == {"policylang"} | {f"policylang {c}" for c in commands}


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the files the examples name, as a user's would (no checkout)."""
    folder = tmp_path_factory.mktemp("user")
    benefit_facts = json.loads((EXAMPLES / "benefit.facts.json").read_text(encoding="utf-8"))
    (folder / "facts.json").write_text(json.dumps(benefit_facts), encoding="utf-8")
    (folder / "partial.json").write_text('{"as_of": "2024-05-01"}', encoding="utf-8")
    shutil.copy(EXAMPLES / "help_and_repatriation.facts.json", folder / "case.json")
    # `explain --help` names the checkout's example facts
    (folder / "policies" / "examples").mkdir(parents=True)
    shutil.copy(EXAMPLES / "benefit.facts.json", folder / "policies" / "examples" / "benefit.facts.json")
    for name in ("old.pol", "new.pol"):
        text = (EXAMPLES / "benefit.pol").read_text(encoding="utf-8")
        if name == "new.pol":
            text = text.replace("150000 DKK", "200000 DKK")
        (folder / name).write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLES / "common.pol", folder / "common.pol")
    shutil.copy(ROOT / "docs" / "tutorial" / "care_leave.pol", folder / "my_policy.pol")
    (folder / "shared").mkdir()
    shutil.copy(EXAMPLES / "common.pol", folder / "shared" / "common.pol")
    (folder / "my_cases").mkdir()
    case = {"policy": "examples/benefit", "id": "C1", "facts": benefit_facts, "expected": {"eligible": "yes"}}
    (folder / "my_cases" / "C1.json").write_text(json.dumps(case), encoding="utf-8")
    rows = [
        {"case": "A-1", "as_of": "2024-05-01", "date_of_birth": "1990-01-01", "income": 120000, "savings": 0},
        {"case": "A-2", "as_of": "2024-05-01", "date_of_birth": "2010-03-01", "income": 170000, "savings": 0},
        {"case": "A-3", "as_of": "2024-05-01", "date_of_birth": "", "income": 90000, "savings": 0},
    ]
    _write_csv(folder / "caseload.csv", rows)
    # `explain --help` explains a stored result again: the JSON `eval` printed for facts.json
    with contextlib.redirect_stdout(io.StringIO()) as stored:
        assert main(["eval", "examples/benefit", "--facts", str(folder / "facts.json"), "--format", "json"]) == 0
    (folder / "stored-result.json").write_text(stored.getvalue(), encoding="utf-8")
    return folder


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    """A CSV file as a spreadsheet writes it: an empty cell is nothing between two commas."""
    lines = [",".join(rows[0])] + [",".join(str(v) for v in row.values()) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("where", "command"), EXAMPLE_COMMANDS, ids=[c for _, c in EXAMPLE_COMMANDS])
def test_every_help_example_runs_as_printed(
    where: str,
    command: str,
    user_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    words = shlex.split(command)
    assert words[0] == "policylang"
    args = words[1:]
    if ">" in args:  # a redirection to a file: the output is captured instead
        args = args[: args.index(">")]
    monkeypatch.chdir(user_folder)
    code, out, err = run(args, capsys)
    assert code == 0, f"`{command}` (in the help of `{where}`) exited {code}:\n{err}"
    assert out.strip() and "Traceback" not in err


# ---------------------------------------------------------------- whatif: which side a parameter is on


def test_whatif_after_param_and_its_alias_param_set_the_new_side(
    user_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(user_folder)
    base = ["whatif", "examples/benefit", "caseload.csv", "--id", "case", "--decisions", "income_band", "--format"]
    _, after, _ = run([*base, "json", "--after-param", "LOW_INCOME=200000"], capsys)
    _, alias, _ = run([*base, "json", "--param", "LOW_INCOME=200000"], capsys)
    assert after == alias
    transitions = json.loads(after)["transitions"]["income_band"]
    assert transitions == [{"before": '"middle"', "after": '"low"', "rows": 1}]
    _, before, _ = run([*base, "json", "--before-param", "LOW_INCOME=200000"], capsys)
    assert json.loads(before)["transitions"]["income_band"] == [{"before": '"low"', "after": '"middle"', "rows": 1}]
    code, _, err = run(["whatif", "examples/benefit", "caseload.csv", "--id", "case"], capsys)
    assert code == 1 and "--after-param" in err and "--before-param" in err
    with pytest.raises(SystemExit), contextlib.redirect_stdout(io.StringIO()) as shown:
        main(["whatif", "--help"])  # the help says which side each option sets
    assert "--after-param NAME=VALUE, --param NAME=VALUE" in " ".join(shown.getvalue().split())


# ---------------------------------------------------------------- batch


@pytest.fixture
def caseload(tmp_path: Path) -> Path:
    """A caseload of the example policy with dates of many values, an empty optional cell and an invalid row."""
    rows = []
    for i in range(40):
        rows.append(
            {
                "case": f"C-{i}",
                "as_of": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "date_of_birth": f"{1950 + i}-01-01",
                "income": 10_000 * i,
                "moved_in": "" if i % 2 else "2024-01-01",
                "hardship": "maybe" if i == 5 else "no",
            }
        )
    path = tmp_path / "caseload.csv"
    _write_csv(path, rows)
    return path


def test_batch_prints_its_summary_without_an_output_file(
    caseload: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(["batch", "examples/benefit", str(caseload), "--id", "case"], capsys)
    assert code == 0
    assert out.startswith("examples/benefit: 40 rows in ") and "not written (--output OUT writes the table)" in out
    assert list(tmp_path.iterdir()) == [caseload]
    # invalid rows come first, before the counts of every decision
    first_decision = out.index("adult:\n")
    assert out.index("rows with invalid facts: 1 (counted as (error) below)") < first_decision
    assert out.index('  row 5: fact `hardship` is "maybe"') < first_decision
    # an empty cell of an optional fact is unknown: the summary says so, and how to read it as null
    note = next(line for line in out.splitlines() if line.startswith("note: "))
    assert "20 empty cells of optional facts were read as unknown facts: `moved_in` (20)" in note
    assert "--nulls null" in note and out.index(note) < first_decision
    _, out, _ = run(["batch", "examples/benefit", str(caseload), "--id", "case", "--nulls", "null"], capsys)
    assert "note: " not in out


def test_batch_summarises_dates_and_numbers_as_ranges(caseload: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["batch", "examples/benefit", str(caseload), "--id", "case"], capsys)
    assert code == 0
    block = out[out.index("next_review:") :].split("\n\n")[0]
    lines = block.splitlines()
    assert re.fullmatch(r"next_review: 39 decided, from 2024-07-02 to 2025-0\d-\d\d", lines[0]), lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["2024", "2025", "(error)"]
    assert sum(int(line.split()[-1].replace(",", "")) for line in lines[1:]) == 40
    code, out, _ = run(["batch", "examples/benefit", str(caseload), "--id", "case", "--format", "json"], capsys)
    payload = json.loads(out)
    assert payload["output"] is None and payload["errors"] == 1
    (first,) = payload["first_errors"]
    assert first["row"] == 5 and first["code"].startswith("pol-") and "`hardship`" in first["message"]
    span = payload["ranges"]["next_review"]
    assert (span["min"], span["rows"]) == ("2024-07-02", 39) and lines[0].endswith(f"to {span['max']}")
    assert sum(b["rows"] for b in span["buckets"]) == 39
    assert payload["decisions"]["next_review"]["(error)"] == 1  # the counts of every value stay in JSON
    assert any("--nulls null" in n for n in payload["notes"])


def test_an_unknown_column_is_named_with_the_commands_options(
    caseload: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["batch", "examples/benefit", str(caseload)], capsys)
    assert code == 1 and "unknown fact `case`" in err
    assert "did you mean `case_note`? Otherwise keep it with --id case" in err and "--ignore-unknown-facts" in err
    assert "id_columns" not in err and "ignore_unknown_facts" not in err
    caseload.write_text(caseload.read_text(encoding="utf-8").replace("case,", "reference,", 1), encoding="utf-8")
    code, _, err = run(["batch", "examples/benefit", str(caseload)], capsys)
    assert "help: Keep it with --id reference, or skip columns that are no facts with --ignore-unknown-facts" in err
    code, _, err = run(["whatif", "examples/benefit", str(caseload), "--param", "LOW_INCOME=1"], capsys)
    assert code == 1 and "--id reference" in err


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_progress_bar_appears_only_once_a_run_takes_long(monkeypatch: pytest.MonkeyPatch) -> None:
    import policylang.cli.batch as batch_cli

    clock = _Clock()
    monkeypatch.setattr(batch_cli.time, "perf_counter", clock)
    quick = io.StringIO()
    bar = ProgressBar(10_000, quick, delay=1.0)
    for _ in range(10):
        clock.now += 0.05
        bar(1_000)
    bar.close()
    assert quick.getvalue() == ""  # done within the delay: nothing drawn
    slow = io.StringIO()
    bar = ProgressBar(20_000, slow, delay=1.0)
    for _ in range(20):
        clock.now += 0.3
        bar(1_000)
    bar.close()
    frames = slow.getvalue().split("\r")[1:]
    assert frames[0].startswith("[") and "4,000/20,000 rows" in frames[0]  # first drawn after a second
    assert frames[-1].startswith("[" + "#" * 30 + "] 100%  20,000/20,000 rows") and slow.getvalue().endswith("\n")


def test_chunks_are_small_enough_for_progress_on_a_medium_caseload() -> None:
    from policylang.cli.batch import chunk_size

    assert chunk_size(20_000) * 10 <= 20_000 and chunk_size(1_000_000) <= 50_000 and chunk_size(10) >= 1


# ---------------------------------------------------------------- questions


def test_questions_show_ten_by_default_and_say_how_many_more(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["questions", "residence/help_and_repatriation"], capsys)
    assert code == 0
    numbered = [line for line in out.splitlines() if re.match(r"  \d+\. ", line)]
    assert len(numbered) == 10
    total = len(policylang.next_questions("residence/help_and_repatriation"))
    assert total > 10 and out.splitlines()[-1] == (
        f"... and {total - 10} more questions ({total} in all); --limit N or --all shows more."
    )
    _, out, _ = run(["questions", "residence/help_and_repatriation", "--all"], capsys)
    assert len([line for line in out.splitlines() if re.match(r"  \d+\. ", line)]) == total
    assert "more questions" not in out
    _, out, _ = run(["questions", "residence/help_and_repatriation", "--format", "json", "--limit", "3"], capsys)
    data = json.loads(out)
    assert len(data["questions"]) == 3 and data["more"] == total - 3
    _, out, _ = run(["questions", "residence/help_and_repatriation", "--format", "json"], capsys)
    assert len(json.loads(out)["questions"]) == total  # JSON is for programs: everything unless --limit


def test_questions_label_in_the_chosen_language_only(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["questions", "examples/benefit", "--lang", "en"], capsys)
    assert "(Date of birth)" in out and "Fødselsdato" not in out
    _, out, _ = run(["questions", "examples/benefit", "--lang", "da"], capsys)
    assert "(Fødselsdato)" in out and "Date of birth" not in out


# ---------------------------------------------------------------- evaluate_many without Polars


@contextlib.contextmanager
def _without(module: str) -> Iterator[None]:
    saved = {name: mod for name, mod in sys.modules.items() if name == module or name.startswith(module + ".")}
    for name in saved:
        del sys.modules[name]
    sys.modules[module] = None  # type: ignore[assignment]  # `import polars` now fails, as where it is not installed
    try:
        yield
    finally:
        del sys.modules[module]
        sys.modules.update(saved)


def test_evaluate_many_without_polars_says_how_to_install_the_extra(capsys: pytest.CaptureFixture[str]) -> None:
    policy = policylang.load("examples/benefit")
    with _without("polars"):
        with pytest.raises(policylang.PolicyError) as info:
            policy.evaluate_many([{"as_of": "2024-05-01"}])
        code, _, err = run(["batch", "examples/benefit", "caseload.csv"], capsys)
    assert "pip install 'policylang[batch]'" in info.value.message and "evaluate_many" in info.value.message
    assert info.value.code == "pol-missing-extra"
    assert code == 1 and "error[pol-missing-extra]: `policylang batch` needs the `batch` extra" in err

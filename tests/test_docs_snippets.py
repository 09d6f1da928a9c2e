"""The policies the documentation shows whole (cheat sheet, cookbook) check cleanly, and its shell commands run.

Every ``.. code-block:: pol`` with a ``:name:`` on ``docs/cheatsheet.rst`` and
``docs/cookbook.rst`` is a complete policy: saved as a file, ``policylang check`` must
report nothing, neither an error nor a warning (what the cookbook's examples decide is
tested by its own doctests). The ``sh`` blocks of ``docs/install.rst`` and ``docs/index.rst``
that hold only ``policylang`` and ``echo`` commands run as printed, and the ``$ policylang``
transcripts of ``docs/cli.rst`` print what they show.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from policylang.cli import main
from policylang.policy.checking import check_file

DOCS = Path(__file__).parent.parent / "docs"
NAMED = re.compile(r"^\.\. code-block:: pol\n +:name: (\S+)\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE)
SHELL = re.compile(r"^\.\. code-block:: sh\n\n((?:(?: {4}.*)?\n)+)", re.MULTILINE)
TRANSCRIPT = re.compile(r"^\.\. code-block:: text\n\n( {4}\$ policylang .*\n(?: {4}.+\n)*)", re.MULTILINE)


def _dedent(block: str) -> str:
    return "\n".join(line[4:] for line in block.splitlines()).strip() + "\n"


def _named(page: str) -> list[tuple[str, str]]:
    return [(m.group(1), _dedent(m.group(2))) for m in NAMED.finditer((DOCS / page).read_text(encoding="utf-8"))]


POLICIES = _named("cheatsheet.rst") + _named("cookbook.rst")


def test_the_pages_show_their_policies() -> None:
    names = [name for name, _ in POLICIES]
    assert "cheatsheet-policy" in names
    recipes = ("thresholds", "deadlines", "exceptions", "transition", "amounts", "defaults", "currency", "discretion")
    assert {f"cookbook-{n}" for n in (*recipes, "household")} <= set(names)
    assert len(names) == len(set(names)) == 10


@pytest.mark.parametrize(("name", "text"), POLICIES, ids=[n for n, _ in POLICIES])
def test_every_policy_shown_whole_checks_cleanly(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.pol"
    path.write_text(text, encoding="utf-8")
    found = check_file(path, cache=False)
    assert not found, "\n".join(d.format() for d in found)


def _shell_blocks() -> list[tuple[str, str]]:
    found = []
    for page in ("install.rst", "index.rst"):
        for m in SHELL.finditer((DOCS / page).read_text(encoding="utf-8")):
            commands = [line.split("  #")[0].strip() for line in _dedent(m.group(1)).splitlines()]
            commands = [c for c in commands if c]
            if all(c.startswith(("policylang ", "echo ")) for c in commands):
                found.append((page, "\n".join(commands)))
    return found


SHELL_BLOCKS = _shell_blocks()


def test_the_install_page_has_commands_to_try() -> None:
    assert any("policylang --version" in block for _, block in SHELL_BLOCKS)


@pytest.mark.parametrize(("page", "block"), SHELL_BLOCKS, ids=[f"{p}:{b.splitlines()[0]}" for p, b in SHELL_BLOCKS])
def test_every_shell_command_on_the_pages_runs(
    page: str, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no checkout around
    for command in block.splitlines():
        words = shlex.split(command)
        if words[0] == "echo":
            assert words[-2] == ">", command
            Path(words[-1]).write_text(" ".join(words[1:-2]) + "\n", encoding="utf-8")
            continue
        with contextlib.ExitStack() as stack:
            if words[1:] == ["--version"]:
                stack.enter_context(pytest.raises(SystemExit))
            code = main(words[1:])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        if words[1:] != ["--version"]:
            assert code == 0, f"{page}: `{command}` exited {code}:\n{err}"
        assert out.strip(), command


@pytest.mark.parametrize("page", ["cli.rst"])
def test_the_transcripts_print_what_they_show(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        "case,as_of,date_of_birth,income,savings\n"
        "A-1,2024-05-01,1990-01-01,120000,0\n"
        "A-2,2024-05-01,2010-03-01,170000,0\n"
        "A-3,2024-05-01,,90000,0\n"
    )
    (tmp_path / "caseload.csv").write_text(rows, encoding="utf-8")
    shutil.copy(DOCS.parent / "policies" / "examples" / "benefit.facts.json", tmp_path / "facts.json")
    monkeypatch.chdir(tmp_path)
    transcripts = [_dedent(m.group(1)) for m in TRANSCRIPT.finditer((DOCS / page).read_text(encoding="utf-8"))]
    assert transcripts
    for transcript in transcripts:
        command, *shown = transcript.splitlines()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(shlex.split(command.removeprefix("$ "))[1:])
        capsys.readouterr()
        assert code == 0 and out.getvalue().splitlines() == shown, out.getvalue()

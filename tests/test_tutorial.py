"""The tutorial runs as printed: every file it shows, every command and every output.

``docs/tutorial.rst`` is read top down, as a reader follows it. A code block with a
``:caption:`` that names a file (``care_leave.pol``, ``facts.json``) is the whole content of
that file: it is written into a fresh folder, replacing an earlier version. A
``.. code-block:: console`` block is a shell session: each ``$ policylang ...`` command runs
there (in this process, through :func:`policylang.cli.main`), and what it prints, standard
output and standard error in the order written, must be the lines under it. A line of the
page may use ``...`` for any text, as doctest's ``ELLIPSIS`` does. ``$ echo $?`` prints the
exit code of the command before it. A console block holds no other command, so nothing on
the page goes untested.

Besides: every version of every policy file checks with no error and no warning; a file
shown again highlights (``:emphasize-lines:``) exactly the lines that changed; and the
files in ``docs/tutorial/`` (which other pages and the Sphinx directive use) are exactly
the last versions the page shows. The page's Python examples are doctests, run by pytest
in a copy of ``docs/tutorial/`` (``docs/conftest.py``).

``python tests/test_tutorial.py`` prints what each command prints now, to write the page.
"""

from __future__ import annotations

import contextlib
import difflib
import doctest
import io
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from policylang.cli import main
from policylang.policy.checking import check_file

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "tutorial.rst"
FOLDER = DOCS / "tutorial"

BLOCK = re.compile(
    r"^\.\. code-block:: (?P<language>\S+)\n(?P<options>(?: {4}:[\w-]+:.*\n)*)\n(?P<body>(?:(?: {4}.*)?\n)+)",
    re.MULTILINE,
)
OPTION = re.compile(r"^ {4}:([\w-]+):(.*)$", re.MULTILINE)
FILE_NAME = re.compile(r"^[\w.-]+\.(?:pol|json|yaml)$")


@dataclass
class FileBlock:
    """A file the reader writes: its name, whole content, and the lines the page highlights."""

    line: int
    name: str
    text: str
    emphasized: set[int]


@dataclass
class Command:
    """One command of a console session and what the page says it prints."""

    line: int
    command: str
    shown: list[str] = field(default_factory=list)


def _dedent(body: str) -> str:
    lines = [line[4:] for line in body.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n"


def _lines(spec: str) -> set[int]:
    """``"3-5,8"`` as ``{3, 4, 5, 8}``."""
    found: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if part:
            first, _, last = part.partition("-")
            found.update(range(int(first), int(last or first) + 1))
    return found


def blocks(text: str) -> Iterator[FileBlock | list[Command]]:
    """The page's files and console sessions, in page order."""
    for m in BLOCK.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        options = dict((k, v.strip()) for k, v in OPTION.findall(m.group("options")))
        body = _dedent(m.group("body"))
        if "caption" in options:
            assert FILE_NAME.match(options["caption"]), f"line {line}: a caption names the file: {options['caption']}"
            yield FileBlock(line, options["caption"], body, _lines(options.get("emphasize-lines", "")))
        elif m.group("language") == "console":
            yield list(_session(body, text.count("\n", 0, m.start("body")) + 1))


def _session(body: str, line: int) -> Iterator[Command]:
    """The commands of a console block whose first line is line ``line`` of the page."""
    command: Command | None = None
    pending = ""
    start = line
    for i, text in enumerate(body.splitlines()):
        if pending or text.startswith("$ "):
            start = start if pending else line + i
            part = text.removeprefix("$ ") if not pending else text.strip()
            if part.endswith("\\"):
                pending += part[:-1].rstrip() + " "
                continue
            if command is not None:
                yield command
            command = Command(start, pending + part)
            pending = ""
        else:
            assert command is not None, f"line {line}: a console block starts with a `$ ` command"
            command.shown.append(text)
    if command is not None:
        yield command


def run(command: str, last_code: int) -> tuple[int, str]:
    """Run one command of the page in the current folder: its exit code and everything it printed."""
    words = shlex.split(command)
    if words == ["echo", "$?"]:
        return last_code, f"{last_code}\n"
    assert words[0] == "policylang", f"the tutorial runs only policylang commands: {command}"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(words[1:])
        except SystemExit as stop:  # --version and --help
            code = stop.code if isinstance(stop.code, int) else 0
    return code, out.getvalue()


def _matches(shown: list[str], printed: str) -> bool:
    want = "\n".join(line.rstrip() for line in shown).strip("\n") + "\n"
    got = "\n".join(line.rstrip() for line in printed.splitlines()).strip("\n") + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def _changed(before: str, after: str) -> set[int]:
    """The line numbers (from 1) of ``after`` that are new or changed since ``before``."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    changed: set[int] = set()
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(j1 + 1, j2 + 1))
    return changed


@dataclass
class Walk:
    """What following the page left behind: each file's last version, and what went wrong."""

    files: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    commands: int = 0
    versions: int = 0


def follow(folder: Path, *, show: bool = False) -> Walk:
    """Follow the page in ``folder`` (the current folder is changed to it): write its files, run its commands."""
    walk = Walk()
    code = 0
    for block in blocks(PAGE.read_text(encoding="utf-8")):
        if isinstance(block, FileBlock):
            path = folder / block.name
            before = walk.files.get(block.name)
            path.write_text(block.text, encoding="utf-8")
            walk.files[block.name] = block.text
            if before is not None and block.emphasized != _changed(before, block.text):
                walk.problems.append(
                    f"line {block.line}: {block.name} highlights lines {sorted(block.emphasized)}, "
                    f"but lines {sorted(_changed(before, block.text))} changed"
                )
            if before is None and block.emphasized:
                walk.problems.append(f"line {block.line}: {block.name} is new, but highlights lines")
            if block.name.endswith(".pol"):
                walk.versions += 1
                found = check_file(path, cache=False)
                if found:
                    walk.problems.append(
                        f"line {block.line}: {block.name} does not check cleanly:\n"
                        + "\n".join(d.format() for d in found)
                    )
            continue
        for command in block:
            code, printed = run(command.command, code)
            walk.commands += 1
            if show:
                print(f"$ {command.command}\n{printed}")
            if not _matches(command.shown, printed):
                walk.problems.append(
                    f"line {command.line}: `{command.command}` printed:\n{printed}\nbut the page shows:\n"
                    + "\n".join(command.shown)
                )
    return walk


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Walk:
    folder = tmp_path_factory.mktemp("care-leave")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # an empty folder of one's own: no checkout around
        patch.setenv("NO_COLOR", "1")
        return follow(folder)


def test_every_command_prints_what_the_page_shows(walk: Walk) -> None:
    assert walk.commands >= 20 and walk.versions >= 5  # the page was read: the test can fail
    assert not walk.problems, "\n\n".join(walk.problems)


def test_the_files_in_docs_tutorial_are_the_last_versions_the_page_shows(walk: Walk) -> None:
    kept = sorted(p.name for p in FOLDER.iterdir() if p.is_file())
    assert kept and set(kept) <= set(walk.files), f"docs/tutorial/ holds files the page never shows: {kept}"
    for name in kept:
        assert (FOLDER / name).read_text(encoding="utf-8") == walk.files[name], (
            f"docs/tutorial/{name} differs from the last version docs/tutorial.rst shows"
        )


def test_the_page_is_read_as_a_reader_reads_it() -> None:
    text = "Intro\n\n.. code-block:: none\n    :caption: a.pol\n\n    policy x\n\n    fact a: int\n\n" + (
        ".. code-block:: console\n\n    $ policylang check a.pol\n    checked ...\n    $ echo $?\n    0\n\nEnd\n"
    )
    found = list(blocks(text))
    assert found[0] == FileBlock(3, "a.pol", "policy x\n\nfact a: int\n", set())
    assert found[1] == [Command(12, "policylang check a.pol", ["checked ..."]), Command(14, "echo $?", ["0"])]
    assert _matches(["checked ..."], "checked 1 file(s)\n") and not _matches(["checked 2"], "checked 1\n")
    assert _changed("a\nb\n", "a\nx\nb\nc\n") == {2, 4}
    assert _lines("3-5, 8") == {3, 4, 5, 8}


if __name__ == "__main__":  # print what each command prints now
    import os
    import tempfile

    os.environ["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        result = follow(Path(tmp), show=True)
    print("\n\n".join(result.problems) or "no problems", file=sys.stderr)

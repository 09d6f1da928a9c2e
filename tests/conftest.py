"""Shared fixtures: golden files and small policies written inline."""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import policylang
from policylang.base.errors import Diagnostic
from policylang.check.declarations import check_modules
from policylang.syntax.parser import parse_module

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False, help="rewrite the golden files from the current output"
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/<name>``; ``--update-golden`` rewrites it."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden") or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            if not request.config.getoption("--update-golden"):
                pytest.fail(f"golden file {path} did not exist; it has been written, check it and rerun")
        assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"

    return check


@functools.cache
def bundled_policy(name: str) -> policylang.Policy:
    """A bundled policy, loaded once for the whole test session (tests only read it)."""
    return policylang.load(name)


HEADER = 'policy test/inline\nsource S "Testloven"\n'


def compile_text(text: str, *, header: bool = True) -> policylang.Policy:
    """Compile policy text written in a test (with a header and a source ``S`` added)."""
    module = parse_module((HEADER if header else "") + text, "inline.pol")
    program, diagnostics = check_modules([module])
    errors = [d for d in diagnostics if d.severity == "error"]
    if program is None:
        raise policylang.PolicyCheckError(errors[0].message, errors)
    return policylang.Policy(program, diagnostics)


def diagnostics_of(text: str) -> list[Diagnostic]:
    """Every diagnostic the checker reports on inline policy text."""
    module = parse_module(HEADER + text, "inline.pol")
    return check_modules([module])[1]


@pytest.fixture
def make_policy() -> Callable[[str], policylang.Policy]:
    return compile_text


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The documentation built once per test run (HTML, warnings as errors): Sphinx's result and the output folder."""
    out = tmp_path_factory.mktemp("docs-html")
    docs = Path(__file__).parent.parent / "docs"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(docs), str(out)],
        capture_output=True,
        text=True,
    )
    return proc, out

"""The documentation builds without warnings and documents every function and node kind."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from policylang.ir.builtins import BUILTINS
from policylang.trace import NODE_KINDS

DOCS = Path(__file__).parent.parent / "docs"


def test_sphinx_builds_with_warnings_as_errors(built_docs: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = built_docs
    assert proc.returncode == 0, proc.stderr + proc.stdout


def test_every_builtin_function_is_in_the_language_reference() -> None:
    text = (DOCS / "language.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"``(\w+)\(", text))
    assert set(BUILTINS) <= documented, sorted(set(BUILTINS) - documented)


def test_every_trace_node_kind_is_documented() -> None:
    text = (DOCS / "trace.rst").read_text(encoding="utf-8")
    for kind in NODE_KINDS:
        assert f"``{kind}``" in text, kind

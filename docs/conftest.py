"""The documentation's examples run from the repository's root, as a reader runs them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

import policylang

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _from_the_repository_root(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Paths in the examples (``docs/tutorial/care_leave.pol``) are relative to the root.

    The tutorial's Python examples run in the reader's folder, which holds the files the
    page had them write: a copy of ``docs/tutorial/`` (``tests/test_tutorial.py`` checks that
    those are the page's files).
    """
    if request.node.path.name == "tutorial.rst":
        shutil.copytree(ROOT / "docs" / "tutorial", tmp_path / "care-leave")
        monkeypatch.chdir(tmp_path / "care-leave")
    else:
        monkeypatch.chdir(ROOT)


def recipe(name: str, page: str = "cookbook.rst") -> policylang.Policy:
    """Load the policy shown on a documentation page under ``:name: NAME``, saved as a file.

    The cookbook's examples use it, so that what they evaluate is exactly the text the
    page shows (``policylang.load("file.pol")`` does the same with a file of one's own).
    """
    return policylang.load(save_snippet(name, page))


def save_snippet(name: str, page: str) -> Path:
    """The code block under ``:name: NAME`` on ``docs/<page>``, saved as a ``.pol`` file in a fresh folder."""
    text = (Path(__file__).parent / page).read_text(encoding="utf-8")
    block = text.split(f":name: {name}\n", 1)[1].lstrip("\n")
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    path = Path(tempfile.mkdtemp(prefix="policylang-docs-")) / f"{name}.pol"
    path.write_text("\n".join(lines).strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _recipes(doctest_namespace: dict[str, object]) -> None:
    """``recipe(name)`` and ``save_snippet(name, page)`` in the examples of the documentation
    (docs/cookbook.rst, docs/tutorial_examples.rst)."""
    doctest_namespace["recipe"] = recipe
    doctest_namespace["save_snippet"] = save_snippet

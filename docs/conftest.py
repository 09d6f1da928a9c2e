"""The documentation's examples run from the repository's root, as a reader runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _from_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in the examples (``docs/tutorial/care_leave.pol``) are relative to the root."""
    monkeypatch.chdir(ROOT)

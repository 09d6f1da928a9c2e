"""The whole test run (and every process it starts) caches compiled policies in a folder of its own.

So that what earlier runs, or the developer's own use, left in the per-user cache plays no
part in the results, and nothing is left behind there.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_SAVED: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    _SAVED["before"] = os.environ.get("POLICYLANG_CACHE_DIR")
    _SAVED["folder"] = os.environ["POLICYLANG_CACHE_DIR"] = tempfile.mkdtemp(prefix="policylang-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = _SAVED.get("folder")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    before = _SAVED.get("before")
    if before is None:
        os.environ.pop("POLICYLANG_CACHE_DIR", None)
    else:
        os.environ["POLICYLANG_CACHE_DIR"] = before

"""The browser examples in ``examples/web/`` as modules, for the tests that drive headless Chromium."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

WEB = Path(__file__).parent.parent / "examples" / "web"


def example_module(name: str) -> ModuleType:
    """``examples/web/<name>.py`` imported (the folder is no package)."""
    spec = importlib.util.spec_from_file_location(f"policylang_example_web_{name}", WEB / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


browser = example_module("browser")

needs_chromium = pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="Chromium is not installed (Debian: `apt-get install chromium`; .ci/run installs it)",
)

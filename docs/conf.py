"""Sphinx configuration for the policylang documentation."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import policylang

project = "policylang"
author = "The policylang developers"
copyright = "2026, the policylang developers"
release = policylang.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "policylang.sphinx",  # .. policylang:policy:: renders a policy (docs/bundled/)
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
nitpicky = False
exclude_patterns = ["_build"]
html_theme = "furo"  # readable on a phone and a wide screen; the `test` extra installs it
html_static_path = ["_static"]
html_css_files = ["policylang.css"]  # the rendered policies' tables; code that wraps instead of clipping
html_title = "policylang"
language = "en"

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
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["policylang.css"]  # the tables of the rendered policies
html_theme_options = {"page_width": "1180px", "sidebar_width": "240px"}
html_title = "policylang"
language = "en"

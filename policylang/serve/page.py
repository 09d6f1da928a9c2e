"""The interview page's files: ``static/index.html`` at ``/`` and these at ``/static/{file}``.

The page is plain HTML, CSS and ES modules (no build step); :mod:`policylang.serve.app`
serves exactly these files, and the OpenAPI document lists them.

>>> sorted(PAGE_FILES)[:3]
['dom.js', 'fields.js', 'interview.css']
"""

from __future__ import annotations

_SCRIPT = "text/javascript; charset=utf-8"

PAGE_FILES = {
    "interview.css": "text/css; charset=utf-8",
    "interview.js": _SCRIPT,  # the page's state and flow; imports the modules below
    "dom.js": _SCRIPT,
    "fields.js": _SCRIPT,
    "panels.js": _SCRIPT,
    "service.js": _SCRIPT,
    "values.js": _SCRIPT,
    "words.js": _SCRIPT,
}

__all__ = ["PAGE_FILES"]

"""The TextMate grammar for ``.pol`` files (``policylang.tmLanguage.json``), made from the keyword tables.

Editors that colour text with TextMate grammars (VS Code, Sublime Text, Zed, GitHub's
linguist, Emacs and Neovim plug-ins that read them) can use the file beside this module.
It is written by :func:`write` from :mod:`policylang.syntax.keywords`, so that it names the
same words as the grammar; ``tests/test_editor_highlight.py`` checks it is up to date::

    python -c "from policylang.syntax.textmate import write; write()"
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from policylang.syntax import keywords

PATH = Path(__file__).with_name("policylang.tmLanguage.json")
RULE_ID = "[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"


def _words(words: Iterable[str]) -> str:
    return "\\b(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")\\b"


def _named(pattern: str, keyword: str, name: str) -> dict[str, Any]:
    return {
        "match": pattern,
        "captures": {"1": {"name": f"{keyword}.policylang"}, "2": {"name": f"{name}.policylang"}},
    }


def grammar() -> dict[str, Any]:
    """The TextMate grammar as a JSON object."""
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "policylang",
        "scopeName": "source.policylang",
        "fileTypes": ["pol"],
        "comment": "policylang .pol files; written by policylang.syntax.textmate from policylang.syntax.keywords",
        "patterns": [
            {"include": f"#{part}"}
            for part in ("comment", "string", "declaration", "rule-id", "literal", "call", "keyword", "operator")
        ],
        "repository": {
            "comment": {"name": "comment.line.number-sign.policylang", "match": "#.*$"},
            "string": {
                "name": "string.quoted.double.policylang",
                "begin": '"',
                "end": '"',
                "patterns": [{"name": "constant.character.escape.policylang", "match": "\\\\."}],
            },
            "declaration": {
                "patterns": [
                    _named(f"^\\s*(rule)\\s+({RULE_ID})", "keyword.declaration", "entity.name.tag.rule-id"),
                    _named("\\b(decision)\\s+((?!\\d)\\w+)", "keyword.declaration", "entity.name.function.decision"),
                    _named(
                        "\\b(fact|let|parameter)\\s+((?!\\d)\\w+)", "keyword.declaration", "variable.other.definition"
                    ),
                    _named("\\b(type|factor|source)\\s+((?!\\d)\\w+)", "keyword.declaration", "entity.name.type"),
                    {"match": _words(keywords.DECLARATIONS), "name": "keyword.declaration.policylang"},
                ]
            },
            "rule-id": {"name": "entity.name.tag.rule-id.policylang", "match": f"\\b{RULE_ID}\\b"},
            "literal": {
                "patterns": [
                    {
                        "name": "constant.other.date.policylang",
                        "match": "\\b\\d{4}-\\d{2}-\\d{2}(?:T\\d{2}:\\d{2}(?::\\d{2})?(?:Z|[+-]\\d{2}:\\d{2}))?\\b",
                    },
                    {"name": "constant.other.time.policylang", "match": "\\b\\d{2}:\\d{2}\\b"},
                    {"name": "constant.numeric.policylang", "match": "-?\\b\\d+(?:_\\d+)*(?:\\.\\d+)?\\b"},
                    {"name": "keyword.other.unit.policylang", "match": _words(keywords.UNITS)},
                    {"name": "keyword.other.unit.policylang", "match": keywords.CURRENCY},
                    {"name": "constant.language.policylang", "match": _words(keywords.CONSTANTS) + "|∅"},
                ]
            },
            "call": {
                "patterns": [
                    {"match": "\\b((?!\\d)\\w+)(?=\\()", "captures": {"1": {"name": "support.function.policylang"}}},
                    {"name": "support.function.policylang", "match": _words(keywords.AGGREGATES)},
                ]
            },
            "keyword": {
                "patterns": [
                    {"name": "keyword.operator.word.policylang", "match": _words(keywords.OPERATORS)},
                    {"name": "storage.type.policylang", "match": _words(keywords.TYPES)},
                    {"name": "keyword.control.clause.policylang", "match": _words(keywords.CLAUSES)},
                ]
            },
            "operator": {"name": "keyword.operator.policylang", "match": "=>|<=|>=|!=|[=<>≤≥≠+\\-*/|&∪∩?]"},
        },
    }


def text() -> str:
    """The grammar as the file holds it."""
    return json.dumps(grammar(), ensure_ascii=False, indent=2) + "\n"


def write(path: Path = PATH) -> None:
    """Write the grammar to ``path`` (by default, the file beside this module)."""
    path.write_text(text(), encoding="utf-8")

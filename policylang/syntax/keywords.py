"""The words of the language, by role: what highlighters, completion and the formatter share.

``grammar.lark`` is the definition; these tables sort its keywords for the tools that
colour, complete or lay out policy text (``tests/test_editor_highlight.py`` keeps them
equal to the grammar's words, and the TextMate grammar equal to them).
"""

from __future__ import annotations

# Words that begin a declaration.
DECLARATIONS = (
    "policy",
    "import",
    "source",
    "type",
    "fact",
    "parameter",
    "let",
    "function",
    "factor",
    "decision",
    "rule",
    "constraint",
    "warning",
    "handoff",
)

# Words that begin a clause of a declaration or a part of a table.
CLAUSES = (
    "title",
    "version",
    "valid",
    "from",
    "until",
    "evaluation",
    "date",
    "note",
    "next",
    "steps",
    "complaint",
    "name",
    "sensitive",
    "for",
    "file",
    "url",
    "assessment",
    "personal",
    "provenance",
    "first",
    "match",
    "collect",
    "default",
    "when",
    "otherwise",
    "add",
    "by",
    "weigh",
    "cites",
    "force",
    "inferred",
    "quote",
    "explain",
    "exception",
    "to",
    "then",
    "line",
    "require",
    "message",
    "da",
    "en",
)

# Words that build a type.
TYPES = (
    "bool",
    "int",
    "decimal",
    "money",
    "text",
    "date",
    "datetime",
    "time",
    "duration",
    "rule",
    "condition",
    "enum",
    "ordered",
    "record",
    "list",
    "set",
    "map",
    "scale",
    "of",
)

# Words of expressions.
OPERATORS = ("if", "then", "else", "and", "or", "not", "in", "is", "empty", "at")
CONSTANTS = ("true", "false", "null")
AGGREGATES = ("sum", "min", "max", "filter", "map")  # also written with a bound variable: sum(x in xs: ...)
QUANTIFIERS = ("any", "all", "count", *AGGREGATES)
UNITS = ("days", "day", "months", "month", "years", "year", "DKK")
CURRENCY = r"(?:(?<=\d )|(?<=money ))[A-Z]{3}\b"
"""A currency after an amount or in a type (``12.50 EUR``, ``money EUR``): any ISO 4217 code, in capitals."""

KEYWORDS = frozenset(DECLARATIONS + CLAUSES + TYPES + OPERATORS + CONSTANTS)
"""Every word the grammar spells out (quantifiers and units are terminals of their own)."""

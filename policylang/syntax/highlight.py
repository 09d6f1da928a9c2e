"""A Pygments lexer for ``.pol`` files, so that Sphinx and other tools colour policy text.

Registered under the entry point ``pygments.lexers`` (``policylang``), with the aliases
``pol`` and ``policylang``: write ``.. code-block:: pol`` in reStructuredText or
```` ```pol ```` in Markdown. It needs Pygments, which Sphinx brings; nothing else in
policylang imports it. The words come from :mod:`policylang.syntax.keywords`. The lexer
never reports an error token, so a fragment of a policy in the documentation (``first
match ...``) is coloured as far as it goes rather than rejected.

>>> from pygments import highlight
>>> from pygments.formatters import NullFormatter
>>> print(highlight('fact age: int "Alder"  # years', PolicyLexer(), NullFormatter()), end="")
fact age: int "Alder"  # years
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from policylang.syntax import keywords

RULE_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"
_NAMED = {"fact": Name.Variable, "let": Name.Variable, "parameter": Name.Constant, "decision": Name.Function}


def _groups(*kinds: object) -> object:
    """Pygments' ``bygroups`` (untyped in its stubs): one token kind per group of a pattern."""
    return bygroups(*kinds)  # type: ignore[no-untyped-call]


class PolicyLexer(RegexLexer):
    """Pygments lexer for policylang's ``.pol`` files."""

    name = "policylang"
    aliases: ClassVar[list[str]] = ["pol", "policylang"]
    filenames: ClassVar[list[str]] = ["*.pol"]
    mimetypes: ClassVar[list[str]] = ["text/x-policylang"]
    url = "https://policylang.readthedocs.io"

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"(?:[^"\\]|\\.)*"', String.Double),
            (r"(rule)(\s+)(" + RULE_ID + r")", _groups(Keyword.Declaration, Whitespace, Name.Label)),
            (r"(exception)(\s+)(to)\b", _groups(Keyword, Whitespace, Keyword)),
            *[
                (r"(" + word + r")(\s+)((?!\d)\w+)", _groups(Keyword.Declaration, Whitespace, kind))
                for word, kind in _NAMED.items()
            ],
            (r"(type|factor|source)(\s+)((?!\d)\w+)", _groups(Keyword.Declaration, Whitespace, Name.Class)),
            (RULE_ID, Name.Label),
            (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})", Literal.Date),
            (r"\d{4}-\d{2}-\d{2}", Literal.Date),
            (r"\d{2}:\d{2}(?!:)", Literal.Date),
            (r"-?\d+\.\d+", Number.Float),
            (r"-?\d+(?:_\d+)*", Number.Integer),
            (words(keywords.UNITS, suffix=r"\b"), Keyword.Pseudo),
            (keywords.CURRENCY, Keyword.Pseudo),
            (words(keywords.QUANTIFIERS, suffix=r"(?=\()"), Name.Builtin),
            (r"(?!\d)\w+(?=\()", Name.Builtin),
            (words(keywords.DECLARATIONS, prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(keywords.CONSTANTS, prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(keywords.OPERATORS, prefix=r"\b", suffix=r"\b"), Operator.Word),
            (words(keywords.TYPES, prefix=r"\b", suffix=r"\b"), Keyword.Type),
            (words(keywords.CLAUSES, prefix=r"\b", suffix=r"\b"), Keyword),
            (r"(?!\d)\w+", Name),
            (r"=>|<=|>=|!=|[=<>≤≥≠+\-*/|&∪∩?]", Operator),
            (r"∅", Keyword.Constant),
            (r"[(){}\[\],:.]", Punctuation),
            (r".", Text),
        ]
    }

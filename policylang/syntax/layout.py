"""The layout of a ``.pol`` file: its tokens, comments and where each part of it begins.

:func:`policylang.syntax.parser.parse_layout` reads it, for tools that work on the text
itself rather than on its meaning (the formatter, the editor's highlighting): every token
the parser read, every comment it skipped, and marks for where declarations, clauses and
table rows begin, so that no such tool needs the grammar's rule names.
"""

from __future__ import annotations

import attrs

from policylang.base.span import Source


@attrs.frozen
class Lexeme:
    """One token of the text, or a comment.

    ``kind`` is the grammar's name for a named terminal (``NAME``, ``STRING``, ``RULE_ID``,
    ``COMP_OP`` ...), ``COMMENT`` for a comment, and the text itself for a keyword or a
    punctuation mark the grammar spells out (``"fact"``, ``"("``, ``"/"``). Lines and
    columns are 1-based, the end exclusive; offsets count characters from the start.
    """

    kind: str
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int


@attrs.frozen
class Mark:
    """Where a part of the file begins and ends: a ``declaration``, a ``clause``, a ``table`` or a table ``row``."""

    kind: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def start(self) -> tuple[int, int]:
        return (self.line, self.column)

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_column)


@attrs.frozen
class Layout:
    """The tokens (in order), comments (in order) and marks of one file."""

    source: Source
    tokens: tuple[Lexeme, ...]
    comments: tuple[Lexeme, ...]
    marks: tuple[Mark, ...]

"""Source files and spans: where in a ``.pol`` file a thing was written.

Every AST node, diagnostic and trace node carries a :class:`Span`, so that an error or
an explanation can point at the exact text of the policy.
"""

from __future__ import annotations

import attrs


@attrs.frozen(eq=False)
class Source:
    """The text of one policy file and the name it is shown under."""

    path: str
    text: str
    _lines: list[str] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def lines(self) -> list[str]:
        """The file's lines without their newlines (split once, when first read)."""
        lines = self._lines
        if lines is None:
            lines = self.text.splitlines()
            object.__setattr__(self, "_lines", lines)  # a cache: the text itself never changes
        return lines

    def line(self, number: int) -> str:
        """Return line ``number`` (1-based) without its newline, or ``""``.

        >>> Source("p.pol", "a\\nb").line(2)
        'b'
        """
        lines = self.lines
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return ""


@attrs.frozen
class Span:
    """A region of a source file: 1-based lines and columns, end inclusive-exclusive."""

    source: Source = attrs.field(eq=False, repr=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.path

    @property
    def text(self) -> str:
        """The exact source text the span covers.

        >>> s = Source("p.pol", "when a and b")
        >>> Span(s, 1, 6, 1, 13).text
        'a and b'
        """
        lines = self.source.lines
        if not lines or self.line < 1:
            return ""
        if self.line == self.end_line:
            return lines[self.line - 1][self.column - 1 : self.end_column - 1]
        parts = [lines[self.line - 1][self.column - 1 :]]
        parts.extend(lines[self.line : self.end_line - 1])
        if self.end_line - 1 < len(lines):
            parts.append(lines[self.end_line - 1][: self.end_column - 1])
        return "\n".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.source.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def __str__(self) -> str:
        return f"{self.source.path}:{self.line}:{self.column}"


def point(source: Source, line: int, column: int, length: int = 1) -> Span:
    """A span of ``length`` characters starting at ``line``:``column``."""
    return Span(source, line, column, line, column + max(length, 1))


def whole_file(path: str) -> Span:
    """A span for a problem with a file as a whole (missing, unreadable)."""
    return Span(Source(path, ""), 1, 1, 1, 1)

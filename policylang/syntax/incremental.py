"""Parse a file again and again as it is edited, re-parsing only the declarations that changed.

An editor re-reads a policy at every keystroke. :class:`IncrementalParser` cuts the text
into pieces at the lines that begin with a declaration's keyword (``fact``, ``rule`` ...
in the first column, outside a text), parses each piece on its own and keeps the result by
the piece's text: after an edit only the edited declaration is parsed again, and the
pieces below it are moved to their new lines when lines were added or removed. The
declarations are those :func:`~policylang.syntax.parser.parse_module` gives for the whole
text. A piece that does not parse is a syntax error of its own, so an editor sees every
broken declaration at once; a piece that does not parse but does with the piece after it
(the cut fell inside a declaration, at a keyword used as a name) is parsed with it.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, TypeVar

import attrs

from policylang.base.errors import PolicySyntaxError
from policylang.base.span import Source, Span, point
from policylang.syntax import ast
from policylang.syntax.keywords import DECLARATIONS
from policylang.syntax.parser import parse_declarations

_BOUNDARY = re.compile(r"^(?:" + "|".join(DECLARATIONS) + r")(?=[ \t\n#])", re.MULTILINE)
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|#[^\n]*')
_TRAILING = re.compile(r"(?:\n[ \t]*(?:#[^\n]*)?)*\s*\Z")

Node = TypeVar("Node")


class IncrementalParser:
    """Parses successive versions of one file, keeping each declaration's parse by its text."""

    def __init__(self, path: str, size: int = 4096) -> None:
        self.path = path
        self.size = size
        self._pieces: dict[str, tuple[int, tuple[ast.Declaration, ...]]] = {}
        self.parsed = 0  # pieces parsed so far (for tests and benchmarks)

    def parse(self, text: str) -> ast.Module:
        """The module in ``text``; a :class:`PolicySyntaxError` naming every piece that does not parse.

        >>> p = IncrementalParser("demo.pol")
        >>> m = p.parse("fact a: bool\\nfact b: int\\n")
        >>> m = p.parse("fact a: bool\\nfact c: int\\n")
        >>> [d.name for d in m.declarations], p.parsed
        (['a', 'c'], 3)
        """
        source = Source(self.path, text)
        declarations: list[ast.Declaration] = []
        errors: list[PolicySyntaxError] = []
        kept: dict[str, tuple[int, tuple[ast.Declaration, ...]]] = {}
        cut = pieces(text)
        skip = False
        for i, (line, start, piece) in enumerate(cut):
            if skip:
                skip = False
                continue
            try:
                found = self._piece(piece, line, source)
            except PolicySyntaxError as e:
                joined = (
                    _TRAILING.sub("", text[start : cut[i + 1][1] + len(cut[i + 1][2])]) if i + 1 < len(cut) else None
                )
                try:
                    if joined is None:
                        raise
                    found = self._piece(joined, line, source)
                    piece, skip = joined, True
                except PolicySyntaxError:
                    errors.append(e)
                    continue
            kept[piece] = (line, found)
            declarations.extend(found)
        self._pieces.update(kept)
        if len(self._pieces) > self.size:
            self._pieces = kept
        if errors:
            diagnostics = [d for e in errors for d in e.diagnostics]
            raise PolicySyntaxError(errors[0].message, diagnostics)
        if declarations:
            first, last = declarations[0].span, declarations[-1].span
            span = Span(source, first.line, first.column, last.end_line, last.end_column)
        else:
            span = point(source, 1, 1)
        module = ast.Module(self.path, tuple(declarations), span)
        return module

    def _piece(self, piece: str, line: int, source: Source) -> tuple[ast.Declaration, ...]:
        cached = self._pieces.get(piece)
        if cached is not None:
            at, found = cached
            if at == line:
                return found
            return tuple(shifted(d, line - at, source) for d in found)
        self.parsed += 1
        return parse_declarations(piece, source, line)


def pieces(text: str) -> list[tuple[int, int, str]]:
    """The text cut at each line that begins a declaration: first line, offset and text of each piece.

    Lines of comments and blank lines at the end of a piece are left out of it.

    >>> pieces('fact a: bool  # a\\n\\n# b\\nfact b: text "x\\nfact c"\\n')
    [(1, 0, 'fact a: bool  # a'), (4, 23, 'fact b: text "x\\nfact c"')]
    """
    inside = [(m.start(), m.end()) for m in _STRING_OR_COMMENT.finditer(text) if "\n" in m.group()]
    starts = [0]
    for m in _BOUNDARY.finditer(text):
        if m.start() and not any(a < m.start() < b for a, b in inside):
            starts.append(m.start())
    starts.append(len(text))
    result = []
    line = 1
    for start, end in itertools.pairwise(starts):
        piece = text[start:end]
        body = _TRAILING.sub("", piece)
        if body.strip() and not all(not s.strip() or s.lstrip().startswith("#") for s in body.split("\n")):
            result.append((line, start, body))
        line += piece.count("\n")
    return result


def shifted(node: Node, lines: int, source: Source) -> Node:
    """``node`` with every span moved down by ``lines`` lines (up where negative) into ``source``."""
    return _shift(node, lines, source)  # type: ignore[no-any-return]


def _shift(value: Any, lines: int, source: Source) -> Any:
    if isinstance(value, Span):
        return Span(source, value.line + lines, value.column, value.end_line + lines, value.end_column)
    if isinstance(value, tuple):
        return tuple(_shift(v, lines, source) for v in value)
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if isinstance(item, Span | tuple) or attrs.has(type(item)):
                changes[field.name] = _shift(item, lines, source)
        return attrs.evolve(value, **changes) if changes else value
    return value

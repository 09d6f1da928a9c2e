"""Format ``.pol`` text in the one canonical layout: what ``policylang fmt`` and the editor's formatting do.

Like ``gofmt``, the formatter keeps the author's line breaks and decides everything else:

* a declaration starts at column 1, its clauses (``cites``, ``when``, labels on a line of
  their own, ``first match`` ...) are indented by 2, the rows of a ``first match`` or
  ``collect`` table by 4, and a line that continues a declaration, clause or row by 2
  more than it, plus 2 for each bracket still open; a line that starts with a closing
  bracket is indented like the line that opened it;
* one space between tokens, none inside brackets and before ``,``, ``:``, ``?`` and ``)``,
  spaces inside the braces of ``enum { ... }`` and ``record { ... }`` (a type), none
  inside the braces of a set or record value ``{a, b}``;
* the ``by`` clauses of a table's rows line up in one column, where the rows are short
  enough (:data:`BY_COLUMN_LIMIT`);
* comments are kept word for word; a comment on a line of its own is indented like the
  code after it; comments at the ends of consecutive lines line up;
* each declaration and each table row starts on a line of its own; at most one blank line
  in a row; no blank lines at the start; one newline at the end; no trailing spaces.

It changes nothing but whitespace: the tokens of the result are those of the text, in
order, which the formatter checks before it returns (:class:`FormatError` otherwise), so
the formatted policy always checks to the same program.

>>> print(format_text('fact   age:int "Alder"/"Age"\\ndecision adult:bool=age>=18 by   AGE-1   # 18 år'), end="")
fact age: int "Alder" / "Age"
decision adult: bool = age >= 18 by AGE-1  # 18 år
"""

from __future__ import annotations

import attrs

from policylang.base.errors import PolicyError
from policylang.syntax.layout import Layout, Lexeme, Mark
from policylang.syntax.parser import parse_layout

INDENT = 2
BY_COLUMN_LIMIT = 84
"""The ``by`` clauses of a table line up at the first column past every row that ends before this column."""

_OPENERS = {"(": ")", "[": "]", "INDEX_OPEN": "]", "{": "}"}
_CLOSERS = frozenset({")", "]", "}"})
_NO_SPACE_BEFORE = frozenset({",", ")", "]", ".", "?", ":", "INDEX_OPEN"})
_NO_SPACE_AFTER = frozenset({"(", "[", "INDEX_OPEN", "."})
_TYPE_BRACES = frozenset({"enum", "record"})
# Keywords that begin a clause where the grammar gives the clause no rule of its own
# (``constraint ... when ... require ... message``, ``handoff ... when ... note``).
_CLAUSE_WORDS = frozenset({"when", "require", "message", "note"})


class FormatError(PolicyError):
    """The formatter would have changed more than whitespace: a bug in the formatter, so the text is left as it is."""

    code = "pol-format"


def format_text(text: str, path: str = "<policy>") -> str:
    """The text in the canonical layout; a :class:`PolicySyntaxError` where it does not parse."""
    layout = parse_layout(text.replace("\r\n", "\n").replace("\r", "\n"), path)
    result = _Formatter(layout).run()
    _verify(layout, result, path)
    return result


def is_formatted(text: str, path: str = "<policy>") -> bool:
    """Whether ``text`` is already in the canonical layout."""
    return format_text(text, path) == text


# ----------------------------------------------------------------- lines


@attrs.define
class _Line:
    """One line of the result while it is built."""

    tokens: list[Lexeme] = attrs.field(factory=list)
    gaps: list[int] = attrs.field(factory=list)  # spaces before each token (the first: unused)
    indent: int = 0
    comment: str | None = None  # a comment at the end of the line, or the whole line's comment
    blank_before: bool = False
    by_at: int | None = None  # index of a table row's `by` in tokens

    @property
    def is_comment(self) -> bool:
        return not self.tokens

    def code(self, upto: int | None = None) -> str:
        parts = []
        for i, token in enumerate(self.tokens[:upto]):
            if i:
                parts.append(" " * self.gaps[i])
            parts.append(_normal(token))
        return " " * self.indent + "".join(parts)

    def render(self, comment_column: int | None = None) -> str:
        if self.is_comment:
            return " " * self.indent + (self.comment or "")
        code = self.code()
        if self.comment is None:
            return code
        width = _width(code)
        pad = max(2, (comment_column or 0) - width)
        return code + " " * pad + self.comment


def _normal(token: Lexeme) -> str:
    if token.kind == "NOT_IN":
        return "not in"
    return token.text


def _width(code: str) -> int:
    return len(code.rsplit("\n", 1)[-1])


class _Formatter:
    """Builds the lines of the result from a file's layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        marks = layout.marks
        self.declarations = {m.start for m in marks if m.kind == "declaration"}
        self.clauses = {m.start for m in marks if m.kind in ("clause", "table")}
        self.row_starts = {m.start for m in marks if m.kind == "row"}
        self.rows = sorted((m for m in marks if m.kind == "row"), key=lambda m: m.start)
        self.tables = sorted((m for m in marks if m.kind == "table"), key=lambda m: m.start)
        self.lines: list[_Line] = []

    def run(self) -> str:
        self.build()
        self.align_by_clauses()
        self.indent_comment_lines()
        return self.render()

    # -- lines, indentation and spaces ---------------------------------------------

    def build(self) -> None:
        items = sorted([*self.layout.tokens, *self.layout.comments], key=lambda t: t.offset)
        stack: list[tuple[str, int, bool]] = []  # open brackets: kind, indent of their line, is a type's braces
        arms: set[int] = set()  # depths of the open braces that hold a `match`'s arms
        pending_match: int | None = None  # the depth where a `match`'s subject is being written
        unit = (0, 0)  # indent and bracket depth where the current declaration, clause or row began
        row: Mark | None = None
        previous: Lexeme | None = None
        line: _Line | None = None
        for item in items:
            gap_lines = item.line - previous.end_line if previous is not None else 0
            if item.kind == "COMMENT":
                if line is not None and not line.is_comment and gap_lines == 0:
                    line.comment = item.text
                else:
                    line = _Line(comment=item.text, blank_before=gap_lines > 1 and bool(self.lines))
                    self.lines.append(line)
                previous = item
                continue
            start = (item.line, item.column)
            forced = (
                line is not None
                and not line.is_comment
                and gap_lines == 0
                and (start in self.declarations or start in self.row_starts)
            )
            if line is None or line.is_comment or gap_lines > 0 or forced:
                row = self.row_at(start)
                depth = len(stack)
                if start in self.declarations:
                    indent, unit = 0, (0, depth)
                elif start in self.row_starts:
                    indent, unit = 2 * INDENT, (2 * INDENT, depth)
                elif item.kind in _CLOSERS and stack:
                    indent = stack[-1][1]
                elif len(stack) in arms:  # a `match`'s arms: indented by 2 inside its braces
                    indent = stack[-1][1] + INDENT
                elif row is None and (
                    start in self.clauses or (item.kind in _CLAUSE_WORDS and depth == unit[1] and unit[0] <= INDENT)
                ):
                    indent, unit = INDENT, (INDENT, depth)
                else:
                    indent = unit[0] + INDENT + INDENT * max(0, depth - unit[1])
                line = _Line(indent=indent, blank_before=gap_lines > 1 and not forced and bool(self.lines))
                self.lines.append(line)
                line.tokens.append(item)
                line.gaps.append(0)
            else:
                line.gaps.append(self.space(line.tokens[-1], item, stack))
                line.tokens.append(item)
            if item.kind == "by" and row is not None:
                line.by_at = len(line.tokens) - 1
            if item.kind == "match" and (previous is None or previous.kind != "first"):
                pending_match = len(stack)
            if item.kind in _OPENERS:
                if item.kind == "{" and pending_match == len(stack):
                    arms.add(len(stack) + 1)
                    pending_match = None
                before = line.tokens[-2].kind if len(line.tokens) > 1 else None
                member = before == "NAME" and bool(stack) and stack[-1][2]  # an enum member's fields: salary { ... }
                stack.append((item.kind, line.indent, before in _TYPE_BRACES or member))
            elif item.kind in _CLOSERS and stack:
                arms.discard(len(stack))
                stack.pop()
            previous = item
        self.stack_end = stack

    def row_at(self, start: tuple[int, int]) -> Mark | None:
        for m in self.rows:
            if m.start <= start < m.end:
                return m
            if m.start > start:
                break
        return None

    @staticmethod
    def space(before: Lexeme, token: Lexeme, stack: list[tuple[str, int, bool]]) -> int:
        """Spaces between two tokens on one line."""
        a, b = before.kind, token.kind
        type_braces = bool(stack) and stack[-1][0] == "{" and stack[-1][2]
        if b == "}":
            return 1 if type_braces and a != "{" else 0
        if a == "{":
            return 1 if type_braces else 0
        if b in _NO_SPACE_BEFORE or a in _NO_SPACE_AFTER:
            return 0
        if b == "(" and a in ("CALL_NAME", "QUANTIFIER"):
            return 0
        if (a, b) in (("NAME", "/"), ("/", "NAME")):  # a policy's path: residence/help_and_repatriation
            return 0
        if "-" in (a, b):  # a citation's lines: line 63-65
            return 0
        return 1

    # -- tables -------------------------------------------------------------------

    def align_by_clauses(self) -> None:
        """Line up the ``by`` clauses of each table's rows."""
        for table in self.tables:
            lines = [
                line
                for line in self.lines
                if line.by_at is not None and table.start <= _start(line.tokens[line.by_at]) < table.end
            ]
            widths = [_width(line.code(line.by_at)) for line in lines if line.by_at]
            fitting = [w + 1 for w in widths if w + 1 <= BY_COLUMN_LIMIT]
            column = max(fitting, default=0)
            for line in lines:
                assert line.by_at is not None
                if line.by_at == 0:
                    line.indent = column or line.indent
                    continue
                width = _width(line.code(line.by_at))
                if column and width + 1 <= column:
                    line.gaps[line.by_at] = column - width

    # -- comments -------------------------------------------------------------------

    def indent_comment_lines(self) -> None:
        """A comment on a line of its own is indented like the code after it."""
        following = 0
        for line in reversed(self.lines):
            if line.is_comment:
                line.indent = following
            else:
                following = line.indent

    def render(self) -> str:
        out: list[str] = []
        group: list[_Line] = []

        def flush() -> None:
            if not group:
                return
            column = max(_width(line.code()) for line in group) + 2
            out.extend(line.render(column) for line in group)
            group.clear()

        for line in self.lines:
            if line.blank_before:
                flush()
                out.append("")
            if not line.is_comment and line.comment is not None and "\n" not in line.code():
                group.append(line)
                continue
            flush()
            out.append(line.render())
        flush()
        return "\n".join(out) + "\n" if out else ""


def _start(token: Lexeme) -> tuple[int, int]:
    return (token.line, token.column)


# ----------------------------------------------------------------- the check


def _verify(before: Layout, text: str, path: str) -> None:
    """The result has the same tokens and comments as the text: only whitespace changed."""
    after = parse_layout(text, path)
    if [(t.kind, _normal(t)) for t in before.tokens] != [(t.kind, _normal(t)) for t in after.tokens] or [
        c.text for c in before.comments
    ] != [c.text for c in after.comments]:
        raise FormatError(f"{path}: formatting would change more than whitespace; the file is left as it is")

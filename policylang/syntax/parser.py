"""Parse ``.pol`` text into the AST (built by :mod:`policylang.syntax.transform`).

Parsing uses Lark's LALR parser, built once per process from ``grammar.lark`` and cached
on disk so that a cold start is fast: in the ``lark`` folder of policylang's cache, which
only the user may write (Lark unpickles the file, so it is never kept where others could
plant one, such as Lark's default, the shared temporary folder), or else not at all.
Syntax errors become :class:`PolicySyntaxError` with a named explanation (the failing
parser state matched against malformed examples), a span and a hint.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.grammar import Rule
from lark.lexer import ContextualLexer
from lark.parsers.lalr_analysis import IntParseTable, Reduce, Shift
from lark.parsers.lalr_parser import LALR_Parser

from policylang.base.cachedir import private_directory
from policylang.base.errors import Diagnostic, PolicyError, PolicySyntaxError, Replacement
from policylang.base.limits import DEFAULT, Limits
from policylang.base.money import CURRENCIES
from policylang.base.span import Source, point
from policylang.base.suggest import closest
from policylang.syntax import ast, guard
from policylang.syntax.transform import ToAst, layout_marks

if TYPE_CHECKING:
    from policylang.syntax.layout import Layout, Lexeme

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


@functools.cache
def _parser(start: str = "start") -> Lark:
    try:
        return _build(start, {"ContextualLexer": _LazyContextualLexer, "LALR_Parser": _SharedActionsParser})
    except (ImportError, AttributeError, TypeError, KeyError, ValueError):  # a Lark whose insides differ: Lark as it is
        return _build(start, {})


def _build(start: str, plugins: dict[str, Any]) -> Lark:
    """The parser for ``start``; ``plugins`` replace Lark's lexer and parser classes (the faster load above)."""
    options: dict[str, Any] = dict(
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        start=start,
        _plugins=plugins,
    )
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    folder = private_directory("lark")
    if folder is not None:
        import hashlib
        import sys

        import lark

        version = f"{grammar}\0{start}\0{lark.__version__}\0{sys.version_info[:2]}"
        cache = folder / f"{start}-{hashlib.sha256(version.encode()).hexdigest()[:16]}.lark"
        try:
            return Lark(grammar, cache=str(cache), **options)
        except OSError:  # a cache that cannot be written: build without it
            pass
    return Lark(grammar, **options)


class _SharedActionsParser(LALR_Parser):
    """Lark's LALR parser, reading its table from Lark's cache with equal entries shared.

    Lark reads each of the ~15,000 entries of the table into a tuple of its own, through a
    generic deserialiser; the same table, with equal entries shared, is read in a fraction
    of the time and leaves fewer objects for the garbage collector to walk.
    """

    @classmethod
    def deserialize(cls, data: Any, memo: Any, callbacks: Any, debug: bool = False) -> Any:  # type: ignore[override]
        from lark.parsers.lalr_parser import _Parser  # Lark's own; private, so read where it is used

        self: Any = cls.__new__(cls)
        self._parse_table = parse_table(data, memo)
        self.parser = _Parser(self._parse_table, callbacks, debug)
        return self


def parse_table(data: Any, memo: Any) -> Any:
    """The parse table Lark serialised as ``data``: equal to ``IntParseTable.deserialize(data, memo)``."""
    tokens = data["tokens"]
    shifts: dict[int, tuple[Any, int]] = {}
    reduces: dict[int, tuple[Any, Any]] = {}
    states: dict[int, dict[str, tuple[Any, Any]]] = {}
    for state, actions in data["states"].items():
        row = {}
        for token, (action, arg) in actions.items():
            if action == 1:
                number = arg.get("@") if isinstance(arg, dict) else None
                entry = reduces.get(number) if isinstance(number, int) else None
                if entry is None:
                    entry = (Reduce, Rule.deserialize(arg, memo))
                    if isinstance(number, int):
                        reduces[number] = entry
            else:
                entry = shifts.get(arg) or shifts.setdefault(arg, (Shift, arg))
            row[tokens[token]] = entry
        states[state] = row
    return IntParseTable(states, data["start_states"], data["end_states"])  # type: ignore[no-untyped-call]


class _LazyContextualLexer(ContextualLexer):
    """Lark's contextual lexer, each parser state's lexer made on its first use.

    Lark makes one lexer for each set of terminals the ~630 parser states accept (~175)
    when it loads the parser; parsing a policy uses about a third of them. Made lazily they
    are the same lexers (Lark's own class, from the same terminals), only fewer of them.
    Where Lark validates the terminals (a parser built from the grammar, not its cache), it
    makes them all at once, as it always did.
    """

    def __init__(self, conf: Any, states: dict[int, Any], always_accept: Any = ()) -> None:
        if not conf.skip_validation:
            super().__init__(conf, states, always_accept)
            return
        trad_conf = copy.copy(conf)
        trad_conf.terminals = list(conf.terminals)
        self.lexers = _StateLexers(self.BasicLexer, copy.copy(trad_conf), states, always_accept)
        trad_conf.skip_validation = True
        self.root_lexer = self.BasicLexer(trad_conf, None)


class _StateLexers(dict[int, Any]):
    """Each parser state's lexer, made when first asked for (or shared with a state accepting the same terminals)."""

    def __init__(self, make: Any, conf: Any, states: dict[int, Any], always_accept: Any) -> None:
        super().__init__()
        self.make = make
        self.conf = conf
        self.states = states
        self.always = set(conf.ignore) | set(always_accept)
        self.by_terminals: dict[frozenset[str], Any] = {}

    def __missing__(self, state: int) -> Any:
        accepts = self.states[state]  # a KeyError for a state the parser does not have, as from Lark's dict
        key = frozenset(accepts)
        lexer = self.by_terminals.get(key)
        if lexer is None:
            conf = copy.copy(self.conf)
            by_name = conf.terminals_by_name
            conf.terminals = [by_name[n] for n in set(accepts) | self.always if n in by_name]
            lexer = self.by_terminals[key] = self.make(conf, None)
        self[state] = lexer
        return lexer


def parse_module(text: str, path: str = "<policy>", *, limits: Limits = DEFAULT) -> ast.Module:
    """Parse the text of a ``.pol`` file (Unicode-normalised to NFC first; within ``limits``).

    >>> m = parse_module('fact age: int "Alder" / "Age"', "demo.pol")
    >>> m.declarations[0].name, m.declarations[0].labels.en
    ('age', 'Age')
    """
    module = _transform(_parser(), text, path, limits)
    assert isinstance(module, ast.Module)
    return module


def parse_declarations(text: str, source: Source, first_line: int) -> tuple[ast.Declaration, ...]:
    """Parse a part of a file, ``text``, which begins at the start of line ``first_line`` of ``source``.

    The declarations' spans point into ``source``; a syntax error's, at its line in the file.

    >>> source = Source("demo.pol", "# a comment\\nfact age: int")
    >>> [str(d.span) for d in parse_declarations("fact age: int", source, 2)]
    ['demo.pol:2:1']
    """
    padded = "\n" * (first_line - 1) + text
    guard.check_length(padded, source, DEFAULT)
    tree = _run(_parser(), padded, Source(source.path, padded))
    guard.check_tree(tree, source, DEFAULT)
    try:
        module = ToAst(source).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, PolicySyntaxError):
            raise e.orig_exc from None
        raise
    assert isinstance(module, ast.Module)
    return module.declarations


def parse_expression(text: str, path: str = "<expression>", *, limits: Limits = DEFAULT) -> ast.Expr:
    """Parse a single expression, such as a ``condition`` parameter's override.

    >>> parse_expression("a and not b").op
    'and'
    """
    return _transform(_parser("expr"), text, path, limits)  # type: ignore[no-any-return]


def _transform(parser: Lark, text: str, path: str, limits: Limits) -> Any:
    """Parse ``text`` with ``parser`` and build its AST, refusing text over the limits first."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)  # a decomposed `å` is the name it looks like
    source = Source(path, text)
    guard.check_length(text, source, limits)
    tree = _run(parser, text, source)
    guard.check_tree(tree, source, limits)
    try:
        return ToAst(source).transform(tree)
    except VisitError as e:  # a literal the grammar accepts but Python cannot represent
        if isinstance(e.orig_exc, PolicyError):
            raise e.orig_exc from None
        raise


def _run(parser: Lark, text: str, source: Source) -> Any:
    try:
        return parser.parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(parser, e, source) from None


def parse_layout(text: str, path: str = "<policy>") -> Layout:
    """The tokens, comments and marks of a ``.pol`` file (:mod:`policylang.syntax.layout`).

    Raises :class:`PolicySyntaxError` as :func:`parse_module` does.

    >>> layout = parse_layout('fact age: int  # years', "demo.pol")
    >>> [t.kind for t in layout.tokens], [c.text for c in layout.comments]
    (['fact', 'NAME', ':', 'int'], ['# years'])
    """
    from policylang.syntax.layout import Layout  # for the formatter and the editor; a load needs no layout

    source = Source(path, text)
    parser = _parser()
    interactive = parser.parse_interactive(text)
    tokens: list[Lexeme] = []
    last = None
    try:
        for token in interactive.iter_parse():
            tokens.append(_lexeme(token, _named_terminals()))
            last = token
        tree = interactive.feed_eof(last)  # type: ignore[no-untyped-call]
    except UnexpectedInput as e:
        _run(parser, text, source)  # raises the error as parse_module names it
        raise _syntax_error(parser, e, source) from None
    return Layout(source, tuple(tokens), tuple(_comments(text, tokens)), tuple(layout_marks(tree)))


@functools.cache
def _named_terminals() -> frozenset[str]:
    """The terminals ``grammar.lark`` names itself (``NAME``, ``STRING`` ...), as opposed to its quoted words."""
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([A-Z][A-Z_]*)(?:\.\d+)?\s*:", grammar, re.MULTILINE))


def _lexeme(token: Any, named: frozenset[str]) -> Lexeme:
    from policylang.syntax.layout import Lexeme

    kind = token.type if token.type in named else str(token)
    return Lexeme(
        kind,
        str(token),
        token.line,
        token.column,
        token.end_line,
        token.end_column,
        token.start_pos,
        token.end_pos,
    )


def _comments(text: str, tokens: list[Lexeme]) -> list[Lexeme]:
    """The comments in the gaps between tokens (a gap holds only spaces and comments)."""
    from policylang.syntax.layout import Lexeme

    comments = []
    starts = [0, *(t.end_offset for t in tokens)]
    ends = [*(t.offset for t in tokens), len(text)]
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for start, end in zip(starts, ends, strict=True):
        for m in re.finditer(r"#[^\n]*", text[start:end]):
            offset = start + m.start()
            line = _line_of(line_starts, offset)
            column = offset - line_starts[line - 1] + 1
            body = m.group().rstrip()
            comments.append(Lexeme("COMMENT", body, line, column, line, column + len(body), offset, offset + len(body)))
    return comments


def _line_of(line_starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(line_starts, offset)


# ----------------------------------------------------------------- syntax errors

# Lark matches a failing parse against these malformed examples to name the error.
_EXAMPLES: dict[str, list[str]] = {
    "unclosed bracket: a `(`, `[` or `{` is opened but never closed": [
        "decision x: bool = (a",
        "decision x: bool = (a and b",
        "decision x: bool = {a, b",
        "decision x: bool = [a, b",
        "decision x: bool = f(a, b",
        "decision x: bool = a in {b, c",
        "fact x: enum { a, b",
        "decision x: int = m[a",
    ],
    'a citation needs a source key, as in `cites S1 "pkt. 26 a"`': [
        "rule R-1 cites",
        'rule R-1 cites "pkt. 2"',
        'rule R-1 cites S1 "x",',
        "rule R-1 cites\n  force skal",
        'rule R-1 cites S1 "x",\nfact a: bool',
    ],
    # Most keywords are reserved only where the grammar expects them (`fact decision: int` is
    # fine; check.py reports names such as `when` as pol-reserved-name). `if` always starts
    # a conditional, so it fails as a name inside an expression:
    "a keyword cannot be used as a name (`if` starts `if ... then ... else ...`)": [
        "decision x: bool = if > 1",
        "decision x: bool = any(if in xs: if > 1)",
        "decision x: bool = f(if)",
        "decision x: bool = if.a",
    ],
    "a declaration needs a type after `:`, such as `bool`, `date` or `enum { ... }`": [
        "fact x",
        "fact x:",
        "fact x: ,",
        "decision x",
        "decision x:",
        "parameter x = 1",
    ],
    "expected a rule ID such as `RES-HELP-02` (capital letters and digits joined by `-`)": [
        "rule foo",
        "rule R1",
        "decision x: bool = a by foo",
        "decision x: bool first match true when a by foo",
        "rule R-1 exception to foo",
    ],
    "a first-match row needs `when <condition>` or `otherwise` after its value": [
        "decision x: bool first match true by R-1",
        "decision x: bool first match true false when a",
        "decision x: bool first match true when a false by R-1",
    ],
    "a condition is missing after `when`": [
        "decision x: bool first match true when",
        "decision x: bool first match true when by R-1",
        "rule R-1 when",
        "rule R-1 when then x = 1",
        "decision x: list of int collect add 1 when",
    ],
    "an expression is incomplete: an operator needs a value on both sides": [
        "decision x: bool = a and",
        "decision x: bool = a or",
        "decision x: bool = a =",
        "decision x: int = 1 +",
        "decision x: bool = not",
        "decision x: bool = a in",
    ],
    "a `decision` needs a body: `= <expression>`, `first match`, `collect` or `default`, or rules that conclude it": [
        "decision x: bool =",
        "decision x: bool first",
        "decision x: bool first match",
        "decision x: list of int collect",
    ],
    "`if` needs both `then` and `else`": [
        "decision x: int = if a then 1",
        "decision x: int = if a 1 else 2",
    ],
}


def _state_key(e: UnexpectedInput) -> tuple[int, frozenset[str]] | None:
    state = getattr(e, "state", None)
    position = getattr(state, "position", None)
    if position is None:
        return None
    return position, frozenset(getattr(e, "accepts", None) or getattr(e, "expected", None) or ())


@functools.cache
def _example_labels(parser: Lark) -> dict[tuple[int, frozenset[str]] | None, str]:
    """Map a parser state to the name of the error the examples make there.

    Like Lark's ``match_examples``, but keyed on the state alone, so that an error after
    other declarations (a deeper parser stack) is named the same as in the example.
    """
    labels: dict[tuple[int, frozenset[str]] | None, str] = {}
    for label, examples in _EXAMPLES.items():
        for example in examples:
            try:
                parser.parse(example)
            except (UnexpectedToken, UnexpectedEOF) as ut:
                labels.setdefault(_state_key(ut), label)
            except UnexpectedInput:
                continue
    labels.pop(None, None)
    return labels


def _syntax_error(parser: Lark, e: UnexpectedInput, source: Source) -> PolicySyntaxError:
    label = _example_labels(parser).get(_state_key(e)) if isinstance(e, UnexpectedToken | UnexpectedEOF) else None
    line = getattr(e, "line", 1) or 1
    column = getattr(e, "column", 1) or 1
    at_end = isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END")
    if at_end or line < 1:
        lines = source.text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    length = 1
    found: str
    if isinstance(e, UnexpectedToken):
        token = e.token
        length = max(1, len(str(token)))
        found = "the end of the file" if token.type == "$END" else f"`{token}`"
    elif isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        char = source.text[pos] if pos < len(source.text) else ""
        found = f"the character `{char}`"
        if char == '"':
            label = label or 'a text is opened with `"` but never closed on this line'
    else:
        found = "the end of the file"
    expected = _describe_expected(parser, getattr(e, "expected", None) or getattr(e, "allowed", None) or set())
    message = label or f"unexpected {found.removeprefix('the ')}"
    if label:
        message = f"{label} (found {found})"
    hint = f"expected {expected}" if expected else None
    habit = None if at_end else _habit(source, line, column) or _by_as_operand(source, line, column, e)
    fix = None
    if habit is not None:
        message, hint, column, length = habit
        written = _line_text(source, line)[column - 1 : column - 1 + length]
        instead = next((i for w, i, _ in _HABITS if w == written), None)
        fix = Replacement(written, instead) if instead is not None else None
    else:
        specific = _specific(source, e, at_end)
        if specific is not None:
            message, hint, line, column, length = specific
    diagnostic = Diagnostic("pol-syntax", message, point(source, line, column, length), hint=hint, fix=fix)
    return PolicySyntaxError(f"{source.path}:{line}:{column}: {message}", [diagnostic])


# Operators other languages have, at the place a parse fails: what policylang writes instead.
_HABITS = [
    ("==", "=", "compares with `=`; there is no `==`"),
    ("&&", "and", "joins conditions with `and`; there is no `&&`"),
    ("||", "or", "joins alternatives with `or`; there is no `||`"),
    ("=<", "<=", "writes `<=` (or `≤`)"),
    ("=>", ">=", "writes `>=` (or `≥`)"),
    ("<>", "!=", "writes `!=` (or `≠`)"),
    ("!", "not", "negates with `not`; `!` is only part of `!=`"),
]


def _habit(source: Source, line: int, column: int) -> tuple[str, str, int, int] | None:
    """Message, hint, column and length for an operator from another language at (or just before) the error."""
    text = _line_text(source, line)
    at = column - 1
    for written, instead, says in _HABITS:
        for start in (at - 1, at):  # the parse fails on the operator's first or second character
            if start >= 0 and text.startswith(written, start) and not text.startswith("!=", start):
                return (
                    f"`{written}` is not an operator here: policylang {says}",
                    f"write `{instead}`, as in `{_example(written, instead)}`",
                    start + 1,
                    len(written),
                )
    return None


def _by_as_operand(source: Source, line: int, column: int, e: UnexpectedInput) -> tuple[str, str, int, int] | None:
    """``a and by R-1``: the expression ends too soon, so ``by`` was read as a name and the rule ID is unexpected."""
    if not (isinstance(e, UnexpectedToken) and e.token.type == "RULE_ID"):
        return None
    before = _line_text(source, line)[: column - 1].rstrip()
    if not before.endswith("by") or (len(before) > 2 and (before[-3].isalnum() or before[-3] == "_")):
        return None
    at = len(before) - 1  # the column of `by`
    return (
        "the expression before `by` is incomplete: an operator needs a value on both sides",
        "complete the condition, or remove the operator before `by`",
        at,
        2,
    )


# ------------------------------------------------- specific mistakes, named where they are

Found = tuple[str, str, int, int, int]  # message, hint, line, column, length

_DECLARATION_KEYWORDS = frozenset(
    {"POLICY", "IMPORT", "SOURCE", "TYPE", "FACT", "PARAMETER", "LET", "FACTOR", "DECISION", "RULE"}
    | {"CONSTRAINT", "WARNING", "HANDOFF"}
)
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_CLOSING_TERMINALS = {")": "RPAR", "]": "RSQB", "}": "RBRACE"}
_UNITS = ("day", "days", "month", "months", "year", "years")
_CURRENCY_WORDS = frozenset({"kr", "kr.", "kroner", "krone", "dkk"})


def _specific(source: Source, e: UnexpectedInput, at_end: bool) -> Found | None:
    """A mistake the grammar cannot name by its state alone, found from the text around the error."""
    if not isinstance(e, UnexpectedToken | UnexpectedEOF):
        return None
    expected = set(getattr(e, "expected", None) or ())
    token = getattr(e, "token", None)
    offset = len(source.text) if at_end or token is None else (token.start_pos or 0)
    kind = "$END" if at_end or token is None else token.type
    return (
        _stray_end(source, offset, kind)
        or _unclosed(source, offset, kind, expected)
        or (None if at_end or token is None else _unit_after_number(source, token))
        or (None if at_end or token is None else _missing_then(source, token, expected))
        or (None if at_end or token is None else _missing_comma(source, token, expected))
    )


def _position(source: Source, offset: int) -> tuple[int, int]:
    """Line and column (from 1) of a character offset."""
    line = source.text.count("\n", 0, offset) + 1
    return line, offset - (source.text.rfind("\n", 0, offset) + 1) + 1


def _words_before(source: Source, offset: int) -> list[tuple[int, str]]:
    """The words (and single symbols) before ``offset``, with their offsets, comments left out; the last first."""
    text = source.text[:offset]
    words = [(m.start(), m.group()) for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[\w.]+|\S', text)]
    return [w for w in reversed(words) if not w[1].startswith("#")]


def _stray_end(source: Source, offset: int, kind: str) -> Found | None:
    """``end`` closing a table or declaration, as other languages do: policylang has no such keyword."""
    words = _words_before(source, offset)
    at = None
    if re.match(r"end\b", source.text[offset : offset + 4]):
        at = offset  # the parser stopped at `end` itself
    elif words and words[0][1] == "end" and (kind in _DECLARATION_KEYWORDS or kind == "$END"):
        at = words[0][0]  # `end` was read as the value of a new row; the next declaration is blamed
    if at is None:
        return None
    line, column = _position(source, at)
    return (
        "`end` is not a keyword: a declaration ends where the next one begins",
        "remove `end`; a table, a rule or a decision needs nothing after its last row or clause",
        line,
        column,
        3,
    )


def _unclosed(source: Source, offset: int, kind: str, expected: set[str]) -> Found | None:
    """A bracket still open where the next declaration (or the end of the file) begins: point at the bracket."""
    if kind not in _DECLARATION_KEYWORDS and kind != "$END":
        return None
    stack = _open_brackets(source.text[:offset])
    if not stack:
        return None
    opener, at = stack[-1]
    closer = _CLOSING[opener]
    if _CLOSING_TERMINALS[closer] not in expected:
        return None
    line, column = _position(source, at)
    last = _words_before(source, offset)
    after = f" after `{last[0][1]}`" if last else ""
    if kind == "$END":
        where = "the file ends"
    else:
        next_line = _position(source, offset)[0]
        where = f"`{source.text[offset:].split(None, 1)[0]}` on line {next_line} starts the next declaration"
    what = _bracketed(source.text[:at], opener)
    return (
        f"this `{opener}` is never closed: {where} before its `{closer}`",
        f"close {what} with `{closer}`{after}",
        line,
        column,
        1,
    )


def _open_brackets(text: str) -> list[tuple[str, int]]:
    """The brackets ``text`` leaves open, with their offsets, the innermost last (texts and comments skipped)."""
    stack: list[tuple[str, int]] = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[(){}\[\]]', text):
        char = m.group()
        if char in _CLOSING:
            stack.append((char, m.start()))
        elif char in _CLOSING.values() and stack and _CLOSING[stack[-1][0]] == char:
            stack.pop()
    return stack


def _bracketed(before: str, opener: str) -> str:
    """What a bracket opened after ``before`` holds, for a hint: ``the enum's values``, ``the index``..."""
    follows_a_value = bool(before) and (before[-1].isalnum() or before[-1] in "_)]")
    if opener == "{":
        return "the enum's values" if before.rstrip().endswith("enum") else "the set or record"
    if opener == "[":
        return "the index" if follows_a_value else "the list"
    return "the function's arguments" if follows_a_value else "the parenthesis"


def _missing_comma(source: Source, token: Any, expected: set[str]) -> Found | None:
    """``{a, b c}``, ``f(a b)``: two items in brackets with no comma between them."""
    if (
        "COMMA" not in expected
        or token.type not in _ITEM_TERMINALS
        or not _open_brackets(source.text[: token.start_pos])
    ):
        return None
    words = _words_before(source, token.start_pos or 0)
    if not words or not (re.fullmatch(r"[\w.]+|\"[^\n]*\"", words[0][1]) or words[0][1] in ")]}"):
        return None
    return (
        f"a `,` is missing before `{token}`",
        f"separate the items with `,`: `{words[0][1]}, {token}`",
        token.line or 1,
        token.column or 1,
        len(str(token)),
    )


_ITEM_TERMINALS = frozenset({"NAME", "INT", "DECIMAL", "STRING", "DATE", "DATETIME", "TIME", "RULE_ID", "CALL_NAME"})


def _unit_after_number(source: Source, token: Any) -> Found | None:
    """``100 EUR``, ``30 dys``, ``2 weeks``: a word after a number that is no unit policylang knows."""
    if token.type != "NAME" or source.text[token.end_pos or 0 :].lstrip().startswith(":"):
        return None  # a name before `:` is a record's next field (a comma is missing)
    start = token.start_pos or 0
    number = re.search(r"(?<![\w.])(-?\d[\d_]*(?:\.\d+)?)\s+$", source.text[max(0, start - 40) : start])
    if number is None:
        return None
    word, amount = str(token), number.group(1)
    line, column = token.line or 1, token.column or 1
    if word.lower() in _CURRENCY_WORDS or (word.isalpha() and len(word) == 3 and word.upper() in CURRENCIES):
        code = "DKK" if word.lower() in _CURRENCY_WORDS else word.upper()
        return (
            f"`{word}` is not a currency: an amount of money is written with its ISO 4217 code in capitals",
            f"write `{amount} {code}`",
            line,
            column,
            len(word),
        )
    if word.lower() in ("week", "weeks") and amount.lstrip("-").isdigit():
        days = int(amount.replace("_", "")) * 7
        return (
            "`weeks` is not a unit of time: durations count days, months or years",
            f"write `{days} days`",
            line,
            column,
            len(word),
        )
    close = closest(word.lower(), _UNITS)
    if close is not None:
        return (
            f"`{word}` is not a unit of time",
            f"did you mean `{amount} {close}`? Durations are written `30 days`, `3 months` or `1 year`",
            line,
            column,
            len(word),
        )
    return (
        f"a number cannot be followed by `{word}` here",
        "a number stands alone, or with a unit: a currency such as `DKK` or `EUR` for money, "
        "`days`, `months` or `years` for a duration",
        line,
        column,
        len(word),
    )


def _missing_then(source: Source, token: Any, expected: set[str]) -> Found | None:
    """``rule R-1 when a eligible = yes``: the conclusion of a rule needs ``then`` before it."""
    if "THEN" not in expected or token.type != "NAME":
        return None
    rest = source.text[(token.end_pos or 0) :].lstrip()
    if not rest.startswith("=") or rest.startswith("=="):
        return None
    conclusion = rest[1:].split("\n")[0].split(" by ")[0].strip()
    return (
        f"`then` is missing before the conclusion `{token} = {conclusion}`",
        f"a rule concludes with `when <condition> then <decision> = <value>`: write `then {token} = {conclusion}`",
        token.line or 1,
        token.column or 1,
        len(str(token)),
    )


def _line_text(source: Source, line: int) -> str:
    lines = source.text.splitlines()
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _example(written: str, instead: str) -> str:
    return {"and": "a and b", "or": "a or b", "not": "not a"}.get(instead, f"age {instead} 18")


_TERMINAL_NAMES = {
    "NAME": "a name",
    "RULE_ID": "a rule ID such as `RES-HELP-02`",
    "STRING": "a quoted text",
    "INT": "a whole number",
    "DECIMAL": "a decimal number",
    "DATE": "a date such as `1998-07-01`",
    "DATETIME": "a date and time with offset",
    "TIME": "a time such as `09:00`",
    "COMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "CALL_NAME": "a function call",
    "QUANTIFIER": "`any(...)`, `all(...)` or `count(...)`",
    "DURATION_UNIT": "`days`, `months` or `years`",
    "$END": "the end of the file",
}


def _describe_expected(parser: Lark, names: set[str] | list[str]) -> str:
    words: list[str] = []
    for name in sorted(names):
        if name in _TERMINAL_NAMES:
            words.append(_TERMINAL_NAMES[name])
            continue
        try:
            pattern = parser.get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            words.append(f"`{pattern.value}`")
    words = sorted(set(words))
    if len(words) > 8:
        words = [*words[:8], "..."]
    return ", ".join(words)

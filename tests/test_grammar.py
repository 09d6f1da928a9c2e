"""The grammar itself: LALR(1) without conflicts, and read top-down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lark import Lark

from policylang.syntax.parser import GRAMMAR_PATH


def test_the_grammar_has_no_lalr_conflicts() -> None:
    # strict mode turns any shift/reduce conflict (and terminal collision) into an error
    Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", strict=True)


def tokens(parser: Lark, text: str) -> list[tuple[object, ...]]:
    """The tokens the parser reads from ``text``, positions included, then its error if any."""
    from lark.exceptions import UnexpectedInput

    out: list[tuple[object, ...]] = []
    try:
        for t in parser.parse_interactive(text).iter_parse():
            out.append((t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos))
    except UnexpectedInput as e:
        expected = getattr(e, "expected", None) or getattr(e, "allowed", None) or ()
        out.append((type(e).__name__, e.line, e.column, sorted(expected), str(getattr(e, "token", ""))))
    return out


def test_the_lexers_made_lazily_read_every_policy_as_lark_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """policylang's parser, loaded from its cache, makes each parser state's lexer on first use: the same tokens."""
    from policylang.syntax import parser as module

    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(tmp_path))
    module._parser.cache_clear()
    module._parser()  # writes Lark's cache
    module._parser.cache_clear()
    lazy = module._parser()  # as a new process loads it, from the cache
    module._parser.cache_clear()
    stock = Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True, maybe_placeholders=True
    )
    lazy.parse('fact a: bool "A" / "A"\n')
    assert len(lazy.parser.lexer.lexers) < len(stock.parser.lexer.lexers) / 10, "lexers made only for the states used"
    root = Path(__file__).resolve().parent.parent
    texts = [p.read_text(encoding="utf-8") for p in sorted(root.glob("**/*.pol")) if ".venv" not in p.parts]
    assert len(texts) > 50
    for text in texts:
        assert tokens(lazy, text) == tokens(stock, text)
        for cut in (len(text) // 3, len(text) // 2):  # broken text: the same tokens up to the same error
            broken = text[:cut] + text[cut + 7 :]
            assert tokens(lazy, broken) == tokens(stock, broken)


def test_the_parse_table_read_from_lark_s_cache_is_lark_s() -> None:
    """policylang reads the table Lark serialised sharing equal entries: the same actions, the same rules."""
    import pickle

    from lark.parsers.lalr_analysis import IntParseTable
    from lark.utils import SerializeMemoizer

    from policylang.syntax.parser import parse_table

    built = Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True, maybe_placeholders=True
    )
    original = built.parser.parser._parse_table
    data, memo = built.memo_serialize([type(r) for r in built.rules[:1]] + [type(built.terminals[0])])
    data, memo = pickle.loads(pickle.dumps((data, memo)))  # as Lark writes and reads its cache
    memo = SerializeMemoizer.deserialize(
        memo, {"Rule": type(built.rules[0]), "TerminalDef": type(built.terminals[0])}, {}
    )
    tables = data["parser"]["parser"]
    ours, lark_s = parse_table(tables, memo), IntParseTable.deserialize(tables, memo)
    assert ours.states == lark_s.states and ours.start_states == lark_s.start_states
    assert ours.end_states == lark_s.end_states
    assert ours.states.keys() == original.states.keys()
    for state, row in ours.states.items():
        assert row.keys() == lark_s.states[state].keys()
        for token, (action, arg) in row.items():
            their_action, their_arg = lark_s.states[state][token]
            assert action is their_action and (arg is their_arg if not isinstance(arg, int) else arg == their_arg)


def test_a_lark_whose_insides_differ_gives_lark_s_own_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The faster load replaces private parts of Lark; where they are not as expected, Lark is used as it is."""
    from policylang.syntax import parser

    def changed(*args: object, **kwargs: object) -> None:
        raise AttributeError("a Lark of another version")

    monkeypatch.setattr(parser._SharedActionsParser, "deserialize", classmethod(changed))
    monkeypatch.setattr(parser._LazyContextualLexer, "__init__", changed)
    parser._parser.cache_clear()
    try:
        module = parser.parse_module('policy demo\nfact age: int "Alder" / "Age"\n', "demo.pol")
        assert module.declarations[1].name == "age"
    finally:
        parser._parser.cache_clear()


def test_a_syntax_node_s_repr_is_the_one_attrs_would_write() -> None:
    """The classes of policylang.syntax.ast share one __repr__ (attrs would compile one for each)."""
    import attrs

    from policylang.syntax import ast
    from policylang.syntax.parser import parse_module

    seen: dict[type[Any], Any] = {}

    def walk(node: object) -> None:
        if isinstance(node, tuple | list):
            for item in node:
                walk(item)
        elif attrs.has(type(node)) and type(node).__module__ == ast.__name__:
            seen.setdefault(type(node), node)
            for field in attrs.fields(type(node)):
                walk(getattr(node, field.name))

    root = Path(__file__).resolve().parent.parent / "policies"
    for path in sorted(root.rglob("*.pol")):
        walk(parse_module(path.read_text(encoding="utf-8"), str(path)))
    classes = [v for v in vars(ast).values() if isinstance(v, type) and attrs.has(v) and v.__module__ == ast.__name__]
    assert len(seen) > len(classes) * 3 // 4  # the bundled policies use most of them
    for cls, node in seen.items():
        fields = attrs.fields(cls)
        # the same class as attrs makes it, with attrs' own __repr__, holding the same values
        twin = attrs.make_class(cls.__name__, {f.name: attrs.field(repr=f.repr) for f in fields}, frozen=True)
        twin.__qualname__ = cls.__qualname__
        assert repr(node) == repr(twin(*[getattr(node, f.name) for f in fields])), cls

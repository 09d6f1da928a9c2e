"""The grammar itself: LALR(1) without conflicts, and read top-down."""

from __future__ import annotations

from lark import Lark

from policylang.syntax.parser import GRAMMAR_PATH


def test_the_grammar_has_no_lalr_conflicts() -> None:
    # strict mode turns any shift/reduce conflict (and terminal collision) into an error
    Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", strict=True)

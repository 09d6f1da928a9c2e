"""Highlighting: the keyword tables, the Pygments lexer (found by its entry point) and the TextMate grammar agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, String

from policylang.syntax import keywords, textmate
from policylang.syntax.highlight import PolicyLexer
from policylang.syntax.parser import GRAMMAR_PATH

ROOT = Path(__file__).parent.parent
TEXTMATE = ROOT / "policylang" / "syntax" / "policylang.tmLanguage.json"
DOCS = ROOT / "docs"


def test_the_keyword_tables_hold_every_word_of_the_grammar() -> None:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    quoted = {w for w in re.findall(r'"([a-z]+)"', grammar)}
    assert quoted == set(keywords.KEYWORDS)


def test_the_lexer_is_found_by_its_entry_point() -> None:
    assert isinstance(get_lexer_by_name("pol"), PolicyLexer)
    assert isinstance(get_lexer_by_name("policylang"), PolicyLexer)
    assert isinstance(get_lexer_for_filename("residence.pol"), PolicyLexer)


@pytest.mark.parametrize("path", sorted((ROOT / "policies").rglob("*.pol")), ids=lambda p: p.name)
def test_the_bundled_policies_lex_without_an_error(path: Path) -> None:
    tokens = list(PolicyLexer().get_tokens(path.read_text(encoding="utf-8")))
    assert not [t for t in tokens if t[0] in Error]


def test_the_lexer_tells_the_parts_apart() -> None:
    text = (
        'rule RES-HELP-02 "Titel" cites S1 "pkt. 6" force kan  # note\n'
        "decision d: bool = age(b, c) >= 18 by RES-HELP-02"
    )
    tokens = [(kind, value) for kind, value in PolicyLexer().get_tokens(text) if value.strip()]
    assert (Keyword.Declaration, "rule") in tokens and tokens.count((Name.Label, "RES-HELP-02")) == 2
    assert (String.Double, '"Titel"') in tokens and (Name.Builtin, "age") in tokens
    assert (Keyword.Declaration, "decision") in tokens and (Name.Function, "d") in tokens
    assert (Keyword.Type, "bool") in tokens


def test_the_docs_policy_blocks_lex_without_an_error() -> None:
    blocks = []
    for page in DOCS.rglob("*.rst"):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"\.\. code-block:: pol\n(?:   :\w+:.*\n)*\n((?:(?: {3,}.*)?\n)+)", text):
            blocks.append(m.group(1))
    assert len(blocks) >= 15
    for block in blocks:
        assert not [t for t in PolicyLexer().get_tokens(block) if t[0] in Error], block


def test_the_textmate_grammar_is_up_to_date() -> None:
    assert TEXTMATE.read_text(encoding="utf-8") == textmate.text(), (
        'run: python -c "from policylang.syntax.textmate import write; write()"'
    )


def test_the_textmate_grammar_has_every_keyword_and_its_patterns_compile() -> None:
    grammar = json.loads(TEXTMATE.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.policylang" and grammar["fileTypes"] == ["pol"]
    patterns: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("match", "begin", "end") and isinstance(value, str):
                    patterns.append(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(grammar)
    compiled = [re.compile(p) for p in patterns]
    for word in keywords.KEYWORDS | set(keywords.QUANTIFIERS) - {"any", "all", "count"}:
        assert any(c.fullmatch(word) for c in compiled), word
    assert any(c.fullmatch("RES-HELP-02") for c in compiled)

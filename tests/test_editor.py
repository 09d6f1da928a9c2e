"""The editor phase without a client: incremental parsing, the workspace, hover, completion, navigation."""

from __future__ import annotations

from pathlib import Path

import pytest

from policylang.base.errors import PolicyError, PolicySyntaxError
from policylang.cli import main
from policylang.editor.complete import complete
from policylang.editor.hover import hover
from policylang.editor.navigate import RenameError, definition, fix_span, outline, references, rename
from policylang.editor.workspace import Workspace
from policylang.syntax.incremental import IncrementalParser, pieces
from policylang.syntax.parser import parse_module

ROOT = Path(__file__).parent.parent
HELP = ROOT / "policies" / "residence" / "help_and_repatriation.pol"
ALL = sorted([*(ROOT / "policies").rglob("*.pol"), *(ROOT / "tests" / "cases").rglob("*.pol")])


# ----------------------------------------------------------------- incremental parsing


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_incremental_parse_is_the_whole_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        whole = parse_module(text, str(path))
    except PolicyError as e:
        with pytest.raises(PolicyError) as caught:
            IncrementalParser(str(path)).parse(text)
        assert caught.value.diagnostics[0].span.line == e.diagnostics[0].span.line  # type: ignore[union-attr]
        return
    module = IncrementalParser(str(path)).parse(text)
    assert module == whole and module.span == whole.span


def test_an_edit_parses_only_the_declaration_it_changed() -> None:
    text = HELP.read_text(encoding="utf-8")
    parser = IncrementalParser("help.pol")
    parser.parse(text)
    first = parser.parsed
    edits = [
        text.replace("let in_scope = not before_guideline", "let in_scope = not before_guidelin"),
        "# a new first line\n\n" + text,  # every declaration moves down two lines
        text.replace("fact urgent_case: bool", "fact urgent_case: bool?"),
    ]
    for edited in edits:
        before = parser.parsed
        assert parser.parse(edited) == parse_module(edited, "help.pol")
        assert parser.parsed - before <= 2
    assert first > 100


def test_every_broken_declaration_is_a_syntax_error_of_its_own() -> None:
    text = "fact a: bool\ndecision x: bool = (a\nfact b: int\nrule R-1 cites\n"
    with pytest.raises(PolicySyntaxError) as e:
        IncrementalParser("broken.pol").parse(text)
    assert [d.span.line for d in e.value.diagnostics if d.span] == [2, 4]


def test_a_keyword_in_the_first_column_of_a_text_does_not_cut_it() -> None:
    text = 'rule R-1 "x"\n  quote "Første linje\nrule ikke en regel"\nfact a: bool\n'
    assert [line for line, _, _ in pieces(text)] == [1, 4]
    assert IncrementalParser("q.pol").parse(text) == parse_module(text, "q.pol")


def test_a_keyword_used_as_a_name_in_the_first_column_is_parsed_with_its_declaration() -> None:
    text = "fact type: int\nlet big =\ntype > 3\nfact b: bool\n"
    assert IncrementalParser("n.pol").parse(text) == parse_module(text, "n.pol")


# ----------------------------------------------------------------- the workspace


def write(folder: Path, files: dict[str, str]) -> Workspace:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Workspace([folder])


SHARED = """\
source S "Testloven" title "Loven om test"
type level = ordered enum { low "lav" / "low", high "høj" / "high" }
fact income: int "Indkomst" / "Income" provenance doc
factor need "Behov" / "Need"
"""
MAIN = """\
policy test/main
import "shared.pol"
fact band: level "Niveau" / "Level"
let poor = income < 100
decision eligible: bool "Berettiget" / "Eligible"
  first match
    true when poor and band = low weigh need by MAIN-1
    false otherwise by MAIN-1
rule MAIN-1 "Eligible" cites S "§ 2" force skal quote "Den, der har lav indkomst, er berettiget."
"""


def place(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    index = text.index(needle) + offset
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def test_a_problem_in_an_imported_file_is_shown_at_the_import(tmp_path: Path) -> None:
    w = write(tmp_path, {"shared.pol": SHARED.replace("fact income: int", "fact income: nt"), "main.pol": MAIN})
    main_path = str((tmp_path / "main.pol").resolve())
    shown = w.analyse(main_path).for_file(main_path)
    [problem] = [d for d in shown if d.code == "pol-unknown-type"]
    assert problem.span is not None and problem.span.line == 2
    assert problem.message.startswith("in shared.pol:3:14: unknown type `nt`")


def test_hover_on_each_kind_of_name(tmp_path: Path) -> None:
    w = write(tmp_path, {"shared.pol": SHARED, "main.pol": MAIN})
    path = str((tmp_path / "main.pol").resolve())
    analysis = w.analyse(path)

    def shown(needle: str, offset: int = 0) -> str:
        found = hover(analysis, path, *place(MAIN, needle, offset))
        assert found is not None, needle
        return found[0]

    assert "**fact** `income`: `int`" in shown("income <") and "provenance `doc`" in shown("income <")
    assert "*declared in* `shared.pol:3`" in shown("income <")
    assert "**fact** `band`: `level`" in shown("band =") and "- `low` — lav / low" in shown("band =")
    assert "**let** `poor`: `bool`" in shown("poor and") and "income < 100" in shown("poor and")
    decision = shown("eligible")
    assert "**decision** `eligible`: `bool`" in decision and "Berettiget / Eligible" in decision
    rule = shown("by MAIN-1", 4)
    assert "Eligible" in rule and "Testloven § 2" in rule and "`skal`" in rule and "lav indkomst" in rule
    assert "**type** `level` = `ordered enum`" in shown("level")
    assert "**source** `S`" in shown('S "§ 2"') and "Loven om test" in shown('S "§ 2"')
    assert "**factor** `need`" in shown("need by")
    assert "**value** `low` of `level`" in shown("low weigh") and "lav / low" in shown("low weigh")


def test_hover_on_a_built_in_function(tmp_path: Path) -> None:
    text = "fact born: date\nfact as_of: date\ndecision years: int = age(born, as_of)\n"
    w = write(tmp_path, {"f.pol": text})
    path = str((tmp_path / "f.pol").resolve())
    found = hover(w.analyse(path), path, *place(text, "age("))
    assert found is not None and "age(date_of_birth, on) -> int" in found[0]


def test_navigation_across_files(tmp_path: Path) -> None:
    w = write(tmp_path, {"shared.pol": SHARED, "main.pol": MAIN, "other.pol": 'import "shared.pol"\nlet x = income'})
    path = str((tmp_path / "main.pol").resolve())
    analysis = w.analyse(path)
    [declared] = definition(w, analysis, path, *place(MAIN, "income <"))
    assert declared.file.endswith("shared.pol") and (declared.line, declared.column) == (3, 6)
    [imported] = definition(w, analysis, path, *place(MAIN, '"shared.pol"', 2))
    assert imported.file == str((tmp_path / "shared.pol").resolve())
    used = references(w, analysis, path, *place(MAIN, "income <"))
    assert sorted((Path(s.file).name, s.line) for s in used) == [("main.pol", 4), ("other.pol", 2), ("shared.pol", 3)]
    edits = rename(w, analysis, path, *place(MAIN, "income <"), "earnings")
    assert sorted(Path(f).name for f in edits) == ["main.pol", "other.pol", "shared.pol"]
    rule_edits = rename(w, analysis, path, *place(MAIN, "by MAIN-1", 4), "MAIN-2")
    assert [(s.line, s.column) for s, _ in rule_edits[path]] == [(7, 49), (8, 24), (9, 6)]


@pytest.mark.parametrize(
    ("new", "says"),
    [("2fast", "cannot be a name"), ("when", "cannot be a name"), ("poor", "already declared"), ("main-1", "rule ID")],
)
def test_a_rename_that_cannot_be_done_says_why(tmp_path: Path, new: str, says: str) -> None:
    w = write(tmp_path, {"shared.pol": SHARED, "main.pol": MAIN})
    path = str((tmp_path / "main.pol").resolve())
    where = place(MAIN, 'MAIN-1 "', 0) if new == "main-1" else place(MAIN, "band:", 0)
    with pytest.raises(RenameError, match=says):
        rename(w, w.analyse(path), path, *where, new)


def test_a_quick_fix_finds_the_misspelt_name_in_its_span() -> None:
    from policylang.base.span import Source, Span

    text = 'rule R-1 cites S "§ 1"\n  force sakl\n'
    span = Span(Source("r.pol", text), 1, 1, 2, 13)
    where = fix_span(text, span, "sakl")
    assert where is not None and (where.line, where.column, where.end_column) == (2, 9, 13)
    assert fix_span(text, span, "nowhere") is None


def test_the_outline_lists_the_declarations(tmp_path: Path) -> None:
    module = parse_module(MAIN, "main.pol")
    assert [(i.kind, i.name) for i in outline(module)] == [
        ("policy", "test/main"),
        ("fact", "band"),
        ("let", "poor"),
        ("decision", "eligible"),
        ("rule", "MAIN-1"),
    ]


# ----------------------------------------------------------------- completion


@pytest.mark.parametrize(
    ("typed", "expected", "absent"),
    [
        ("    true when poor by ", {"MAIN-1"}, {"income"}),
        ("rule X-1 exception to MAIN-1, ", {"MAIN-1"}, set()),
        ("rule X-1 cites ", {"S"}, {"income"}),
        ("    true when poor weigh ", {"need"}, {"income"}),
        ("rule X-1 force ", {"lov", "skal", "bør", "kan", "praksis"}, set()),
        ("fact y: ", {"bool", "date", "level", "list of"}, {"income"}),
        ("let z = band = ", {"low", "high", "band"}, {"income", "poor"}),
        ("let z = band in {low, ", {"low", "high"}, set()),
        ("let z = ", {"income", "poor", "band", "age", "and", "any("}, set()),
        ("", {"fact", "decision", "rule"}, {"income"}),
    ],
)
def test_completion_knows_what_belongs_where(tmp_path: Path, typed: str, expected: set[str], absent: set[str]) -> None:
    w = write(tmp_path, {"shared.pol": SHARED, "main.pol": MAIN})
    path = str((tmp_path / "main.pol").resolve())
    analysis = w.analyse(path)
    text = MAIN + typed
    line = text.count("\n") + 1
    start, found = complete(text, line, len(typed) + 1, analysis)
    labels = {c.label for c in found}
    assert expected <= labels and not absent & labels
    assert start == len(typed) + 1


def test_completion_of_a_row_offers_the_decisions_values(tmp_path: Path) -> None:
    text = SHARED + "decision lvl: level\n  first match\n    hi"
    w = write(tmp_path, {"f.pol": SHARED + "decision lvl: level\n  first match\n    high otherwise\n"})
    path = str((tmp_path / "f.pol").resolve())
    start, found = complete(text, text.count("\n") + 1, 7, w.analyse(path))
    assert [c.label for c in found] == ["high"] and start == 5


def test_completion_of_a_rule_id_replaces_what_is_typed_with_its_dashes(tmp_path: Path) -> None:
    w = write(tmp_path, {"shared.pol": SHARED, "main.pol": MAIN})
    path = str((tmp_path / "main.pol").resolve())
    text = MAIN + "let q = poor by MAIN-"
    start, found = complete(text, text.count("\n") + 1, len("let q = poor by MAIN-") + 1, w.analyse(path))
    assert [c.label for c in found] == ["MAIN-1"] and start == len("let q = poor by ") + 1


# ----------------------------------------------------------------- the command without the extra


def test_lsp_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert main(["lsp"]) == 1
    assert "pip install 'policylang[lsp]'" in capsys.readouterr().err


# ----------------------------------------------------------------- a quick fix for every "did you mean"

FIXABLE = {
    "a fact": "fact age: int\ndecision adult: bool = agee >= 18",
    "an enum value": "decision d: enum { notify, do_not_notify } = dont_notify",
    "an enum value in quotes": 'fact s: enum { yes, no }\ndecision d: bool = s = "yse"',
    "a rule in a by clause": 'rule R-1 cites S "§ 1"\nfact a: bool\ndecision d: bool = a by R-11',
    "a rule as a value": 'rule R-ONE cites S "§ 1"\ndecision d: rule = R-ONX',
    "a type": "fact a: bol",
    "a function": "fact born: date\nfact on: date\ndecision d: int = aeg(born, on)",
    "a factor": 'factor need "Behov" / "Need"\nfact a: bool\ndecision d: bool = a weigh nede',
    "a source": 'source LOV "Loven"\nrule R-1 cites LOW "§ 1"',
    "a force": 'rule R-1 cites S "§ 1" force sakl',
    "a provenance": "fact a: bool provenance modle\ndecision d: bool = a",
    "a record field": "type c = record { urgent: bool }\nfact x: c\ndecision d: bool = x.urgnet",
    "a record value's field": "type c = record { urgent: bool }\ndecision d: c = {urgnet: true}",
    "a map key": "parameter P: map of enum { low, high } to int = {lwo: 1, high: 2}",
    "a concluded decision": (
        'fact a: bool\ndecision d: bool default false\nrule R-1 cites S "§ 1" when a then dd = true'
    ),
    "an operator from another language": "fact a: int\ndecision d: bool = a == 1",
}


@pytest.mark.parametrize("case", sorted(FIXABLE))
def test_every_did_you_mean_has_a_quick_fix_that_removes_it(tmp_path: Path, case: str) -> None:
    text = 'policy test/fix\nsource S "Testloven"\n' + FIXABLE[case] + "\n"
    w = write(tmp_path, {"fix.pol": text})
    path = str((tmp_path / "fix.pol").resolve())
    shown = w.analyse(path).for_file(path)
    [d] = [d for d in shown if d.hint and ("did you mean" in d.hint or "write `" in d.hint)]
    assert d.fix is not None and d.span is not None
    where = fix_span(text, d.span, d.fix.written)
    assert where is not None and where.text == d.fix.written
    lines = text.split("\n")
    line = lines[where.line - 1]
    lines[where.line - 1] = line[: where.column - 1] + d.fix.suggested + line[where.end_column - 1 :]
    w.change(path, "\n".join(lines))
    assert [x for x in w.analyse(path).for_file(path) if x.code == d.code and x.severity == "error"] == []


def test_lsp_check_says_the_server_can_start(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pygls")
    assert main(["lsp", "--check"]) == 0
    assert "the language server can start" in capsys.readouterr().out


def test_hover_on_a_fact_shows_its_default(tmp_path: Path) -> None:
    text = 'policy test/d\nfact children: int "Børn" / "Children"\n  default 0\ndecision many: bool = children > 2\n'
    assert IncrementalParser("d.pol").parse(text) == parse_module(text, "d.pol")
    w = write(tmp_path, {"d.pol": text})
    path = str((tmp_path / "d.pol").resolve())
    found = hover(w.analyse(path), path, *place(text, "children > 2"))
    assert found is not None and "default `0` (assumed when not given)" in found[0]

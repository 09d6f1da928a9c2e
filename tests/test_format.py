"""``policylang fmt``: one canonical layout that keeps comments and never changes what a policy means."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylang.base.errors import PolicyError, PolicySyntaxError
from policylang.base.span import Source, Span
from policylang.check.declarations import check_modules
from policylang.cli import main
from policylang.policy.loader import read_modules
from policylang.syntax import format as fmt
from policylang.syntax.format import FormatError, format_text
from policylang.syntax.parser import parse_layout, parse_module

ROOT = Path(__file__).parent.parent
BUNDLED = sorted((ROOT / "policies").rglob("*.pol"))
CASES = sorted((ROOT / "tests" / "cases").rglob("*.pol"))


def parses(path: Path) -> bool:
    try:
        parse_layout(path.read_text(encoding="utf-8"), str(path))
    except PolicyError:
        return False
    return True


def without_spans(value: Any) -> Any:
    """A checked program (or any part of it) with every span and source left out, to compare meanings.

    The program's ``source_hash`` (of its files' text, naming its manifest) is left out too.
    """
    if isinstance(value, Span | Source):
        return None
    if attrs.has(type(value)):
        fields = [
            without_spans(getattr(value, f.name)) for f in attrs.fields(type(value)) if f.eq and f.name != "source_hash"
        ]
        return (type(value).__name__, *fields)
    if isinstance(value, dict):
        return tuple((k, without_spans(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(without_spans(v) for v in value)
    return value


def checked(path: Path, text: str) -> Any:
    """The program ``text`` checks to, read as the file ``path`` (whose imports are read as they are)."""
    try:
        modules = read_modules(path)
        modules[-1] = parse_module(text, modules[-1].path)
        program, diagnostics = check_modules(modules, require_header=False)
    except PolicyError as e:
        return ("error", e.code, [d.code for d in e.diagnostics])
    if program is None:
        return ("diagnostics", [(d.code, d.severity) for d in diagnostics])
    return without_spans(program)


@pytest.mark.parametrize("path", [p for p in BUNDLED + CASES if parses(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_formatting_keeps_the_meaning_and_is_idempotent(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text, str(path))
    assert format_text(formatted, str(path)) == formatted
    assert checked(path, formatted) == checked(path, text)
    assert [c.text for c in parse_layout(formatted).comments] == [c.text for c in parse_layout(text).comments]


def test_the_bundled_policies_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fmt", "--check", str(ROOT / "policies")])
    out, err = capsys.readouterr()
    assert code == 0, err + "\nrun `policylang fmt policies/` and commit the result"
    assert f"would format 0 of {len(BUNDLED)} file(s)" in out


def test_the_layout() -> None:
    text = (
        "# a policy   \n"
        + """\
policy  demo/layout
 title "Demo" /"Demo"
import "common.pol"
type colour=enum{red "rød"/"red",
green}
fact  age :int?  # years


fact colours:set of colour   # chosen
rule R-1 "Første"
cites S "§ 1" line 3 - 5 ,S "§ 2"
        force skal
quote "Tekst"
decision band:enum{ low,high } "Bånd"
 first match
  low when age<18 and colour_ok(colours) by R-1
  high when age >= 18
     and red in colours by R-1, R-2
  # the rest
  high otherwise   by R-1
let ok=any(c in colours:c=red) or {red,green}=colours and m[ age ] != null
"""
    )
    assert (
        format_text(text)
        == """\
# a policy
policy demo/layout
  title "Demo" / "Demo"
import "common.pol"
type colour = enum { red "rød" / "red",
    green }
fact age: int?  # years

fact colours: set of colour  # chosen
rule R-1 "Første"
  cites S "§ 1" line 3-5, S "§ 2"
  force skal
  quote "Tekst"
decision band: enum { low, high } "Bånd"
  first match
    low when age < 18 and colour_ok(colours) by R-1
    high when age >= 18
      and red in colours                     by R-1, R-2
    # the rest
    high otherwise                           by R-1
let ok = any(c in colours: c = red) or {red, green} = colours and m[age] != null
"""
    )


def test_a_function_declaration() -> None:
    text = """\
function  contribution( m :member,rate:decimal ) :money EUR "Bidrag"/"Contribution"
cites CT "§ 3"
    note "Pr. medlem"
 = m.income*rate
function twice(n:int):int=n*2
decision d:int=sum(m in ms:twice( m.n ))
"""
    expected = """\
function contribution(m: member, rate: decimal): money EUR "Bidrag" / "Contribution"
  cites CT "§ 3"
  note "Pr. medlem"
  = m.income * rate
function twice(n: int): int = n * 2
decision d: int = sum(m in ms: twice(m.n))
"""
    assert format_text(text) == expected
    assert format_text(expected) == expected


def test_a_tagged_enum_and_a_match() -> None:
    """A member's fields are spaced like a type's braces; a `match`'s arms are indented by 2 inside its braces."""
    text = """\
type income=enum{salary{amount:money} "Løn"/"Salary",none}
decision monthly:money=match inc{
salary s=>s.amount
        none=>0 DKK
}by R-1
decision c: money
  first match
    match inc {
    salary s => s.amount
    otherwise => 0 DKK
    } when true by R-1
"""
    expected = """\
type income = enum { salary { amount: money } "Løn" / "Salary", none }
decision monthly: money = match inc {
  salary s => s.amount
  none => 0 DKK
} by R-1
decision c: money
  first match
    match inc {
      salary s => s.amount
      otherwise => 0 DKK
    } when true by R-1
"""
    assert format_text(text) == expected
    assert format_text(expected) == expected


def test_declarations_and_rows_start_their_own_lines() -> None:
    text = "fact a: bool fact b: bool\ndecision d: bool first match true when a by R-1 false otherwise\n"
    assert format_text(text) == (
        "fact a: bool\nfact b: bool\ndecision d: bool first match\n    true when a by R-1\n    false otherwise\n"
    )


def test_trailing_comments_of_neighbouring_lines_line_up() -> None:
    text = "let a = 1 # one\nlet bcd = 22 # two\n\nlet e = 3      # three\n"
    assert format_text(text) == "let a = 1     # one\nlet bcd = 22  # two\n\nlet e = 3  # three\n"


def test_windows_line_ends_and_an_empty_file() -> None:
    assert format_text("fact a: bool\r\nfact b: bool\r\n") == "fact a: bool\nfact b: bool\n"
    assert format_text("") == ""
    assert format_text("# only a comment\n\n\n") == "# only a comment\n"


def test_a_file_that_does_not_parse_is_a_syntax_error() -> None:
    with pytest.raises(PolicySyntaxError) as e:
        format_text("decision x: bool = (a", "bad.pol")
    assert e.value.diagnostics[0].code == "pol-syntax"


def test_a_layout_that_would_change_the_tokens_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt._Formatter, "run", lambda self: "fact b: bool\n")
    with pytest.raises(FormatError, match="change more than whitespace"):
        format_text("fact a: bool\n", "demo.pol")


@st.composite
def respaced(draw: st.DrawFn, text: str) -> str:
    """``text`` with other spaces between the tokens of a line and other indentation: the same layout to fmt."""
    layout = parse_layout(text)
    items = sorted([*layout.tokens, *layout.comments], key=lambda t: t.offset)
    out, end = [], 0
    for item in items:
        gap = text[end : item.offset]
        if gap and "\n" not in gap:
            gap = " " * draw(st.integers(1, 4))
        elif "\n" in gap:
            gap = gap[: gap.rindex("\n") + 1] + " " * draw(st.integers(0, 6))
        out.append(gap + text[item.offset : item.end_offset])
        end = item.end_offset
    return "".join(out) + text[end:]


BENEFIT = (ROOT / "policies" / "examples" / "benefit.pol").read_text(encoding="utf-8")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(respaced(BENEFIT))
def test_spaces_and_indentation_do_not_change_the_result(text: str) -> None:
    assert format_text(text) == format_text(BENEFIT)


# ----------------------------------------------------------------- the command


def test_fmt_rewrites_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.pol"
    messy.write_text("fact   a:bool\n", encoding="utf-8")
    tidy = tmp_path / "tidy.pol"
    tidy.write_text("fact a: bool\n", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert f"{messy}: not formatted" in err and "would format 1 of 2 file(s)" in out
    assert main(["fmt", "--diff", str(messy)]) == 2
    out, err = capsys.readouterr()
    assert "-fact   a:bool\n+fact a: bool\n" in out
    assert messy.read_text(encoding="utf-8") == "fact   a:bool\n"
    assert main(["fmt", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert "formatted 1 of 2 file(s)" in out
    assert messy.read_text(encoding="utf-8") == "fact a: bool\n"
    assert main(["fmt", "--check", str(tmp_path)]) == 0


def test_fmt_reports_a_file_that_does_not_parse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pol"
    bad.write_text("decision x: bool = (a\n", encoding="utf-8")
    assert main(["fmt", str(bad)]) == 1
    _, err = capsys.readouterr()
    assert "error[pol-syntax]" in err and "Traceback" not in err
    assert bad.read_text(encoding="utf-8") == "decision x: bool = (a\n"


def test_fmt_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("fact  a :bool\n"))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == "fact a: bool\n"

"""Golden tests of what a policy author sees from ``policylang check``.

Each ``tests/cases/<code>/bad/NAME.pol`` must report the diagnostic ``<code>`` (the whole
output and exit code are compared with ``tests/golden/diagnostics/<code>/NAME.txt``); each ``good/NAME.pol`` must
not report it. A case whose first line is ``# policylang eval`` is loaded as a policy by
``policylang eval`` instead (for what only loading reports, such as a missing header).
Files in subfolders of ``good/`` and ``bad/`` are only imported by the cases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policylang.base.errors import PolicySyntaxError
from policylang.cli import main
from policylang.syntax.parser import parse_module

CASES = Path(__file__).parent / "cases"
BAD = sorted(CASES.glob("*/bad/*.pol"))
GOOD = sorted(CASES.glob("*/good/*.pol"))


def run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    relative = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    if path.read_text(encoding="utf-8").startswith("# policylang eval"):
        facts = path.parent / "facts.json"
        code = main(["eval", str(relative), "--facts", str(facts.relative_to(path.parent.parent.parent))])
    else:
        code = main(["check", str(relative)])
    out, err = capsys.readouterr()
    return code, err + out


@pytest.mark.parametrize("path", BAD, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_bad_policies_report_their_diagnostic(
    path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    golden: Callable[[str, str], None],
) -> None:
    monkeypatch.chdir(CASES)
    code, output = run_check(path, capsys)
    expected_code = path.parent.parent.name
    assert f"[{expected_code}]" in output
    assert "Traceback" not in output
    golden(f"diagnostics/{expected_code}/{path.stem}.txt", f"exit: {code}\n{output}")


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_good_policies_do_not_report_it(
    path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CASES)
    code, output = run_check(path, capsys)
    assert f"[{path.parent.parent.name}]" not in output
    assert code == 0, output


@pytest.mark.parametrize(
    ("written", "expression", "instead"),
    [
        ("==", "age == 18", "="),
        ("&&", "adult && age > 1", "and"),
        ("||", "adult || age > 1", "or"),
        ("!", "!adult", "not"),
        ("=<", "age =< 18", "<="),
        ("=>", "age => 18", ">="),
        ("<>", "age <> 18", "!="),
    ],
)
def test_an_operator_from_another_language_is_named_with_policylangs_own(
    written: str, expression: str, instead: str
) -> None:
    text = f"policy test/habit\nfact age: int\nfact adult: bool\ndecision d: bool = {expression}\n"
    with pytest.raises(PolicySyntaxError) as info:
        parse_module(text, "habit.pol")
    (d,) = info.value.diagnostics
    assert d.message.startswith(f"`{written}` is not an operator here") and f"write `{instead}`" in (d.hint or "")
    assert d.span is not None and d.span.line == 4 and d.span.column == 20 + expression.index(written)
    assert d.span.end_column - d.span.column == len(written)


def test_an_expression_that_ends_before_by_is_named_at_by() -> None:
    text = 'policy test/by\nsource S "T"\nfact age: int\nrule R-1 cites S "x"\ndecision d: bool = age > 1 and by R-1\n'
    with pytest.raises(PolicySyntaxError) as info:
        parse_module(text, "by.pol")
    (d,) = info.value.diagnostics
    assert d.message.startswith("the expression before `by` is incomplete")
    assert d.span is not None and (d.span.line, d.span.column, d.span.end_column) == (5, 32, 34)


def test_an_unknown_function_lists_the_functions_when_nothing_is_close() -> None:
    from tests.conftest import diagnostics_of

    (d,) = diagnostics_of('fact age: int\nrule R-1 cites S "x"\ndecision d: int = zzz(age) by R-1\n')
    assert d.code == "pol-unknown-function" and "`add_years`" in (d.hint or "")
    (d,) = diagnostics_of('fact age: int\nrule R-1 cites S "x"\ndecision d: int = abss(age) by R-1\n')
    assert d.hint == "did you mean `abs`?"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("decision d: bool = a end_date by R-1\n", "unexpected `end_date`"),  # a name that starts with `end`
        ("decision d: bool = f(a, 100 kr) by R-1\n", "`kr` is not a currency"),  # inside brackets: not a comma
        ("decision d: record {x: int, y: int} = {x: 1 y: 2} by R-1\n", "a `,` is missing before `y`"),
        ("decision d: bool = a in {x, y\nfact b: int\n", "this `{` is never closed"),
        ("decision d: bool = (a and b\n", "this `(` is never closed: the file ends before its `)`"),
        ('rule R-2 cites S "x"\n  when a\n  eligible = yes\n', "`then` is missing before the conclusion"),
    ],
)
def test_the_named_mistakes_are_told_apart(body: str, message: str) -> None:
    text = f'policy test/x\nsource S "L"\nrule R-1 cites S "x"\nfact a: bool\n{body}'
    with pytest.raises(PolicySyntaxError) as info:
        parse_module(text, "x.pol")
    (d,) = info.value.diagnostics
    assert d.message.startswith(message), d.format()
    assert d.span is not None and d.hint

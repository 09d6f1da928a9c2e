"""Hostile input, generated: success or a PolicyError, in bounded time and memory, the same everywhere.

Property-based tests (Hypothesis, derandomised, bounded so that the file runs in about a
minute) over everything policylang reads:

* policy text generated from the grammar itself (``grammar.lark``, through
  ``hypothesis.extra.lark``), with names, numbers and texts drawn from hostile pools;
* the bundled policies mutated: lines dropped, doubled and swapped, hostile snippets
  inserted (huge numbers, deep nesting, long texts, direction controls, look-alike letters,
  imports of other files);
* fact sets with values at the edges of every type, valid and not, also through the batch
  backend, which must agree with single evaluations row by row;
* structures nested just below and just above :attr:`Limits.nesting
  <policylang.base.limits.Limits.nesting>`, through every phase;
* the same evaluations in another process, under another ``PYTHONHASHSEED`` and another
  decimal context, which must give the very same output.

"Bounded memory" rests on the limits (every size and depth is bounded before work starts,
``tests/test_hostile.py`` measures the worst case); "bounded time" on the budgets and on
every command here finishing (a subprocess has a timeout). What the explanations may show a
citizen is tested with the explanations.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

import policylang
from policylang.base.errors import PolicyError
from policylang.base.limits import LimitError, Limits
from policylang.check.declarations import check_modules
from policylang.ir import types as T
from policylang.policy.checking import check_file
from policylang.policy.loader import read_modules
from policylang.syntax.parser import GRAMMAR_PATH, parse_module
from policylang.testing import fact_values

# A failing example may be a long text: its repr must not turn into a warning that hides the failure.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

ROOT = Path(__file__).resolve().parent.parent
POLICIES = policylang.policies_root()
BUNDLED = policylang.bundled_names()
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
NESTING = Limits().nesting


def fuzz(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def outcome(run: Any) -> tuple[Any, ...]:
    """``("ok", value)`` or ``("error", code, message)``: what a caller sees. Anything else fails the test."""
    try:
        return ("ok", run())
    except PolicyError as e:
        assert e.code.startswith("pol-") and e.message, e
        for d in e.diagnostics:
            assert d.code.startswith("pol-") and d.message
        return ("error", e.code, e.message)


# -- hostile pools ----------------------------------------------------------------------------------

HUGE = "9" * 5000
WHOLE = ["0", "1", "18", "9223372036854775807", "9223372036854775808", "4611686018427387904", HUGE, "1_000"]
DECIMALS = ["0.5", "100.005", "0." + "0" * 120 + "1", "1" + "0" * 120 + ".0", "3." + "1" * 40, HUGE + ".9"]
TEXTS = ['""', '"x"', '"Alder"', '"a\\"b"', '"\u202e"', '"\u0430"', '"' + "x" * 2000 + '"', '"\\\\"']
NAMES = ["a", "b", "x", "age", "as_of", "d", "e", "S", "\u0430ge", "\uff41", "alder_\u00e5r", "a\u030a"]
EXPLICIT = {
    "NAME": st.sampled_from(NAMES),
    "STRING": st.sampled_from(TEXTS),
    "INT": st.sampled_from(WHOLE),
    "NEG_INT": st.sampled_from(["-1", "-9223372036854775808", "-9223372036854775809", "-" + HUGE]),
    "DECIMAL": st.sampled_from(DECIMALS),
    "NEG_DECIMAL": st.sampled_from(["-0.5", "-" + DECIMALS[2]]),
    "DATE": st.sampled_from(["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "2024-13-01"]),
    "DATETIME": st.sampled_from(["2024-01-01T00:00+01:00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00Z"]),
    "TIME": st.sampled_from(["00:00", "23:59", "24:00", "99:99"]),
    "RULE_ID": st.sampled_from(["R-1", "RES-HELP-02", "X-" + "9" * 300]),
    "CALL_NAME": st.sampled_from(["max", "min", "count", "age", "abs", "round", "coalesce", "to_set", "local_time"]),
    "QUANTIFIER": st.sampled_from(["any", "all", "count", "sum", "min", "max", "filter", "map"]),
    "INDEX_OPEN": st.just("["),
    "NOT_IN": st.just("not in"),
    "DURATION_UNIT": st.sampled_from(["days", "months", "years"]),
    "COMMENT": st.sampled_from(["# c", "# \u202e hidden", "# policylang: allow pol-unused-fact"]),
    "WS": st.sampled_from([" ", "\n", "\u00a0", "\t"]),
}
_GRAMMAR = Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", start=["start", "expr"])
PROGRAMS = from_lark(_GRAMMAR, start="start", explicit=EXPLICIT)
HEADER = 'policy fuzz/generated\nsource S "Testloven"\nfact a: bool\nfact x: int\nfact age: int\nfact as_of: date\n'
DECLARATIONS = st.sampled_from(
    [
        "decision d: bool = ",
        "decision d: int = ",
        "let e = ",
        "decision d: bool first match true when ",
        'rule R-1 cites S "§ 1" when ',
        "constraint c require ",
    ]
)
LEAVES = st.sampled_from(
    [
        *["a", "x", "age", "as_of", "null", "true", "1", "-1", "0.5", '"x"', "2024-02-29", "3 months", "{}", "[]"],
        *WHOLE,
        *DECIMALS,
        *TEXTS,
        *["R-1", "\u0430ge", "nowhere", "a\u030a", "9999-12-31", "1.5 DKK", "09:00"],
    ]
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.sampled_from(["and", "or", "+", "-", "*", "/", "=", "!=", "<", ">=", "in", "not in", "|", "&"])
    call = st.sampled_from(["max", "min", "count", "age", "abs", "round", "coalesce", "to_set", "to_list", "add_days"])
    return st.one_of(
        st.builds(lambda op, a, b: f"{a} {op} {b}", binary, inner, inner),
        st.builds(lambda a: f"not {a}", inner),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda c, a, b, d: f"if {c} then {a} else {b}{d}", inner, inner, inner, st.just("")),
        st.builds(lambda f, args: f"{f}({', '.join(args)})", call, st.lists(inner, max_size=3)),
        st.builds(lambda q, c, e: f"{q}(v in {c}: {e})", st.sampled_from(["any", "all", "count"]), inner, inner),
        st.builds(lambda items: "[" + ", ".join(items) + "]", st.lists(inner, max_size=3)),
        st.builds(lambda items: "{" + ", ".join(items) + "}", st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda a, t: f"{a} is {t}", inner, st.sampled_from(["null", "not null", "empty", "not empty"])),
        st.builds(lambda a, b: f"{a}[{b}]", inner, inner),
        st.builds(lambda a: f"{a}.field", inner),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=25)


def run_program(text: str, facts: dict[str, Any]) -> None:
    """Parse, check and, where it checks, evaluate and explain: each a result or a PolicyError."""
    parsed = outcome(lambda: parse_module(text, "fuzz.pol"))
    if parsed[0] != "ok":
        return
    program, diagnostics = check_modules([parsed[1]])
    for d in diagnostics:
        assert d.code.startswith("pol-") and d.span is not None, d
        d.format()
    if program is None:
        return
    policy = policylang.Policy(program, diagnostics)
    for given_facts in ({}, {k: v for k, v in facts.items() if k in policy.facts}):
        result = outcome(lambda given_facts=given_facts: policy.evaluate(given_facts, exhaustive=True))
        if result[0] == "ok":
            json.dumps(result[1].to_dict(), allow_nan=False)
            policylang.format_text(policylang.explain(result[1], why_not=True))


@fuzz(80)
@given(PROGRAMS, st.fixed_dictionaries({"a": st.booleans(), "x": st.integers(INT_MIN, INT_MAX)}))
def test_policies_generated_from_the_grammar(text: str, facts: dict[str, Any]) -> None:
    run_program(text, facts)


@fuzz(80)
@given(DECLARATIONS, EXPRESSIONS, st.fixed_dictionaries({"a": st.booleans(), "x": st.integers(INT_MIN, INT_MAX)}))
def test_expressions_generated_from_the_grammar(start: str, expression: str, facts: dict[str, Any]) -> None:
    run_program(HEADER + start + expression + "\n", facts)


# -- mutated bundled policies -----------------------------------------------------------------------

SNIPPETS = [
    HUGE,
    "-9223372036854775809",
    "0." + "0" * 200 + "1",
    '"' + "x" * 200_001 + '"',
    "not " * (NESTING + 5) + "a",
    "(" * 2000 + "a" + ")" * 2000,
    "[" * (NESTING + 5) + "]" * (NESTING + 5),
    " and ".join(["a"] * 500),
    "\u202e",
    "\u2066",
    "\u0430ge",
    "\ufeff",
    "\x00",
    "a\u030a",
    'import "/etc/passwd"',
    'import "../../../../../../etc/passwd.pol"',
    'import "/proc/self/environ"',
    "1e1000000",
    "P" + HUGE + "D",
    "line " + HUGE,
    HUGE + " days",
]
TEXTS_OF = {name: (POLICIES / f"{name}.pol").read_text(encoding="utf-8") for name in BUNDLED}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(TEXTS_OF)))
    lines = TEXTS_OF[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "double", "swap", "insert", "insert", "insert"]))
        if edit == "drop" and len(lines) > 1:
            del lines[i]
        elif edit == "double":
            lines.insert(i, lines[i])
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + f" {draw(st.sampled_from(SNIPPETS))} " + lines[i][at:]
    return name, "".join(lines)


def test_mutated_bundled_policies(tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(POLICIES, tree, ignore=shutil.ignore_patterns("cases"))
    (tmp_path / "secret.pol").write_text("SECRET LINE\n", encoding="utf-8")

    @fuzz(80)
    @given(mutated())
    def check(case: tuple[str, str]) -> None:
        name, text = case
        path = tree / f"{name}.pol"
        original = path.read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        try:
            modules = outcome(lambda: read_modules(path))
            if modules[0] != "ok":
                assert "SECRET" not in modules[2] and "root:" not in modules[2]
                return
            program, diagnostics = check_modules(modules[1])
            for d in diagnostics:
                assert "SECRET" not in d.format()
            if program is not None:
                policy = policylang.Policy(program, diagnostics)
                result = outcome(lambda: policy.evaluate({}, ignore_unknown_facts=True, exhaustive=True))
                if result[0] == "ok":
                    json.dumps(result[1].to_dict(), allow_nan=False)
        finally:
            path.write_text(original, encoding="utf-8")

    check()


def test_the_logic_analyses_of_mutated_policies_stay_within_their_budget(tmp_path: Path) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(POLICIES, tree, ignore=shutil.ignore_patterns("cases"))
    limits = Limits(analysis_seconds=2)

    @fuzz(6)
    @given(mutated())
    def check(case: tuple[str, str]) -> None:
        name, text = case
        path = tree / f"{name}.pol"
        original = path.read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        try:
            for d in check_file(path, cache=False, limits=limits):
                assert d.code.startswith("pol-")
                d.format()
        finally:
            path.write_text(original, encoding="utf-8")

    check()


# -- fact values at the edges of every type --------------------------------------------------------

EDGE_INTS = [0, 1, -1, INT_MIN, INT_MAX, 2**62, -(2**62), 2**62 - 1, INT_MAX + 1, INT_MIN - 1, 10**30]
BAD_NUMBERS = [float("nan"), float("inf"), Decimal("NaN"), Decimal("sNaN"), "NaN", "-Infinity", Decimal("1e1000000")]
EDGE_DECIMALS = [
    0,
    Decimal("0.00"),
    Decimal("1E-99"),
    Decimal("1E-100"),
    Decimal("9.999999999999999999999999999999999E+99"),
    Decimal("1E+100"),
    Decimal("1." + "1" * 33),
    Decimal("1." + "1" * 34),
    Decimal("0E+1000000"),
    1e300,
    -0.0,
    "1_000",
    " 7 ",
    123456789.123,
]
EDGE_TEXTS = ["", "x", "\ud800", "\u202e", "a\x00b", "\u0430", "x" * 100_000, "x" * 100_001, "æøå"]
EDGE_DATES = ["0001-01-01", "9999-12-31", "2024-02-29", "2023-02-29", "", "9999-99-99", dt.date(1, 1, 1)]
EDGE_DATETIMES = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-23:59",
    "2024-03-31T02:30:00+02:00",
    "2024-01-01T00:00:00",
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
]
EDGE_DURATIONS = ["P0D", "P999999999999999999Y", "P" + "9" * 19 + "D", "P1Y2M3D", "P-1D", "P"]
ODD = [None, True, [], {}, [[[]]], "true", 1.5, {"a": 1}]


def edge_values(t: T.Type, valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values at the edges of ``t`` (and past them), mixed with valid ones and with odd ones."""
    base = T.strip_optional(t)
    edges: list[Any] = list(ODD)
    if base == T.INT:
        edges += EDGE_INTS + BAD_NUMBERS
    elif base in (T.DECIMAL, T.MONEY):
        edges += EDGE_DECIMALS + BAD_NUMBERS + EDGE_INTS
    elif base == T.TEXT or isinstance(base, T.EnumType):
        edges += EDGE_TEXTS
    elif base == T.DATE:
        edges += EDGE_DATES
    elif base == T.DATETIME:
        edges += EDGE_DATETIMES
    elif base == T.DURATION:
        edges += EDGE_DURATIONS
    elif isinstance(base, T.ListType | T.SetType):
        edges += [["x"] * 1000, [None], [INT_MAX, INT_MIN], [float("nan")]]
    return st.one_of(valid, valid, st.sampled_from(edges))


NUMBERS = """\
policy fuzz/numbers
source S "Testloven"
fact n: int "n"
fact k: int? "k"
fact d: decimal "d"
fact m: money "m"
fact z: text "z"
fact day: date "dato"
fact at: datetime "tid"
fact span: duration "varighed"
fact mixed: set of int or text "blandet"
rule R-1 cites S "§ 1"
decision sum: int = n + coalesce(k, 0) by R-1
decision product: int = n * 2 by R-1
decision negated: bool = 0 - n < 0 by R-1
decision size: int = abs(n) by R-1
decision later: date = add_days(day, n) by R-1
decision shifted: date = day + span by R-1
decision ratio: decimal = d / (m / 1 DKK) by R-1
decision rounded: money = round(d * m, 2) by R-1
decision big: bool = m > 100000000000000000000000000000 DKK by R-1
decision local: datetime = local_time(at, z) by R-1
decision members: list of int or text = to_list(mixed) by R-1
decision counted: int = count(mixed) + n by R-1
"""


@pytest.fixture(scope="module")
def numbers(tmp_path_factory: pytest.TempPathFactory) -> policylang.Policy:
    path = tmp_path_factory.mktemp("fuzz") / "numbers.pol"
    path.write_text(NUMBERS, encoding="utf-8")
    return policylang.load(path)


def edge_fact_sets(policy: policylang.Policy) -> st.SearchStrategy[dict[str, Any]]:
    valid = fact_values(policy)
    return st.fixed_dictionaries(
        {}, optional={name: edge_values(f.type, valid[name]) for name, f in policy.facts.items()}
    )


@pytest.mark.parametrize("name", [*BUNDLED, "fuzz/numbers"])
def test_fact_values_at_the_edges_of_every_type(name: str, numbers: policylang.Policy) -> None:
    policy = numbers if name == "fuzz/numbers" else policylang.load(name)

    @fuzz(25)
    @given(edge_fact_sets(policy), st.booleans())
    def check(facts: dict[str, Any], exhaustive: bool) -> None:
        result = outcome(lambda: policy.evaluate(facts, exhaustive=exhaustive))
        if result[0] == "ok":
            json.dumps(result[1].to_dict(), allow_nan=False)
            for audience in ("caseworker", "citizen"):
                policylang.format_html(policylang.explain(result[1], audience=audience, why_not=True))

    check()


@pytest.mark.parametrize("name", [*BUNDLED[:3], "fuzz/numbers"])
def test_batch_agrees_with_evaluate_at_the_edges(name: str, numbers: policylang.Policy) -> None:
    pl = pytest.importorskip("polars")
    from tests.test_batch_properties import _row, _single

    policy = numbers if name == "fuzz/numbers" else policylang.load(name)

    @fuzz(3)
    @given(st.lists(edge_fact_sets(policy), min_size=8, max_size=8))
    def check(rows: list[dict[str, Any]]) -> None:
        result = outcome(lambda: policy.evaluate_many(rows, reasons=True))
        if result[0] != "ok":  # the caseload as a whole cannot be a table (a column of mixed kinds)
            return
        for facts, row in zip(rows, result[1].iter_rows(named=True), strict=True):
            assert _row(row, policy) == _single(policy, facts), facts

    check()
    ints = [INT_MIN, INT_MIN + 1, -(2**62), 2**62 - 1, 2**62, INT_MAX, 0]
    if name == "fuzz/numbers":
        frame = pl.DataFrame({"n": ints, "day": [dt.date(2024, 1, 1)] * len(ints)})
        rows = [{"n": n, "day": "2024-01-01"} for n in ints]
        for facts, row in zip(rows, policy.evaluate_many(frame, reasons=True).iter_rows(named=True), strict=True):
            assert _row(row, policy) == _single(policy, facts), facts


# -- deep structures ---------------------------------------------------------------------------------

DEEP = {
    "not": lambda n: "decision d: bool = " + "not " * n + "a\n",
    "if": lambda n: "decision d: int = " + "".join(f"if a then {i} else " for i in range(n)) + "0\n",
    "list": lambda n: "decision d: int = count(" + "[" * (n - 1) + "1" + "]" * (n - 1) + ")\n",
    "arithmetic": lambda n: "decision d: int = " + "(" * n + "x" + " + 1)" * n + "\n",
    "calls": lambda n: "decision d: int = " + "abs(" * n + "x" + ")" * n + "\n",
    "type": lambda n: "fact deep: " + "list of " * n + "int\ndecision d: int = count(deep)\n",
    "record": lambda n: "decision d: bool = " + "{f: " * n + "a" + "}" * n + " = " + "{f: " * n + "a" + "}" * n + "\n",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_structures_nested_to_the_limit_work_and_past_it_are_refused(kind: str, tmp_path: Path) -> None:
    head = 'policy fuzz/deep\nsource S "Testloven"\nfact a: bool\nfact x: int\n'
    deeper = tmp_path / "deeper.pol"
    deeper.write_text(head + DEEP[kind](NESTING + 1), encoding="utf-8")
    with pytest.raises(LimitError) as info:
        policylang.load(deeper)
    assert info.value.diagnostics[0].span is not None and info.value.diagnostics[0].span.line == 5
    path = tmp_path / "deep.pol"
    path.write_text(head + DEEP[kind](NESTING - 1 if kind == "record" else NESTING), encoding="utf-8")
    policy = policylang.load(path)
    for facts in ({"a": True, "x": 3}, {}):
        result = policy.evaluate(facts, exhaustive=True)
        for audience in ("caseworker", "citizen", "auditor"):
            explanation = policylang.explain(result, audience=audience, why_not=True)
            policylang.format_html(explanation), policylang.format_markdown(explanation)
        policylang.render_text(result)
    if kind in ("not", "if", "type"):
        assert all(d.severity == "warning" for d in check_file(path, cache=False, limits=Limits(analysis_seconds=2)))
    pytest.importorskip("polars")
    policy.evaluate_many([{"a": True, "x": 3}, {"a": False}, {}])


def test_deep_json_and_yaml_are_refused_before_they_are_walked(tmp_path: Path) -> None:
    from policylang.base.inputs import parse_json
    from policylang.testing.yamlcases import parse_yaml_cases

    for depth in (NESTING + 1, 10_000):
        with pytest.raises(LimitError):
            parse_json("[" * depth + "]" * depth, "deep.json", "facts")
        with pytest.raises(LimitError):
            parse_yaml_cases("cases: " + "[" * depth + "]" * depth, "deep.cases.yaml")
    assert parse_json("[" * NESTING + "]" * NESTING, "deep.json", "facts") is not None


# -- the same everywhere --------------------------------------------------------------------------

SCRIPT = """\
import decimal, json, sys
import policylang
from policylang.check.declarations import check_modules
from policylang.policy.loader import read_modules, resolve

if sys.argv[1] == "hostile":  # a caller's decimal context that would change any result computed in it
    context = decimal.getcontext()
    context.prec, context.rounding, context.Emax = 3, decimal.ROUND_FLOOR, 99
    context.traps[decimal.Inexact] = context.traps[decimal.Rounded] = True
cases = json.loads(sys.stdin.read())
out = []
for name, facts in cases:
    policy = policylang.load(name)
    try:
        result = policy.evaluate(facts, exhaustive=True)
        explanation = policylang.explain(result, why_not=True, lang="da")
        out.append([result.to_dict(), policylang.format_text(explanation), policylang.render_text(result)])
    except policylang.PolicyError as e:
        out.append([e.code, e.message])
for name in policylang.bundled_names():
    out.append([d.to_dict() for d in check_modules(read_modules(resolve(name)))[1]])
print(json.dumps(out, sort_keys=True, default=str))
"""


def _cases(numbers_path: str) -> list[tuple[str, dict[str, Any]]]:
    """Fact sets for every bundled policy and the numbers policy: valid ones, edge ones, unknown ones."""
    rng = random.Random(18)
    cases: list[tuple[str, dict[str, Any]]] = []
    for name in [*BUNDLED, numbers_path]:
        policy = policylang.load(name)
        for _ in range(8):
            facts: dict[str, Any] = {}
            for fact, info in policy.facts.items():
                if rng.random() < 0.3:
                    continue
                facts[fact] = _json_edge(info.type, rng)
            cases.append((name, facts))
    return cases


def _json_edge(t: T.Type, rng: random.Random) -> Any:
    base = T.strip_optional(t)
    if T.is_optional(t) and rng.random() < 0.2:
        return None
    if base == T.BOOL:
        return rng.random() < 0.5
    if base == T.INT:
        return rng.choice([0, 1, 17, 18, 67, INT_MAX, INT_MIN, 2**62])
    if base in (T.DECIMAL, T.MONEY):
        return rng.choice(["0.1", "100.005", "123456.78", "1E+99", "3.3333333333333333333333333333333333", 7])
    if base == T.DATE:
        return rng.choice(["2024-02-29", "1999-01-15", "2023-12-31", "0001-01-01", "9999-12-31"])
    if base == T.DATETIME:
        return rng.choice(["2024-01-01T00:00:00+01:00", "2023-12-31T23:00:00Z", "2024-03-31T02:30:00+02:00"])
    if base == T.DURATION:
        return rng.choice(["P3M", "P1Y", "P0D"])
    if base == T.TEXT:
        return rng.choice(["Europe/Copenhagen", "America/Nuuk", "", "æøå"])
    if isinstance(base, T.EnumType):
        return rng.choice(base.members)
    if isinstance(base, T.ListType | T.SetType):
        return [_json_edge(base.element, rng) for _ in range(rng.randint(0, 4))]
    if isinstance(base, T.UnionType):
        return _json_edge(rng.choice(base.options), rng)
    return None


def test_results_do_not_depend_on_the_hash_seed_or_the_decimal_context(tmp_path: Path) -> None:
    numbers_path = tmp_path / "numbers.pol"
    numbers_path.write_text(NUMBERS, encoding="utf-8")
    cases = json.dumps(_cases(str(numbers_path)))
    outputs = []
    for seed, context in (("0", "default"), ("18", "hostile"), ("4242", "hostile")):
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, context],
            input=cases,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(json.loads(outputs[0])) == len(json.loads(cases)) + len(BUNDLED)

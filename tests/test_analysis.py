"""The logic analyses of ``policylang check``: what they find, what they prove, and that they agree with the engine.

The golden files (tests/cases/pol-gap, pol-shadowed, ...) pin the exact output; these tests
check the reasoning behind it: examples the engine confirms, proofs about dates, the
parameters' defaults, opaque parts, the encoding against the engine on many fact sets,
and that the bundled policies and the diagnostics catalogue stay clean and complete.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import z3

import policylang
from policylang.analysis import analyse
from policylang.analysis import domain as D
from policylang.analysis.encode import Encoder
from policylang.analysis.observe import Observer
from policylang.analysis.sampling import Sampler
from policylang.analysis.search import Search
from policylang.base.errors import ConflictError, Diagnostic
from policylang.cli import main
from policylang.ir import types as T
from policylang.ir.dates import add_months, age
from policylang.ir.values import Unknown
from tests.conftest import compile_text

ROOT = Path(__file__).parent.parent


def findings(text: str) -> list[Diagnostic]:
    """The logic warnings for inline policy text (with a source ``S``)."""
    return analyse(compile_text(text).program)


def codes(text: str) -> list[str]:
    return [d.code for d in findings(text)]


def example(d: Diagnostic) -> dict[str, Any]:
    """The example fact set a finding's hint quotes."""
    assert d.hint is not None
    found = re.search(r"for example (\{.*?\});", d.hint)
    assert found, d.hint
    return json.loads(found.group(1))  # type: ignore[no-any-return]


# ----------------------------------------------------------------- gaps


def test_a_gap_comes_with_an_example_on_which_no_row_applies() -> None:
    text = """
fact age: int
fact resident: bool
decision band: enum { child, adult, senior }
  first match
    child  when age < 18
    adult  when age >= 18 and age < 65 and resident
    senior when age >= 65
"""
    (gap,) = findings(text)
    assert gap.code == "pol-gap" and "`band`" in gap.message
    facts = example(gap)
    assert set(facts) == {"age", "resident"} and facts["resident"] is False and 18 <= facts["age"] < 65
    result = compile_text(text).evaluate(facts)
    assert "band" in result.no_rule and "band" not in result.decisions


def test_covered_tables_have_no_gap() -> None:
    assert not codes(
        """
fact age: int
fact status: enum { a, b, c }
decision band: enum { young, old }
  first match
    young when age < 65
    old   when age >= 65
decision s: bool
  first match
    true  when status in {a, b}
    false when status = c
"""
    )


def test_constraints_close_a_gap() -> None:
    text = """
fact kind: enum { permit, certificate, none }
fact valid: bool
constraint none_is_invalid when kind = none require not valid
decision route: enum { renew, keep, reject }
  first match
    renew  when kind in {permit, certificate} and not valid
    keep   when valid and kind != none
    reject when kind = none and not valid
"""
    assert codes(text) == []
    assert codes(text.replace("constraint none_is_invalid when kind = none require not valid", "")) == ["pol-gap"]


def test_a_gap_of_rules_without_default() -> None:
    (gap,) = findings(
        """
fact status: enum { permit, certificate, none }
rule R-PERMIT cites S "§ 1" when status = permit then lawful = yes
rule R-NONE cites S "§ 2" when status = none then lawful = no
decision lawful: enum { yes, no }
"""
    )
    assert gap.code == "pol-gap" and example(gap) == {"status": "certificate"}


def test_decisions_a_condition_uses_are_expanded() -> None:
    # `band` is low or high for every fact set, so `tier` has no gap, although no row of
    # `tier` mentions a fact
    assert not codes(
        """
fact income: int
decision band: enum { low, high }
  first match
    low  when income < 1000
    high otherwise
decision tier: enum { one, two }
  first match
    one when band = low
    two when band = high
"""
    )


# ----------------------------------------------------------------- shadowed rows and rules


def test_a_shadowed_row_names_the_rows_that_cover_it() -> None:
    (shadowed,) = findings(
        """
fact status: enum { yes, no, unclear }
fact urgent: bool
decision notify: enum { now, later, never }
  first match
    now   when status = yes
    never when status = no
    later when status in {yes, no} and urgent
    never otherwise
"""
    )
    # (the inline header adds two lines: the row `later when ...` is line 10)
    assert shadowed.code == "pol-shadowed" and shadowed.span is not None and shadowed.span.line == 10
    assert shadowed.hint is not None and "covered by the rows on lines 8 and 9" in shadowed.hint


def test_rows_reached_only_by_a_narrow_date_window_are_not_shadowed() -> None:
    assert not codes(
        """
fact as_of: date
fact entry: date
decision stay: enum { inside, outside }
  first match
    inside  when as_of <= add_months(entry, 3) and as_of >= entry
    outside otherwise
"""
    )


def test_a_rule_its_exception_always_overrides() -> None:
    (overridden,) = findings(
        """
fact adult: bool
rule R-MAIN cites S "§ 1" when adult then eligible = yes
rule R-EXCEPT cites S "§ 2" exception to R-MAIN when adult then eligible = no
decision eligible: enum { yes, no } default no by R-MAIN
"""
    )
    assert overridden.code == "pol-shadowed" and "`R-MAIN` never takes effect" in overridden.message


# ----------------------------------------------------------------- overlapping rules


def test_an_overlap_example_raises_the_conflict_it_predicts() -> None:
    text = """
fact income: money
fact fraud: bool
rule R-LOW cites S "§ 1" when income < 1000 DKK then eligible = yes
rule R-FRAUD cites S "§ 2" when fraud then eligible = no
decision eligible: enum { yes, no } default no by R-LOW
"""
    (overlap,) = findings(text)
    assert overlap.code == "pol-overlap" and "`R-LOW` and `R-FRAUD`" in overlap.message
    with pytest.raises(ConflictError):
        compile_text(text).evaluate(example(overlap))
    assert codes(text.replace('rule R-FRAUD cites S "§ 2"', 'rule R-FRAUD cites S "§ 2" exception to R-LOW')) == []


def test_rules_that_agree_do_not_overlap() -> None:
    assert not codes(
        """
fact a: bool
fact b: bool
rule R-A cites S "§ 1" when a then d = yes
rule R-B cites S "§ 2" when b then d = yes
decision d: enum { yes, no } default no by R-A
"""
    )


# ----------------------------------------------------------------- constant conditions


def test_date_reasoning_proves_a_condition_never_holds() -> None:
    text = """
fact born: date
fact as_of: date
constraint born_first require born <= as_of
let age_now = age(born, as_of)
decision band: enum { minor, adult, invalid }
  first match
    invalid when age_now < 0
    minor   when age_now < 18
    adult   otherwise
warning RECORDED "x" / "x" when as_of >= add_years(born, 0)
"""
    assert sorted(codes(text)) == ["pol-always-false", "pol-always-true"]
    assert codes(text.replace("constraint born_first require born <= as_of", "")) == []


def test_an_enum_test_that_lists_every_value_is_always_true() -> None:
    (always,) = findings(
        """
fact gender: enum { female, male, other }
rule R-NOTE cites S "§ 1" when gender in {female, male, other}
decision d: bool = true by R-NOTE
"""
    )
    assert always.code == "pol-always-true" and "rule `R-NOTE`" in always.message


def test_constraints_that_can_never_apply_or_never_be_broken() -> None:
    found = findings(
        """
fact months: int
constraint never when months > 12 and months < 3 require months = 5
constraint vacuous when months > 12 require months > 6
constraint impossible when months > 20 require months < 10
decision long: bool = months > 12
"""
    )
    assert [(d.code, d.message.split("`")[1]) for d in found] == [
        ("pol-always-false", "never"),
        ("pol-always-true", "vacuous"),
        ("pol-always-false", "impossible"),
    ]


def test_a_proof_that_needs_a_default_parameter_says_so() -> None:
    text = """
fact income: int
parameter LIMIT: int = 1000
parameter SPARE: int = 5
decision band: enum { low, high, none }
  first match
    low  when income < LIMIT
    high when income >= LIMIT
    none when income < 0 and SPARE > 1
"""
    shadowed = [d for d in findings(text) if d.code == "pol-shadowed"]
    assert len(shadowed) == 1
    assert "(with the default value" not in shadowed[0].message  # true whatever LIMIT and SPARE are
    (depends,) = findings(
        """
fact income: int
parameter LIMIT: int = 1000
decision band: enum { low, high }
  first match
    low  when income < LIMIT
    high when income > 500
    high otherwise
"""
    )
    assert depends.code == "pol-shadowed" and "(with the default value of `LIMIT`)" in depends.message


def test_a_candidate_with_opaque_parts_is_reported_as_not_exhaustive() -> None:
    (gap,) = findings(
        """
type member = record { relation: enum { child, other }, age: int }
fact household: list of member
decision children: enum { some, none }
  first match
    some when any(m in household: m.relation = child)
    none when not any(m in household: m.relation = child and m.age >= 0)
"""
    )
    assert gap.code == "pol-gap" and "possibly; not exhaustive" in gap.message and "any(m in household" in gap.message


def test_the_analyses_are_deterministic() -> None:
    program = policylang.load("residence/igu_and_danskbonus").program
    assert [d.format() for d in analyse(program)] == [d.format() for d in analyse(program)]


# ----------------------------------------------------------------- the calendar


def test_the_approximate_calendar_bounds_hold_for_real_dates() -> None:
    rng = random.Random(7)
    for _ in range(20000):
        day = dt.date.fromordinal(rng.randint(1, dt.date.max.toordinal() - 40000))
        months = rng.choice([1, 2, 3, 6, 11, 12, 13, 24, 36, 240, -1, -12, -25])
        days = (add_months(day, months) - day).days
        if months % 12 == 0:
            assert 146097 * (months // 12) - 1600 <= 400 * days <= 146097 * (months // 12) + 1600
        else:
            low, high = (28 * months, 31 * months) if months > 0 else (31 * months, 28 * months)
            assert low <= days <= high
        born = dt.date.fromordinal(rng.randint(1, dt.date.max.toordinal()))
        on = dt.date.fromordinal(rng.randint(1, dt.date.max.toordinal()))
        years, span = age(born, on), (on - born).days
        assert 146097 * years - 1600 <= 400 * span < 146097 * (years + 1) + 1600


def test_the_exact_calendar_matches_python() -> None:
    solver = z3.Solver()
    n, months = z3.Int("n"), z3.Int("months")
    definitions: list[Any] = []

    def define(formula: Any) -> int:
        definitions.append(formula)
        return len(definitions) - 1

    y, m, d = z3.Ints("y m d")
    shifted = D.shift_months(define, lambda name: z3.Int(f"{name}{len(definitions)}"), (y, m, d), months)
    solver.add(*definitions, D.valid_date(y, m, d), D.ordinal(y, m, d) == n)
    rng = random.Random(3)
    for _ in range(60):
        day = dt.date.fromordinal(rng.randint(1, dt.date.max.toordinal() - 4000))
        k = rng.choice([0, 1, 3, 12, 13, -1, -14, 120])
        solver.push()
        solver.add(n == day.toordinal(), months == k)
        assert solver.check() == z3.sat
        model = solver.model()
        got = dt.date(*(model.eval(x).as_long() for x in (shifted[0], shifted[1], shifted[2])))
        assert got == add_months(day, k), (day, k)
        assert model.eval(D.weekday_index(n)).as_long() == day.weekday()
        solver.pop()


# ----------------------------------------------------------------- the encoding agrees with the engine


def _bind(v: D.Val, value: Any, t: T.Type) -> list[Any]:
    """Formulas that give the symbolic fact ``v`` the runtime value ``value``."""
    if value is None:
        return [v.null]
    out: list[Any] = [] if D.is_false(v.null) else [z3.Not(v.null)]
    base = T.strip_optional(t)
    if v.kind == D.BOOL:
        out.append(v.term == value)
    elif v.kind == D.NUM:
        out.append(v.term == (z3.IntVal(value) if isinstance(value, int) else z3.RealVal(str(value))))
    elif v.kind == D.YMD:
        out += [v.parts[0] == value.year, v.parts[1] == value.month, v.parts[2] == value.day]
    elif v.kind == D.DATE:
        out.append(v.term == value.toordinal())
    elif v.kind == D.DATETIME:
        out.append(v.term == D.seconds(value))
    elif v.kind == D.TIME:
        out.append(v.term == value.hour * 3600 + value.minute * 60 + value.second)
    elif v.kind == D.TEXT:
        out.append(v.term == z3.StringVal(value))
    elif v.kind == D.ENUM:
        assert v.enum is not None
        out.append(v.term == v.enum.index(value))
    elif v.kind == D.SET:
        out += [x == (member in value) for member, x in v.term.items()]
    elif v.kind == D.RECORD and isinstance(base, T.RecordType):
        for name, field_type in base.fields:
            out += _bind(v.term[name], value[name], field_type)
    return out


CONSTRUCTS = """
type band = ordered enum { low, middle, high }
fact income: money
fact savings: decimal?
fact born: date
fact as_of: date
fact entry: date?
fact needs: set of enum { heating, food, transport }
fact previous: band?
fact note: text
fact months: int
fact flag: bool?
parameter LIMIT: money = 1000 DKK
parameter OK: condition = months >= 3 and not flag
let age_now = age(born, as_of)
let window = if entry is null then null else add_months(entry, months)
decision level: band
  first match
    low    when income <= LIMIT
    middle when income <= LIMIT * 2 and coalesce(savings, 0) < 500
    high   otherwise
decision checks: list of enum { a, b, c, d, e, f, g, h }
  collect
    add a when level > previous
    add b when age_now >= 18 and age_now < 67
    add c when window is not null and as_of <= window
    add d when heating in needs and not (food in needs)
    add e when note != "" and OK
    add f when weekday(as_of) in {saturday, sunday}
    add g when days_between(born, as_of) > 365 * 30 or max(born, coalesce(entry, born)) = born
    add h when year(as_of) = 2024 and month(as_of) >= 6 and day(as_of) < 15
decision tier: enum { one, two }
  first match
    one when level = high or b in checks
    two otherwise
"""


@pytest.mark.parametrize(
    "name",
    ["constructs", "examples/benefit", "residence/help_and_repatriation", "greenland/indsatstrappe"],
)
def test_the_exact_encoding_agrees_with_the_engine(name: str) -> None:
    program = compile_text(CONSTRUCTS).program if name == "constructs" else policylang.load(name).program
    encoder = Encoder(program, exact=True)
    observer = Observer(program)
    search = Search(program, Sampler(program, 11), observer, 11)
    rows = []
    for info in program.decisions.values():
        if info.kind == "expr":
            continue
        model = encoder.decision(info.name)
        step = observer.decision_steps[info.name]
        for i, row in enumerate(info.rows):
            if row.condition is not None and not any(kind == "opaque" for kind, _ in model.row_notes[i]):
                rows.append((f"{info.name} row {i + 1}", model.conditions[i], step.rows[i].condition))
    assert rows
    compared = 0
    for _ in range(25):
        facts = search.facts([])
        loaded = observer.load(facts)
        if loaded is None or loaded[1]:
            continue
        v = loaded[0]
        observer.run_steps(v)
        solver = z3.Solver()
        solver.add(*encoder.definitions)
        for fact, value in facts.items():
            if fact in encoder.facts:
                solver.add(*_bind(encoder.facts[fact], value, program.facts[fact].type))
        assert solver.check() == z3.sat, facts
        model = solver.model()
        for label, term, run in rows:
            engine = run(v)
            if type(engine) is Unknown:
                continue
            symbolic = z3.is_true(model.eval(D.as_z3_bool(term), model_completion=True))
            assert symbolic == (engine is True), (label, facts)
            compared += 1
    assert compared > 0


# ----------------------------------------------------------------- the bundled policies, the CLI and the catalogue


def test_policylang_check_policies_passes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """What CI runs: every bundled policy checks without errors (warnings are reported to their authors)."""
    monkeypatch.chdir(ROOT)
    code = main(["check", "--format", "json", "policies/"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert data["errors"] == 0
    assert len(data["files"]) >= 7


def test_loading_a_policy_runs_no_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    from policylang.analysis.checks import Analyses
    from policylang.policy.loader import CACHE

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("policylang.load must not run the logic analyses")

    monkeypatch.setattr(Analyses, "run", fail)
    CACHE.clear()  # compile afresh, as a first load would
    assert policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01"}, trace=False) is not None


def _codes_in_the_source() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "policylang").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r"""["'\[](pol-[a-z0-9]+(?:-[a-z0-9]+)*)["'\]]""", text))
    return found


def test_every_diagnostic_code_is_in_the_catalogue() -> None:
    catalogue = (ROOT / "docs" / "diagnostics.rst").read_text(encoding="utf-8")
    documented = set(re.findall(r"^``(pol-[a-z0-9-]+)``\n~+$", catalogue, re.MULTILINE))
    in_source = _codes_in_the_source()
    assert {"pol-gap", "pol-shadowed", "pol-syntax", "pol-fact-type", "pol-usage"} <= in_source
    assert in_source - documented == set(), "add these codes to docs/diagnostics.rst"
    assert documented - in_source == set(), "these documented codes are no longer emitted"


def test_every_logic_check_has_golden_cases() -> None:
    for code in ("pol-always-false", "pol-always-true", "pol-shadowed", "pol-overlap", "pol-gap"):
        assert list((ROOT / "tests" / "cases" / code / "bad").glob("*.pol")), code
        assert list((ROOT / "tests" / "cases" / code / "good").glob("*.pol")), code


def test_decimal_examples_are_exact_numbers() -> None:
    (gap,) = findings(
        """
fact amount: decimal
decision band: enum { small, large }
  first match
    small when amount < 10.5
    large when amount > 10.5
"""
    )
    assert Decimal(str(example(gap)["amount"])) == Decimal("10.5")


# ----------------------------------------------------------------- runs towards a goal, and the cache


def test_the_search_builds_fact_sets_towards_a_row() -> None:
    program = policylang.load("residence/help_and_repatriation").program
    observer = Observer(program)
    search = Search(program, Sampler(program, 5), observer, 5)
    rows = program.decisions["right_to_help"].rows
    target = 6  # none_immigration_authorities_responsible when residence_status = rejected_asylum_seeker_...
    goals = [(rows[target].condition, True), *[(rows[j].condition, False) for j in range(target)]]
    for _ in range(30):  # each try makes its own random choices; some break a constraint
        observer.observe(search.facts(goals))
    assert ("right_to_help", target) in observer.reached
    accepted = sum(observer.observe(search.facts([])) for _ in range(20))
    assert accepted >= 10  # most fact sets meet the policy's nine constraints


def test_checking_again_uses_the_cached_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policylang.analysis import checks
    from policylang.policy.checking import check_file

    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(tmp_path))
    path = tmp_path / "gap.pol"
    path.write_text((ROOT / "tests" / "cases" / "pol-gap" / "bad" / "first_match.pol").read_text(encoding="utf-8"))
    first = check_file(path)
    assert [d.code for d in first] == ["pol-gap"] and list((tmp_path / "analysis").glob("*.json"))

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the cached result should have been used")

    monkeypatch.setattr(checks.Analyses, "run", fail)
    again = check_file(path)
    assert [d.format() for d in again] == [d.format() for d in first]
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n")
    with pytest.raises(AssertionError, match="cached result"):
        check_file(path)  # the text changed: analysed again

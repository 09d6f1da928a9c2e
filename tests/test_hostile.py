"""Hostile and extreme input (issue 18): one test per class of defect found, each at its root.

Every reproducer of the issue gives a clear error (a ``PolicyError`` with a code and a place
or a fact's name, exit 1 on the command line) or the right result, without a traceback.
Commands run in a subprocess with a timeout, so that a hang fails the test instead of the
suite. (The citizen-explanation leaks of the issue's item 1 are tested with the
explanations.) The property-based side of the same promise is ``tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import decimal
import io
import json
import os
import subprocess
import sys
import threading
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import policylang
from policylang.base.errors import EvaluationError, FactError, ParameterError, PolicyError
from policylang.base.limits import LimitError, Limits
from policylang.cli import main
from policylang.policy.checking import check_file
from tests.conftest import compile_text, diagnostics_of

ROOT = Path(__file__).resolve().parent.parent
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

NUMBERS = """\
policy t/numbers
source S "Testloven"
fact n: int "n"
fact d: decimal "d"
fact m: money "m"
fact z: text "z"
fact t: datetime "t"
fact mixed: set of int or text "blandet"
parameter P: int = 1
parameter M: money = 100 DKK
rule R-1 cites S "§ 1"
decision negated: bool = 0 - n < 0 by R-1
decision square: int = n * n by R-1
decision squared: decimal = d * d by R-1
decision rounded: decimal = round(d, 30) by R-1
decision raised: money = m + 0.01 DKK by R-1
decision above: bool = m > 100.005 DKK by R-1
decision halved: decimal = d / 3 by R-1
decision local: datetime = local_time(t, z) by R-1
decision members: set of int or text = mixed by R-1
decision with_p: int = n + P by R-1
decision with_m: bool = m > M by R-1
"""


def command(
    *args: str, env: dict[str, str] | None = None, isolated: bool = False, **options: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``policylang`` here, or (``isolated``, or with ``subprocess.run`` options) in a fresh process.

    A fresh process is for what could hang (a timeout of 60 s fails the test, not the suite)
    and for what depends on the process: standard input and output, the terminal's encoding.
    A traceback fails the test at once.
    """
    if isolated or options:
        options.setdefault("stdout", subprocess.PIPE)
        options.setdefault("encoding", "utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "policylang.cli", *args],
            stderr=subprocess.PIPE,
            timeout=60,
            env={**os.environ, **(env or {})},
            **options,
        )
    else:
        out, err = io.StringIO(), io.StringIO()
        saved = dict(os.environ)
        os.environ.update(env or {})
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(args))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        done = subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
    assert "Traceback" not in done.stderr + (done.stdout or ""), done.stderr
    return done


@pytest.fixture
def numbers(tmp_path: Path) -> Path:
    path = tmp_path / "numbers.pol"
    path.write_text(NUMBERS, encoding="utf-8")
    return path


def facts_file(tmp_path: Path, text: str, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- 2. imports read only policy files, inside the policy's folders ------------------------------


def test_an_import_outside_the_policys_folder_is_refused_and_not_shown(tmp_path: Path) -> None:
    (tmp_path / "secret.pol").write_text("TOP SECRET first line\n", encoding="utf-8")
    policy = tmp_path / "mine" / "policy.pol"
    policy.parent.mkdir()
    for target in ("../secret.pol", str(tmp_path / "secret.pol"), "/proc/self/environ", "../../../etc/passwd"):
        policy.write_text(f'policy t/imports\nimport "{target}"\n', encoding="utf-8")
        done = command("check", str(policy), env={"MARKER": "do-not-print-me"})
        assert done.returncode == 2  # the check ran and found an error in the text
        assert "error[pol-import-forbidden]" in done.stderr
        assert "TOP SECRET" not in done.stderr and "do-not-print-me" not in done.stderr and "root:" not in done.stderr


def test_a_link_out_of_the_policys_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.pol").write_text("fact secret: bool\n", encoding="utf-8")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "inside.pol").symlink_to(tmp_path / "outside.pol")
    (folder / "policy.pol").write_text('policy t/link\nimport "inside.pol"\n', encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        policylang.load(folder / "policy.pol")
    assert info.value.diagnostics[0].code == "pol-import-forbidden"


def test_imports_below_the_folder_and_in_named_folders_are_read(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "defs.pol").write_text("fact a: bool\n", encoding="utf-8")
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "sub" / "more.pol").write_text("fact b: bool\n", encoding="utf-8")
    policy = mine / "policy.pol"
    policy.write_text(
        'policy t/shared\nimport "sub/more.pol"\nimport "defs.pol"\ndecision d: bool = a and b\n', encoding="utf-8"
    )
    with pytest.raises(PolicyError):
        policylang.load(policy)
    loaded = policylang.load(policy, limits=Limits(import_folders=(str(shared),)))
    assert loaded.evaluate({"a": True, "b": True}).decisions == {"d": True}
    done = command(
        "eval", str(policy), "--facts", facts_file(tmp_path, "{}"), env={"POLICYLANG_IMPORT_PATH": str(shared)}
    )
    assert done.returncode == 0, done.stderr


def test_a_bundled_name_cannot_leave_the_policies_folder(tmp_path: Path) -> None:
    (tmp_path / "x.pol").write_text("policy t/x\n", encoding="utf-8")
    escape = os.path.relpath(tmp_path / "x", policylang.policies_root() / "examples")
    for name in (f"examples/{escape}", "examples/./benefit", "/examples/benefit", "examples//benefit"):
        with pytest.raises(policylang.PolicyNotFoundError):
            policylang.load(name)
    assert policylang.load("examples/benefit").name == "examples/benefit"


# -- 3. and 5. numbers: never a hang, never Python's limit on digits -----------------------------


@pytest.mark.parametrize(
    "facts",
    ['{"n": 1e1000000}', '{"n": -1e999999999}', '{"n": ' + "9" * 5000 + "}", '{"d": ' + "1" * 5000 + ".5}"],
)
def test_a_huge_number_in_a_facts_file_is_an_error_naming_the_fact(numbers: Path, tmp_path: Path, facts: str) -> None:
    done = command("eval", str(numbers), "--facts", facts_file(tmp_path, facts), isolated="1e" in facts)
    assert done.returncode == 1
    assert "error[pol-fact-type]" in done.stderr and ("fact `n`" in done.stderr or "fact `d`" in done.stderr)
    assert len(done.stderr) < 2000


def test_a_huge_number_in_a_parameter_is_an_error_naming_it(numbers: Path, tmp_path: Path) -> None:
    done = command("eval", str(numbers), "--facts", facts_file(tmp_path, "{}"), "--param", "P=1e999999", isolated=True)
    assert done.returncode == 1 and "parameter `P`" in done.stderr and "facts.json" not in done.stderr


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("decision d: int = " + "9" * 5000, "whole number"),
        ("decision d: int = -9223372036854775809", "whole number"),
        ("decision d: decimal = 0." + "1" * 5000, "decimal number"),
        ("decision d: decimal = 1" + "0" * 200 + ".5", "decimal number"),
        ("decision d: money = " + "7" * 5000 + " DKK", "decimal number"),
        ("decision d: duration = " + "9" * 5000 + " days", "whole number"),
        ('rule R-1 cites S "x" line ' + "9" * 5000, "whole number"),
    ],
)
def test_a_number_literal_out_of_range_is_a_bad_literal(text: str, what: str) -> None:
    with pytest.raises(policylang.PolicySyntaxError) as info:
        compile_text(text + "\n")
    (d,) = info.value.diagnostics
    assert d.code == "pol-bad-literal" and f"is not a valid {what}" in d.message and len(d.message) < 200


def test_the_extremes_of_int_are_whole_numbers_and_one_more_is_not() -> None:
    policy = compile_text("fact n: int\ndecision d: int = n\ndecision e: int = -9223372036854775808\n")
    assert policy.evaluate({"n": INT_MAX}).decisions == {"d": INT_MAX, "e": INT_MIN}
    assert policy.evaluate({"n": INT_MIN}).decisions["d"] == INT_MIN
    for bad in (INT_MAX + 1, INT_MIN - 1, 10**5000, Decimal("1e19"), 1e19, float("inf")):
        with pytest.raises(FactError) as info:
            policy.evaluate({"n": bad})
        assert info.value.facts == ["n"]


# -- 4. NaN and Infinity ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"NaN"', '"sNaN"', '"Infinity"', '"-inf"'])
@pytest.mark.parametrize("fact", ["d", "m"])
def test_nan_and_infinity_are_no_numbers(numbers: Path, tmp_path: Path, fact: str, value: str) -> None:
    done = command("eval", str(numbers), "--facts", facts_file(tmp_path, f'{{"{fact}": {value}}}'), "--format", "json")
    assert done.returncode == 1, done.stdout
    assert f"fact `{fact}`" in done.stderr and "not a finite number" in done.stderr
    policy = policylang.load(numbers)
    for raw in (float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity"), "sNaN"):
        with pytest.raises(FactError):
            policy.evaluate({fact: raw})
    with pytest.raises(ParameterError):
        policy.evaluate({}, parameters={"M": float("nan")})


def test_nan_in_a_yaml_case_is_reported_as_the_facts_error(numbers: Path, tmp_path: Path) -> None:
    (tmp_path / "nan.cases.yaml").write_text(
        f"policy: {numbers}\ncases:\n  - id: nan\n    facts: {{d: .nan}}\n    expected: {{squared: 1}}\n",
        encoding="utf-8",
    )
    done = command("test", str(tmp_path / "nan.cases.yaml"))
    assert done.returncode == 2 and "not a finite number" in done.stdout


def test_a_batch_with_infinities_reports_rows_not_a_polars_error(numbers: Path) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"m": [1.5, float("inf"), float("-inf"), 1e300, 2.0]})
    result = policylang.load(numbers).evaluate_many(frame, decisions=["above", "raised"])
    errors = result["_error"].to_list()
    assert errors[0] is None and errors[4] is None
    assert all(e is not None and "fact `m`" in e for e in errors[1:4])


# -- 5. (continued) an int result out of range --------------------------------------------------


INTS = "fact n: int\ndecision square: int = n * n\ndecision negated: bool = 0 - n < 0\n"


def test_an_int_result_out_of_range_is_an_evaluation_error_and_batch_agrees() -> None:
    policy = compile_text(INTS)
    with pytest.raises(EvaluationError) as info:
        policy.evaluate({"n": 2**40})
    assert "larger than 9223372036854775807" in info.value.message and info.value.diagnostics[0].span is not None
    assert policy.evaluate({"n": 3037000499}, trace=False).decisions["square"] == 3037000499**2
    pl = pytest.importorskip("polars")
    rows = [{"n": 2**40}, {"n": 3037000499}, {"n": INT_MIN}, {"n": INT_MIN + 1}, {"n": INT_MAX}]
    result = policy.evaluate_many(pl.DataFrame({"n": [r["n"] for r in rows]}), decisions=["square", "negated"])
    for row, got in zip(rows, result.iter_rows(named=True), strict=True):
        try:
            expected = policy.evaluate(row, trace=False).decisions
        except EvaluationError as e:
            assert got["_error_code"] == "pol-evaluation" and got["_error"] == e.message
        else:
            assert got["_error"] is None and {k: got[k] for k in ("square", "negated")} == expected


def test_batch_agrees_with_evaluate_at_the_smallest_int() -> None:
    pl = pytest.importorskip("polars")
    policy = compile_text("fact n: int\ndecision negated: bool = 0 - n < 0\n")
    values = [INT_MIN, INT_MIN + 1, -(2**62), 2**62 - 1, 2**62, INT_MAX, -1, 0]
    result = policy.evaluate_many(pl.DataFrame({"n": values}, schema={"n": pl.Int64}), decisions=["negated"])
    for n, got in zip(values, result.iter_rows(named=True), strict=True):
        try:
            expected = policy.evaluate({"n": n}, trace=False).decisions["negated"]
        except EvaluationError:
            assert got["_error_code"] == "pol-evaluation", n
        else:
            assert got["negated"] == expected, n


# -- 6. nesting --------------------------------------------------------------------------------


def test_four_hundred_conditions_joined_by_and_are_a_chain_not_nesting() -> None:
    names = [f"a{i}" for i in range(400)]
    text = "".join(f"fact {n}: bool\n" for n in names) + "decision d: bool = " + " and ".join(names) + "\n"
    text += "decision e: bool = " + " or ".join(names) + "\n"
    policy = compile_text(text)
    facts = dict.fromkeys(names, True)
    assert policy.evaluate(facts).decisions == {"d": True, "e": True}
    assert policy.evaluate({**facts, "a399": False}, trace=False).decisions == {"d": False, "e": True}
    assert policy.evaluate({"a0": False}).decisions == {"d": False}
    policylang.explain(policy.evaluate(facts), why_not=True)


@pytest.mark.parametrize(
    "expression",
    [
        "not " * 1000 + "a",
        "".join(f"if a then {i} else " for i in range(500)) + "0",
        "count(" + "[" * 300 + "1" + "]" * 300 + ")",
        "(" * 5000 + "a" + ")" * 5000 + " and " + "not " * 150 + "a",
        "1" + " + 1" * 300 + " > 0",
    ],
    ids=["not", "if", "list", "parentheses", "sum"],
)
def test_deep_nesting_is_a_located_limit_error(expression: str) -> None:
    with pytest.raises(LimitError) as info:
        compile_text(f"fact a: bool\ndecision d: bool = {expression}\n")
    (d,) = info.value.diagnostics
    assert d.code == "pol-limit" and d.span is not None and d.span.line == 4
    assert "nested more than 100 deep" in d.message


def test_a_deep_facts_file_and_a_recursive_yaml_alias_are_errors(numbers: Path, tmp_path: Path) -> None:
    deep = facts_file(tmp_path, '{"mixed": ' + "[" * 5000 + "]" * 5000 + "}")
    done = command("eval", str(numbers), "--facts", deep)
    assert done.returncode == 1 and "deep" in done.stderr
    (tmp_path / "alias.cases.yaml").write_text(f"policy: {numbers}\nfacts: &a [*a]\ncases: []\n", encoding="utf-8")
    done = command("test", str(tmp_path / "alias.cases.yaml"))
    assert done.returncode == 1 and "alias that contains itself" in done.stderr


def test_a_long_chain_of_exceptions_needs_no_recursion(tmp_path: Path) -> None:
    rules = "".join(
        f'rule R-{i} cites S "§ {i}"{f" exception to R-{i - 1}" if i else ""} when x >= {i} then d = {i}\n'
        for i in range(1500)
    )
    policy = compile_text(f"fact x: int\ndecision d: int\n{rules}")
    assert policy.evaluate({"x": 0}).decisions == {"d": 0}
    with pytest.raises(policylang.ConflictError):
        policy.evaluate({"x": 5}, trace=False)  # an exception overrides only the rule it names
    cycle = compile_text  # the checker walks the chain without recursion too
    assert cycle


# -- 7. memory and sizes ------------------------------------------------------------------------


def test_a_long_text_literal_is_refused_and_a_long_allowed_one_is_cheap() -> None:
    text = 'fact a: bool\ndecision d: text = "' + "x" * 1_000_000 + '"\n'
    with pytest.raises(LimitError) as info:
        compile_text(text)
    assert "the limit `text_chars` allows 100,000" in info.value.diagnostics[0].message
    from policylang.syntax.parser import parse_module

    tracemalloc.start()
    try:
        parse_module(text, "big.pol", limits=Limits(text_chars=2_000_000, source_bytes=3_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000  # was 650 MB: the text token's regular expression


def test_a_long_condition_parameter_is_refused() -> None:
    policy = policylang.load("examples/benefit")
    with pytest.raises(ParameterError) as info:
        policy.evaluate({}, parameters={"SPECIAL_CASE": '"' + "x" * 1_000_000 + '" = "x"'})
    assert info.value.code == "pol-limit"


def test_large_files_and_values_are_refused(numbers: Path, tmp_path: Path) -> None:
    done = command("eval", str(numbers), "--facts", "/dev/zero", isolated=True)
    assert done.returncode == 1 and "larger than" in done.stderr
    big = facts_file(tmp_path, json.dumps({"z": "x" * 5000}))
    done = command("eval", str(numbers), "--facts", big, env={"POLICYLANG_LIMITS": "input_bytes=1000"})
    assert done.returncode == 1 and "input_bytes" in done.stderr
    policy = policylang.load(numbers, limits=Limits(text_chars=10, items=3))
    with pytest.raises(FactError):
        policy.evaluate({"z": "x" * 11})
    with pytest.raises(FactError):
        policy.evaluate({"mixed": [1, 2, 3, 4]})
    assert policy.evaluate({"z": "x" * 10, "mixed": [1, 2, 3]}, trace=False).undetermined


def test_billion_laughs_in_a_yaml_case_file_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (tmp_path / "laughs.cases.yaml").write_text(
        "\n".join(lines) + "\npolicy: examples/benefit\nfacts: {}\ncases: []\n", encoding="utf-8"
    )
    done = command("test", str(tmp_path / "laughs.cases.yaml"))
    assert done.returncode == 1 and "yaml_values" in done.stderr


def test_too_many_imports_are_refused(tmp_path: Path) -> None:
    for i in range(10):
        (tmp_path / f"m{i}.pol").write_text(f'import "m{i + 1}.pol"\nfact f{i}: bool\n', encoding="utf-8")
    (tmp_path / "m10.pol").write_text("fact f10: bool\n", encoding="utf-8")
    (tmp_path / "p.pol").write_text('policy t/many\nimport "m0.pol"\n', encoding="utf-8")
    assert policylang.load(tmp_path / "p.pol").facts
    with pytest.raises(LimitError):
        policylang.load(tmp_path / "p.pol", limits=Limits(imports=5))


# -- 8. the checker and exhaustive settling have budgets ------------------------------------------


def test_the_logic_analyses_stop_at_their_budget_and_say_so(tmp_path: Path) -> None:
    rules = "".join(f'rule R-{i} cites S "§ {i}" when x = {i} then d = {i}\n' for i in range(400))
    path = tmp_path / "many.pol"
    path.write_text(f'policy t/many\nsource S "Testloven"\nfact x: int\ndecision d: int\n{rules}', encoding="utf-8")
    found = check_file(path, cache=False, limits=Limits(analysis_seconds=0.5))
    stopped = [d for d in found if d.code == "pol-analysis-stopped"]
    assert len(stopped) == 1 and stopped[0].severity == "warning" and stopped[0].span is not None
    assert "stopped after 0.5 s" in stopped[0].message


def test_exhaustive_settling_stops_at_its_budget_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = "".join(f"fact f{i}: bool\n" for i in range(300))  # each decision is true, whatever its two facts are
    decisions = "".join(f"decision d{i}: bool = f{i} or not f{i} or f{(i + 1) % 300}\n" for i in range(300))
    policy = compile_text(facts + decisions).with_limits(Limits(exhaustive_cases=100))
    from policylang.engine import evaluate as engine_module

    runs = 0
    run = engine_module.Engine.run

    def counted(self: Any, v: list[Any], tracer: Any = None) -> Any:
        nonlocal runs
        runs += 1
        return run(self, v, tracer)

    monkeypatch.setattr(engine_module.Engine, "run", counted)
    result = policy.evaluate({}, exhaustive=True)
    assert runs <= 1 + 100
    assert [w.code for w in result.warnings] == ["exhaustive_incomplete"]
    assert len(result.undetermined) == 300 - 100 // 4
    assert policy.evaluate({f"f{i}": True for i in range(290)}, exhaustive=True).warnings == []


# -- 9. results do not depend on the environment --------------------------------------------------


def test_the_callers_decimal_context_changes_nothing(numbers: Path) -> None:
    policy = policylang.load(numbers)
    facts = {"m": Decimal("100.004"), "d": Decimal("2.5")}
    expected = policy.evaluate(facts).to_dict()
    assert expected["decisions"]["raised"] == 100.014 and expected["decisions"]["above"] is False
    for change in ("prec", "rounding", "inexact", "emax"):
        with decimal.localcontext() as context:
            if change == "prec":
                context.prec = 4
            elif change == "rounding":
                context.rounding = decimal.ROUND_FLOOR
            elif change == "inexact":
                context.traps[decimal.Inexact] = True
            else:
                context.Emax = 3
            assert policy.evaluate(facts).to_dict() == expected, change


def test_the_order_of_a_mixed_set_does_not_depend_on_the_hash_seed(numbers: Path) -> None:
    script = (
        "import json, policylang\n"
        f"p = policylang.load({str(numbers)!r})\n"
        "r = p.evaluate({'mixed': ['b', 3, 'a', 10, 'zz', -1, 'A']}, trace=False)\n"
        "print(json.dumps(r.to_dict()['decisions']['members']))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("0", "1", "2", "424242")
    }
    assert outputs == {'[-1, 3, 10, "A", "a", "b", "zz"]\n'}


# -- 10. batch ------------------------------------------------------------------------------------


def test_batch_will_not_write_its_results_over_its_input(numbers: Path, tmp_path: Path) -> None:
    pytest.importorskip("polars")
    caseload = tmp_path / "in.jsonl"
    caseload.write_text('{"n": 1}\n{"n": 2}\n', encoding="utf-8")
    for output in (str(caseload), str(tmp_path / "." / "in.jsonl")):
        done = command("batch", str(numbers), str(caseload), "-o", output)
        assert done.returncode == 1 and "the output is the input" in done.stderr
    assert caseload.read_text(encoding="utf-8") == '{"n": 1}\n{"n": 2}\n'


# -- 11. no plain Python errors from evaluation ----------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        ({"d": 12345}, "`round` failed: rounded to 30 decimal places, the number would need more than 34 digits"),
        ({"d": Decimal("1e60")}, "larger than the largest decimal"),
        ({"t": "2024-01-01T00:00:00+00:00", "z": "x" * 300}, "`local_time` failed: unknown time zone"),
        ({"t": "2024-01-01T00:00:00+00:00", "z": "../../etc/passwd"}, "`local_time` failed: unknown time zone"),
    ],
)
def test_arithmetic_and_builtins_fail_with_evaluation_errors(numbers: Path, facts: dict[str, Any], says: str) -> None:
    with pytest.raises(EvaluationError) as info:
        policylang.load(numbers).evaluate(facts, trace=False)
    assert says in info.value.message and info.value.diagnostics[0].span is not None


def test_division_by_zero_is_named_so_and_only_then() -> None:
    policy = compile_text("fact a: decimal\nfact b: decimal\ndecision q: decimal = a / b\n")
    for a in (1, 0):
        with pytest.raises(EvaluationError, match="division by zero"):
            policy.evaluate({"a": a, "b": 0})
    assert policy.evaluate({"a": 1, "b": 3}).decisions["q"] == pytest.approx(0.3333333333)
    assert policy.evaluate({"a": 1, "b": 3}).values["q"] == Decimal("0.3333333333333333333333333333333333")


@pytest.mark.parametrize(
    "text",
    [
        "fact r: set of record { a: int }\n",
        "fact r: list of record { a: int }\ndecision d: int = count(to_set(r))\n",
        "fact a: int\ndecision d: int = count({ {x: a} })\n",
        "fact r: list of map of text to int\ndecision d: int = count(r | r)\n",
    ],
)
def test_a_set_of_records_is_a_type_error_not_a_crash(text: str) -> None:
    errors = [d for d in diagnostics_of(text) if d.severity == "error"]
    assert [d.code for d in errors] == ["pol-type"]


# -- 12. bad case files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        {"rules": 5},
        {"missing": 3},
        {"parameters": [1, 2]},
        {"undetermined": ["x"]},
        {"undetermined": {"eligible": 3}},
        {"rules_absent": "EX-AGE"},
        {"no_rule": [1]},
        {"error": [1]},
        {"policy": ["examples/benefit"]},
        {"facts": [1]},
    ],
)
def test_a_malformed_case_is_a_case_file_error(tmp_path: Path, case: dict[str, Any]) -> None:
    data = {"policy": "examples/benefit", "facts": {}, **case}
    done = command("test", facts_file(tmp_path, json.dumps(data), "case.json"))
    assert done.returncode == 1 and "error[pol-case-file]" in done.stderr


def test_a_shared_facts_list_in_yaml_is_a_case_file_error(tmp_path: Path) -> None:
    (tmp_path / "shared.cases.yaml").write_text(
        "policy: examples/benefit\nfacts: [1, 2]\ncases:\n  - id: a\n    facts: {as_of: 2024-05-01}\n", encoding="utf-8"
    )
    done = command("test", str(tmp_path / "shared.cases.yaml"))
    assert done.returncode == 1 and "`facts` must be an object" in done.stderr


# -- 13. linked evaluation --------------------------------------------------------------------------


def test_handoffs_to_files_named_otherwise_are_followed_once(tmp_path: Path) -> None:
    def write(name: str, header: str, decision: str, target: str) -> None:
        (tmp_path / "link").mkdir(exist_ok=True)
        (tmp_path / "link" / name).write_text(
            f'policy {header}\nsource S "T"\nfact x: bool\nrule R-{name.upper()} cites S "§ 1"\n'
            f"decision {decision}: bool = x by R-{name.upper()}\nhandoff to {target} when x by R-{name.upper()}\n",
            encoding="utf-8",
        )

    write("a", "t/a", "first", "link/b")
    write("b", "t/other", "second", "link/c")  # the file link/b says it is t/other
    write("c", "t/selfish", "third", "link/c")  # and hands over to itself, by its file's name
    script = (
        "import json, policylang\n"
        "r = policylang.evaluate_linked('link/a', {'x': True}, trace=False)\n"
        "print(json.dumps([list(r.results), [(l.source, l.target) for l in r.links]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path, check=True
    )
    results, links = json.loads(done.stdout)
    assert results == ["t/a", "t/other", "t/selfish"]
    assert links == [["t/a", "link/b"], ["t/other", "link/c"], ["t/selfish", "link/c"]]


# -- 14. command-line edges ---------------------------------------------------------------------------

BENEFIT_FACTS = str(ROOT / "policies" / "examples" / "benefit.facts.json")


def test_reading_facts_from_a_closed_standard_input_is_an_error() -> None:
    done = command("eval", "examples/benefit", "--facts", "-", stdin=subprocess.DEVNULL)
    assert done.returncode == 1  # empty: not JSON
    closed = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m policylang.cli eval examples/benefit --facts - <&-'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert closed.returncode == 1 and "Traceback" not in closed.stderr and "standard input" in closed.stderr


def test_a_full_disk_is_an_output_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = command("eval", "examples/benefit", "--facts", BENEFIT_FACTS, stdout=full)
    assert done.returncode == 1 and "error[pol-output]" in done.stderr


def test_a_reader_that_stops_reading_does_not_change_the_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pol"
    bad.write_text("policy t/bad\nfact a: int\ndecision d: bool = a + 1\n" * 1, encoding="utf-8")
    script = (
        f'"{sys.executable}" -m policylang.cli check "{bad}" "{bad}" --format json | head -c 1; exit ${{PIPESTATUS[0]}}'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_terminal_that_cannot_show_every_character_gets_escapes(encoding: str) -> None:
    env = {"PYTHONIOENCODING": encoding}
    done = command("explain", "examples/benefit", "--facts", BENEFIT_FACTS, "--lang", "da", env=env, encoding=encoding)
    assert done.returncode == 0 and "Afg" in done.stdout
    done = command("eval", "examples/benefit", "--facts", BENEFIT_FACTS, "--format", "json", env=env, encoding=encoding)
    assert done.returncode == 0
    exact = command("eval", "examples/benefit", "--facts", BENEFIT_FACTS, "--format", "json")
    assert json.loads(done.stdout) == json.loads(exact.stdout)  # what could not be shown is escaped, as JSON does


def test_a_lone_surrogate_in_a_text_fact_is_a_fact_error(numbers: Path, tmp_path: Path) -> None:
    done = command("eval", str(numbers), "--facts", facts_file(tmp_path, '{"z": "\\ud800"}'))
    assert done.returncode == 1 and "fact `z`" in done.stderr and "surrogate" in done.stderr


def test_a_policy_file_name_that_is_not_utf8_is_checked(tmp_path: Path) -> None:
    name = os.fsdecode(b"\xff-policy.pol")
    (tmp_path / name).write_text("policy t/name\nfact a: bool\ndecision d: bool = a\n", encoding="utf-8")
    for extra in ([], ["--format", "json"]):
        done = subprocess.run(
            [sys.executable, "-m", "policylang.cli", "check", name, *extra],
            capture_output=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr


def test_fail_under_must_be_a_percentage(tmp_path: Path) -> None:
    for value in ("nan", "-1", "101", "inf"):
        done = command("test", str(ROOT / "policies" / "cases" / "greenland"), "--fail-under", value)
        assert done.returncode == 1 and "--fail-under" in done.stderr


def test_parameter_mistakes_are_not_blamed_on_the_facts_file() -> None:
    done = command("eval", "examples/benefit", "--facts", BENEFIT_FACTS, "--param", "LOW_INCOME=[1]")
    assert done.returncode == 1 and "parameter `LOW_INCOME`" in done.stderr
    assert "benefit.facts.json" not in done.stderr


@pytest.mark.parametrize("parameters", [{1: 2}, {None: 1}, [("LOW_INCOME", 1)], {"LOW_INCOME": [[[[]]]]}])
def test_odd_parameter_sets_are_parameter_errors(parameters: Any) -> None:
    with pytest.raises(ParameterError):
        policylang.load("examples/benefit").evaluate({}, parameters=parameters)


# -- 15. concurrency --------------------------------------------------------------------------------


def test_loading_many_policies_from_many_threads_at_once(tmp_path: Path) -> None:
    paths = []
    for i in range(80):
        path = tmp_path / f"p{i}.pol"
        path.write_text(f"policy t/p{i}\nfact a: int\ndecision d: int = a + {i}\n", encoding="utf-8")
        paths.append(path)
    problems: list[BaseException] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        try:
            start.wait()
            for i in range(80):
                j = (i + offset * 10) % 80
                policy = policylang.load(paths[j])
                assert policy.evaluate({"a": 1}, trace=False).decisions == {"d": 1 + j}
                assert policy.evaluate({"a": 1}, parameters={}, trace=False).decisions == {"d": 1 + j}
        except BaseException as e:  # reported below
            problems.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert problems == []


# -- 16. smaller weaknesses -------------------------------------------------------------------------


def test_a_duplicate_key_in_a_facts_file_is_an_error(numbers: Path, tmp_path: Path) -> None:
    done = command("eval", str(numbers), "--facts", facts_file(tmp_path, '{"n": 1, "n": 2}'))
    assert done.returncode == 1 and 'the key "n" is written twice' in done.stderr


def test_a_byte_order_mark_in_a_facts_file_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + Path(BENEFIT_FACTS).read_bytes())
    done = command("eval", "examples/benefit", "--facts", str(path))
    assert done.returncode == 0, done.stderr


def test_a_decomposed_letter_is_the_name_it_looks_like() -> None:
    composed, decomposed = "\u00e5r", "a\u030ar"
    policy = compile_text(f"fact {composed}: int\ndecision d: int = {decomposed} + 1\n")
    assert policy.evaluate({composed: 1}).decisions == {"d": 2}


def test_look_alike_names_and_direction_controls_are_warned_about() -> None:
    found = diagnostics_of(
        "fact \u0430ge: int\n# \u202e reversed\ndecision d: bool = \u0430ge > 1\nfact \uff42: bool\n"
    )
    codes = sorted(d.code for d in found)
    assert codes == ["pol-bidi-control", "pol-confusable-name", "pol-confusable-name", "pol-unused-fact"]
    assert not diagnostics_of("fact bopæl_år: int\ndecision d: bool = bopæl_år > 1\n")


def test_an_error_on_a_long_line_shows_a_window_of_it() -> None:
    line = "decision d: bool = " + " and ".join(["a"] * 40_000) + " and )"
    with pytest.raises(policylang.PolicySyntaxError) as info:
        compile_text("fact a: bool\n" + line + "\n", header=False)
    shown = info.value.format()
    assert len(shown) < 2_000 and "^" in shown


def test_load_refuses_what_check_refuses(tmp_path: Path) -> None:
    path = tmp_path / "placeholder.pol"
    path.write_text(
        'policy t/placeholder\nsource S "T"\nfact a: bool\n'
        'rule R-1 cites S "§ 1" explain "Du får {nowhere}."\ndecision d: bool = a by R-1\n',
        encoding="utf-8",
    )
    assert any(d.severity == "error" for d in check_file(path, cache=False))
    with pytest.raises(policylang.PolicyCheckError):
        policylang.load(path)


def test_the_engine_for_a_set_of_parameters_is_found_by_exact_value() -> None:
    policy = compile_text('parameter P: int or text = 0\ndecision d: bool = P = "1"\n')
    assert policy.evaluate({}, parameters={"P": Decimal("1")}).decisions == {"d": False}
    assert policy.evaluate({}, parameters={"P": "1"}).decisions == {"d": True}


def test_dask_reads_a_policy_again_after_it_changes(tmp_path: Path) -> None:
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    from policylang.batch.dask import evaluate_dask

    path = tmp_path / "p.pol"
    path.write_text("policy t/p\nfact a: int\ndecision d: int = a + 1\n", encoding="utf-8")
    frame = dd.from_pandas(pd.DataFrame({"a": [1, 2]}), npartitions=1)
    assert evaluate_dask(str(path), frame).compute(scheduler="synchronous")["d"].tolist() == [2, 3]
    path.write_text("policy t/p\nfact a: int\ndecision d: int = a + 100\n", encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert evaluate_dask(str(path), frame).compute(scheduler="synchronous")["d"].tolist() == [101, 102]

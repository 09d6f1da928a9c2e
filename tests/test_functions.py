"""Functions (``function name(p: T, ...): T = expr``): values, unknowns, the trace and the backends.

A function is pure (its body reads its parameters, the policy's parameters and other
functions) and not recursive. The row engine calls it and records each call in the trace;
the vectorised batch backend and the z3 encoding read a call as the body with the
arguments put in (``FnCallIR.inlined``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import policylang
from policylang.analysis import analyse
from policylang.batch import evaluate_many
from policylang.batch.run import backend_for
from policylang.ir import program as ir
from policylang.ir import serial
from policylang.testing import partial_fact_sets
from policylang.trace import Recorder
from policylang.trace.nodes import CallNode, DecisionNode, node_from_dict
from tests.conftest import compile_text, diagnostics_of

HERE = Path(__file__).parent
ROOT = HERE.parent
BATCH_POLICY = HERE / "batch_policies" / "functions.pol"
RESULT_SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))

HOUSEHOLD = """
rule R-1 cites S "§ 1"
type member = record { name: text, income: money }
fact members: list of member
fact applicant: member
fact partner: member
parameter RATE: decimal = 0.1
function contribution(m: member, rate: decimal): money "Bidrag" / "Contribution"
  cites S "§ 3"
  = m.income * rate
decision household: money = sum(m in members: contribution(m, RATE)) by R-1
decision each: list of money = map(m in members: contribution(m, RATE)) by R-1
decision joint: money = contribution(applicant, RATE) + contribution(partner, 0.2) by R-1
"""

A = {"name": "A", "income": 1000}
B = {"name": "B", "income": 250}


def test_a_contribution_per_member_summed_mapped_and_for_two_persons() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [A, B], "applicant": A, "partner": B})
    assert result.values["household"] == 125
    assert list(result.values["each"]) == [100, 25]
    assert result.values["joint"] == 150  # 1000 * 0.1 + 250 * 0.2


def test_a_parameter_the_function_reads_can_be_set() -> None:
    policy = compile_text(HOUSEHOLD)
    result = policy.evaluate({"members": [A, B], "applicant": A, "partner": B}, parameters={"RATE": "0.5"})
    assert result.values["household"] == 625


def test_an_unknown_argument_makes_the_result_unknown_only_where_the_body_needs_it() -> None:
    policy = compile_text(
        """
rule R-1 cites S "§ 1"
fact flag: bool
fact a: int
fact b: int
function pick(flag: bool, a: int, b: int): int = if flag then a else b
decision picked: int = pick(flag, a, b) by R-1
"""
    )
    assert policy.evaluate({"flag": True, "a": 1}).values["picked"] == 1  # b is not needed
    waiting = policy.evaluate({"flag": False, "a": 1})
    assert "picked" not in waiting.values and waiting.undetermined["picked"] == ["b"]
    # with `flag` unknown both branches count, and they differ as soon as `b` is known: it waits for both
    assert policy.evaluate({"a": 1}).undetermined["picked"] == ["flag", "b"]


def test_the_trace_shows_each_call_with_its_arguments_result_and_citation() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [A, B], "applicant": A, "partner": B})
    household = next(n for n in result.trace if isinstance(n, DecisionNode) and n.name == "household")
    calls = [n for n in household.children if isinstance(n, CallNode)]
    assert [c.to_dict() for c in calls] == [
        {
            "kind": "call",
            "function": "contribution",
            "arguments": {"m": A, "rate": 0.1},
            "result": 100,
            "citation": "Testloven § 3",
            "children": [],
        },
        {
            "kind": "call",
            "function": "contribution",
            "arguments": {"m": B, "rate": 0.1},
            "result": 25,
            "citation": "Testloven § 3",
            "children": [],
        },
    ]
    data = result.to_dict()
    jsonschema.validate(data, RESULT_SCHEMA)
    program = result.program
    again = [node_from_dict(n, program) for n in data["trace"]]
    assert [n.to_dict() for n in again] == data["trace"]
    assert next(n for n in again[0].walk() if isinstance(n, CallNode)).span == program.functions["contribution"].span


TWO_CITATIONS = """
rule R-1 cites S "§ 1"
fact v: decimal
function twice(v: decimal): decimal "Dobbelt" / "Twice"
  cites S "§ 1", S "§ 2, stk. 3"
  = v * 2
decision doubled: decimal "Fordoblet" / "Doubled" = twice(v) by R-1
"""


def test_a_call_node_carries_every_citation_of_its_function(golden: Callable[[str, str], None]) -> None:
    policy = compile_text(TWO_CITATIONS)
    result = policy.evaluate({"v": "1.5"})
    (call,) = [n for n in result.trace[0].walk() if isinstance(n, CallNode)]
    assert call.to_dict()["citation"] == "Testloven § 1; Testloven § 2, stk. 3"
    jsonschema.validate(result.to_dict(), RESULT_SCHEMA)
    staff = policylang.explain(result, policy, lang="en", audience="caseworker")
    assert staff.decision("doubled").calls[0].citation == "Testloven § 1; Testloven § 2, stk. 3"
    for render in (policylang.render_markdown, policylang.render_html):
        assert "Testloven § 2, stk. 3" in render(result, lang="en", audience="caseworker", policy=policy)
    golden("render/function_citations_caseworker_en.txt", policylang.render_text(result, lang="en", policy=policy))


def test_a_call_with_an_unknown_argument_shows_it_unknown_and_no_result() -> None:
    result = compile_text(HOUSEHOLD).evaluate({"members": [A], "applicant": A})
    joint = next(n for n in result.trace if isinstance(n, DecisionNode) and n.name == "joint")
    second = [n for n in joint.children if isinstance(n, CallNode)][1]
    assert second.to_dict() == {
        "kind": "call",
        "function": "contribution",
        "arguments": {"m": "unknown", "rate": 0.2},
        "citation": "Testloven § 3",
        "children": [],
    }
    jsonschema.validate(result.to_dict(), RESULT_SCHEMA)


NESTED = """
rule R-1 cites S "§ 1"
fact x: int
function double(n: int): int = n * 2
function quadruple(n: int): int = double(double(n))
let four = quadruple(x) by R-1
decision eight: int = double(four) by R-1
"""


def test_calls_a_function_makes_are_its_children_and_a_lets_calls_are_at_the_top() -> None:
    result = compile_text(NESTED).evaluate({"x": 3})
    assert result.values["eight"] == 24
    top = [n.to_dict() for n in result.trace if isinstance(n, CallNode)]
    assert top == [
        {
            "kind": "call",
            "function": "quadruple",
            "arguments": {"n": 3},
            "result": 12,
            "children": [
                {"kind": "call", "function": "double", "arguments": {"n": 3}, "result": 6, "children": []},
                {"kind": "call", "function": "double", "arguments": {"n": 6}, "result": 12, "children": []},
            ],
        }
    ]
    eight = next(n for n in result.trace if isinstance(n, DecisionNode))
    assert [c.get("arguments") for c in eight.children if isinstance(c, CallNode)] == [{"n": 12}]


def test_a_tracer_of_ones_own_is_told_of_calls() -> None:
    tracer = Recorder()
    compile_text(NESTED).evaluate({"x": 3}, tracer=tracer)
    calls = [e for e in tracer.events if e[0] == "call"]
    assert [(e[1].name, e[2], e[3], len(e[4])) for e in calls] == [("quadruple", (3,), 12, 2), ("double", (12,), 24, 0)]


def test_an_evaluation_without_a_tracer_records_no_calls() -> None:
    policy = compile_text(NESTED)
    engine = policy.engine()
    v = engine.load_facts({"x": 3}, False)
    engine.run(v)
    assert all(not callable(x) for x in v)  # nothing was left to record calls


def test_an_arithmetic_error_in_a_body_is_located_in_the_body() -> None:
    policy = compile_text(
        """
rule R-1 cites S "§ 1"
fact n: int
function share(total: int, parts: int): decimal = total / parts
decision s: decimal = share(10, n) by R-1
"""
    )
    with pytest.raises(policylang.EvaluationError, match="division by zero") as caught:
        policy.evaluate({"n": 0})
    assert "inline.pol:6:" in str(caught.value)  # the line of the function's body


def test_a_bound_variable_of_the_body_does_not_capture_the_callers() -> None:
    policy = compile_text(
        """
rule R-1 cites S "§ 1"
type member = record { age: int, counts: list of int }
fact members: list of member
function plus_each(xs: list of int, k: int): int = sum(m in xs: m + k)
decision total: int = sum(m in members: plus_each(m.counts, m.age)) by R-1
"""
    )
    rows = [{"members": [{"age": 10, "counts": [1, 2]}, {"age": 100, "counts": [3]}]}]
    assert policy.evaluate(rows[0]).values["total"] == (1 + 10) + (2 + 10) + (3 + 100)
    inlined = next(n for n in ir.walk(policy.program.decisions["total"].rows[0].value) if isinstance(n, ir.FnCallIR))
    assert "plus_each·m" in {n.variable for n in ir.walk(inlined.inlined) if isinstance(n, ir.AggregateIR)}
    assert evaluate_many(policy, rows)["total"].to_list() == [126]  # the batch reads the inlined body


# ----------------------------------------------------------------- checking


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("fact f: bool\nparameter C: condition = f\nfunction g(x: int): bool = C\n", "pol-function-impure"),
        ("fact f: int\nlet l = f\nfunction g(x: int): int = x + l\n", "pol-function-impure"),
        ("parameter P: int = 2\nfunction g(x: int): int = x * P\nparameter Q: int = g(1)\n", "pol-not-constant"),
        ("function g(x: int, x: int): int = x\n", "pol-duplicate-name"),
        ("function g(x: int): int = x\nfunction g(y: int): int = y\n", "pol-duplicate-name"),
        ("function sum(x: int): int = x\n", "pol-function-name"),
        ('function g(x: int): int cites NOPE "§ 1" = x\n', "pol-unknown-source"),
        ("function g(x: int): int = x\nfact f: int\ndecision d: int = g()\n", "pol-function-arity"),
        (
            "function g(x: int): int = h(x)\nfunction h(x: int): int = k(x)\nfunction k(x: int): int = g(x)\n",
            "pol-recursion",
        ),
    ],
)
def test_misuse_is_a_located_diagnostic(text: str, code: str) -> None:
    found = [d for d in diagnostics_of(text) if d.severity == "error"]
    assert [d.code for d in found] == [code], found
    assert found[0].span is not None


def test_a_circle_of_three_is_reported_once_with_its_path() -> None:
    text = "function g(x: int): int = h(x)\nfunction h(x: int): int = k(x)\nfunction k(x: int): int = g(x)\n"
    (d,) = [d for d in diagnostics_of(text) if d.code == "pol-recursion"]
    assert "`g` → `h` → `k` → `g`" in d.message


def test_a_function_of_an_imported_file_is_callable(tmp_path: Path) -> None:
    lib = tmp_path / "lib.pol"
    lib.write_text('source L "Lib"\nfunction twice(n: int): int cites L "§ 1" = n * 2\n', encoding="utf-8")
    main = tmp_path / "main.pol"
    main.write_text(
        'policy t/main\nimport "lib.pol"\nsource S "S"\nrule R-1 cites S "§ 1"\nfact n: int\n'
        "decision d: int = twice(n) by R-1\n",
        encoding="utf-8",
    )
    assert policylang.load(str(main)).evaluate({"n": 4}).values["d"] == 8
    lib.write_text('source L "Lib"\nfunction twice(n: int): int cites L "§ 1" = n * 3\n', encoding="utf-8")
    assert policylang.load(str(main)).evaluate({"n": 4}).values["d"] == 12  # the store sees the imported file change


def test_a_checked_call_is_stored_and_read_back_with_its_function_shared() -> None:
    program = compile_text(HOUSEHOLD).program
    (restored,) = serial.restore(json.loads(json.dumps(serial.dump([program]))))
    assert restored.functions == program.functions
    calls = [
        n for d in restored.decisions.values() for r in d.rows for n in ir.walk(r.value) if isinstance(n, ir.FnCallIR)
    ]
    assert len(calls) == 4 and all(c.function is restored.functions["contribution"] for c in calls)


# ----------------------------------------------------------------- the batch backend


def test_the_batch_backend_vectorises_calls_as_their_bodies() -> None:
    coverage = backend_for(policylang.load(str(BATCH_POLICY)).engine()).coverage()
    assert coverage == dict.fromkeys(("total_points", "joint", "nested", "hours", "senior"))


def _rows() -> list[dict[str, Any]]:
    old, young = {"age": 70, "hours": None}, {"age": 30, "hours": 5}
    return [
        {"members": [old, young], "first_age": 66, "second_age": 20},
        {"members": [], "first_age": 1, "second_age": 2},
        {"first_age": 66},
        {},
    ]


def test_the_batch_agrees_with_the_row_engine_on_chosen_rows() -> None:
    policy = policylang.load(str(BATCH_POLICY))
    vectorised = evaluate_many(policy, _rows(), reasons=True)
    assert_frame_equal(vectorised, evaluate_many(policy, _rows(), reasons=True, backend="rowwise"))
    assert vectorised["total_points"].to_list()[:2] == [9, 0]
    assert vectorised["joint"].to_list()[:2] == [9, 6]
    assert vectorised["hours"].to_list()[0] == [0, 5]


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data())
def test_the_batch_agrees_with_evaluate_on_generated_fact_sets(data: st.DataObject) -> None:
    policy = policylang.load(str(BATCH_POLICY))
    pairs = data.draw(st.lists(partial_fact_sets(policy), min_size=1, max_size=6))
    # one row left undetermined: where none is, the batch's `_undetermined` column is null on
    # one backend and a record of nulls on the other (as on main, for any policy)
    rows = [partial for _, partial in pairs] + [full for full, _ in pairs] + [{}]
    vectorised = evaluate_many(policy, rows)
    assert_frame_equal(vectorised, evaluate_many(policy, rows, backend="rowwise"))
    for facts, row in zip(rows, vectorised.iter_rows(named=True), strict=True):
        try:
            result = policy.evaluate(facts, trace=False)
        except policylang.PolicyError:
            assert row["_error"] is not None
            continue
        for name in ("total_points", "joint", "nested", "senior"):
            assert row[name] == result.values.get(name)


# ----------------------------------------------------------------- the analyses


def test_the_analyses_prove_a_gap_through_a_function() -> None:
    policy = compile_text(
        """
rule R-1 cites S "§ 1"
fact income: int
function share(x: int): int = x * 2
decision band: enum { low, high }
  first match
    low when share(income) < 100 by R-1
    high when share(income) >= 200 by R-1
"""
    )
    (gap,) = analyse(policy.program)
    assert gap.code == "pol-gap" and "not exhaustive" not in gap.message  # proved, not "possibly"
    example = json.loads(gap.hint.split("for example ")[1].split("; ")[0])
    assert 50 <= example["income"] < 100  # share(income) between 100 and 199: a real gap
    assert policy.evaluate(example).to_dict()["trace"][0]["status"] == "no_rule"


def test_the_analyses_find_no_gap_where_the_function_closes_it() -> None:
    policy = compile_text(
        """
rule R-1 cites S "§ 1"
fact income: int
function share(x: int): int = x * 2
decision band: enum { low, high }
  first match
    low when share(income) < 100 by R-1
    high when share(income) >= 100 by R-1
"""
    )
    assert [d.code for d in analyse(policy.program)] == []


# ----------------------------------------------------------------- explanations

EXPLAIN_SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "explanation.schema.json").read_text(encoding="utf-8"))


def test_a_caseworker_reads_the_calls_and_a_citizen_reads_no_function_name() -> None:
    policy = compile_text(HOUSEHOLD)
    result = policy.evaluate({"members": [A, B], "applicant": A, "partner": B})
    staff = policylang.explain(result, policy, lang="en", audience="caseworker")
    (first, second) = staff.decision("household").calls
    assert (first.function, first.label, first.citation) == ("contribution", "Contribution", "Testloven § 3")
    assert [name for name, _ in first.arguments] == ["m", "rate"] and second.result.value == 25
    jsonschema.validate(staff.to_dict(), EXPLAIN_SCHEMA)
    text = policylang.render_text(result, lang="en", audience="caseworker", policy=policy)
    assert "contribution(m = " in text and "= DKK 100" in text
    for audience in ("citizen",):
        for lang in ("da", "en"):
            citizen = policylang.explain(result, policy, lang=lang, audience=audience)
            assert all(not d.calls for d in citizen.decisions)
            jsonschema.validate(citizen.to_dict(), EXPLAIN_SCHEMA)
            for render in (policylang.render_text, policylang.render_markdown, policylang.render_html):
                shown = render(result, lang=lang, audience=audience, policy=policy)
                assert "contribution" not in shown, render
    for render in (policylang.render_markdown, policylang.render_html):  # staff read the calls in every format
        assert "contribution" in render(result, lang="en", audience="caseworker", policy=policy)


def test_an_explanation_without_calls_is_as_before() -> None:
    policy = compile_text('rule R-1 cites S "§ 1"\nfact a: int\ndecision d: int = a + 1 by R-1\n')
    result = policy.evaluate({"a": 1})
    assert "calls" not in policylang.explain(result, policy).to_dict()["decisions"][0]


# ----------------------------------------------------------------- the editor


def test_hover_and_completion_know_the_policys_functions(tmp_path: Path) -> None:
    from policylang.editor.complete import complete
    from policylang.editor.hover import hover
    from policylang.editor.workspace import Workspace

    text = (
        'policy t/editor\nsource S "Loven"\nrule R-1 cites S "§ 1"\nfact n: int\n'
        'function twice(x: int): int "Dobbelt" / "Double" cites S "§ 2" = x * 2\n'
        "decision d: int = twice(n) by R-1\n"
    )
    (tmp_path / "f.pol").write_text(text, encoding="utf-8")
    path = str((tmp_path / "f.pol").resolve())
    analysis = Workspace([tmp_path]).analyse(path)
    line = text.split("\n").index("decision d: int = twice(n) by R-1") + 1
    found = hover(analysis, path, line, len("decision d: int = tw"))
    assert found is not None and "twice(x: int): int" in found[0] and "Loven § 2" in found[0]
    typed = "let z = tw"
    _, candidates = complete(text + typed, line + 1, len(typed) + 1, analysis)
    (twice,) = [c for c in candidates if c.label == "twice"]
    assert (twice.kind, twice.detail, twice.insert) == ("function", "twice(x: int): int", "twice(")


def test_the_manifest_says_what_each_function_is() -> None:
    from policylang.trace.manifest import manifest

    schema = json.loads((ROOT / "policylang" / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
    data = manifest(compile_text(HOUSEHOLD).program)
    jsonschema.validate(data, schema)
    assert data["functions"]["contribution"] == {
        "type": "money",
        "currency": "DKK",
        "labels": {"da": "Bidrag", "en": "Contribution"},
        "params": [{"param": "m", "type": "record", "name": "member"}, {"param": "rate", "type": "decimal"}],
        "citations": [{"source": "S", "locator": "§ 3"}],
        "body": "m.income * rate",
        "span": "10:1-12:20",
    }
    assert "functions" not in manifest(compile_text("fact a: int\ndecision d: int = a").program)


def test_definition_references_and_rename_of_a_function_across_files(tmp_path: Path) -> None:
    from policylang.editor.navigate import RenameError, definition, references, rename
    from policylang.editor.workspace import Workspace

    lib = (
        'source S "Loven"\nfunction twice(x: int): int cites S "§ 2" = x * 2\n'
        "function four(x: int): int = twice(twice(x))\n"
    )
    main = 'policy t/main\nimport "lib.pol"\nrule R-1 cites S "§ 1"\nfact n: int\ndecision d: int = twice(n) by R-1\n'
    (tmp_path / "lib.pol").write_text(lib, encoding="utf-8")
    (tmp_path / "main.pol").write_text(main, encoding="utf-8")
    w = Workspace([tmp_path])
    path = str((tmp_path / "main.pol").resolve())
    analysis = w.analyse(path)
    at = (5, main.split("\n")[4].index("twice") + 2)
    [declared] = definition(w, analysis, path, *at)
    assert declared.file.endswith("lib.pol") and (declared.line, declared.column) == (2, 10)
    used = references(w, analysis, path, *at)
    assert sorted((Path(s.file).name, s.line, s.column) for s in used) == [
        ("lib.pol", 2, 10),
        ("lib.pol", 3, 30),
        ("lib.pol", 3, 36),
        ("main.pol", 5, 19),
    ]
    edits = rename(w, analysis, path, *at, "double")
    assert sorted((Path(f).name, len(spans)) for f, spans in edits.items()) == [("lib.pol", 3), ("main.pol", 1)]
    with pytest.raises(RenameError, match="built-in"):
        rename(w, analysis, path, *at, "age")


LAZY = """
rule R-1 cites S "§ 1"
fact flag: bool
fact a: int
fact b: int
function pick(c: bool, x: int, y: decimal): decimal = if c then x else y
decision picked: decimal = pick(flag, a, 10 / b) by R-1
"""


def test_an_argument_is_computed_only_where_the_body_needs_it_as_in_the_body_written_out() -> None:
    policy = compile_text(LAZY)
    result = policy.evaluate({"flag": True, "a": 1, "b": 0})  # 10 / 0 is not needed
    assert result.values["picked"] == 1
    (call,) = [n for n in result.trace[0].children if isinstance(n, CallNode)]
    assert call.arguments == {"c": True, "x": 1}  # the argument that fails is left out of the record
    frame = evaluate_many(policy, [{"flag": True, "a": 1, "b": 0}, {"flag": False, "a": 1, "b": 4}])
    assert frame["picked"].to_list() == [1, 2.5]
    with pytest.raises(policylang.EvaluationError, match="division by zero") as caught:
        policy.evaluate({"flag": False, "a": 1, "b": 0})
    assert "inline.pol:9:" in str(caught.value)  # at the argument, where the call is written

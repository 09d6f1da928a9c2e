"""Batch evaluation: inputs, row identity, unknown and null facts, errors, options, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import policylang
from policylang.base.errors import FactError
from policylang.batch import BatchInputError, BatchOptionError, coverage, evaluate_many, summarise
from policylang.cli import main

HERE = Path(__file__).parent
TEST_POLICY = HERE / "batch_policies" / "benefits.pol"
MUST_REPORT = HERE.parent / "benchmarks" / "must_report.pol"

ROWS: list[dict[str, Any]] = [
    {"age": 30, "income": 1500, "married": False, "fraud": False, "status": "resident", "codes": ["a"]},
    {"age": 17, "income": 500, "married": True, "fraud": False, "status": "citizen", "codes": []},
    {"age": 40, "income": 2500, "status": "visitor"},  # married, fraud, codes unknown
    {"age": 50, "income": 2500, "fraud": True, "permit": True, "status": "resident", "codes": ["c"]},
]


@pytest.fixture(scope="module")
def policy() -> policylang.Policy:
    return policylang.load(TEST_POLICY)


def singles(policy: policylang.Policy, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [policy.evaluate(r, trace=False).decisions for r in rows]


def decided(table: pl.DataFrame, policy: policylang.Policy) -> list[dict[str, Any]]:
    """The decided values of each row, as ``Result.decisions`` shows them (enums and bools here)."""
    out = []
    for row in table.iter_rows(named=True):
        out.append(
            {
                d: row[d]
                for d in policy.decisions
                if d in row and row["_undetermined"][d] is None and row["_no_rule"][d] is None
                if d not in ("review", "flags")
            }
        )
    return out


def without_dates(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in d.items() if k not in ("review", "flags")} for d in decisions]


# ---------------------------------------------------------------- inputs


def test_every_kind_of_input_gives_the_same_table(policy: policylang.Policy, tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow as pa

    complete = [{k: v for k, v in r.items() if k != "codes"} for r in ROWS]  # CSV has no lists
    frame = pl.DataFrame(complete)
    expected = evaluate_many(policy, complete, backend="rowwise")
    frame.write_parquet(tmp_path / "c.parquet")
    frame.write_csv(tmp_path / "c.csv")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in complete) + "\n", encoding="utf-8")
    inputs = [
        frame,
        frame.lazy(),
        frame.to_pandas(),
        frame.to_arrow(),
        pa.Table.from_pylist(complete, schema=frame.to_arrow().schema),
        complete,
        tmp_path / "c.parquet",
        str(tmp_path / "c.csv"),
        tmp_path / "c.jsonl",
    ]
    for data in inputs:
        assert_frame_equal(evaluate_many(policy, data), expected)
    assert decided(expected, policy) == without_dates(singles(policy, complete))
    assert isinstance(pd.DataFrame(), pd.DataFrame)


def test_rows_keep_their_order_and_identity(policy: policylang.Policy) -> None:
    frame = pl.DataFrame([{**r, "case": f"K{i}"} for i, r in enumerate(ROWS)]).reverse()
    out = policy.evaluate_many(frame, id_columns=["case"], chunk_size=3)
    assert out.get_column("case").to_list() == ["K3", "K2", "K1", "K0"]
    assert out.get_column("_row").to_list() == [0, 1, 2, 3]
    assert out.columns[:2] == ["case", "_row"]
    assert decided(out, policy) == without_dates(singles(policy, list(reversed(ROWS))))


def test_a_pandas_index_is_kept_as_identity(policy: policylang.Policy) -> None:
    import pandas as pd

    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "codes"} for r in ROWS], index=[7, 3, 9, 1])
    frame.index.name = "case_id"
    out = evaluate_many(policy, frame)
    assert out.get_column("case_id").to_list() == [7, 3, 9, 1]


def test_a_column_that_is_no_fact_is_an_error_with_a_hint(policy: policylang.Policy) -> None:
    with pytest.raises(FactError) as caught:
        evaluate_many(policy, [{"age": 3, "incme": 4}])
    assert caught.value.code == "pol-unknown-fact"
    assert "incme" in caught.value.message and caught.value.hint == "did you mean `income`?"
    out = evaluate_many(policy, [{"age": 3, "incme": 4}], ignore_unknown_facts=True)
    expected = policy.evaluate({"age": 3}, trace=False).undetermined["band"]
    assert out.get_column("_undetermined").struct.field("band").to_list() == [expected]


def test_unreadable_inputs_are_policy_errors(policy: policylang.Policy, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"age": 3}\nnot json\n', encoding="utf-8")
    with pytest.raises(BatchInputError, match=r"bad.jsonl:2:1: not valid JSON"):
        evaluate_many(policy, tmp_path / "bad.jsonl")
    with pytest.raises(BatchInputError, match="no such file"):
        evaluate_many(policy, tmp_path / "missing.parquet")
    (tmp_path / "bad.xlsx").write_text("", encoding="utf-8")
    with pytest.raises(BatchInputError, match="unknown format"):
        evaluate_many(policy, tmp_path / "bad.xlsx")
    with pytest.raises(BatchInputError, match="cannot read a caseload"):
        evaluate_many(policy, 42)


# ---------------------------------------------------------------- unknown and null


def test_null_cells_are_unknown_facts(policy: policylang.Policy) -> None:
    frame = pl.DataFrame({"age": [30, None], "income": [500, 500], "married": [None, False]})
    out = evaluate_many(policy, frame)
    first = policy.evaluate({"age": 30, "income": 500}, trace=False)
    second = policy.evaluate({"income": 500, "married": False}, trace=False)
    undetermined = out.get_column("_undetermined").to_list()
    assert {d: f for d, f in undetermined[0].items() if f} == first.undetermined
    assert {d: f for d, f in undetermined[1].items() if f} == second.undetermined
    assert out.get_column("_missing").to_list() == [first.missing, second.missing]


def test_a_known_mask_column_tells_null_from_unknown(policy: policylang.Policy) -> None:
    """`permit` is `bool?`: null (known to have no value) differs from unknown."""
    base = {"age": 50, "income": 2500, "fraud": True}
    frame = pl.DataFrame(
        {
            "age": [50, 50, 50],
            "income": [2500, 2500, 2500],
            "fraud": [True, True, True],
            "permit": [None, None, True],
            "permit__known": [True, False, True],
        }
    )
    out = evaluate_many(policy, frame)
    expected = [
        policy.evaluate({**base, "permit": None}, trace=False),  # null: the exception does not apply
        policy.evaluate(base, trace=False),  # unknown: the benefit is undetermined
        policy.evaluate({**base, "permit": True}, trace=False),
    ]
    assert out.get_column("benefit").to_list() == [r.decisions.get("benefit") for r in expected]
    assert out.get_column("benefit").to_list() == ["none", None, "full"]
    assert out.get_column("_undetermined").struct.field("benefit").to_list() == [None, ["permit"], None]


def test_nulls_null_reads_nulls_of_optional_facts_as_null(policy: policylang.Policy) -> None:
    frame = pl.DataFrame(
        {"age": [50], "income": [1200], "fraud": [True], "permit": [None]}, schema_overrides={"permit": pl.Boolean}
    )
    assert evaluate_many(policy, frame).get_column("benefit").to_list() == [None]
    assert evaluate_many(policy, frame, nulls="null").get_column("benefit").to_list() == ["none"]
    with pytest.raises(BatchInputError, match="nulls must be one of"):
        evaluate_many(policy, frame, nulls="zero")


def test_json_lines_null_is_null_and_absent_is_unknown(policy: policylang.Policy, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        '{"age": 50, "income": 1200, "fraud": true, "permit": null}\n{"age": 50, "income": 1200, "fraud": true}\n',
        encoding="utf-8",
    )
    assert evaluate_many(policy, path).get_column("benefit").to_list() == ["none", None]


# ---------------------------------------------------------------- errors


def test_invalid_rows_get_the_message_of_a_single_evaluation(policy: policylang.Policy) -> None:
    rows = [
        ROWS[0],
        {"age": "thirty", "income": 100},
        {"age": 30, "income": -1},
        {"age": 30, "income": 100, "status": "tourist"},
        {"age": 30, "income": 500, "fraud": False, "permit": None},  # R-MAIN and R-PART conflict
        ROWS[1],
    ]
    out = evaluate_many(policy, rows)
    messages = []
    for r in rows:
        try:
            policy.evaluate(r, trace=False)
            messages.append(None)
        except policylang.PolicyError as e:
            messages.append(e.message)
    assert out.get_column("_error").to_list() == messages
    assert out.get_column("_error_code").to_list() == [
        None,
        "pol-fact-type",
        "pol-constraint",
        "pol-fact-type",
        "pol-conflict",
        None,
    ]
    assert out.height == len(rows)
    assert out.get_column("band").to_list()[0] == "middle"
    with pytest.raises(FactError, match='fact `age` is "thirty"'):
        evaluate_many(policy, rows, on_error="raise")
    with pytest.raises(FactError, match='fact `age` is "thirty"'):
        evaluate_many(policy, rows, on_error="raise", backend="rowwise")


def test_bad_options_are_reported(policy: policylang.Policy) -> None:
    with pytest.raises(BatchOptionError, match="no decision `bnd` \\(did you mean `band`\\?\\)"):
        evaluate_many(policy, ROWS, decisions=["bnd"])
    with pytest.raises(BatchOptionError, match="on_error"):
        evaluate_many(policy, ROWS, on_error="ignore")
    with pytest.raises(BatchOptionError, match="backend"):
        evaluate_many(policy, ROWS, backend="gpu")
    benefit = policylang.load("examples/benefit")
    with pytest.raises(BatchOptionError, match="cannot be vectorised entirely: `income_band`"):
        evaluate_many(benefit, [{}], backend="vectorised")


# ---------------------------------------------------------------- options


def test_decisions_and_reasons(policy: policylang.Policy) -> None:
    out = evaluate_many(policy, ROWS, decisions=["flags", "band"], reasons=True)
    assert out.columns == [
        "_row",
        "band",
        "flags",
        "_undetermined",
        "_no_rule",
        "_missing",
        "_reasons",
        "_error",
        "_error_code",
    ]
    reasons = out.get_column("_reasons").to_list()
    for row, facts in zip(reasons, ROWS, strict=True):
        single = policy.evaluate(facts, trace=False)
        assert {d: r for d, r in row.items() if r is not None} == {
            d: r for d, r in single.reasons.items() if d in ("band", "flags")
        }


def test_chunks_report_progress_and_change_nothing(policy: policylang.Policy) -> None:
    rows = ROWS * 5
    seen: list[int] = []
    chunked = evaluate_many(policy, rows, chunk_size=3, progress=seen.append)
    assert seen == [3] * 6 + [2]
    assert_frame_equal(chunked, evaluate_many(policy, rows))


def test_dates_and_lists_come_out_typed(policy: policylang.Policy) -> None:
    rows = [{"as_of": "2024-05-01", "moved": "2024-04-01", "status": "visitor", "codes": ["c"], "born": "1950-01-01"}]
    out = evaluate_many(policy, rows)
    assert out.schema["review"] == pl.Date and out.schema["flags"] == pl.List(pl.String)
    assert out.row(0, named=True)["review"] == dt.date(2024, 10, 1)
    assert out.row(0, named=True)["flags"] == ["R-LIST", "R-VISIT"]


def test_coverage_says_what_is_vectorised() -> None:
    assert coverage(policylang.load(MUST_REPORT)) == {"exemptions": None, "must_report": None}
    why = coverage(policylang.load("examples/benefit"))
    assert why["adult"] is None
    assert why["contact_by"] is not None and "datetime" in why["contact_by"]


def test_summary_counts_each_value(policy: policylang.Policy) -> None:
    out = evaluate_many(policy, [*ROWS, {"age": "x"}])
    summary = summarise(out, ["benefit", "band"])
    assert summary["band"] == {"(undetermined)": 2, '"low"': 1, '"middle"': 1, "(error)": 1}
    assert sum(summary["benefit"].values()) == 5


# ---------------------------------------------------------------- the command line


def test_cli_batch_writes_the_table_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "caseload.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in ROWS) + '\n{"age": "x"}\n', encoding="utf-8")
    output = tmp_path / "out.parquet"
    code = main(
        [
            "batch",
            str(TEST_POLICY),
            str(source),
            "--output",
            str(output),
            "--reasons",
            "--progress",
            "--chunk-size",
            "2",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    table = pl.read_parquet(output)
    assert table.height == 5 and "_reasons" in table.columns
    assert "tests/batch_benefits: 5 rows in" in captured.out
    assert "band:\n" in captured.out and '"middle"' in captured.out
    assert 'rows with invalid facts: 1 (counted as (error) below)\n  row 4: fact `age` is "x"' in captured.out
    assert captured.out.index("rows with invalid facts") < captured.out.index("band:\n")
    assert "100%" in captured.err and "5/5 rows" in captured.err


def test_cli_batch_json_summary_csv_output_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "caseload.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    code = main(
        ["batch", str(TEST_POLICY), str(source), "-o", str(tmp_path / "o.csv"), "--format", "json", "--no-progress"]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == 4 and payload["decisions"]["band"]['"middle"'] == 1
    assert pl.read_csv(tmp_path / "o.csv").height == 4
    assert main(["batch", str(TEST_POLICY), str(tmp_path / "none.parquet"), "-o", str(tmp_path / "x.parquet")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["batch", str(TEST_POLICY), str(source), "-o", str(tmp_path / "x.txt")]) == 1
    assert "unknown output format" in capsys.readouterr().err
    assert main(["batch", str(TEST_POLICY), str(source), "-o", str(tmp_path / "no" / "x.parquet")]) == 1
    err = capsys.readouterr().err
    assert "cannot write the file (No such file or directory" in err and "(None)" not in err
    source.write_text('{"age": "x"}\n', encoding="utf-8")
    assert main(["batch", str(TEST_POLICY), str(source), "-o", str(tmp_path / "x.parquet"), "--stop-on-error"]) == 1
    assert 'error[pol-fact-type]: fact `age` is "x"' in capsys.readouterr().err
    assert main(["batch", str(MUST_REPORT), "--coverage"]) == 0
    assert capsys.readouterr().out == "exemptions: vectorised\nmust_report: vectorised\n"


def test_numbers_of_the_wrong_kind_are_errors_not_crashes() -> None:
    """Floats for an int fact: whole ones are accepted, others (and infinity) are invalid facts."""
    policy = policylang.load(MUST_REPORT)
    frame = pl.DataFrame({"help_months": [12.0, 3.5, float("inf"), float("nan")]})
    out = evaluate_many(policy, frame)
    assert out.get_column("_error").to_list() == [
        None,
        "fact `help_months` is 3.5, but it must be a whole number",
        "fact `help_months` is Infinity, but it must be a whole number (it is not a finite number)",
        None,  # NaN is read as a missing value
    ]
    assert out.get_column("_undetermined").struct.field("must_report").to_list()[3] is not None
    with pytest.raises(FactError, match="is Infinity"):
        policy.evaluate({"help_months": float("inf")})


def test_a_column_that_mixes_a_number_and_a_bool_keeps_each_value() -> None:
    """Polars would read ``[1.5, False]`` as numbers (``False`` as ``0.0``): each row is checked as given."""
    p = policylang.load("child_protection/migrant_children")
    rows: list[dict[str, Any]] = [{"is_public_holiday": 1.5}, {"is_public_holiday": False}]
    out = p.evaluate_many(rows, reasons=True)
    errors = out["_error"].to_list()
    assert errors[0] == "fact `is_public_holiday` is 1.5, but it must be true or false"
    assert errors[1] is None  # False is a bool, as a single evaluation reads it
    p.evaluate(rows[1])  # ... which accepts it


def test_a_column_of_mappings_keeps_each_mapping_as_given() -> None:
    """Polars would make ``[{}, {"a": 1}]`` structs with the same keys: ``{}`` would read as ``{"a": null}``."""
    p = policylang.load("child_protection/migrant_children")
    rows: list[dict[str, Any]] = [{"is_public_holiday": {}}, {"is_public_holiday": {"a": 1}}]
    errors = p.evaluate_many(rows, reasons=True)["_error"].to_list()
    assert errors == [
        "fact `is_public_holiday` is {}, but it must be true or false",
        'fact `is_public_holiday` is {"a": 1}, but it must be true or false',
    ]


@pytest.mark.parametrize("beyond", [-(2**63) - 1, 2**64 - 1])
def test_an_int_column_wider_than_int64_gives_row_errors(beyond: int) -> None:
    """Polars reads such a column as Int128 or UInt64: the value beyond Int64 is that row's error, the rest run."""
    p = policylang.load("child_protection/migrant_children")
    out = p.evaluate_many([{"age_years": beyond}, {"age_years": 3}], reasons=True)
    errors = out["_error"].to_list()
    assert errors[0] is not None and str(beyond) in errors[0] and errors[1] is None

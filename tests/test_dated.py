"""Dated parameters (``from DATE = ...``, ``NAME at DATE``), parameter files and scales (issue 20, points 3 and 4).

The parameter files here are written in OpenFisca's parameter format (the form of
``openfisca_country_template/parameters/``: ``values`` with ``{value: X}`` or ``X``, a
placeholder ``expected``, ``null`` ending a parameter, nested parameters, ``brackets``
with dated thresholds and rates); they are our own files, not copies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import z3

import policylang
from policylang.analysis import domain as D
from policylang.analysis.encode import Encoder
from policylang.base.errors import EvaluationError, ParameterError, PolicyCheckError
from policylang.batch.run import coverage
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import History, Scale
from policylang.policy import loader
from policylang.policy.checking import check_file
from policylang.syntax.format import format_text
from tests.conftest import diagnostics_of

POLICY = """\
policy demo/dated
  evaluation date period_start

fact period_start: date
fact income: money EUR

parameter INCOME_TAX_RATE: decimal "Indkomstskattesats" / "Income tax rate"
  from 2012-01-01 = 0.15
  from 2015-01-01 = 0.16
  provenance doc

parameter SOCIAL_SECURITY: scale of money EUR "Social security contribution"
  from 2013-01-01 = scale { 0 EUR: 0.02, 6000 EUR: 0.06, 12400 EUR: 0.12 }
  from 2017-01-01 = scale { 0 EUR: 0.02, 12000 EUR: 0.06, 13000 EUR: 0.12 }

decision tax: money EUR = income * INCOME_TAX_RATE
decision tax_2013: money EUR = income * INCOME_TAX_RATE at 2013-05-01
decision contribution: money EUR = marginal(SOCIAL_SECURITY, income)
decision flat: money EUR = average(SOCIAL_SECURITY at 2018-01-01, income)
"""

SCALE_FILE = """\
# a marginal scale, as OpenFisca writes one
description: Social security contribution tax scale
metadata:
  threshold_unit: currency-EUR
  rate_unit: /1
brackets:
- rate:
    2013-01-01:
      value: 0.03
    2017-01-01:
      value: 0.02
  threshold:
    2013-01-01:
      value: 0.0
- rate:
    2013-01-01:
      value: 0.1
    2017-01-01:
      value: 0.06
  threshold:
    2013-01-01:
      value: 12000.0
    2017-01-01:
      value: 6000.0
- rate:
    2017-01-01:
      value: 0.12
  threshold:
    2017-01-01:
      value: 12400.0
"""

RATE_FILE = """\
description: Income tax rate
metadata:
  unit: /1
values:
  2012-01-01:
    value: 0.16
  2015-01-01: 0.15
  2016-01-01: expected
"""

ENDING_FILE = """\
description: Housing allowance (a fraction of the rent)
values:
  2010-01-01:
    value: 0.25
  2016-12-01:
    value: null
"""

NESTED_FILE = """\
description: Housing tax
rate:
  metadata:
    unit: currency-EUR
  values:
    2010-01-01: 10
minimal_amount:
  values:
    2010-01-01: 200
"""

FILES_POLICY = """\
policy demo/files
  evaluation date period_start

fact period_start: date
fact income: money EUR
fact rent: money EUR

parameter RATE: decimal "Income tax rate" from file "parameters/rate.yaml"
parameter SOCIAL: scale of money EUR "Social security" from file "parameters/social.yaml"
parameter HOUSING: decimal from file "parameters/housing.yaml"
parameter MINIMUM: money EUR from file "parameters/housing_tax.yaml#minimal_amount"
parameter AGE: int from file "parameters/age.toml"

decision tax: money EUR = income * RATE
decision contribution: money EUR = marginal(SOCIAL, income)
decision allowance: money EUR = rent * HOUSING
decision minimum: money EUR = MINIMUM
decision majority: int = AGE
"""

AGE_TOML = """\
description = "Age of majority"
[values]
1945-01-01 = { value = 21.0 }
1971-01-01 = 18
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, nothing kept in memory."""
    monkeypatch.setenv("POLICYLANG_CACHE_DIR", str(tmp_path / "cache"))
    loader.CACHE.clear()
    return tmp_path / "cache"


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder / next(iter(files))


@pytest.fixture
def dated(tmp_path: Path, cache: Path) -> policylang.Policy:
    return policylang.load(write(tmp_path, {"dated.pol": POLICY}))


@pytest.fixture
def files(tmp_path: Path, cache: Path) -> Path:
    return write(
        tmp_path / "policy",
        {
            "files.pol": FILES_POLICY,
            "parameters/rate.yaml": RATE_FILE,
            "parameters/social.yaml": SCALE_FILE,
            "parameters/housing.yaml": ENDING_FILE,
            "parameters/housing_tax.yaml": NESTED_FILE,
            "parameters/age.toml": AGE_TOML,
        },
    )


def codes(text: str) -> list[str]:
    return [d.code for d in diagnostics_of(text) if d.severity == "error"]


# -- dated values ------------------------------------------------------------------------------


def test_the_value_is_chosen_by_the_evaluation_date_or_an_explicit_date(dated: policylang.Policy) -> None:
    result = dated.evaluate({"period_start": "2016-03-01", "income": 20000})
    assert result.values["tax"] == Decimal("3200.00")  # 0.16 from 2015
    assert result.values["tax_2013"] == Decimal("3000.00")  # 0.15 on 2013-05-01
    early = dated.evaluate({"period_start": "2014-12-31", "income": 20000})
    assert early.values["tax"] == Decimal("3000.00")  # the day before the change


def test_a_date_before_the_first_value_is_a_located_evaluation_error(dated: policylang.Policy) -> None:
    with pytest.raises(EvaluationError) as caught:
        dated.evaluate({"period_start": "2011-06-01", "income": 1})
    (d,) = caught.value.diagnostics
    assert d.code == "pol-evaluation"
    assert "`INCOME_TAX_RATE` has no value on 2011-06-01: its first value is from 2012-01-01" in d.message
    assert d.span is not None and d.span.text == "INCOME_TAX_RATE" and d.span.line == 16


def test_an_unknown_date_leaves_the_value_unknown(dated: policylang.Policy) -> None:
    result = dated.evaluate({"income": 20000})
    assert "period_start" in result.undetermined["tax"]
    assert result.values["tax_2013"] == Decimal("3000.00")  # its date is written: no evaluation date needed


def test_without_an_evaluation_date_the_date_must_be_written() -> None:
    text = "fact d: date\nparameter P: int\n  from 2015-01-01 = 1\ndecision a: int = P\ndecision b: int = P at d\n"
    found = diagnostics_of(text)
    assert [(x.code, x.span.text if x.span else None) for x in found if x.severity == "error"] == [
        ("pol-parameter-date", "P")
    ]
    assert "P at period_start" in (found[0].hint or "")


def test_the_checker_refuses_what_is_not_a_dated_parameter() -> None:
    assert codes("fact d: date\nparameter P: int = 1\ndecision a: int = P at d\n") == ["pol-parameter-date"]
    assert codes("parameter P: int\n  from 2016-01-01 = 1\n  from 2015-01-01 = 2\n") == ["pol-parameter-dates"]
    assert codes("parameter P: int\n  from 2016-01-01 = 1\ndecision a: int = P at 3\n") == ["pol-type"]
    assert codes('parameter P: int\n  from 2016-01-01 = "x"\n') == ["pol-type"]


def test_a_datetime_evaluation_date_chooses_by_its_date(tmp_path: Path, cache: Path) -> None:
    text = POLICY.replace("fact period_start: date", "fact period_start: datetime")
    p = policylang.load(write(tmp_path, {"t.pol": text}))
    result = p.evaluate({"period_start": "2015-01-01T00:30:00+00:00", "income": 100})
    assert result.values["tax"] == Decimal("16.00")


# -- overriding --------------------------------------------------------------------------------


def test_overriding_with_one_value_for_every_date(dated: policylang.Policy) -> None:
    facts = {"period_start": "2016-03-01", "income": 20000}
    result = dated.evaluate(facts, parameters={"INCOME_TAX_RATE": 0.2})
    assert result.values["tax"] == result.values["tax_2013"] == Decimal("4000.0")


def test_overriding_with_dated_values_in_the_files_form(dated: policylang.Policy) -> None:
    facts = {"period_start": "2016-03-01", "income": 20000}
    history = {"values": {"2010-01-01": 0.1, "2016-01-01": {"value": 0.3}}}
    result = dated.evaluate(facts, parameters={"INCOME_TAX_RATE": history})
    assert (result.values["tax"], result.values["tax_2013"]) == (Decimal("6000.0"), Decimal("2000.0"))
    scale = {"brackets": [{"threshold": {"2010-01-01": 0}, "rate": {"2010-01-01": {"value": 0.1}}}]}
    assert dated.evaluate(facts, parameters={"SOCIAL_SECURITY": scale}).values["contribution"] == Decimal("2000.0")
    one = {"brackets": [{"threshold": 0, "rate": 0.1}]}  # one scale for every date
    assert dated.evaluate(facts, parameters={"SOCIAL_SECURITY": one}).values["flat"] == Decimal("2000.0")


def test_the_values_a_result_shows_are_written_as_an_override_takes_them(dated: policylang.Policy) -> None:
    facts = {"period_start": "2016-03-01", "income": 20000}
    result = dated.evaluate(facts)
    shown = result.to_dict()["parameter_values"]
    assert shown["INCOME_TAX_RATE"] == {"values": {"2012-01-01": 0.15, "2015-01-01": 0.16}}
    assert json.loads(json.dumps(shown)) == shown
    assert dated.evaluate(facts, parameters=shown).decisions == result.decisions


@pytest.mark.parametrize(
    "value",
    [
        {"values": {"not a date": 1}},
        "abc",
        {"values": {"2015-01-01": "abc"}},
        {"brackets": [{"threshold": 10, "rate": 0.1}, {"threshold": 0, "rate": 0.2}]},
    ],
)
def test_a_wrong_override_is_a_parameter_error(dated: policylang.Policy, value: Any) -> None:
    name = "SOCIAL_SECURITY" if "brackets" in str(value) else "INCOME_TAX_RATE"
    with pytest.raises(ParameterError) as caught:
        dated.evaluate({"period_start": "2016-03-01", "income": 1}, parameters={name: value})
    assert caught.value.code == "pol-parameter-type"


# -- scales ------------------------------------------------------------------------------------


def test_marginal_and_average_application() -> None:
    scale = Scale((Decimal(0), Decimal(6000), Decimal(12400)), (Decimal("0.02"), Decimal("0.06"), Decimal("0.12")))
    # marginal: 6000 x 2 % + 6400 x 6 % + 7600 x 12 %
    assert scale.marginal(Decimal(20000)) == Decimal("120") + Decimal("384") + Decimal("912")
    assert scale.marginal(Decimal(-5)) == 0 and scale.marginal(Decimal(6000)) == Decimal("120.00")
    # average: the bracket of 20000 is the one from 12400, its rate on the whole amount
    assert scale.average(Decimal(20000)) == Decimal("2400.00")
    assert scale.average(Decimal(6000)) == Decimal("360.00")
    assert Scale((Decimal(100),), (Decimal("0.5"),)).average(Decimal(50)) == 0


def test_a_dated_scale_in_a_policy(dated: policylang.Policy) -> None:
    result = dated.evaluate({"period_start": "2016-03-01", "income": 20000})
    assert result.values["contribution"] == Decimal("1416.00")
    assert result.values["flat"] == Decimal("2400.00")  # 2018's scale: 20000 is over 13000, 12 %
    later = dated.evaluate({"period_start": "2017-03-01", "income": 20000})
    assert later.values["contribution"] == Decimal("240") + Decimal("60") + Decimal("840")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("parameter S: scale of money EUR = scale { 0 EUR: 0.1, 0 EUR: 0.2 }", "pol-scale"),
        ("parameter S: scale of money EUR = scale { 10 EUR: 0.1, 5 EUR: 0.2 }", "pol-scale"),
        ("parameter S: scale of money EUR = scale { 0 DKK: 0.1 }", "pol-currency"),
        ('parameter S: scale of decimal = scale { 0: "x" }', "pol-scale"),
        ("parameter S: scale of text = scale { 0: 0.1 }", "pol-scale"),
        ("fact x: int\ndecision s: decimal = marginal(scale { x: 0.1 }, 3)", "pol-scale"),
        ("fact x: money EUR\ndecision s: decimal = marginal(scale { 0 DKK: 0.1 }, x)", "pol-type"),
        ("fact x: int\ndecision s: decimal = marginal(x, x)", "pol-type"),
    ],
)
def test_the_checker_refuses_wrong_scales(text: str, code: str) -> None:
    assert code in codes(text)


def test_a_scale_of_whole_numbers_gives_a_decimal() -> None:
    ok = "fact x: int\ndecision s: decimal = marginal(scale { 0: 0.1, 10: 0.5 }, x) + average(scale { 0: 1 }, x)\n"
    assert codes(ok) == []


# -- parameter files ---------------------------------------------------------------------------


def test_openfisca_parameter_files_are_read(files: Path) -> None:
    p = policylang.load(files)
    result = p.evaluate({"period_start": "2016-03-01", "income": 20000, "rent": 1000})
    assert result.values["tax"] == Decimal("3000.00")  # 0.15 from 2015; `expected` in 2016 changes nothing
    assert result.values["contribution"] == Decimal("360") + Decimal("800")  # 2013's brackets
    assert result.values["allowance"] == Decimal("250.00")
    assert result.values["minimum"] == Decimal("200")
    assert result.values["majority"] == 18  # 21.0 in 1945 is a whole number, so an int


def _error(p: policylang.Policy, day: str) -> str:
    try:
        p.evaluate({"period_start": day, "income": 1, "rent": 1}).decisions["allowance"]
    except EvaluationError as e:
        return e.message
    return ""


def test_a_null_ends_the_values(files: Path) -> None:
    message = _error(policylang.load(files), "2017-06-01")
    assert (
        "`HOUSING` has no value on 2017-06-01: it has none from 2016-12-01"
        " (its last value applied until 2016-11-30)" in message
    )


def test_an_edited_parameter_file_never_gives_a_stale_policy(files: Path, cache: Path) -> None:
    facts = {"period_start": "2016-03-01", "income": 20000, "rent": 1000}
    assert policylang.load(files).evaluate(facts).values["tax"] == Decimal("3000.00")
    assert any(cache.rglob("*.json")), "the compiled policy was stored"
    loader.CACHE.clear()  # a new process: from the store
    assert policylang.load(files).evaluate(facts).values["tax"] == Decimal("3000.00")
    rate = files.parent / "parameters" / "rate.yaml"
    rate.write_text(RATE_FILE.replace("2015-01-01: 0.15", "2015-01-01: 0.25"), encoding="utf-8")
    os.utime(rate, (time.time() + 5, time.time() + 5))  # a new modification time, however coarse the clock
    assert policylang.load(files).evaluate(facts).values["tax"] == Decimal("5000.00")  # kept in memory: re-read
    loader.CACHE.clear()
    assert policylang.load(files).evaluate(facts).values["tax"] == Decimal("5000.00")  # the store: a new key


def test_a_policy_from_the_store_reads_its_parameter_files_as_compiled(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = {"period_start": "2016-03-01", "income": 20000, "rent": 1000}
    policylang.load(files)
    loader.CACHE.clear()

    def refuse(*args: Any) -> Any:
        raise AssertionError("parsed again, not read from the store")

    monkeypatch.setattr(loader, "read_modules_and_files", refuse)
    assert policylang.load(files).evaluate(facts).values["contribution"] == Decimal("1160.0")


@pytest.mark.parametrize(
    ("name", "text", "code", "where"),
    [
        ("rate.yaml", "values:\n  2015-01-01: [1, 2]\n", "pol-parameter-file", (2, 15)),
        ("rate.yaml", "values:\n  2015-01-01: {value: 1\n", "pol-parameter-file", (3, 1)),
        ("rate.yaml", "values:\n  first: 1\n", "pol-parameter-file", (2, 3)),
        ("rate.yaml", "value:\n  2015-01-01: 1\n", "pol-parameter-file", (1, 1)),
        ("rate.yaml", "values:\n  2015-01-01: 1\n  2015-01-01: 2\n", "pol-parameter-file", (3, 3)),
        ("rate.yaml", 'values:\n  2015-01-01: "x"\n', "pol-type", (2, 15)),
        (
            "rate.yaml",
            "brackets:\n- threshold: {2015-01-01: 0}\n  rate: {2015-01-01: 0.1}\n",
            "pol-parameter-file",
            None,
        ),
        ("rate.yaml", "", "pol-parameter-file", (1, 1)),
    ],
)
def test_a_wrong_parameter_file_is_reported_where_it_is_wrong(
    tmp_path: Path, cache: Path, name: str, text: str, code: str, where: tuple[int, int] | None
) -> None:
    policy = write(
        tmp_path,
        {
            "p.pol": 'policy t/p\nparameter RATE: decimal from file "rate.yaml"\n'
            "decision d: decimal = RATE at 2016-01-01\n"
        },
    )
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(PolicyCheckError) as caught:
        policylang.load(policy)
    d = caught.value.diagnostics[0]
    assert d.code == code
    assert d.span is not None
    if where is not None:
        assert (d.span.file.endswith("rate.yaml"), d.span.line, d.span.column) == (True, *where)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("missing.yaml", "pol-parameter-file"),
        ("rate.json", "pol-parameter-file"),
        ("../outside/rate.yaml", "pol-import-forbidden"),
    ],
)
def test_a_parameter_file_is_read_only_where_imports_are(tmp_path: Path, cache: Path, path: str, code: str) -> None:
    write(tmp_path, {"outside/rate.yaml": "values:\n  2015-01-01: 1\n", "inside/rate.json": "{}"})
    policy = write(tmp_path / "inside", {"p.pol": f'policy t/p\nparameter RATE: decimal from file "{path}"\n'})
    with pytest.raises(PolicyCheckError) as caught:
        policylang.load(policy)
    assert caught.value.diagnostics[0].code == code
    assert caught.value.diagnostics[0].span is not None and caught.value.diagnostics[0].span.line == 2


def test_a_parameter_file_over_the_size_limit_is_refused(tmp_path: Path, cache: Path) -> None:
    policy = write(
        tmp_path, {"p.pol": 'policy t/p\nparameter RATE: decimal from file "r.yaml"\n', "r.yaml": "x" * 3000}
    )
    with pytest.raises(policylang.PolicyError) as caught:
        policylang.load(policy, limits=policylang.Limits(source_bytes=2000))
    (d,) = caught.value.diagnostics
    assert d.code == "pol-limit" and d.span is not None and d.span.text == '"r.yaml"'


def test_a_file_whose_currency_or_kind_differs_is_refused(tmp_path: Path, cache: Path) -> None:
    policy = write(
        tmp_path,
        {
            "p.pol": 'policy t/p\nparameter A: money DKK from file "a.yaml"\nparameter B: decimal from file "b.yaml"\n',
            "a.yaml": "metadata:\n  unit: currency-EUR\nvalues:\n  2015-01-01: 1\n",
            "b.yaml": SCALE_FILE,
        },
    )
    with pytest.raises(PolicyCheckError) as caught:
        policylang.load(policy)
    assert sorted(d.code for d in caught.value.diagnostics) == ["pol-currency", "pol-parameter-file"]


# -- the other backends ------------------------------------------------------------------------


def test_the_batch_computes_dated_values_row_by_row_and_agrees(dated: policylang.Policy) -> None:
    why = coverage(dated)
    assert "dated parameter" in (why["tax"] or "") and "`marginal`" in (why["contribution"] or "")
    assert "dated" not in (why["tax_2013"] or "")  # its date is written: a constant (money is row by row anyway)
    rows = [{"period_start": f"{y}-06-01", "income": 1000 * y - 2_000_000} for y in range(2013, 2019)]
    frame = dated.evaluate_many(rows)
    for row, got in zip(rows, frame.iter_rows(named=True), strict=True):
        assert Decimal(str(got["contribution"])) == dated.evaluate(row).values["contribution"]


def test_the_z3_encoding_computes_scales_as_the_engine(dated: policylang.Policy) -> None:
    program = dated.program
    encoder = Encoder(program, exact=True)
    model = encoder.decision("contribution")
    assert not any(kind == "opaque" for notes in model.row_notes for kind, _ in notes)
    rng = random.Random(20)
    for _ in range(25):
        day = f"{rng.choice([2013, 2015, 2017, 2020])}-0{rng.randint(1, 9)}-15"
        income = Decimal(rng.randint(-100, 3_000_000)) / 100
        solver = z3.Solver()
        solver.add(*encoder.definitions)
        day_value = D.constant(dt.date.fromisoformat(day), T.DATE, encoder.rule_enum, ymd=True)
        solver.add(D.as_z3_bool(D.equal(encoder.fact("period_start"), day_value, lambda: z3.Bool("x"))))
        solver.add(encoder.fact("income").term == z3.RealVal(str(income)))
        assert solver.check() == z3.sat
        got = solver.model().eval(model.value.term, model_completion=True)
        expected = dated.evaluate({"period_start": day, "income": str(income)}).values["contribution"]
        assert Decimal(got.as_decimal(20).rstrip("?")) == expected, (day, income)


def test_a_free_parameter_is_opaque_to_the_analyses(dated: policylang.Policy) -> None:
    model = Encoder(dated.program, exact=True, free_parameters=True).decision("contribution")
    assert any(kind == "opaque" for notes in model.row_notes for kind, _ in notes)


# -- the checked program -----------------------------------------------------------------------


def test_a_dated_parameter_is_a_history_in_the_program(dated: policylang.Policy) -> None:
    param = dated.program.parameters["INCOME_TAX_RATE"]
    assert param.is_dated and isinstance(param.default, ir.DatedIR)
    assert param.type == T.DECIMAL and str(param.default.starts[0]) == "2012-01-01"
    assert isinstance(dated.engine().parameter_value("INCOME_TAX_RATE"), History)
    assert T.describe(dated.program.parameters["SOCIAL_SECURITY"].type) == "scale of money EUR"


def test_the_formatter_lays_out_dated_values_as_clauses() -> None:
    text = (
        'parameter R: decimal "Rate"\nfrom 2012-01-01 = 0.15\n      from 2015-01-01=0.16\n provenance doc\n'
        'parameter S: scale of int   from file "s.yaml"\n'
        "decision d: decimal = marginal(scale{0:0.1,10:0.2}, R at  2013-01-01)\n"
    )
    assert format_text(text) == (
        'parameter R: decimal "Rate"\n'
        "  from 2012-01-01 = 0.15\n"
        "  from 2015-01-01 = 0.16\n"
        "  provenance doc\n"
        'parameter S: scale of int from file "s.yaml"\n'
        "decision d: decimal = marginal(scale {0: 0.1, 10: 0.2}, R at 2013-01-01)\n"
    )


def test_the_result_records_each_dated_value_on_the_evaluation_date(dated: policylang.Policy) -> None:
    result = dated.evaluate({"period_start": "2016-03-01", "income": 20000})
    record = result.to_dict()
    assert record["dated_parameters"]["INCOME_TAX_RATE"] == {"date": "2016-03-01", "from": "2015-01-01", "value": 0.16}
    assert record["dated_parameters"]["SOCIAL_SECURITY"]["from"] == "2013-01-01"
    assert (
        policylang.Result.from_dict(json.loads(json.dumps(record)), dated.program).dated == record["dated_parameters"]
    )
    set_ = dated.evaluate({"period_start": "2016-03-01", "income": 1}, parameters={"INCOME_TAX_RATE": 0.2})
    assert set_.dated["INCOME_TAX_RATE"] == {"date": "2016-03-01", "from": None, "value": 0.2}
    assert "dated_parameters" not in dated.evaluate({"income": 1}).to_dict()  # no evaluation date known


def test_the_editor_reads_parameter_files_as_the_loader_does(tmp_path: Path) -> None:
    from policylang.editor.workspace import Workspace

    text = 'policy t/p\nparameter RATE: decimal from file "rate.yaml"\ndecision d: decimal = RATE at 2016-01-01\n'
    write(tmp_path, {"p.pol": text, "rate.yaml": RATE_FILE})
    path = str((tmp_path / "p.pol").resolve())
    analysis = Workspace([tmp_path]).analyse(path)
    assert analysis.program is not None and [d.code for d in analysis.for_file(path)] == []
    (tmp_path / "rate.yaml").write_text("values:\n  2015-01-01: [1]\n", encoding="utf-8")
    found = Workspace([tmp_path]).analyse(path).diagnostics
    assert [d.code for d in found if d.code == "pol-parameter-file"]


def test_the_manifest_shows_dated_values_and_names_the_parameter_files_version(files: Path) -> None:
    p = policylang.load(files)
    shown = p.manifest()["parameters"]
    assert shown["RATE"]["dated"] == {"2012-01-01": "0.16", "2015-01-01": "0.15"}
    assert shown["RATE"]["file"].endswith("parameters/rate.yaml") and "default" not in shown["RATE"]
    assert shown["SOCIAL"]["type"] == "scale" and shown["SOCIAL"]["of"] == {"type": "money", "currency": "EUR"}
    assert shown["HOUSING"]["dated"]["2016-12-01"] == "null"
    before = p.program.source_hash
    rate = files.parent / "parameters" / "rate.yaml"
    rate.write_text(RATE_FILE.replace("0.15", "0.25"), encoding="utf-8")
    os.utime(rate, (time.time() + 5, time.time() + 5))
    assert policylang.load(files).program.source_hash != before  # a result names the version it was evaluated by


def test_the_command_line_takes_dated_values(tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from policylang.cli import main

    policy = write(tmp_path, {"dated.pol": POLICY, "facts.json": '{"period_start": "2016-03-01", "income": 20000}'})
    facts = str(tmp_path / "facts.json")
    dated = '--param=INCOME_TAX_RATE={"values": {"2010-01-01": 0.5}}'
    assert main(["eval", str(policy), "--facts", facts, dated, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"]["tax"] == 10000
    wrong = '--param=INCOME_TAX_RATE={"values": {"x": 0.5}}'
    assert main(["eval", str(policy), "--facts", facts, wrong]) == 1
    assert "error[pol-parameter-type]" in capsys.readouterr().err


def test_a_replaced_condition_reads_a_dated_parameter_on_the_evaluation_date(tmp_path: Path, cache: Path) -> None:
    text = POLICY + "parameter HIGH: condition = income > 10000 EUR\ndecision high: bool = HIGH\n"
    p = policylang.load(write(tmp_path, {"c.pol": text}))
    facts = {"period_start": "2016-03-01", "income": 20000}
    replaced = p.evaluate(facts, parameters={"HIGH": "income * INCOME_TAX_RATE > 3100 EUR"})
    assert replaced.decisions["high"] is True  # 0.16 in 2016
    earlier = p.evaluate(facts, parameters={"HIGH": "income * INCOME_TAX_RATE at 2013-01-01 > 3100 EUR"})
    assert earlier.decisions["high"] is False  # 0.15 in 2013


def test_an_explanation_shows_the_value_read_on_the_evaluation_date_with_its_date(dated: policylang.Policy) -> None:
    from policylang.explanation.build import explain

    result = dated.evaluate({"period_start": "2016-03-01", "income": 20000})
    steps = {d.name: d for d in explain(result, lang="en").decisions}
    (used,) = [i for s in steps["tax"].steps for i in s.inputs if i.name == "INCOME_TAX_RATE"]
    assert used.shown.value == 0.16 and used.label == "Income tax rate, in force from 2015-01-01"
    (written,) = [i for s in steps["tax_2013"].steps for i in s.inputs if i.name == "INCOME_TAX_RATE"]
    assert written.shown.value == 0.15 and (written.label or "").endswith("in force from 2012-01-01")  # `at` 2013-05-01


def test_the_analyses_draw_dates_and_amounts_where_dated_values_and_brackets_change(dated: policylang.Policy) -> None:
    from policylang.analysis.sampling import Sampler

    sampler = Sampler(dated.program, 3)
    assert {dt.date(2012, 1, 1), dt.date(2015, 1, 1), dt.date(2017, 1, 1)} <= set(sampler.base_dates)
    assert {Decimal(6000), Decimal(12400), Decimal(13000)} <= set(sampler.decimals)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "bomb.yaml",
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nvalues: [*b, *b, *b]\n",
        ),
        ("deep.yaml", "values: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep.toml", "values = " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deeper.yaml", "values:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "x: 1\n"),
    ],
)
def test_a_hostile_parameter_file_is_refused_without_a_traceback(
    tmp_path: Path, cache: Path, name: str, text: str
) -> None:
    policy = write(tmp_path, {"p.pol": f'policy t/p\nparameter R: decimal from file "{name}"\n', name: text})
    with pytest.raises(PolicyCheckError) as caught:
        policylang.load(policy)
    assert caught.value.diagnostics[0].code == "pol-parameter-file"


def test_a_number_out_of_range_in_a_parameter_file_is_reported_where_it_is(tmp_path: Path, cache: Path) -> None:
    files = {
        "p.pol": 'policy t/p\nparameter R: int from file "r.yaml"\n',
        "r.yaml": "values:\n  2015-01-01: 99999999999999999999\n",
    }
    with pytest.raises(PolicyCheckError) as caught:
        policylang.load(write(tmp_path, files))
    (d,) = caught.value.diagnostics
    assert d.code == "pol-parameter-file" and d.span is not None and (d.span.line, d.span.column) == (2, 15)
    assert "larger than" in d.message


def test_a_scale_as_a_decision_value_is_computed_row_by_row_in_a_batch(tmp_path: Path, cache: Path) -> None:
    text = (
        "policy t/s\nfact n: int\nparameter S: scale of int = scale { 0: 0.1, 10: 0.2 }\n"
        "decision d: scale of int = S\ndecision e: decimal = marginal(S, n)\n"
    )
    p = policylang.load(write(tmp_path, {"s.pol": text}))
    assert coverage(p) == {"d": "a scale as a value", "e": "`marginal` of a scale applied to an amount the facts give"}
    frame = p.evaluate_many([{"n": 20}, {}])
    assert frame["e"].to_list() == [3.0, None]
    assert json.loads(frame["d"][0]) == {"brackets": [{"threshold": 0, "rate": 0.1}, {"threshold": 10, "rate": 0.2}]}
    assert p.evaluate({"n": 20}).decisions["d"] == json.loads(frame["d"][0])


def test_the_sphinx_extension_lists_dated_values(files: Path) -> None:
    from tests.test_sphinx_ext import CONF, _build, _page

    src = files.parent.parent / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.rst").write_text("Files\n=====\n\n.. policylang:policy:: ../policy/files.pol\n", encoding="utf-8")
    code, output, out = _build(src)
    assert code == 0, output
    page = _page(out)
    assert "from 2012-01-01: 0.16" in page and "from 2015-01-01: 0.15" in page
    assert "from file" in page and "rate.yaml" in page
    # values read from a file as the policy language writes them, and a null as no value
    assert "from 2013-01-01: scale { 0 EUR: 0.03, 12000 EUR: 0.1 }" in page and '"brackets"' not in page
    assert "from 2010-01-01: 200 EUR" in page and "from 1971-01-01: 18 " in page
    assert "from 2016-12-01: no value (its last value applied until 2016-11-30)" in page and ": null" not in page


def test_the_batch_vectorises_exact_dated_values_and_agrees_with_the_row_engine(tmp_path: Path, cache: Path) -> None:
    text = """\
policy t/b
fact day: date
fact n: int
parameter LIMIT: int
  from 2015-01-01 = 100
  from 2017-01-01 = 200
parameter KIND: enum { low, high }
  from 2015-01-01 = low
  from 2016-01-01 = high
parameter AGE: int from file "age.yaml"
decision over: bool = n > LIMIT at day
decision kind: enum { low, high } = KIND at day
decision age: int = AGE at day
"""
    p = policylang.load(write(tmp_path, {"b.pol": text, "age.yaml": "values:\n  2014-01-01: 65\n  2019-01-01: null\n"}))
    assert coverage(p) == {"over": None, "kind": None, "age": None}
    rows = [
        {"day": "2016-06-01", "n": 150},
        {"day": "2017-01-01", "n": 150},
        {"n": 150},  # the date unknown: unknown, waiting for it
        {"day": "2014-06-01", "n": 1},  # before LIMIT's first value: the row's error
        {"day": "2020-01-01", "n": 1},  # after AGE ends: the row's error
    ]
    vectorised = p.evaluate_many(rows)
    from polars.testing import assert_frame_equal

    assert_frame_equal(vectorised, p.evaluate_many(rows, backend="rowwise"))
    assert vectorised["over"].to_list()[:3] == [True, False, None]
    assert vectorised["kind"].to_list()[:2] == ["high", "high"]
    errors = vectorised["_error"].to_list()
    assert errors[:3] == [None, None, None]
    assert "`LIMIT` has no value on 2014-06-01" in errors[3] and "`AGE` has no value on 2020-01-01" in errors[4]


def test_the_service_takes_dated_values_and_reports_a_date_before_them(tmp_path: Path, cache: Path) -> None:
    from starlette.testclient import TestClient

    from policylang.serve.app import create_app
    from policylang.serve.catalogue import Catalogue
    from policylang.serve.settings import Settings

    catalogue = Catalogue.of([str(write(tmp_path, {"dated.pol": POLICY}))], bundled=False)
    with TestClient(create_app(Settings(), catalogue), raise_server_exceptions=False) as client:
        facts = {"period_start": "2016-03-01", "income": 20000}
        history = {"INCOME_TAX_RATE": {"values": {"2010-01-01": 0.5}}}
        answer = client.post("/v1/evaluate/demo/dated", json={"facts": facts, "parameters": history})
        assert answer.status_code == 200
        assert answer.json()["decisions"]["tax"] == 10000
        assert answer.json()["dated_parameters"]["INCOME_TAX_RATE"] == {
            "date": "2016-03-01",
            "from": "2010-01-01",
            "value": 0.5,
        }
        early = client.post("/v1/evaluate/demo/dated", json={"facts": {**facts, "period_start": "2010-03-01"}})
        assert early.status_code == 422 and early.json()["error"]["code"] == "pol-evaluation"


def test_a_null_as_the_first_value_says_no_last_value(tmp_path: Path) -> None:
    text = 'policy t/n\nfact day: date\nparameter AGE: int from file "age.yaml"\ndecision age: int = AGE at day\n'
    p = policylang.load(write(tmp_path, {"n.pol": text, "age.yaml": "values:\n  2014-01-01: null\n"}))
    with pytest.raises(EvaluationError) as info:
        p.evaluate({"day": "2020-01-01"}).decisions["age"]
    assert info.value.message.endswith("`AGE` has no value on 2020-01-01: it has none from 2014-01-01")


def test_a_function_reads_a_dated_parameter_at_its_argument_s_date_on_every_backend(tmp_path: Path) -> None:
    """`RATE at p.day` inside a function: `at` takes `p.day` whole, and the inlined body
    (batch, z3) puts the argument in the date as the row engine does."""
    path = tmp_path / "fat.pol"
    path.write_text(
        """policy demo/fat
source S "Lov"
type person = record { income: int, day: date }
fact people: list of person
parameter RATE: int "Sats"
  from 2015-01-01 = 2
  from 2017-01-01 = 3
rule R-1 cites S "§ 1"
function tax(p: person): int = RATE at p.day * p.income
decision total: int = sum(p in people: tax(p)) by R-1
decision high: bool = sum(p in people: tax(p)) > 45 by R-1
""",
        encoding="utf-8",
    )
    policy = policylang.load(path)
    facts = {"people": [{"income": 10, "day": "2016-01-01"}, {"income": 10, "day": "2018-01-01"}]}
    assert policy.evaluate(facts).decisions == {"total": 50, "high": True}
    row = policy.evaluate_many([facts]).to_dicts()[0]
    assert (row["total"], row["high"]) == (50, True)
    assert [d.message for d in check_file(path, cache=False) if d.severity == "error"] == []

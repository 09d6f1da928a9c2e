"""Facts with a ``default`` (issue 20, point 7): evaluation, result, explanations, batch, analyses.

An absent fact with a default takes it and is listed as assumed; a given one (``null``
included) is not; a fact without a default stays unknown. The vectorised batch backend
agrees with single evaluations, and the z3 analyses treat a defaulted fact as a free input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest

import policylang
from policylang.analysis import analyse
from policylang.batch import coverage, evaluate_many
from policylang.engine.result import Result
from policylang.explanation.questions import next_questions
from policylang.explanation.render.html import render_html
from policylang.explanation.render.markdown import render_markdown
from policylang.explanation.render.text import render_text
from tests.conftest import compile_text

ROOT = Path(__file__).parent.parent
POLICY = Path(__file__).parent / "explain_policies" / "defaults.pol"
RESULT_SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
EXPLANATION_SCHEMA = json.loads(
    (ROOT / "policylang" / "schemas" / "explanation.schema.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def policy() -> policylang.Policy:
    return policylang.load(POLICY)


# ----------------------------------------------------------------- evaluation


def test_an_absent_fact_takes_its_default_and_is_listed_as_assumed(policy: policylang.Policy) -> None:
    result = policy.evaluate({"income": 200000})
    assert result.assumed == ("children", "single_parent", "moved_in")
    assert result.decisions == {"eligible": False, "supplement": 0, "new_resident": False}
    assert result.undetermined == {} and result.missing == []
    assert result.facts == {"income": 200000, "children": 0, "single_parent": False, "moved_in": None}


def test_a_given_fact_is_not_assumed_and_an_explicit_null_is_a_value(policy: policylang.Policy) -> None:
    result = policy.evaluate({"income": 200000, "children": 2, "single_parent": True, "moved_in": None})
    assert result.assumed == ()
    assert result.decisions["supplement"] == 4000
    dated = policy.evaluate({"income": 200000, "moved_in": "2024-03-01"})
    assert dated.assumed == ("children", "single_parent") and dated.decisions["new_resident"] is True


def test_a_fact_without_a_default_stays_unknown(policy: policylang.Policy) -> None:
    result = policy.evaluate({"children": 1})
    assert result.undetermined == {"eligible": ["income"]}
    assert result.missing == ["income"]
    assert "income" not in result.facts and "income" not in result.assumed


def test_a_default_is_checked_by_the_constraints_like_a_given_value() -> None:
    p = compile_text(
        'fact n: int default -1\nconstraint positive "n er positiv" require n >= 0\n'
        'rule R-1 cites S "§ 1"\ndecision d: bool = n > 2 by R-1\n'
    )
    with pytest.raises(policylang.FactError, match="n er positiv"):
        p.evaluate({})
    assert p.evaluate({"n": 3}).decisions == {"d": True}


def test_the_record_lists_assumed_facts_only_where_a_default_was_used(policy: policylang.Policy) -> None:
    record = policy.evaluate({"income": 1000, "children": 1}).to_dict()
    jsonschema.validate(record, RESULT_SCHEMA)
    assert record["assumed"] == ["single_parent", "moved_in"]
    assert record["facts"]["single_parent"] is False
    given = policy.evaluate({"income": 1000, "children": 1, "single_parent": False, "moved_in": None}).to_dict()
    assert "assumed" not in given
    benefit = policylang.load("examples/benefit")
    assert "assumed" not in benefit.evaluate({"as_of": "2024-05-01"}).to_dict()


def test_a_record_read_back_keeps_its_assumed_facts(policy: policylang.Policy) -> None:
    record = policy.evaluate({"income": 1000}).to_dict()
    again = Result.from_dict(json.loads(json.dumps(record)), policy.program)
    assert again.assumed == ("children", "single_parent", "moved_in")
    assert again.to_dict() == record


def test_a_defaulted_fact_is_not_asked_for(policy: policylang.Policy) -> None:
    assert next_questions(policy, {}) == []  # no children assumed, so income cannot matter
    asked = [q.fact for q in next_questions(policy, {"children": 1})]
    assert asked == ["income"]


def test_the_manifest_lists_each_default_as_written(policy: policylang.Policy) -> None:
    facts = policy.manifest()["facts"]
    assert facts["children"]["default"] == "0"
    assert facts["single_parent"]["default"] == "false"
    assert facts["moved_in"]["default"] == "null"
    assert "default" not in facts["income"]


# ----------------------------------------------------------------- explanations


FACTS = {"income": 200000, "children": 2}


def test_caseworkers_see_assumed_facts_marked(policy: policylang.Policy, golden: Callable[[str, str], None]) -> None:
    result = policy.evaluate(FACTS)
    golden("render/defaults_caseworker_da.txt", render_text(result, lang="da"))
    golden("render/defaults_caseworker_en.md", render_markdown(result, lang="en"))


def test_citizens_read_what_was_assumed_in_plain_words(
    policy: policylang.Policy, golden: Callable[[str, str], None]
) -> None:
    result = policy.evaluate(FACTS)
    text = render_text(result, lang="da", audience="citizen")
    golden("render/defaults_citizen_da.txt", text)
    assert "moved_in" not in text and "single_parent" not in text and "antaget" not in text
    english = render_text(result, lang="en", audience="citizen")
    assert "What we have assumed" in english and "Single parent: no" in english


def test_html_marks_assumed_values(policy: policylang.Policy) -> None:
    result = policy.evaluate(FACTS)
    html = render_html(result, lang="da")
    assert '<section class="plx-assumed">' in html
    assert html.count('<em class="plx-assumed">(antaget)</em>') >= 2
    citizen = render_html(result, lang="en", audience="citizen")
    assert "What we have assumed" in citizen and "<code>" not in citizen.split("plx-assumed")[1].split("</section>")[0]


@pytest.mark.parametrize("audience", ["caseworker", "citizen", "auditor"])
def test_the_explanation_json_lists_assumed_facts(policy: policylang.Policy, audience: str) -> None:
    e = policylang.explain(policy.evaluate(FACTS), lang="en", audience=audience)
    data = e.to_dict()
    jsonschema.validate(data, EXPLANATION_SCHEMA)
    assert [i["name"] for i in data["assumed"]] == ["single_parent", "moved_in"]
    assert all(i["assumed"] is True for i in data["assumed"])
    nothing_assumed = policylang.explain(
        policy.evaluate({**FACTS, "single_parent": False, "moved_in": None}), audience=audience
    )
    assert "assumed" not in nothing_assumed.to_dict()


def test_a_sensitive_assumed_fact_is_not_shown_to_citizens() -> None:
    p = compile_text(
        'fact risk: bool "Risiko" / "Risk" sensitive default false\nfact age: int "Alder" / "Age"\n'
        'rule R-1 cites S "§ 1"\ndecision adult: bool "Voksen" / "Adult" = age >= 18 and not risk by R-1\n'
    )
    result = p.evaluate({"age": 30})
    assert result.assumed == ("risk",)
    assert policylang.explain(result, audience="citizen").assumed == ()
    assert [i.name for i in policylang.explain(result).assumed] == ["risk"]


# ----------------------------------------------------------------- the batch backends

# The explanation policy computes with money, which the vectorised backend leaves to the row engine.
BATCH = """
fact income: int "Indkomst" / "Income"
fact children: int "Antal børn" / "Number of children" default 0
fact single_parent: bool "Enlig forsørger" / "Single parent" default false
fact moved_in: date? "Indflytningsdato" / "Date moved in" default null
parameter PER_CHILD: int = 1000
rule R-1 cites S "§ 1"
decision eligible: bool = income < 300000 and children > 0 by R-1
decision supplement: int
  first match
    children * PER_CHILD * 2 when single_parent by R-1
    children * PER_CHILD otherwise by R-1
decision new_resident: bool = moved_in is not null by R-1
"""


@pytest.fixture(scope="module")
def batch_policy() -> policylang.Policy:
    return compile_text(BATCH)


ROWS: list[dict[str, Any]] = [
    {"income": 200000},
    {"income": 200000, "children": 2},
    {"income": 100, "children": 3, "single_parent": True},
    {"income": 400000, "moved_in": None},
    {"income": 100, "moved_in": "2024-01-01", "children": 1},
    {"children": 1},
    {},
]


def _decided(table: pl.DataFrame, policy: policylang.Policy) -> list[dict[str, Any]]:
    out = []
    for row in table.iter_rows(named=True):
        out.append(
            {
                d: row[d]
                for d in policy.decisions
                if row["_undetermined"][d] is None and row["_no_rule"][d] is None and row[d] is not None
            }
        )
    return out


def test_the_vectorised_backend_computes_defaults_itself(batch_policy: policylang.Policy) -> None:
    assert coverage(batch_policy) == {"eligible": None, "supplement": None, "new_resident": None}


@pytest.mark.parametrize("backend", ["vectorised", "rowwise"])
def test_batches_take_defaults_as_single_evaluations_do(batch_policy: policylang.Policy, backend: str) -> None:
    policy = batch_policy
    table = evaluate_many(policy, ROWS, backend=backend)
    singles = [policy.evaluate(r, trace=False) for r in ROWS]
    assert _decided(table, policy) == [dict(r.decisions) for r in singles]
    assert table["_missing"].to_list() == [r.missing for r in singles]


@pytest.mark.parametrize("backend", ["vectorised", "rowwise"])
def test_a_missing_column_and_null_cells_take_the_default(batch_policy: policylang.Policy, backend: str) -> None:
    policy = batch_policy
    frame = pl.DataFrame({"income": [100, 100, 100], "children": [None, 2, None]})  # no single_parent column
    table = evaluate_many(policy, frame, backend=backend)
    assert table["supplement"].to_list() == [0, 2000, 0]
    assert table["eligible"].to_list() == [False, True, False]


@pytest.mark.parametrize("backend", ["vectorised", "rowwise"])
def test_a_known_null_is_not_replaced_by_the_default(backend: str) -> None:
    p = compile_text(
        'fact moved_in: date? default 2024-01-01\nrule R-1 cites S "§ 1"\n'
        "decision new: bool = moved_in is not null by R-1\n"
    )
    frame = pl.DataFrame(
        {"moved_in": [None, None, "2020-05-01"], "moved_in__known": [True, False, True]},
        schema={"moved_in": pl.String, "moved_in__known": pl.Boolean},
    )
    table = evaluate_many(p, frame, backend=backend)
    assert table["new"].to_list() == [False, True, True]
    assert [p.evaluate(f).decisions["new"] for f in ({"moved_in": None}, {}, {"moved_in": "2020-05-01"})] == [
        False,
        True,
        True,
    ]


# ----------------------------------------------------------------- the logic analyses


def test_the_analyses_treat_a_defaulted_fact_as_a_free_input() -> None:
    # Were `children` fixed at its default 0, the first two rows could never apply.
    text = """
fact children: int "Børn" / "Children" default 0
constraint few "Få børn" require children >= 0 and children <= 3
decision band: text
  first match
    "many" when children > 2
    "some" when children > 0
    "none" when children = 0
"""
    assert analyse(compile_text(text).program) == []
    gap = text.replace('"none" when children = 0', '"none" when children = 3 and children < 1')
    (finding, *rest) = analyse(compile_text(gap).program)
    assert finding.code in ("pol-gap", "pol-always-false")
    codes = {d.code for d in [finding, *rest]}
    assert codes == {"pol-gap", "pol-always-false"}

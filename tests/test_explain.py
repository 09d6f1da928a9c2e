"""The explanation model: values with labels, rules with citations, facts used, why not, audiences."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import policylang
from policylang.check.templates import template_problems
from policylang.explanation.model import ExplainError
from policylang.explanation.templates import fill, placeholders
from tests.conftest import diagnostics_of

BENEFIT = json.loads((policylang.policies_root() / "examples" / "benefit.facts.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def benefit() -> policylang.Policy:
    return policylang.load("examples/benefit")


def _explain(policy: policylang.Policy, facts: dict[str, Any], **options: Any) -> policylang.Explanation:
    return policylang.explain(policy.evaluate(facts), policy, **options)


def test_a_decision_shows_its_value_with_labels_and_the_rule_with_citation_and_quote(
    benefit: policylang.Policy,
) -> None:
    e = _explain(benefit, BENEFIT, lang="da")
    band = e.decision("income_band")
    assert (band.label, band.status, band.kind) == ("Indkomstsats", "decided", "first_match")
    assert band.value is not None and (band.value.value, band.value.text, band.value.code) == ("low", "lav", "low")
    [step] = band.steps
    assert step.condition == "income <= LOW_INCOME" and step.holds is True
    [rule] = step.rules
    assert (rule.rule_id, rule.citation, rule.force) == ("EX-BAND", "Eksempelloven § 2, stk. 1", "lov")
    assert rule.quote == "Satsen fastsættes efter indkomst."
    assert [(i.name, i.source, i.label, i.shown.text) for i in step.inputs] == [
        ("income", "fact", "Indkomst", "120.000 kr."),
        ("LOW_INCOME", "parameter", "Lav indkomst", "150.000 kr."),
    ]
    assert e.title == "Vinterhjælp (eksempel)" and e.warnings == ("Dette er et eksempel, ikke gældende ret",)


def test_the_facts_used_are_found_through_derived_values_and_other_decisions(benefit: policylang.Policy) -> None:
    e = _explain(benefit, BENEFIT)
    # eligible reads the decisions adult (from age_now, from date_of_birth and as_of) and income_band
    facts = [i.name for i in e.decision("eligible").facts]
    assert facts[:3] == ["date_of_birth", "as_of", "income"]
    assert {"fraud_found", "special_permit"} <= set(facts)
    assert all(i.source == "fact" for i in e.decision("eligible").facts)


def test_why_not_lists_earlier_rows_with_the_parts_that_failed_and_later_rows_not_reached(
    benefit: policylang.Policy,
) -> None:
    e = _explain(benefit, {**BENEFIT, "income": 400000}, why_not=True)
    band = e.decision("income_band")
    assert band.value is not None and band.value.value == "high"
    low, middle = band.alternatives
    assert (low.outcome, low.value and low.value.value, low.condition) == (
        "not_applicable",
        "low",
        "income <= LOW_INCOME",
    )
    assert [(p.condition, p.holds) for p in middle.failing] == [("income <= LOW_INCOME * 2", False)]
    assert [(i.name, i.shown.value) for i in middle.failing[0].inputs] == [("income", 400000), ("LOW_INCOME", 150000)]
    assert middle.needs == "all"
    # band_change: `up` applied; the rows after it were never reached
    change = e.decision("band_change")
    assert change.value is not None and change.value.value == "up"
    assert [(s.outcome, s.value and s.value.code) for s in change.alternatives] == [
        ("not_applicable", "new"),
        ("not_reached", "down"),
        ("not_reached", "same"),
    ]


def test_why_not_names_the_exception_that_overrode_a_rule(benefit: policylang.Policy) -> None:
    e = _explain(benefit, BENEFIT, why_not=True, decisions=["eligible"])
    [decision] = e.decisions
    fraud = next(s for s in decision.alternatives if s.rules[0].rule_id == "EX-FRAUD")
    assert fraud.outcome == "overridden" and fraud.overridden_by == ("EX-PERMIT",)
    hardship = next(s for s in decision.alternatives if s.rules[0].rule_id == "EX-HARDSHIP")
    assert [p.condition for p in hardship.failing] == ["income_band != low", "SPECIAL_CASE"]


def test_without_why_not_there_are_no_alternatives(benefit: policylang.Policy) -> None:
    e = _explain(benefit, {**BENEFIT, "income": 400000})
    assert all(d.alternatives == () for d in e.decisions)


def test_an_undetermined_decision_shows_the_rows_that_wait_and_what_they_wait_for(benefit: policylang.Policy) -> None:
    facts = {k: v for k, v in BENEFIT.items() if k != "previous_band"}
    e = _explain(benefit, facts)
    change = e.decision("band_change")
    assert change.status == "undetermined" and change.value is None
    assert [(f.name, f.da, f.en) for f in change.missing] == [("previous_band", "Tidligere sats", "Previous band")]
    first = change.open[0]
    assert first.outcome == "unknown" and first.condition == "previous_band is null"
    assert [(p.condition, p.holds) for p in first.failing] == [("previous_band is null", "unknown")]
    assert [q.fact for q in e.questions] == ["previous_band"]


def test_an_or_condition_that_failed_needs_any_one_of_its_parts(make_policy: Callable[[str], Any]) -> None:
    policy = make_policy(
        "fact a: bool\nfact b: int\ndecision d: enum { x, y }\n  first match\n    x when a or b > 3\n    y otherwise\n"
    )
    e = policylang.explain(policy.evaluate({"a": False, "b": 1}), policy, why_not=True)
    [x] = e.decision("d").alternatives
    assert x.needs == "any"
    assert [(p.condition, p.holds, [i.name for i in p.inputs]) for p in x.failing] == [
        ("a", False, ["a"]),
        ("b > 3", False, ["b"]),
    ]


def test_audiences_differ_in_notes_spans_and_parameters() -> None:
    policy = policylang.load("honour/negative_social_control")
    case = json.loads(
        (policylang.policies_root() / "cases" / "honour" / "negative_social_control" / "H01.json").read_text("utf-8")
    )
    result = policy.evaluate(case["facts"])
    views = {a: policylang.explain(result, policy, audience=a) for a in ("caseworker", "citizen", "auditor")}

    def rules(e: policylang.Explanation) -> list[Any]:
        return [r for d in e.decisions for s in d.steps for r in s.rules] + [n.rule for n in e.notes]

    assert any(r.note for r in rules(views["caseworker"]))
    assert not any(r.note or r.provenance or r.inferred for r in rules(views["citizen"]))
    assert not any(r.span for r in rules(views["caseworker"]))
    assert all(r.span and r.span.startswith("policies/honour/") for r in rules(views["auditor"]))
    assert views["auditor"].parameters and not views["caseworker"].parameters
    assert all(p.default for p in views["auditor"].parameters)
    assert views["auditor"].derived and not views["citizen"].derived


def test_a_parameter_override_is_shown_to_auditors(benefit: policylang.Policy) -> None:
    result = benefit.evaluate(BENEFIT, parameters={"LOW_INCOME": 100000})
    e = policylang.explain(result, benefit, audience="auditor")
    low = next(p for p in e.parameters if p.name == "LOW_INCOME")
    assert (low.shown.value, low.overridden, low.default) == (100000, True, "150000 DKK")
    assert e.decision("income_band").value is not None and e.decision("income_band").value.value == "middle"


def test_unknown_decisions_audiences_and_languages_are_errors_with_a_hint(benefit: policylang.Policy) -> None:
    result = benefit.evaluate(BENEFIT)
    with pytest.raises(ExplainError, match="no decision `elgible`") as error:
        policylang.explain(result, benefit, decisions=["elgible"])
    assert error.value.hint == "did you mean `eligible`?" and error.value.code == "pol-unknown-decision"
    with pytest.raises(ExplainError, match="audience"):
        policylang.explain(result, benefit, audience="citizens")
    with pytest.raises(ExplainError, match="language"):
        policylang.explain(result, benefit, lang="de")
    assert isinstance(error.value, policylang.PolicyError)


def test_an_explanation_of_an_untraced_result_still_has_every_decision(benefit: policylang.Policy) -> None:
    e = policylang.explain(benefit.evaluate({"as_of": "2024-05-01"}, trace=False), benefit)
    assert {d.name: d.status for d in e.decisions}["next_review"] == "decided"
    assert {d.name: d.status for d in e.decisions}["adult"] == "undetermined"


# ---------------------------------------------------------------- templates


def test_template_placeholders_are_filled_with_the_values_the_step_read(make_policy: Callable[[str], Any]) -> None:
    policy = make_policy(
        'fact income: int "Indkomst" / "Income"\nfact dob: date personal\n'
        'type band = enum { low "lav" / "low", high "høj" / "high" }\n'
        'rule R-BAND "Sats" cites S "§ 2"\n'
        '  explain da "Indkomsten {income} giver satsen {value}; {{ikke et felt}}." '
        'en "An income of {income} gives {value}."\n'
        'rule R-AGE "Alder" cites S "§ 3"\n  explain da "Født {dob}." en "Born {dob}."\n'
        'rule R-HIGH "Høj sats" cites S "§ 2, stk. 2"\n'
        "decision band: band\n  first match\n    low when income < 100 by R-BAND\n    high otherwise by R-HIGH\n"
        "decision old: bool = dob < 1950-01-01 by R-AGE\n"
    )
    result = policy.evaluate({"income": 50, "dob": "1940-02-03"})
    da = policylang.explain(result, policy, lang="da").decision("band").steps[0].rules[0].explain
    assert da == "Indkomsten 50 giver satsen lav; {ikke et felt}."
    en = policylang.explain(result, policy, lang="en").decision("band").steps[0].rules[0].explain
    assert en == "An income of 50 gives low."
    assert policylang.explain(result, policy, lang="en").decision("old").steps[0].rules[0].explain == "Born 1940-02-03."
    citizen = policylang.explain(result, policy, lang="da", audience="citizen")
    assert citizen.decision("old").steps[0].rules[0].explain == "Født udeladt."
    assert template_problems(policy.program) == []


def test_a_placeholder_the_steps_do_not_read_is_an_error_of_the_checker(make_policy: Callable[[str], Any]) -> None:
    text = (
        "fact income: int\nfact other: int\n"
        'rule R-1 "Sats" cites S "§ 2"\n  explain da "Indkomst {incme} og {other}"\n'
        "decision d: bool = income > 3 by R-1\n"
    )
    problems = [d for d in diagnostics_of(text) if d.code == "pol-explain-placeholder"]
    assert [p.severity for p in problems] == ["error", "error"]
    assert "`{incme}`" in problems[0].message and problems[0].span is not None
    assert problems[0].hint == "a template may use {income}, {value}; write {{ and }} for literal braces"
    with pytest.raises(policylang.PolicyCheckError):  # a policy that `check` rejects does not load either
        make_policy(text)


def test_the_bundled_policies_explanation_templates_are_sound() -> None:
    for name in policylang.bundled_names():
        assert template_problems(policylang.load(name).program) == [], name


def test_fill_and_placeholders() -> None:
    assert placeholders("{a} {b} {a} {{c}}") == ["a", "b"]
    assert fill("{a} {missing} }}", {"a": "<x>"}) == "<x> {missing} }"

"""The citizen view never shows a personal value: a Hypothesis property over the bundled policies.

Every bundled policy with facts marked ``personal`` is evaluated on generated fact sets in
which each personal fact that can carry a distinctive value (texts, dates, numbers) gets
one; the citizen explanation, in every format and both languages, must not contain it,
and no value computed from a personal fact may appear as a value in the explanation model.
The caseworker view of the same facts does show it, so the property can fail.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import policylang
from policylang.explanation.redact import personal_values
from policylang.explanation.render.html import format_html
from policylang.explanation.render.markdown import format_markdown
from policylang.explanation.render.text import format_text
from policylang.ir import types as T
from policylang.testing import valid_fact_sets

POLICIES = [
    name for name in policylang.bundled_names() if any(f.personal for f in policylang.load(name).facts.values())
]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_bundled_policies_mark_personal_facts() -> None:
    assert {"examples/benefit", "residence/help_and_repatriation", "honour/negative_social_control"} <= set(POLICIES)


def _marker(t: T.Type) -> st.SearchStrategy[tuple[Any, str]] | None:
    """A distinctive value of type ``t`` and the text that must not appear: (JSON value, needle)."""
    inner = T.strip_optional(t)
    if inner == T.TEXT:
        return st.integers(1000, 9999).map(lambda n: (f"Qz{n}-personlig", f"Qz{n}-personlig"))
    if inner == T.DATE:
        return st.dates(dt.date(1901, 1, 13), dt.date(1929, 12, 28)).map(lambda d: (d.isoformat(), d.isoformat()))
    if inner == T.INT:
        return st.integers(4013, 4987).map(lambda n: (n, str(n)))
    if isinstance(inner, T.Prim) and inner.name in ("decimal", "money"):
        return st.integers(1000, 9999).map(lambda n: (Decimal(f"{n}.37"), f"{n}.37"))
    return None


def _marked_facts(policy: policylang.Policy) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    markers = {n: m for n, f in policy.facts.items() if f.personal and (m := _marker(f.type)) is not None}

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
        facts = dict(draw(valid_fact_sets(policy)))
        needles = {}
        for name, strategy in markers.items():
            facts[name], needles[name] = draw(strategy)
        return facts, needles

    return build()


def _shown_values(data: Any, names: frozenset[tuple[str, str]]) -> list[tuple[str, Any]]:
    """Every (name, shown) in an explanation's JSON where a carried name is shown."""
    found = []
    if isinstance(data, dict):
        if (data.get("source"), data.get("name")) in names and data.get("shown", {}).get("state") == "known":
            found.append((data["name"], data["shown"]))
        for value in data.values():
            found.extend(_shown_values(value, names))
    elif isinstance(data, list):
        for value in data:
            found.extend(_shown_values(value, names))
    return found


@pytest.mark.parametrize("name", POLICIES)
def test_the_citizen_view_never_shows_a_personal_value(name: str) -> None:
    policy = policylang.load(name)
    carried = personal_values(policy.program)

    @SETTINGS
    @given(_marked_facts(policy), st.sampled_from(["da", "en"]), st.booleans())
    def check(marked: tuple[dict[str, Any], dict[str, str]], lang: str, why_not: bool) -> None:
        facts, needles = marked
        others = json.dumps({k: v for k, v in facts.items() if k not in needles}, default=str)
        assume(not any(needle in others for needle in needles.values()))
        try:
            result = policy.evaluate(facts)
        except policylang.FactError:
            assume(False)
        citizen = policylang.explain(result, policy, lang=lang, audience="citizen", why_not=why_not)
        data = citizen.to_dict()
        assert _shown_values(data, carried) == [], "a personal value is shown in the citizen model"
        outputs = {
            "json": json.dumps(data, ensure_ascii=False, default=str),
            "text": format_text(citizen),
            "markdown": format_markdown(citizen),
            "html": format_html(citizen),
        }
        for fact, needle in needles.items():
            for fmt, text in outputs.items():
                assert needle not in text, f"the value of `{fact}` ({needle}) appears in the citizen {fmt}"
        # the same facts, seen by a caseworker: the personal values are there, so the test can fail
        caseworker = policylang.explain(result, policy, lang=lang, audience="caseworker", why_not=why_not)
        shown = format_text(caseworker)
        read = {i.name for d in caseworker.decisions for i in d.facts}
        for fact, needle in needles.items():
            if fact in read:
                assert needle in shown, f"the caseworker view should show `{fact}`"

    check()


def test_values_computed_from_personal_facts_are_withheld_and_tests_of_them_are_not() -> None:
    policy = policylang.load("examples/benefit")
    facts = json.loads((policylang.policies_root() / "examples" / "benefit.facts.json").read_text(encoding="utf-8"))
    facts["case_note"] = "Borgeren har fortalt om sin sygdom"
    result = policy.evaluate(facts)
    citizen = policylang.explain(result, policy, audience="citizen")
    adult = citizen.decision("adult")
    assert adult.value is not None and adult.value.value is True  # a test of the age: the decision is shown
    assert adult.steps[0].inputs == ()  # a citizen reads the reasons in words, not the values read
    reminders = citizen.decision("reminders")  # collects the case note itself
    assert reminders.value is not None and reminders.value.state == "withheld"
    texts = [s.value.text for s in reminders.steps if s.value is not None]
    assert "Borgeren har fortalt om sin sygdom" not in texts and "withheld" in texts
    assert "sygdom" not in format_html(citizen)
    assert "sygdom" in format_html(policylang.explain(result, policy, audience="caseworker"))


def test_a_condition_that_is_a_personal_truth_value_is_withheld(make_policy: Any) -> None:
    policy = make_policy(
        "fact ill: bool personal\nfact poor: bool\n"
        'rule R-1 "Hjælp" cites S "§ 1"\n'
        "decision help: bool = ill and poor by R-1\n"
        "decision kind: enum { medical, none }\n  first match\n    medical when ill by R-1\n    none otherwise\n"
    )
    result = policy.evaluate({"ill": True, "poor": True})
    citizen = policylang.explain(result, policy, audience="citizen", why_not=True)
    help_ = citizen.decision("help")
    assert help_.value is not None and help_.value.state == "withheld"  # `ill and poor` carries `ill`
    kind = citizen.decision("kind")
    assert kind.value is not None and kind.value.value == "medical"  # the decision itself is shown
    assert kind.steps[0].holds is None  # ... but not the truth value of `ill`
    assert kind.steps[0].inputs == () and kind.steps[0].condition is None
    assert policylang.explain(result, policy, audience="caseworker").decision("kind").steps[0].holds is True


def test_redaction_follows_the_program_evaluated_with_its_parameters(make_policy: Any) -> None:
    """A condition parameter set to read a personal fact makes what it decides personal (issue 18, item 1)."""
    policy = make_policy(
        "fact secret: bool personal\nfact ok: bool\nparameter P: condition = ok\n"
        'rule R-1 "Hjælp" cites S "§ 1"\n'
        "decision d: bool = P by R-1\n"
    )
    for secret in (True, False):
        result = policy.evaluate({"secret": secret, "ok": True}, parameters={"P": "secret"})
        shown = policylang.explain(result, policy, audience="citizen", why_not=True).decision("d").value
        assert shown is not None and shown.state == "withheld"
    plain = policylang.explain(policy.evaluate({"secret": True, "ok": True}), policy, audience="citizen")
    shown = plain.decision("d").value
    assert shown is not None and shown.state == "known" and shown.value is True  # as written, `ok` decides

"""Explanations for citizens: plain words, no codes, and nothing sensitive.

* A fact marked ``sensitive``, and everything computed from it, never reaches a citizen:
  not its value, its name or label, nor a decision, condition, note or warning that
  would reveal it, unless the policy says the decision is addressed to the person
  (``for person``); decisions ``for staff`` are not shown to citizens at all.
* A Hypothesis property over every bundled policy: two fact sets that differ only in
  sensitive facts give the same citizen explanation, but for ``for person`` decisions.
* For every bundled policy and every worked case, the citizen explanation in Danish and
  English, as text and as HTML, holds no identifier of the policy (rule IDs, fact,
  decision and value codes, ``snake_case`` words, seed line references), no English
  value word inside Danish text, and no name or label of a sensitive fact.
* ``policylang check`` reports no missing label on the bundled policies.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import policylang
from policylang.explanation.render.html import format_html
from policylang.explanation.render.text import format_text
from policylang.ir import types as T
from policylang.testing import fact_values, valid_fact_sets
from policylang.testing.cases import discover, read_cases
from tests.conftest import compile_text

ROOT = Path(__file__).resolve().parent.parent
RULE_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
LINE_REF = re.compile(r"\(l\. \d")
TAG = re.compile(r"<style>.*?</style>|<[^>]+>", re.S)  # the style sheet first: its text is no reader's

SENSITIVE = """policy test/citizen
  title "Støtte" / "Support"
  next steps "Kommunen kontakter dig." / "The municipality will contact you."
  complaint "Du kan klage til Ankestyrelsen." / "You can complain to the appeals board."
source S "Loven" name "loven" / "the act"
fact fled: bool "Flygtet hjemmefra" / "Fled from home" sensitive
fact age: int "Alder" / "Age"
rule R-1 "Hjælp" / "Help" cites S "§ 1"
  explain "Du kan få hjælp." / "You can get help."
rule R-2 "Sikkert sted" / "Safe place" cites S "§ 2"
  explain "Du kan få et sikkert sted at bo." / "You can get a safe place to live."
rule R-3 "Vurdering" / "Assessment" cites S "§ 3"
  explain "Sagen vurderes." / "The case is assessed."
decision help: bool "Hjælp" / "Help" = age >= 18 by R-1
decision shelter: bool "Sikkert sted" / "Safe place" = fled by R-2
decision offer: bool "Tilbud" / "Offer" for person = fled and age >= 18 by R-2
decision risk: enum { low "lav" / "low", high "høj" / "high" } "Risiko" / "Risk" for staff
  first match
    high when age < 18 by R-3
    low otherwise by R-3
"""


def test_a_sensitive_fact_and_what_it_decides_never_reach_a_citizen() -> None:
    policy = compile_text(SENSITIVE, header=False)
    result = policy.evaluate({"fled": True, "age": 20})
    citizen = policylang.explain(result, audience="citizen", lang="da", why_not=True)
    assert [d.name for d in citizen.decisions] == ["help", "offer"]  # not shelter (reveals), not risk (staff)
    text = format_text(citizen) + format_html(citizen)
    for word in ("fled", "Flygtet", "Sikkert sted", "Risiko", "R-1", "help"):
        assert word not in text, word
    assert "Du kan få hjælp." in text and "Ankestyrelsen" in text and "Kommunen kontakter dig." in text
    caseworker = format_text(policylang.explain(result, audience="caseworker"))
    assert "fled" in caseworker and "shelter" in caseworker and "risk" in caseworker  # so the test can fail


def test_a_question_for_a_sensitive_fact_is_not_asked_of_a_citizen() -> None:
    policy = compile_text(SENSITIVE, header=False)
    citizen = policylang.explain(policy.evaluate({}), audience="citizen", lang="en")
    assert [q.fact for q in citizen.questions] == ["age"]
    assert all(f.name != "fled" for d in citizen.decisions for f in d.missing)
    assert "Fled" not in format_text(citizen)


def test_for_takes_staff_or_person(make_policy: Any) -> None:
    with pytest.raises(policylang.PolicyCheckError) as raised:
        make_policy("fact a: bool\ndecision d: bool for everyone = a\n")
    codes = [d.code for d in raised.value.diagnostics]
    assert "pol-audience" in codes


def test_a_municipality_sets_its_own_complaint_text() -> None:
    policy = compile_text(SENSITIVE, header=False)
    # the texts are parameters a municipality sets, read by the explanation: not unused ones
    assert not [d for d in policy.diagnostics if d.code == "pol-unused-parameter"]
    result = policy.evaluate({"age": 30})
    assert policylang.explain(result, audience="citizen", lang="da").complaint == "Du kan klage til Ankestyrelsen."


def test_a_bilingual_policy_without_its_texts_is_warned(make_policy: Any) -> None:
    policy = compile_text(
        'policy test/x title "Støtte" / "Support"\nsource S "L"\nfact a: bool\n'
        'rule R-1 "X" cites S "§ 1"\ndecision d: bool = a by R-1\n',
        header=False,
    )
    warned = [d.message for d in policy.diagnostics if d.code == "pol-missing-label"]
    assert any("`next steps`" in m for m in warned) and any("`complaint`" in m for m in warned)
    assert any("decision `d`" in m for m in warned) and any("fact `a`" in m for m in warned)
    assert any("rule `R-1` has no title" in m for m in warned) and any("says why" in m for m in warned)
    quiet = make_policy("fact a: bool\ndecision d: bool = a\n")  # one language: nothing to warn of
    assert not [d for d in quiet.diagnostics if d.code == "pol-missing-label"]


# -- every bundled policy ---------------------------------------------------------------------------

POLICIES = policylang.bundled_names()


def _identifiers(policy: policylang.Policy) -> set[str]:
    """The names a citizen must not read: facts, decisions, parameters, lets, and enum codes with ``_``."""
    p = policy.program
    names = set(p.facts) | set(p.decisions) | set(p.parameters) | set(p.lets)
    return {n for n in names if "_" in n or len(n) > 3}


def _danish_value_words(policy: policylang.Policy) -> set[str]:
    """Enum codes that are not Danish words: they must not appear in a Danish text for a citizen."""
    found: set[str] = set()
    for d in policy.decisions.values():
        inner = T.strip_optional(d.type)
        if isinstance(inner, T.ListType | T.SetType):
            inner = T.strip_optional(inner.element)
        if isinstance(inner, T.EnumType):
            for m in inner.members:
                labels = inner.label(m)
                if labels is None or labels.da != m:
                    found.add(m)
    return found


def _citizen_texts(policy: policylang.Policy, facts: dict[str, Any]) -> dict[str, str]:
    result = policy.evaluate(facts)
    texts = {}
    for lang in ("da", "en"):
        e = policylang.explain(result, audience="citizen", lang=lang, why_not=True)
        texts[f"{lang} text"] = format_text(e)
        texts[f"{lang} html"] = html.unescape(TAG.sub(" ", format_html(e)))
    return texts


def _problems(policy: policylang.Policy, texts: dict[str, str]) -> list[str]:
    found = []
    names = _identifiers(policy)
    value_words = _danish_value_words(policy)
    sensitive = [f for f in policy.facts.values() if f.sensitive]
    for where, text in texts.items():
        for m in RULE_ID.finditer(text):
            found.append(f"{where}: a rule ID {m.group(0)}")
        for m in SNAKE.finditer(text):
            found.append(f"{where}: a code {m.group(0)}")
        if LINE_REF.search(text):
            found.append(f"{where}: a seed line reference")
        words = set(re.findall(r"[A-Za-zÆØÅæøå0-9_]+", text))
        found += [f"{where}: the name `{n}`" for n in sorted(names & words)]
        if where.startswith("da"):
            found += [f"{where}: the value code `{v}` in Danish text" for v in sorted(value_words & words)]
        person_title = policy.program.header.person_title
        for title in (policy.program.header.title,) if person_title is not None else ():
            for text_ in (title.da, title.en) if title else ():
                if text_ and text_ in text:
                    found.append(f"{where}: the staff title instead of the title for the person")
        for f in sensitive:
            for label in (f.labels.da, f.labels.en) if f.labels else ():
                if label and label in text:
                    found.append(f"{where}: the label of the sensitive fact `{f.name}`")
    return found


def _cases(name: str) -> list[dict[str, Any]]:
    """The policy's worked cases; for the example, which has none, its facts file (whole and in parts)."""
    folder = policylang.policies_root() / "cases" / name
    if not folder.is_dir():
        path = policylang.policies_root() / f"{name}.facts.json"
        facts = json.loads(path.read_text(encoding="utf-8"))
        return [{"facts": facts, "id": path.name}] + [
            {"facts": {k: v for k, v in facts.items() if k != left_out}, "id": f"{path.name} without {left_out}"}
            for left_out in facts
        ]
    return [
        {"facts": c.facts, "id": c.id}
        for path in discover([folder])
        for c in read_cases(path)
        if c.error is None and not c.parameters
    ]


@pytest.mark.parametrize("name", POLICIES)
def test_the_citizen_explanations_of_every_case_hold_no_code_and_nothing_sensitive(name: str) -> None:
    policy = policylang.load(name)
    problems = []
    for case in _cases(name):
        try:
            texts = _citizen_texts(policy, case["facts"])
        except policylang.PolicyError:
            continue
        problems += [f"{case['id']}: {p}" for p in _problems(policy, texts)]
    assert problems == [], f"{len(problems)} problems, the first: {problems[:8]}"


@pytest.mark.parametrize("name", POLICIES)
def test_the_bundled_policy_has_every_label_and_text(name: str) -> None:
    policy = policylang.load(name)
    missing = [d.format() for d in policy.diagnostics if d.code == "pol-missing-label"]
    assert missing == [], f"{len(missing)} missing, the first: {missing[:3]}"


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _shown(policy: policylang.Policy, facts: dict[str, Any], lang: str) -> dict[str, Any]:
    """The citizen explanation's JSON without the decisions addressed to the person (``for person``)."""
    data = policylang.explain(policy.evaluate(facts), audience="citizen", lang=lang).to_dict()
    person = {n for n, d in policy.decisions.items() if d.audience == "person"}
    data["decisions"] = [d for d in data["decisions"] if d["name"] not in person]
    return data


@pytest.mark.parametrize("name", [n for n in POLICIES if any(f.sensitive for f in policylang.load(n).facts.values())])
def test_facts_that_differ_only_in_sensitive_facts_give_the_same_citizen_explanation(name: str) -> None:
    policy = policylang.load(name)
    sensitive = [f for f, info in policy.facts.items() if info.sensitive]
    values = fact_values(policy)

    @SETTINGS
    @given(valid_fact_sets(policy), st.data(), st.sampled_from(["da", "en"]))
    def check(facts: dict[str, Any], data: st.DataObject, lang: str) -> None:
        other = dict(facts)
        for f in sensitive:
            choice = data.draw(st.sampled_from(["keep", "unknown", "other"]), label=f)
            if choice == "unknown":
                other.pop(f, None)
            elif choice == "other":
                other[f] = data.draw(values[f], label=f"{f} value")
        try:
            first, second = _shown(policy, facts, lang), _shown(policy, other, lang)
        except policylang.FactError:
            assume(False)
            return
        assert json.dumps(first, sort_keys=True, default=str) == json.dumps(second, sort_keys=True, default=str)

    check()


def test_a_municipality_replaces_the_policys_texts_with_its_own() -> None:
    policy = compile_text(SENSITIVE, header=False)
    own = {"da": "Klag til os på klage@kommune.dk inden 4 uger.", "en": "Complain to us within 4 weeks."}
    result = policy.evaluate({"age": 30}, parameters={"COMPLAINT": own})
    assert policylang.explain(result, audience="citizen", lang="da").complaint == own["da"]
    assert policylang.explain(result, audience="citizen", lang="en").complaint == own["en"]
    assert policylang.explain(policy.evaluate({"age": 30}), audience="citizen", lang="en").next_steps == (
        "The municipality will contact you."
    )


def test_the_headers_citizen_texts_are_not_unused_parameters() -> None:
    policy = compile_text(SENSITIVE, header=False)
    assert {"NEXT_STEPS", "COMPLAINT"} <= set(policy.program.parameters)  # the header's texts became parameters
    codes = [d.code for d in policy.diagnostics]
    assert "pol-unused-parameter" not in codes, [d.message for d in policy.diagnostics]
    unused = compile_text(SENSITIVE.replace("source S", "parameter OTHER: int = 1\nsource S"), header=False)
    assert [d.message for d in unused.diagnostics if d.code == "pol-unused-parameter"] == [
        "the parameter `OTHER` is declared but never used"
    ]


def test_a_citizen_reads_the_title_for_the_person(make_policy: Any) -> None:
    """The staff title can name what endangers the person (honour conflicts): a citizen reads another."""
    policy = make_policy(
        'policy test/title\n  title "Sager om social kontrol" / "Social control cases"\n'
        '  title for person "Din sag" / "Your case"\nsource S "Testloven"\n'
        "fact a: bool\ndecision d: bool = a\n",
        header=False,
    )
    result = policy.evaluate({"a": True})
    assert format_text(policylang.explain(result, audience="citizen", lang="da")).startswith("Din sag\n")
    assert "Sager om social kontrol" in format_text(policylang.explain(result, audience="caseworker", lang="da"))
    assert policy.manifest()["person_title"] == {"da": "Din sag", "en": "Your case"}

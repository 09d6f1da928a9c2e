"""Issue 17, the law version 2: what a case file cannot express.

- The barnets lov warning (spec child-honour-greenland.md, "Changes in v2"): child-protection
  results, and a minor's honour results, evaluated on or after 2024-01-01 (Copenhagen date)
  warn in Danish and English, in the result and in every explanation, that the cited
  serviceloven provisions moved to barnets lov; before that day they do not; no decision
  changes.
- Our own v2 cases (``policies/cases/**/?V2-*.json``) agree with the independent oracles, as the
  shared cases do in the oracle test files.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import policylang
from tests.oracles import child, honour, residence_i

CHILD = "child_protection/migrant_children"
HONOUR = "honour/negative_social_control"
INTEGRATION = "residence/integration_responsibility"
WARNING = "SERVICELOVEN_MOVED_TO_BARNETS_LOV"
SHARED = Path("/work/shared/cases")
OWN = Path(__file__).resolve().parent.parent / "policies" / "cases"
CPH = ZoneInfo("Europe/Copenhagen")


def _case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _codes(result: Any) -> list[str]:
    return [w.code for w in result.warnings]


@pytest.fixture(scope="module")
def policies() -> dict[str, policylang.Policy]:
    return {name: policylang.load(name) for name in (CHILD, HONOUR, INTEGRATION)}


# ---------------------------------------------------------------- the day barnets lov entered into force

# (timestamp as written, warning expected): the Copenhagen date decides, not the UTC date.
BOUNDARY = [
    ("2023-12-31T10:00:00+01:00", False),
    ("2023-12-31T23:59:59+01:00", False),
    ("2023-12-31T22:59:59Z", False),  # 23:59:59 in Copenhagen
    ("2023-12-31T23:00:00Z", True),  # midnight in Copenhagen, still 31 December in UTC
    ("2023-12-31T18:30:00-05:30", True),  # 00:00 on 1 January in Copenhagen
    ("2024-01-01T00:00:00+01:00", True),
    ("2024-01-01T10:00:00+01:00", True),
    ("2026-12-01T10:00:00+01:00", True),
    ("2015-08-12T10:00:00+02:00", False),  # S000's own date
]


@pytest.mark.parametrize(("timestamp", "warns"), BOUNDARY)
def test_child_results_warn_from_2024_01_01(policies: dict[str, Any], timestamp: str, warns: bool) -> None:
    for path in sorted((SHARED / CHILD).glob("*.json")):
        facts = dict(_case(path)["facts"], evaluation_timestamp=timestamp)
        result = policies[CHILD].evaluate(facts)
        assert (WARNING in _codes(result)) is warns, (path.name, timestamp)
        assert result.undetermined == {}


@pytest.mark.parametrize(("timestamp", "warns"), BOUNDARY)
@pytest.mark.parametrize(("age", "minor"), [(0, True), (15, True), (16, True), (17, True), (18, False), (30, False)])
def test_honour_results_warn_for_minors_from_2024_01_01(
    policies: dict[str, Any], timestamp: str, warns: bool, age: int, minor: bool
) -> None:
    """The child-related parts (HONOUR-SEL-01, the route to section A) are in play under 18."""
    for path in sorted((SHARED / HONOUR).glob("*.json")):
        facts = dict(_case(path)["facts"], age_years=age, evaluation_timestamp=timestamp)
        result = policies[HONOUR].evaluate(facts)
        assert (WARNING in _codes(result)) is (warns and minor), (path.name, timestamp, age)
        assert result.undetermined == {}


def test_honour_without_a_timestamp_decides_everything_and_does_not_warn(policies: dict[str, Any]) -> None:
    """The shared honour cases carry no date: nothing becomes undetermined, no fact is missing."""
    for path in sorted((SHARED / HONOUR).glob("*.json")):
        result = policies[HONOUR].evaluate(_case(path)["facts"])
        assert WARNING not in _codes(result)
        assert result.undetermined == {} and result.missing == []


def _same_weekday(local: dt.datetime, monday: dt.date) -> dt.datetime:
    day = monday + dt.timedelta(days=local.weekday())
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=CPH)


@pytest.mark.parametrize("path", sorted((SHARED / CHILD).glob("*.json")), ids=lambda p: p.stem)
def test_no_child_decision_changes_across_the_boundary(policies: dict[str, Any], path: Path) -> None:
    """Each shared case, moved to the same weekday and clock in the week before and the week of
    1 January 2024 (Mon 25 Dec 2023 and Mon 1 Jan 2024; holidays are the input
    ``is_public_holiday``, kept as the case has it): the same decisions, still the case's
    expected values, and the warning only in the second week."""
    case = _case(path)
    ts = dt.datetime.fromisoformat(case["facts"]["evaluation_timestamp"]).astimezone(CPH)
    before = _same_weekday(ts, dt.date(2023, 12, 25))
    after = _same_weekday(ts, dt.date(2024, 1, 1))
    results = [
        policies[CHILD].evaluate(dict(case["facts"], evaluation_timestamp=t.isoformat())) for t in (before, after)
    ]
    decisions = [r.to_dict()["decisions"] for r in results]
    assert decisions[0] == decisions[1]
    for key, value in case["expected"].items():
        assert decisions[1][key] == value, (key, decisions[1][key], value)
    assert [WARNING in _codes(r) for r in results] == [False, True]


@pytest.mark.parametrize("path", sorted((SHARED / HONOUR).glob("*.json")), ids=lambda p: p.stem)
def test_no_honour_decision_changes_with_the_timestamp(policies: dict[str, Any], path: Path) -> None:
    case = _case(path)
    plain = policies[HONOUR].evaluate(case["facts"]).to_dict()["decisions"]
    for timestamp in ("2023-12-31T12:00:00+01:00", "2024-01-01T12:00:00+01:00"):
        dated = policies[HONOUR].evaluate(dict(case["facts"], evaluation_timestamp=timestamp))
        assert dated.to_dict()["decisions"] == plain


# ---------------------------------------------------------------- the warning's text, everywhere it is shown


def _dated(name: str, timestamp: str) -> dict[str, Any]:
    path = OWN / name / f"{'CV2' if name == CHILD else 'HV2'}-DATE-{timestamp[:10]}.json"
    return _case(path)["facts"]


@pytest.mark.parametrize("name", [CHILD, HONOUR])
def test_the_warning_is_in_the_result_in_danish_and_english(policies: dict[str, Any], name: str) -> None:
    after = policies[name].evaluate(_dated(name, "2024-01-01")).to_dict()
    before = policies[name].evaluate(_dated(name, "2023-12-31")).to_dict()
    [warning] = [w for w in after["warnings"] if w["code"] == WARNING]
    assert "barnets lov" in warning["da"] and "lov nr. 721 af 13. juni 2023" in warning["da"]
    assert "serviceloven" in warning["da"] and "efterprøves mod den lov, der gælder" in warning["da"]
    assert "barnets lov" in warning["en"] and "Act no. 721 of 13 June 2023" in warning["en"]
    assert "checked against the law in force" in warning["en"]
    assert WARNING not in [w["code"] for w in before["warnings"]]
    assert after["decisions"] == before["decisions"]


@pytest.mark.parametrize("name", [CHILD, HONOUR])
@pytest.mark.parametrize("audience", ["caseworker", "citizen", "auditor"])
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_explanation_carries_the_warning(policies: dict[str, Any], name: str, audience: str, lang: str) -> None:
    """The explanation every renderer reads (public API ``policylang.explain``), each audience and language."""
    expected = {w.code: w for w in policies[name].evaluate(_dated(name, "2024-01-01")).warnings}[WARNING]
    text = {"da": expected.da, "en": expected.en}[lang]
    for day, present in (("2024-01-01", True), ("2023-12-31", False)):
        result = policies[name].evaluate(_dated(name, day))
        model = policylang.explain(result, policies[name], lang=lang, audience=audience)
        assert (text in model.warnings) is present, (name, audience, lang, day)
        assert (text in model.to_dict()["warnings"]) is present


# Each output format once per policy through the command line (the contract's interface), with
# the audiences and languages spread over the formats; the test above covers every pair.
CLI_RUNS = [
    (CHILD, "text", "citizen", "da"),
    (CHILD, "markdown", "caseworker", "en"),
    (CHILD, "html", "auditor", "da"),
    (CHILD, "json", "citizen", "en"),
    (HONOUR, "text", "auditor", "en"),
    (HONOUR, "markdown", "citizen", "da"),
    (HONOUR, "html", "caseworker", "en"),
    (HONOUR, "json", "auditor", "da"),
]


@pytest.mark.parametrize(("name", "fmt", "audience", "lang"), CLI_RUNS)
def test_policylang_explain_shows_the_warning(tmp_path: Path, name: str, fmt: str, audience: str, lang: str) -> None:
    marker = {"da": "lov nr. 721 af 13. juni 2023", "en": "Act no. 721 of 13 June 2023"}[lang]
    cli = Path(sys.executable).with_name("policylang")
    for day, present in (("2024-01-01", True), ("2023-12-31", False)):
        facts = tmp_path / f"{day}.json"
        facts.write_text(json.dumps(_dated(name, day)), encoding="utf-8")
        args = ["explain", name, "--facts", str(facts), "--format", fmt, "--audience", audience, "--lang", lang]
        proc = subprocess.run([str(cli), *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert (marker in proc.stdout) is present, (name, fmt, audience, lang, day)


def test_a_linked_evaluation_warns_in_both_policies_on_one_timestamp() -> None:
    """HONOUR -> CHILD (section D): one `evaluation_timestamp` serves both policies."""
    honour_facts = _dated(HONOUR, "2024-01-01")
    child_facts = _case(SHARED / CHILD / "C06.json")["facts"]
    facts = {**child_facts, **honour_facts}  # the honour case's age (17) and timestamp
    linked = policylang.evaluate_linked(HONOUR, facts)
    assert set(linked.results) == {HONOUR, CHILD}
    for name, result in linked.results.items():
        assert WARNING in _codes(result), name
    earlier = policylang.evaluate_linked(HONOUR, dict(facts, evaluation_timestamp="2023-12-31T12:00:00+01:00"))
    assert all(WARNING not in _codes(r) for r in earlier.results.values())


# ---------------------------------------------------------------- our own v2 cases against the oracles

ORACLES = {CHILD: child.evaluate, HONOUR: honour.evaluate, INTEGRATION: residence_i.decide}
WARNING_ORACLES = {CHILD: child.barnets_lov_warning, HONOUR: honour.barnets_lov_warning}
OWN_V2 = [p for name in ORACLES for p in sorted((OWN / name).glob("?V2-*.json"))]


def test_there_are_own_v2_cases_for_each_change() -> None:
    stems = {p.stem for p in OWN_V2}
    assert {"HV2-RED16-HOME", "HV2-RED22-HOME", "HV2-RED30-HOME"} <= stems
    assert {"CV2-DATE-2023-12-31", "CV2-DATE-2024-01-01", "HV2-DATE-2023-12-31", "HV2-DATE-2024-01-01"} <= stems
    assert {"IV2-ILL-RELATIVE-NO-TRANSPORT", "IV2-ILL-RELATIVE-TRANSPORT"} <= stems
    assert {"IV2-ILL-OWN-AND-RELATIVE-NO-TRANSPORT", "IV2-ILL-OWN-AND-RELATIVE-TRANSPORT"} <= stems


@pytest.mark.parametrize("path", OWN_V2, ids=lambda p: p.stem)
def test_own_v2_cases_agree_with_the_oracles(path: Path) -> None:
    case = _case(path)
    facts = case["facts"]
    if case["policy"] == INTEGRATION:
        # The oracle takes complete fact sets; a fact the case leaves out (unknown) must not matter.
        facts = {"reasonable_transport_to_treatment": None, **facts}
    out = ORACLES[case["policy"]](facts)
    for key, value in case["expected"].items():
        assert out[key] == value, (key, out[key], value)
    if case["policy"] in WARNING_ORACLES and "DATE" in case["id"]:
        assert WARNING_ORACLES[case["policy"]](facts) is case["id"].endswith("2024-01-01")

"""A self-contained record: ``to_dict(manifest=True)`` embeds the part of the manifest the result refers to.

Every name the record uses resolves inside it (decisions, facts, ``let`` values, parameters,
rows its trace shows, rules, factors, warnings, functions, the sources the rules cite, the
named types); every entry is the whole manifest's entry, except that a rule the record only
names as not applying is abridged to what identifies it; the extract follows the manifest
schema. ``manifest="full"`` (``--full-manifest``) embeds the whole manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import policylang
from policylang.base.errors import RecordError
from policylang.cli.main import main
from policylang.testing.cases import discover, read_cases
from policylang.trace.manifest import extract
from tests.conftest import bundled_policy, compile_text
from tests.test_functions import HOUSEHOLD, A, B

ROOT = Path(__file__).parent.parent
MANIFEST = jsonschema.Draft202012Validator(
    json.loads((ROOT / "policylang" / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
)
CASE_FILES = sorted(discover([policylang.policies_root() / "cases"]))
README_FACTS = policylang.policies_root() / "examples" / "help_and_repatriation.facts.json"


def _nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in nodes:
        found.append(node)
        found.extend(_nodes(node.get("children") or []))
    return found


def unresolved(record: dict[str, Any], declared: dict[str, Any]) -> list[str]:
    """The names a record uses that its embedded manifest does not have, as ``part:name``.

    A warning is named only where the policy ``declared`` it (policylang's own warnings,
    such as an evaluation date before the policy's validity, carry their texts).
    """
    part = record["policy_manifest"]
    wanted: list[tuple[str, str]] = []
    wanted += [("decisions", d) for key in ("decisions", "undetermined", "no_rule") for d in record[key]]
    wanted += [("facts", f) for f in record["facts"]] + [("facts", f) for f in record["missing"]]
    wanted += [("lets", name) for name in record["lets"]]
    wanted += [("parameters", name) for name in record["parameter_values"]]
    wanted += [("warnings", w["code"]) for w in record["warnings"] if w["code"] in declared["warnings"]]
    wanted += [("rules", r) for ids in record["reasons"].values() for r in ids]
    for entries in record["factors"].values():
        for entry in entries:
            wanted += [("rules", r) for r in entry["rules"]] + [
                ("factors", f["code"]) for f in entry["factors"] if f.get("code")
            ]
    for node in _nodes(record["trace"]):
        kind = node["kind"]
        if kind in ("rule", "note"):
            wanted.append(("rules", node["rule_id"]))
        elif kind == "not_applicable":
            wanted += [("rules", r) for r in node["rule_ids"]]
        elif kind == "row":
            wanted.append(("rows", node["row"]))
            wanted += [("rules", r) for r in part["rows"].get(node["row"], {}).get("rules", [])]
        elif kind == "decision":
            wanted.append(("decisions", node["name"]))
        elif kind == "let":
            wanted.append(("parameters" if node.get("parameter") else "lets", node["name"]))
        elif kind == "call":
            wanted.append(("functions", node["function"]))
    for rule in part["rules"].values():
        wanted += [("sources", c["source"]) for c in rule.get("citations", [])]
    for entry in (*part["facts"].values(), *part["decisions"].values(), *part["parameters"].values()):
        if entry.get("type") in ("enum", "record") and "name" in entry and "values" not in entry:
            wanted.append(("types", entry["name"]))
    return sorted({f"{key}:{name}" for key, name in wanted if name not in part.get(key, {})})


def _check(record: dict[str, Any], full: dict[str, Any], case_id: str) -> None:
    part = record["policy_manifest"]
    assert part["extract"] is True and part["hash"] == full["hash"] == record["manifest"]
    assert unresolved(record, full) == [], f"{case_id}: names the record uses that its manifest lacks"
    deciding = {r for ids in record["reasons"].values() for r in ids}
    for key, entries in part.items():
        if not isinstance(entries, dict) or key in ("title", "person_title"):
            continue
        for name, entry in entries.items():
            whole = full[key][name]
            if key == "rules" and entry.get("abridged"):
                assert name not in deciding, f"{case_id}: {name} decided something, yet is abridged"
                assert {k: v for k, v in entry.items() if k != "abridged"} == {
                    k: whole[k] for k in entry if k != "abridged"
                }
                assert "title" in entry or "title" not in whole
            else:
                assert entry == whole, f"{case_id}: {key}/{name} differs from the whole manifest's"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(policylang.policies_root() / "cases")))
def test_a_record_with_its_manifest_needs_nothing_else(path: Path) -> None:
    cases = [c for c in read_cases(path) if c.error is None and c.skip is None][:6]
    for n, case in enumerate(cases):
        policy = bundled_policy(case.policy)
        record = policy.evaluate(case.facts, parameters=case.parameters or None).to_dict(manifest=True)
        _check(record, policy.manifest(), case.id)
        if n == 0:  # validating is slow
            errors = [e.message for e in MANIFEST.iter_errors(record["policy_manifest"])]
            assert errors == [], f"{case.id}: the embedded manifest breaks manifest.schema.json: {errors[:3]}"


def test_the_check_finds_a_name_the_extract_lacks() -> None:
    policy = bundled_policy("residence/help_and_repatriation")
    record = policy.evaluate(json.loads(README_FACTS.read_text(encoding="utf-8"))).to_dict(manifest=True)
    assert unresolved(record, policy.manifest()) == []
    skipped = next(n for n in _nodes(record["trace"]) if n["kind"] == "not_applicable")["rule_ids"][0]
    del record["policy_manifest"]["rules"][skipped]
    del record["policy_manifest"]["rows"][next(iter(record["policy_manifest"]["rows"]))]
    assert len(unresolved(record, policy.manifest())) == 2


def test_the_readme_records_deciding_rules_are_whole_and_the_rest_abridged() -> None:
    policy = bundled_policy("residence/help_and_repatriation")
    result = policy.evaluate(json.loads(README_FACTS.read_text(encoding="utf-8")))
    record = result.to_dict(manifest=True)
    part, full = record["policy_manifest"], policy.manifest()
    assert part["rules"]["RES-HELP-01"] == full["rules"]["RES-HELP-01"]  # decided right_to_help
    assert "quote" in part["rules"]["RES-HELP-01"]
    abridged = {rid for rid, rule in part["rules"].items() if rule.get("abridged")}
    assert "RES-SCOPE-01" in abridged and "quote" not in part["rules"]["RES-SCOPE-01"]
    assert set(part["rows"]) == {n["row"] for n in _nodes(record["trace"]) if n["kind"] == "row"}
    assert len(part["rows"]) < len(full["rows"])
    assert len(json.dumps(part)) < len(json.dumps(full))
    assert result.to_dict(manifest="full")["policy_manifest"] == full
    assert "policy_manifest" not in result.to_dict()


def test_an_extract_keeps_the_functions_the_trace_calls() -> None:
    policy = compile_text(HOUSEHOLD)
    record = policy.evaluate({"members": [A, B], "applicant": A, "partner": B}).to_dict(manifest=True)
    assert unresolved(record, policy.manifest()) == []
    assert record["policy_manifest"]["functions"] == policy.manifest()["functions"]
    assert record["policy_manifest"]["types"] == policy.manifest()["types"]  # the record type `member`


def test_the_command_line_embeds_the_extract_or_the_whole_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["eval", "residence/help_and_repatriation", "--facts", str(README_FACTS), "--format", "json"]
    assert main([*args, "--manifest"]) == 0
    part = json.loads(capsys.readouterr().out)["policy_manifest"]
    assert main([*args, "--full-manifest"]) == 0
    full = json.loads(capsys.readouterr().out)["policy_manifest"]
    assert part["extract"] is True and "extract" not in full
    assert full == bundled_policy("residence/help_and_repatriation").manifest()


def test_extract_is_a_function_of_the_json_alone() -> None:
    """An application holding a stored record and a whole manifest makes the same extract."""
    policy = bundled_policy("residence/help_and_repatriation")
    record = json.loads(json.dumps(policy.evaluate(json.loads(README_FACTS.read_text(encoding="utf-8"))).to_dict()))
    full = json.loads(json.dumps(policy.manifest()))
    assert extract(full, record) == json.loads(
        json.dumps(
            policy.evaluate(json.loads(README_FACTS.read_text(encoding="utf-8"))).to_dict(manifest=True)[
                "policy_manifest"
            ]
        )
    )


@pytest.mark.parametrize("record", [{"trace": [1]}, {"facts": 3}, {"undetermined": {"d": 5}}, {"factors": {"d": [7]}}])
def test_extract_refuses_json_that_is_not_a_result(record: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="not a result record"):
        extract(bundled_policy("examples/benefit").manifest(), record)

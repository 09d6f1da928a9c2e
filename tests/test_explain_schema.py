"""Every case of the bundled policies' case files: its result (trace included) follows the published
result schema; its explanation explains every row that did not apply, and the explanations of the
first cases of each file (one per audience) follow the explanation schema.

The result schema (``policylang/schemas/result.schema.json``, ``policylang.result/2``) covers the trace, and the
manifest schema (``policylang/schemas/manifest.schema.json``) every bundled policy's manifest;
the explanation schema (``policylang/schemas/explanation.schema.json``, ``policylang.explanation/1``)
covers what ``policylang explain --format json`` prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import policylang
from policylang.testing.case import Case
from policylang.testing.cases import discover, read_cases
from tests.conftest import bundled_policy

ROOT = Path(__file__).parent.parent
RESULT_SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
EXPLANATION_SCHEMA = json.loads(
    (ROOT / "policylang" / "schemas" / "explanation.schema.json").read_text(encoding="utf-8")
)
MANIFEST_SCHEMA = json.loads((ROOT / "policylang" / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
CASE_FILES = sorted(discover([policylang.policies_root() / "cases"]))
RESULT = jsonschema.Draft202012Validator(RESULT_SCHEMA)
NODE = jsonschema.Draft202012Validator({"$ref": "#/$defs/node", "$defs": RESULT_SCHEMA["$defs"]})
EXPLANATION = jsonschema.Draft202012Validator(EXPLANATION_SCHEMA)
MANIFEST = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)
_VALID_NODES: set[str] = set()


def test_the_schemas_are_valid_json_schemas() -> None:
    jsonschema.Draft202012Validator.check_schema(MANIFEST_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(RESULT_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(EXPLANATION_SCHEMA)
    assert EXPLANATION_SCHEMA["properties"]["format"]["const"] == "policylang.explanation/1"


def test_every_bundled_policy_has_case_files() -> None:
    policies = {case.policy for path in CASE_FILES for case in read_cases(path)}
    assert set(policylang.bundled_names()) - {"examples/benefit"} <= policies


def result_errors(data: dict[str, Any]) -> list[str]:
    """What in a result breaks ``result.schema.json``.

    The same as validating the whole document, only faster: the top level is validated
    with an empty trace, and each trace node on its own (with its children checked in
    turn), skipping nodes already found valid; traces repeat their rule and input nodes.
    """
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in RESULT.iter_errors({**data, "trace": []})]
    pending = list(data["trace"])
    while pending:
        node = pending.pop()
        pending.extend(node.get("children", []) if isinstance(node, dict) else [])
        alone = {**node, "children": []} if isinstance(node, dict) else node
        key = json.dumps(alone, sort_keys=True, default=str)
        if key in _VALID_NODES:
            continue
        found = [f"node {key[:80]}: {e.message}" for e in NODE.iter_errors(alone)]
        if not found:
            _VALID_NODES.add(key)
        errors.extend(found)
    return errors


@pytest.mark.parametrize("name", policylang.bundled_names())
def test_every_bundled_policys_manifest_follows_its_schema(name: str) -> None:
    policy = bundled_policy(name)
    manifest = policy.manifest()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in MANIFEST.iter_errors(manifest)]
    assert errors == []
    assert manifest["hash"] == policy.evaluate({}, trace=False).to_dict()["manifest"]
    assert set(manifest["rules"]) == set(policy.rules)
    rows = [f"{d}/{n}" for d, info in manifest["decisions"].items() for n in range(1, info["rows"] + 1)]
    rows += [f"{d}/default" for d, info in manifest["decisions"].items() if info.get("default")]
    assert sorted(rows) == sorted(manifest["rows"])


def test_result_errors_finds_what_the_schema_finds() -> None:
    data = bundled_policy("examples/benefit").evaluate({"as_of": "2024-05-01"}).to_dict()
    assert result_errors(data) == [] and RESULT.is_valid(data)
    decision = next(n for n in data["trace"] if n["kind"] == "decision")
    decision["children"].append({"kind": "row", "row": "x/1", "outcome": "maybe", "children": []})
    assert not RESULT.is_valid(data)
    assert len(result_errors(data)) == 1 and "'maybe' is not one of" in result_errors(data)[0]


def _cases(path: Path) -> list[Case]:
    return [c for c in read_cases(path) if c.error is None and c.skip is None]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(policylang.policies_root() / "cases")))
def test_results_and_explanations_of_every_case_follow_their_schemas(path: Path) -> None:
    cases = _cases(path)
    for n, case in enumerate(cases):
        policy = bundled_policy(case.policy)
        result = policy.evaluate(case.facts, parameters=case.parameters or None)
        errors = result_errors(result.to_dict())
        assert errors == [], f"{case.id}: the result breaks result.schema.json: {errors[:3]}"
        audience = ("caseworker", "citizen", "auditor")[n % 3]
        explanation = policylang.explain(result, policy, audience=audience, why_not=True)
        if n < 3:  # the explanation schema for each audience; validating is slow, explaining is not
            shown = explanation.to_dict()
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in EXPLANATION.iter_errors(shown)]
            assert errors == [], f"{case.id}: the explanation breaks explanation.schema.json: {errors[:3]}"
        for d in explanation.decisions:
            for step in d.alternatives:
                if step.outcome == "not_applicable" and step.condition is not None:
                    assert step.failing, f"{case.id}: {d.name}: no failing part found for `{step.condition}`"
                    assert all(p.holds in (False, None) for p in step.failing)
            for step in d.open:
                if step.condition is not None:
                    assert step.failing and all(p.holds in ("unknown", None) for p in step.failing)

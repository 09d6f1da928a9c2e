"""The ports of the peers' own examples pass the peers' own test values.

``examples/catala_tutorial`` is the Catala book's tutorial tax code (articles 1-8) and
``examples/openfisca_country_template`` OpenFisca's country template's income tax, social
security contribution and housing allowance (their READMEs say where from). Each case
file holds the peer's test vectors with the peer's expected values; this runs them
through ``policylang test`` as a reader would, and checks that the policies are clean
and written without unrolling (no list positions, one function per computation).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

import policylang
from policylang.cli import main
from policylang.policy.checking import check_file
from policylang.testing.cases import read_cases

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# How many test vectors each peer has for what is ported: the Catala book's test scopes
# Test (twice: as written and its high-income variant), TestHousehold,
# TestIndividualHousehold and the worked example of article 8; OpenFisca's
# tests/income_tax.yaml (1), tests/social_security_contribution.yaml (6),
# tests/housing_allowance.yaml (2), tests/housing_tax.yaml (3),
# tests/disposable_income.yaml (5), tests/age.yaml (4 tests of 9 months),
# tests/situations/income_tax.yaml (1) and tests/situations/parenting_allowance.yaml
# (1 test of 2 months), and tests/reforms/modify_social_security_taxation.yaml (3).
PORTS = {"catala_tutorial": 5, "openfisca_country_template": 32}


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(args))
    return code, out.getvalue()


@pytest.mark.parametrize("folder", sorted(PORTS))
def test_the_peers_test_values_pass_through_policylang_test(folder: str) -> None:
    code, out = _run("test", str(EXAMPLES / folder), "--format", "json")
    report = json.loads(out)
    failed = [case for case in report["cases"] if not case["passed"]]
    assert code == 0, failed
    assert (report["passed"], report["failed"]) == (PORTS[folder], 0)


@pytest.mark.parametrize("folder", sorted(PORTS))
def test_every_case_says_where_its_values_come_from(folder: str) -> None:
    for path in sorted((EXAMPLES / folder).glob("*.cases.yaml")):
        assert "commit" in path.read_text(encoding="utf-8").split("\npolicy:", 1)[0], path.name
        for case in read_cases(path):
            assert case.note and re.search(r"\.(md|yaml|catala_en)\b", case.note), (path.name, case.id)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/*.pol")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_ports_check_clean_and_are_not_unrolled(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    shared = "\npolicy " not in "\n" + text
    assert check_file(path, require_header=not shared, cache=False) == []
    # No element of a list is reached by its position, and no bracket of a scale is
    # written out: a sum over members or brackets is an aggregate or marginal().
    assert not re.search(r"\w\[\d", text)
    assert not re.search(r"BRACKET_\d|THRESHOLD_\d", text)


def test_the_ports_are_formatted() -> None:
    code, _ = _run("fmt", "--check", *map(str, sorted(EXAMPLES.glob("*/*.pol"))))
    assert code == 0


@pytest.mark.parametrize("folder", sorted(PORTS))
def test_the_batch_backend_decides_the_cases_as_the_row_engine_does(folder: str) -> None:
    """The vectorised backend computes what it can and hands the rest to the row engine, per decision."""
    by_policy: dict[str, list[dict[str, object]]] = {}
    for path in sorted((EXAMPLES / folder).glob("*.cases.yaml")):
        for case in read_cases(path):
            by_policy.setdefault(case.policy, []).append(case.facts)
    for name, fact_sets in by_policy.items():
        policy = policylang.load(name)
        table = policy.evaluate_many(fact_sets)
        for i, facts in enumerate(fact_sets):
            row = table.row(i, named=True)
            for decision, value in policy.evaluate(facts, trace=False).decisions.items():
                assert row[decision] == value, (name, i, decision)


def test_the_parameter_files_are_openfisca_s_own() -> None:
    """The copied parameter files keep OpenFisca's format (``values`` or ``brackets``, maybe nested), all used."""
    folder = EXAMPLES / "openfisca_country_template"
    policies = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.pol"))
    files = sorted(folder.glob("parameters/**/*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^ *(values|brackets):", text, re.MULTILINE), path.name
        assert re.search(f'"{re.escape(path.relative_to(folder).as_posix())}[#"]', policies), path.name

"""Run a policy's test cases when documentation is built, for :mod:`policylang.sphinx.directive`.

The coverage is counted as ``policylang test --coverage`` counts it
(:class:`policylang.testing.runner.Coverage`), in total and per case, so that a rendered policy can
say which cases exercised each rule. Runs are cached by the modification times of the case
files and the policy's files, so a page that shows the same policy twice runs its cases once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from policylang.base.errors import PolicyError
from policylang.policy.loader import load, policies_root, resolve
from policylang.policy.policy import Policy
from policylang.testing.cases import CaseOutcome, discover, read_cases, run_case
from policylang.testing.runner import Coverage


class CaseRun:
    """The outcome of running one policy's cases: totals, failures and per-rule coverage."""

    def __init__(self, policy: Policy, folder: Path | None, outcomes: Sequence[CaseOutcome], problems: list[str]):
        self.policy = policy
        self.folder = folder
        self.outcomes = list(outcomes)
        self.problems = problems
        coverage = Coverage()
        self.by_rule: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            coverage.add(outcome)
            one = Coverage()
            one.add(outcome)
            for rules in one.exercised.values():
                for rid in rules:
                    self.by_rule.setdefault(rid, []).append(outcome.case.id)
        self.table = coverage.table()

    @property
    def failed(self) -> list[CaseOutcome]:
        """The cases whose result differs from what they expect."""
        return [o for o in self.outcomes if not o.passed]

    @property
    def row(self) -> dict[str, Any] | None:
        """This policy's row of the coverage table, or ``None`` when no case ran."""
        return self.table[0] if self.table else None


def case_folder(name: str) -> Path | None:
    """The folder of a bundled policy's cases, or ``None`` when it has none."""
    folder = policies_root() / "cases" / name
    return folder if folder.is_dir() else None


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, float], ...]:
    return tuple((str(p), p.stat().st_mtime) for p in paths)


def policy_files(policy: Policy) -> list[Path]:
    """The files a policy was read from (itself and its imports), as paths on this machine.

    A policy names bundled files ``policies/<name>.pol`` wherever they are installed.
    """
    found = []
    for name in policy.program.files:
        path = Path(name)
        if not path.is_file() and name.startswith("policies/"):
            path = policies_root() / name.removeprefix("policies/")
        if path.is_file():
            found.append(path.resolve())
    return found


def run_cases(policy_ref: str, folder: Path | None) -> CaseRun:
    """Run the cases in ``folder`` that are about the policy ``policy_ref`` (a name or path)."""
    files = sorted(discover([folder])) if folder is not None else []
    sources = policy_files(load(policy_ref))
    return _run_cases(policy_ref, str(folder) if folder else None, _stamp(files), _stamp(sources))


@functools.lru_cache(maxsize=32)
def _run_cases(
    policy_ref: str,
    folder: str | None,
    stamp: tuple[tuple[str, float], ...],
    policy_stamp: tuple[tuple[str, float], ...],
) -> CaseRun:
    policy = load(policy_ref)
    target = resolve(policy_ref).resolve()
    outcomes: list[CaseOutcome] = []
    problems: list[str] = []
    for file, _ in stamp:
        try:
            cases = read_cases(Path(file))
        except PolicyError as e:
            problems.append(e.format())
            continue
        for case in cases:
            if case.skip or not _same_policy(case.policy, target):
                continue
            outcomes.append(run_case(case))
    return CaseRun(policy, Path(folder) if folder else None, outcomes, problems)


def _same_policy(ref: str, target: Path) -> bool:
    try:
        return resolve(ref).resolve() == target
    except PolicyError:
        return False

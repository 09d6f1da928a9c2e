"""A pytest plugin that runs policy case files as tests; installing policylang enables it.

Every JSON case file (an object or list of objects with ``policy`` and ``facts``) and every
``*.cases.yaml`` file that pytest meets becomes one test item per case. A failure shows
the file, the case, expected against actual for each differing decision, the rule IDs
missing from the explanation, and a trimmed explanation of what was decided, with no
Python traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policylang.base.errors import PolicyError
from policylang.testing.case import Case
from policylang.testing.cases import CaseOutcome, is_case_file, read_cases, run_case

COVERAGE_KEY = pytest.StashKey[list[CaseOutcome]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--policy-coverage`` to pytest's options."""
    group = parser.getgroup("policylang")
    group.addoption(
        "--policy-coverage",
        action="store_true",
        default=False,
        help="print which rules of each policy the case files exercised",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Prepare the list of case outcomes the coverage summary reads."""
    config.stash[COVERAGE_KEY] = []


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect a case file (JSON case or ``*.cases.yaml``) as a :class:`CaseFile`."""
    if is_case_file(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A file of policy cases."""

    def collect(self) -> Iterator[pytest.Item]:
        """One :class:`CaseItem` per case in the file; a malformed file is a collection error."""
        try:
            cases = read_cases(self.path)
        except PolicyError as e:
            raise self.CollectError(e.format()) from None
        for case in cases:
            yield CaseItem.from_parent(self, name=case.id, case=case)


class CaseFailed(Exception):
    """A case's result differs from what it expects."""

    def __init__(self, outcome: CaseOutcome) -> None:
        super().__init__(outcome.case.id)
        self.outcome = outcome


class CaseItem(pytest.Item):
    """One case: evaluate its facts and compare with what it expects."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        if case.skip:
            self.add_marker(pytest.mark.skip(reason=str(case.skip)))

    def runtest(self) -> None:
        """Run the case; raise :class:`CaseFailed` with every difference when it fails."""
        outcome = run_case(self.case)
        self.config.stash[COVERAGE_KEY].append(outcome)
        if not outcome.passed:
            raise CaseFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """A failed case as :func:`format_failure` shows it, without a Python traceback."""
        if isinstance(excinfo.value, CaseFailed):
            text = format_failure(excinfo.value.outcome)
            return (
                text.replace(str(self.path), self.path.relative_to(self.config.rootpath).as_posix(), 1)
                if self.path.is_relative_to(self.config.rootpath)
                else text
            )
        if isinstance(excinfo.value, PolicyError):
            return excinfo.value.format()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """The case file, the case's line and ``case <id> - <title>`` for pytest's report."""
        title = f" - {self.case.title}" if self.case.title else ""
        return self.path, self.case.line - 1, f"case {self.case.id}{title}"


def format_failure(outcome: CaseOutcome) -> str:
    """How a failed case reads in pytest's output."""
    from policylang.explanation.build import explain
    from policylang.explanation.render.text import format_detail
    from policylang.testing.runner import describe_failure

    text = describe_failure(outcome)
    result = outcome.result
    if result is None:
        return text
    wanted = {d.key for d in outcome.differences if d.kind == "decision"}
    decided = [name for name in result.program.decisions if name in wanted and name in result.decisions]
    if decided:
        detail = format_detail(explain(result, decisions=decided))
        text += "\n  explanation of what was decided:\n" + "\n".join(
            ("  " + line).rstrip() for line in detail.splitlines()
        )
    return text


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """With ``--policy-coverage``, print the rule coverage of the cases that ran."""
    if not config.getoption("--policy-coverage"):
        return
    from policylang.testing.runner import Coverage, format_coverage

    coverage = Coverage()
    for outcome in config.stash[COVERAGE_KEY]:
        coverage.add(outcome)
    table = coverage.table()
    if table:
        terminalreporter.write_line(format_coverage(table))

"""Run case files, describe failures, and measure rule coverage (``policylang test`` prints them).

Coverage counts, per policy, the rule IDs that decided something (a fired row, a default,
an informational note) in at least one case, grouped by the section of the source they
cite (``pkt. 26``, ``§ 3``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

from policylang.base.errors import PolicyError
from policylang.base.limits import DEFAULT, Limits
from policylang.testing.case import CaseFileError
from policylang.testing.cases import CaseOutcome, discover, read_cases, run_case
from policylang.trace.nodes import rule_ids

DECISIVE = frozenset({"fired", "default"})


@attrs.define
class Coverage:
    """Which rules of each policy the cases exercised."""

    exercised: dict[str, set[str]] = attrs.Factory(dict)

    def add(self, outcome: CaseOutcome) -> None:
        """Count the rules that decided something in one case's result."""
        if outcome.result is None:
            return
        seen = self.exercised.setdefault(outcome.case.policy, set())
        seen.update(rule_ids(outcome.result.trace, DECISIVE))
        seen.update(n.data["rule_id"] for n in outcome.result.trace if n.kind == "note")

    def table(self) -> list[dict[str, Any]]:
        """Per policy: rules in total, rules exercised, percentage, and the rules never exercised."""
        from policylang.policy.loader import load

        rows = []
        for name in sorted(self.exercised):
            policy = load(name)
            all_rules = list(policy.rules)
            hit = [r for r in all_rules if r in self.exercised[name]]
            sections: dict[str, list[int]] = {}
            for rid, rule in policy.rules.items():
                section = section_of(rule.citations[0]) if rule.citations else "(no citation)"
                counts = sections.setdefault(section, [0, 0])
                counts[0] += 1
                counts[1] += rid in self.exercised[name]
            rows.append(
                {
                    "policy": name,
                    "rules": len(all_rules),
                    "exercised": len(hit),
                    "percent": round(100.0 * len(hit) / len(all_rules), 1) if all_rules else 100.0,
                    "unexercised": [r for r in all_rules if r not in self.exercised[name]],
                    "sections": {
                        k: {"rules": v[0], "exercised": v[1]} for k, v in sorted(sections.items(), key=_natural)
                    },
                }
            )
        return rows


_SECTION = re.compile(r"(pkt\.\s*\d+|§\s*\d+[a-z]?)")


def _natural(item: tuple[str, Any]) -> list[Any]:
    """Sort key that puts ``pkt. 2`` before ``pkt. 11``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", item[0])]


def section_of(citation: Any) -> str:
    """The section of its source a rule cites first: the document and its pkt., § or heading.

    >>> section_of("vejl. 91/1998 pkt. 26 e"), section_of("aktivloven § 3, stk. 4")
    ('pkt. 26', '§ 3')
    """
    if isinstance(citation, str):
        m = _SECTION.search(citation)
        if m:
            return re.sub(r"\s+", " ", m.group(1))
        return citation or "(no citation)"
    short = citation.source.short if citation.source else citation.source_key
    locator = citation.locator or ""
    m = _SECTION.search(locator)
    if m:
        return f"{short} {re.sub(chr(92) + 's+', ' ', m.group(1))}"
    heading = locator.split("›")[0].split(",")[0].strip().strip('"')
    if len(heading) > 50:
        heading = heading[:47] + "..."
    return f"{short} {heading}".strip()


def run_all(paths: Iterable[str], limits: Limits = DEFAULT) -> tuple[list[CaseOutcome], list[str]]:
    """Run every case under ``paths``; return the outcomes and the case files that failed to load."""
    from policylang.policy.loader import load

    outcomes: list[CaseOutcome] = []
    problems: list[str] = []
    for path in discover(list(paths)):
        try:
            cases = read_cases(path, limits)
        except PolicyError as e:
            problems.append(e.format())
            continue
        for case in cases:
            if case.skip:
                continue
            outcome = run_case(case, lambda name: load(name, limits=limits))
            if isinstance(outcome.error, CaseFileError):  # the case file is wrong, not the policy's result
                problems.append(outcome.error.format())
                continue
            outcomes.append(outcome)
    return outcomes, problems


def describe_failure(outcome: CaseOutcome) -> str:
    """A failed case as ``policylang test`` prints it: the file, the case and each difference."""
    case = outcome.case
    lines = [f"FAIL {case.file}::{case.id}" + (f" - {case.title}" if case.title else "")]
    unexpected = outcome.error is not None and case.error is None
    for d in outcome.differences:
        if not (unexpected and d.kind == "error" and d.expected is None):  # the error itself follows
            lines.append(f"  {d.describe()}")
    if unexpected:
        assert outcome.error is not None
        lines.append("  unexpected " + outcome.error.format().replace("\n", "\n  "))
    return "\n".join(lines)


def format_coverage(table: list[dict[str, Any]]) -> str:
    """The coverage table as text: per policy, per section, and the rules never exercised."""
    lines = ["", "Rule coverage:"]
    for row in table:
        lines.append(f"  {row['policy']}: {row['exercised']}/{row['rules']} rules ({row['percent']}%)")
        for section, counts in row["sections"].items():
            lines.append(f"    {section}: {counts['exercised']}/{counts['rules']}")
        if row["unexercised"]:
            lines.append("    never exercised: " + ", ".join(row["unexercised"]))
    return "\n".join(lines)

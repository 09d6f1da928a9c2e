"""``policylang test``: run case files against their policies, report failures and rule coverage.

A path that is no file or folder but the name of a bundled policy runs the cases bundled
with it (``policylang test residence/help_and_repatriation``), so the command works from
an installed package as well as from a checkout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from policylang.base.errors import PolicyError
from policylang.cli.common import EXIT_FAILED, EXIT_INPUT, EXIT_OK, subcommand


def register(sub: Any) -> None:
    """Add ``test`` to the subcommands."""
    ts = subcommand(
        sub,
        "test",
        "run case files against their policies",
        "examples:\n  policylang test residence/igu_and_danskbonus --coverage\n  policylang test my_cases/",
    )
    ts.add_argument(
        "paths", nargs="+", help="case files (.json, .cases.yaml), folders, or bundled policy names (their own cases)"
    )
    ts.add_argument("--format", choices=("text", "json"), default="text")
    ts.add_argument("--coverage", action="store_true", help="print rule coverage per policy")
    ts.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail when rule coverage is below this percentage",
    )
    ts.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the cases under ``args.paths`` and report; return the exit code."""
    from policylang.testing.runner import Coverage, describe_failure, format_coverage, run_all

    outcomes, problems = run_all([case_path(p) for p in args.paths])
    coverage = Coverage()
    for o in outcomes:
        coverage.add(o)
    failed = [o for o in outcomes if not o.passed]
    table = coverage.table() if (args.coverage or args.fail_under is not None) else []
    below = [row for row in table if args.fail_under is not None and row["percent"] < args.fail_under]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "passed": len(outcomes) - len(failed),
                    "failed": len(failed),
                    "errors": problems,
                    "cases": [
                        {
                            "file": o.case.file,
                            "id": o.case.id,
                            "passed": o.passed,
                            "differences": [d.describe() for d in o.differences],
                        }
                        for o in outcomes
                    ],
                    "coverage": table,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in problems:
            print(problem, file=sys.stderr)
        for o in failed:
            print(describe_failure(o))
        if table:
            print(format_coverage(table))
        print(
            f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
            + (f", {len(problems)} case file(s) could not be read" if problems else "")
        )
        for row in below:
            print(f"coverage of {row['policy']} is {row['percent']}%, below {args.fail_under}%")
    if problems:
        return EXIT_INPUT
    if failed or below:
        return EXIT_FAILED
    return EXIT_OK


def case_path(path: str) -> str:
    """``path`` itself, or for the name of a bundled policy (and no such file) the folder of its cases."""
    if Path(path).exists():
        return path
    from policylang.policy.loader import bundled_names, policies_root

    if path in bundled_names():
        cases = policies_root() / "cases" / path
        if not cases.is_dir():
            raise PolicyError(f"the bundled policy `{path}` has no bundled cases; give case files or folders")
        return str(cases)
    return path

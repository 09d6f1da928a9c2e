"""``policylang check``: check policy files and report every problem.

Exit codes: 0 no errors; 2 the check ran and found errors in the policy text, whatever
kind (syntax, names, types, logic; warnings too with ``--strict``); 1 the check could not
run: a path that does not exist, a file that cannot be read, a bad option.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policylang.base.errors import PolicyError
from policylang.cli.common import EXIT_FAILED, EXIT_INPUT, EXIT_OK, print_json, subcommand

# Diagnostics that mean a file could not be read at all (exit 1, not 2). A syntax error is
# a finding of the check like any other (exit 2): the file was read, and its text is wrong.
UNREADABLE = ("pol-not-found", "pol-error")


def register(sub: Any) -> None:
    """Add ``check`` to the subcommands."""
    ck = subcommand(
        sub,
        "check",
        "check policy files and report every problem",
        "examples:\n  policylang check my_policy.pol\n  policylang check shared/ --strict",
    )
    ck.add_argument("paths", nargs="+", help=".pol files or folders")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.add_argument("--strict", action="store_true", help="fail on warnings too")
    ck.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        metavar="N",
        help="check N files at once, in separate processes (default: one per core; 1: one after the other)",
    )
    ck.set_defaults(run=run)


def policy_files(paths: Sequence[str]) -> list[Path]:
    """The ``.pol`` files named by ``paths``, folders searched recursively."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.rglob("*.pol")))
        elif p.is_file():
            files.append(p)
        else:
            raise PolicyError(f"{p}: no such file or folder")
    return files


def run(args: argparse.Namespace) -> int:
    """Check every file; print the diagnostics and a count.

    Without the z3 solver the logic analyses are skipped with a note on stderr (and in the
    JSON, ``"skipped"``); with ``--strict``, which promises every check, that is exit 1.
    """
    from policylang.policy.checking import analyses_missing, check_files

    files = policy_files(args.paths)
    if args.jobs < 0:
        raise PolicyError(f"--jobs must be 0 (one per core) or more, not {args.jobs}")
    diagnostics = []
    unreadable = False
    for found in check_files(files, require_header=False, jobs=args.jobs):
        if any(d.code in UNREADABLE for d in found):
            unreadable = True
        diagnostics.extend(found)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    skipped = analyses_missing()
    if args.format == "json":
        report: dict[str, Any] = {
            "files": [str(f) for f in files],
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.to_dict() for d in diagnostics],
        }
        if skipped:
            report["skipped"] = [skipped]
        print_json(report)
    else:
        for d in diagnostics:
            print(d.format(), file=sys.stderr)
        print(f"checked {len(files)} file(s): {errors} error(s), {warnings} warning(s)")
    if skipped:
        print(f"{'error[pol-no-solver]' if args.strict else 'note'}: {skipped}", file=sys.stderr)
    if unreadable or (skipped and args.strict):
        return EXIT_INPUT
    if errors or (args.strict and warnings):
        return EXIT_FAILED
    return EXIT_OK

"""``policylang fmt``: put policy files in the one canonical layout, or check that they are."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from policylang.base.errors import PolicyError
from policylang.cli.check import policy_files
from policylang.cli.common import EXIT_FAILED, EXIT_INPUT, EXIT_OK, subcommand


def register(sub: Any) -> None:
    """Add ``fmt`` to the subcommands."""
    fm = subcommand(
        sub,
        "fmt",
        "format policy files in the canonical layout",
        "examples:\n  policylang fmt my_policy.pol         format a file in place\n"
        "  policylang fmt --check policies/     exit 2 if a file is not formatted (for CI)\n"
        "(`policylang fmt -` formats standard input to standard output)",
    )
    fm.add_argument("paths", nargs="+", help=".pol files or folders, or - for standard input")
    fm.add_argument("--check", action="store_true", help="change nothing; exit 2 if a file is not formatted")
    fm.add_argument("--diff", action="store_true", help="change nothing; print what formatting would change")
    fm.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Format each file in place (or check it); report the files that changed or would change."""
    from policylang.syntax.format import format_text

    if args.paths == ["-"]:
        sys.stdout.write(format_text(sys.stdin.read(), "<stdin>"))
        return EXIT_OK
    files = policy_files(args.paths)
    changed: list[Path] = []
    broken = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            print(f"error[pol-not-found]: {path}: cannot read the file ({getattr(e, 'strerror', e)})", file=sys.stderr)
            broken = True
            continue
        try:
            formatted = format_text(text, str(path))
        except PolicyError as e:
            print(e.format(), file=sys.stderr)
            broken = True
            continue
        if formatted == text:
            continue
        changed.append(path)
        if args.diff:
            before, after = text.splitlines(keepends=True), formatted.splitlines(keepends=True)
            sys.stdout.writelines(difflib.unified_diff(before, after, str(path), f"{path} (formatted)"))
        elif args.check:
            print(f"{path}: not formatted", file=sys.stderr)
        else:
            path.write_text(formatted, encoding="utf-8")
    verb = "would format" if args.check or args.diff else "formatted"
    print(f"{verb} {len(changed)} of {len(files)} file(s)", file=sys.stderr if args.diff else sys.stdout)
    if broken:
        return EXIT_INPUT
    if changed and (args.check or args.diff):
        return EXIT_FAILED
    return EXIT_OK

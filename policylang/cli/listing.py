"""``policylang list``: the bundled policies, with their titles, versions and own cases."""

from __future__ import annotations

import argparse
import functools
import textwrap
from pathlib import Path
from typing import Any

from policylang.base.labels import Labels
from policylang.cli.common import EXIT_OK, print_json, subcommand


def register(sub: Any) -> None:
    """Add ``list`` to the subcommands."""
    ls = subcommand(
        sub,
        "list",
        "list the bundled policies: name, version and title",
        "examples:\n  policylang list\n  policylang list --lang da --format json",
    )
    ls.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    ls.add_argument("--lang", choices=("da", "en"), default="en", help="language of the titles (default: en)")
    ls.set_defaults(run=run)


def bundled() -> list[dict[str, Any]]:
    """Per bundled policy: its name, version, Danish and English title, and its bundled case files.

    ``cases`` is the folder of the case files bundled with it (``None`` when there is
    none), which ``policylang test NAME`` runs; ``case_files`` counts them. Only the
    policies' headers are read: nothing is checked or compiled.

    >>> [p for p in bundled() if p["name"] == "examples/benefit"][0]["title"]["en"]
    'Winter help (example)'
    """
    from policylang.policy.loader import bundled_names, policies_root
    from policylang.testing.cases import discover

    root = policies_root()
    found = []
    for name in bundled_names():
        path = root / f"{name}.pol"
        version, title = _header(path, path.stat().st_mtime_ns)
        cases = root / "cases" / name
        found.append(
            {
                "name": name,
                "version": version,
                "title": {"da": title.da if title else None, "en": title.en if title else None},
                "cases": str(cases) if cases.is_dir() else None,
                "case_files": len(list(discover([cases]))) if cases.is_dir() else 0,
            }
        )
    return found


@functools.cache
def _header(path: Path, mtime: int) -> tuple[str | None, Labels | None]:
    """The version and title of a policy file (kept while the file is unchanged)."""
    from policylang.policy.loader import read_source
    from policylang.syntax.parser import parse_module

    header = parse_module(read_source(path), str(path)).header
    return (header.version, header.title) if header is not None else (None, None)


def run(args: argparse.Namespace) -> int:
    """Print the bundled policies as a table (or JSON)."""
    policies = bundled()
    if args.format == "json":
        print_json({"policies": policies})
        return EXIT_OK
    width = max(len(p["name"]) for p in policies)
    first, second = ("da", "en") if args.lang == "da" else ("en", "da")
    print(f"{'NAME':<{width}}  VERSION  CASE FILES  TITLE")
    for p in policies:
        title = p["title"][first] or p["title"][second] or ""
        line = f"{p['name']:<{width}}  {p['version'] or '':<7}  {p['case_files'] or '':>10}  {title}"
        print(textwrap.fill(line, 110, subsequent_indent=" " * (width + 23)))
    print(f"\n{len(policies)} policies. `policylang test NAME` runs the case files bundled with a policy.")
    return EXIT_OK

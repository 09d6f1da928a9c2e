"""``policylang manifest``: a policy's manifest, the static legal text its results refer to."""

from __future__ import annotations

import argparse
from typing import Any

from policylang.cli.common import EXIT_OK, print_json, subcommand


def register(sub: Any) -> None:
    """Add ``manifest`` to the subcommands."""
    mf = subcommand(
        sub,
        "manifest",
        "print a policy's manifest: its rules, citations, quotes, labels and rows, named by its content hash",
        "example:\n  policylang manifest residence/help_and_repatriation > manifest.json",
    )
    mf.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    mf.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the manifest as JSON."""
    from policylang.policy.loader import load

    print_json(load(args.policy).manifest())
    return EXIT_OK

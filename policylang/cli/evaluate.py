"""``policylang eval``: evaluate a policy on a fact set and print the explained result."""

from __future__ import annotations

import argparse
from typing import Any

from policylang.cli.common import (
    EXHAUSTIVE_HELP,
    EXIT_OK,
    add_color_option,
    add_parameter_options,
    evaluated,
    print_json,
    subcommand,
    use_color,
)


def register(sub: Any) -> None:
    """Add ``eval`` to the subcommands."""
    ev = subcommand(
        sub,
        "eval",
        "evaluate a policy on a fact set and explain the result",
        "example:\n  policylang eval residence/help_and_repatriation --facts case.json --format json",
    )
    ev.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    ev.add_argument("--facts", required=True, help="a JSON file with the fact set ('-' for stdin)")
    ev.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    ev.add_argument("--lang", choices=("en", "da"), default="en", help="language of labels (default: en)")
    add_parameter_options(ev, "set a parameter; VALUE is JSON, or text for a condition")
    ev.add_argument("--no-trace", action="store_true", help="do not record the explanation")
    ev.add_argument(
        "--manifest",
        action="store_true",
        help="with --format json: embed the part of the policy's manifest the result refers to "
        "(a self-contained record)",
    )
    ev.add_argument(
        "--full-manifest",
        action="store_true",
        help="with --format json: embed the policy's whole manifest",
    )
    ev.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")
    ev.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)
    ev.add_argument(
        "--detail", action="store_true", help="after the summary, how each decision was reached and the facts used"
    )
    add_color_option(ev)
    ev.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print the result as text or as the result JSON."""
    policy, result = evaluated(args, trace=not args.no_trace)
    if args.format == "json":
        print_json(result.to_dict(manifest="full" if args.full_manifest else args.manifest))
        return EXIT_OK
    from policylang.explanation.build import explain
    from policylang.explanation.render.text import facts_used, format_summary, format_text
    from policylang.explanation.words import word

    explanation = explain(result, policy, lang=args.lang)
    color = use_color(args)
    if args.detail:
        print(format_text(explanation, color=color))
        return EXIT_OK
    print(format_summary(explanation, color=color))
    used = len(facts_used(explanation))
    if used and args.no_trace is False:
        print("\n" + word(args.lang, "detail_hint").format(n=used))
    return EXIT_OK

"""``policylang explain``: explain a policy's decisions on a fact set, for one audience and language."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from policylang.cli.common import (
    EXHAUSTIVE_HELP,
    EXIT_OK,
    add_color_option,
    add_parameter_options,
    evaluated,
    print_json,
    read_json,
    subcommand,
    use_color,
)


def register(sub: Any) -> None:
    """Add ``explain`` to the subcommands."""
    ex = subcommand(
        sub,
        "explain",
        "explain a policy's decisions on a fact set, for a caseworker, a citizen or an auditor",
        "examples:\n"
        "  policylang explain examples/benefit --facts policies/examples/benefit.facts.json --why-not\n"
        "  policylang explain examples/benefit --facts facts.json --decision eligible --format html \\\n"
        "      --lang da --audience citizen > explanation.html\n"
        "  policylang explain examples/benefit --record stored-result.json --lang da",
    )
    ex.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    given = ex.add_mutually_exclusive_group(required=True)
    given.add_argument("--facts", help="a JSON file with the fact set ('-' for stdin)")
    given.add_argument(
        "--record", metavar="FILE", help="a stored result (eval --format json) to explain again, instead of --facts"
    )
    ex.add_argument(
        "--decision",
        action="append",
        default=[],
        metavar="NAME",
        help="explain only this decision (repeatable; default: every decision)",
    )
    ex.add_argument("--why-not", action="store_true", help="also show the rows that did not apply, and why")
    ex.add_argument(
        "--format", choices=("text", "markdown", "html", "json"), default="text", help="output format (default: text)"
    )
    ex.add_argument("--lang", choices=("da", "en"), default="en", help="language of the explanation (default: en)")
    ex.add_argument(
        "--audience",
        choices=("caseworker", "citizen", "auditor"),
        default="caseworker",
        help="who reads it: citizen withholds personal values and internal notes; auditor adds source spans "
        "and parameters (default: caseworker)",
    )
    add_parameter_options(ex)
    ex.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")
    ex.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)
    add_color_option(ex)
    ex.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, explain and print the explanation in the chosen format."""
    from policylang.explanation.build import explain

    if args.record:
        from policylang.engine.result import Result
        from policylang.policy.loader import load

        policy = load(args.policy)
        result = Result.from_dict(read_json(args.record, "record"), policy.program)
    else:
        policy, result = evaluated(args)
    explanation = explain(
        result,
        policy,
        lang=args.lang,
        audience=args.audience,
        decisions=args.decision or None,
        why_not=args.why_not,
    )
    if args.format == "json":
        print_json(explanation.to_dict())
    elif args.format == "markdown":
        from policylang.explanation.render.markdown import format_markdown

        sys.stdout.write(format_markdown(explanation))
    elif args.format == "html":
        from policylang.explanation.render.html import format_html

        sys.stdout.write(format_html(explanation))
    else:
        from policylang.explanation.render.text import format_text

        print(format_text(explanation, color=use_color(args)))
    return EXIT_OK

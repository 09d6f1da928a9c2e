"""``policylang questions``: the next questions to ask, the unknown facts that settle the most."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from policylang.base.errors import PolicyError
from policylang.cli.common import (
    EXHAUSTIVE_HELP,
    EXIT_OK,
    add_parameter_options,
    blamed_on,
    limits,
    parameters,
    print_json,
    read_json,
    subcommand,
)


def register(sub: Any) -> None:
    """Add ``questions`` to the subcommands."""
    qs = subcommand(
        sub,
        "questions",
        "the next questions to ask: unknown facts that would settle undetermined decisions",
        "example:\n  policylang questions residence/help_and_repatriation --facts partial.json --limit 3",
    )
    qs.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    qs.add_argument("--facts", help="a JSON file with what is known so far ('-' for stdin; default: nothing)")
    qs.add_argument("--decision", action="append", default=[], metavar="NAME", help="only what this decision waits for")
    qs.add_argument("--limit", type=int, default=None, metavar="N", help="at most N questions")
    qs.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    qs.add_argument("--lang", choices=("da", "en"), default="en", help="language of the text (default: en)")
    add_parameter_options(qs)
    qs.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")
    qs.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)
    qs.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Rank the unknown facts and print them as questions."""
    from policylang.explanation.model import check_decisions
    from policylang.explanation.questions import next_questions
    from policylang.explanation.words import word
    from policylang.policy.loader import load

    policy = load(args.policy, limits=limits())
    check_decisions(policy.program, args.decision)
    facts = read_json(args.facts, "facts") if args.facts else {}
    if args.limit is not None and args.limit < 0:
        raise PolicyError(f"--limit {args.limit}: the limit cannot be negative")
    with blamed_on(args.facts):
        found = next_questions(
            policy,
            facts,
            parameters=parameters(args) or None,
            decisions=args.decision or None,
            limit=args.limit,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    if args.format == "json":
        print_json({"policy": policy.name, "questions": [q.to_dict() for q in found]})
        return EXIT_OK
    if not found:
        print(word(args.lang, "nothing_missing"))
        return EXIT_OK

    def wrapped(text: str, indent: int, hanging: int) -> str:
        return textwrap.fill(text, 100, initial_indent=" " * indent, subsequent_indent=" " * hanging)

    print(f"{word(args.lang, 'next_questions')}:")
    for n, q in enumerate(found, 1):
        labels = " / ".join(x for x in (q.da, q.en) if x)
        print(wrapped(f"{n}. {q.fact}" + (f" ({labels})" if labels else "") + f": {q.type}", 2, 5))
        print(wrapped(f"{word(args.lang, 'settles')}: {', '.join(q.settles)}", 5, 7))
        if q.options:
            shown = ", ".join(str(o.value).lower() if isinstance(o.value, bool) else str(o.value) for o in q.options)
            print(wrapped(f"{word(args.lang, 'answers')}: {shown}", 5, 7))
    return EXIT_OK

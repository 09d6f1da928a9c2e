"""``policylang questions``: the next questions to ask, the unknown facts that settle the most.

The text shows the first :data:`DEFAULT_LIMIT` questions and says how many more there
are (``--limit N`` or ``--all`` shows more); labels are in the language ``--lang`` asks
for. JSON gives every question unless ``--limit`` is given, and counts those left out.
"""

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
    parameters,
    print_json,
    read_json,
    subcommand,
)

DEFAULT_LIMIT = 10  # questions in the text unless --limit or --all says otherwise
SETTLES_SHOWN = 8  # decisions named per question in the text


def register(sub: Any) -> None:
    """Add ``questions`` to the subcommands."""
    qs = subcommand(
        sub,
        "questions",
        "the next questions to ask: unknown facts that would settle undetermined decisions",
        "examples:\n  policylang questions residence/help_and_repatriation --limit 3\n"
        "  policylang questions examples/benefit --facts partial.json --lang da",
    )
    qs.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    qs.add_argument("--facts", help="a JSON file with what is known so far ('-' for stdin; default: nothing)")
    qs.add_argument("--decision", action="append", default=[], metavar="NAME", help="only what this decision waits for")
    qs.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help=f"at most N questions (default: {DEFAULT_LIMIT} in text, every question in JSON)",
    )
    qs.add_argument("--all", action="store_true", help="every question, however many")
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

    policy = load(args.policy)
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
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    limit = None if args.all else args.limit
    if limit is None and args.format == "text" and not args.all:
        limit = DEFAULT_LIMIT
    shown = found if limit is None else found[:limit]
    more = len(found) - len(shown)
    if args.format == "json":
        print_json({"policy": policy.name, "questions": [q.to_dict() for q in shown], "more": more})
        return EXIT_OK
    if not found:
        print(word(args.lang, "nothing_missing"))
        return EXIT_OK

    def wrapped(text: str, indent: int, hanging: int) -> str:
        return textwrap.fill(text, 100, initial_indent=" " * indent, subsequent_indent=" " * hanging)

    print(f"{word(args.lang, 'next_questions')}:")
    for n, q in enumerate(shown, 1):
        label = q.label(args.lang)
        print(wrapped(f"{n}. {q.fact}" + (f" ({label})" if label != q.fact else "") + f": {q.type}", 2, 5))
        settles = ", ".join(q.settles[:SETTLES_SHOWN])
        if len(q.settles) > SETTLES_SHOWN:
            settles += f" {MORE[args.lang].format(len(q.settles) - SETTLES_SHOWN)}"
        print(wrapped(f"{word(args.lang, 'settles')}: {settles}", 5, 7))
        if q.options:
            answers = ", ".join(str(o.value).lower() if isinstance(o.value, bool) else str(o.value) for o in q.options)
            print(wrapped(f"{word(args.lang, 'answers')}: {answers}", 5, 7))
    if more:
        print(LEFT_OUT[args.lang].format(more=more, total=len(found)))
    return EXIT_OK


# The command's own words, in the two languages of ``--lang``.
MORE = {"da": "og {} mere", "en": "and {} more"}
LEFT_OUT = {
    "da": "... og {more} spørgsmål mere ({total} i alt); --limit N eller --all viser flere.",
    "en": "... and {more} more questions ({total} in all); --limit N or --all shows more.",
}

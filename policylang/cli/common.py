"""What every subcommand shares: exit codes, the argument parser, and reading facts and parameters.

Exit codes: 0 success; 1 the input could not be loaded, parsed or checked (missing file,
bad policy text, bad facts); 2 tests or checks ran and failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from policylang.base.errors import Diagnostic, FactError, ParameterError, PolicyError
from policylang.base.span import Source, point

EXIT_OK, EXIT_INPUT, EXIT_FAILED = 0, 1, 2
EXHAUSTIVE_HELP = "settle undetermined decisions that every value of the (few) missing facts decides alike"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 1 (argparse's own 2 would mean "tests failed")."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        print(f"error[pol-usage]: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def subcommand(sub: Any, name: str, summary: str, example: str, **options: Any) -> argparse.ArgumentParser:
    """A subcommand's parser, with its example shown in ``--help``."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=example, **options
    )
    return parser


def add_parameter_options(parser: argparse.ArgumentParser, param_help: str = "set a parameter (as for eval)") -> None:
    """``--param NAME=VALUE`` (repeatable) and ``--params FILE``."""
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help=param_help)
    parser.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")


def read_json(path: str, what: str) -> Any:
    """The JSON in ``path`` (``-`` for standard input), numbers with a fraction as ``Decimal``."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(f"{path}: cannot read the {what} file ({getattr(e, 'strerror', e)})") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        message = f"the {what} file is not valid JSON: {e.msg}"
        error = PolicyError(message, [Diagnostic("pol-json", message, point(Source(path, text), e.lineno, e.colno))])
        error.code = "pol-json"
        raise error from None


def assignments(items: Sequence[str], flag: str) -> dict[str, Any]:
    """``NAME=VALUE`` arguments as a mapping; VALUE is JSON, or text where it is not JSON (a condition)."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise PolicyError(f"{flag} {item}: write NAME=VALUE")
        try:
            values[name] = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError:
            values[name] = raw
    return values


def parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The parameters ``--params FILE`` and then ``--param NAME=VALUE`` set."""
    params: dict[str, Any] = {}
    if args.params:
        data = read_json(args.params, "parameters")
        if not isinstance(data, dict):
            raise PolicyError(f"{args.params}: the parameters file must hold a JSON object")
        params.update(data)
    params.update(assignments(args.param, "--param"))
    return params


def evaluated(args: argparse.Namespace, *, trace: bool = True) -> tuple[Any, Any]:
    """Load ``args.policy``, read ``args.facts`` and evaluate: the policy and the result.

    An error in a fact names the facts file (an error in a parameter does not).
    """
    from policylang.policy.loader import load

    policy = load(args.policy)
    facts = read_json(args.facts, "facts")
    with blamed_on(args.facts):
        result = policy.evaluate(
            facts,
            trace=trace,
            parameters=parameters(args) or None,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    return policy, result


@contextlib.contextmanager
def blamed_on(facts_file: str | None) -> Iterator[None]:
    """An error in a fact raised inside names ``facts_file``; an error in a parameter does not."""
    try:
        yield
    except ParameterError:
        raise
    except FactError as e:
        e.source = facts_file
        raise


def add_color_option(parser: argparse.ArgumentParser) -> None:
    """``--color never|auto|always``: colour on a terminal, unless ``NO_COLOR`` is set."""
    parser.add_argument(
        "--color",
        choices=("never", "auto", "always"),
        default="auto",
        help="colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never",
    )


def use_color(args: argparse.Namespace) -> bool:
    """Whether to colour the output, from ``--color`` and the ``NO_COLOR`` convention (no-color.org)."""
    choice = getattr(args, "color", "never")
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output, non-ASCII letters as they are."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))

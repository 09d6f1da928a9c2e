"""The ``policylang`` command: thin subcommands over the library, with the contract's exit codes.

Each subcommand is a module of this package with ``register(sub)``, which adds its parser
and sets ``run``. Exit codes (``docs/cli.rst``): 0 success; 1 the input could not be
loaded (a missing file, a policy that does not load, bad facts, a bad option); 2 tests or
checks ran and failed (a case failed; ``check`` found errors in the policy text, syntax
errors included). Errors go to stderr as ``file:line:column: error[code]: message`` with
the source line and a caret; a user's mistake never produces a Python traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence

from policylang.base.errors import PolicyError
from policylang.base.version import __version__
from policylang.cli import batch, check, evaluate, explain, fmt, listing, lsp, manifest, questions, serve, test
from policylang.cli.common import EXIT_INPUT, Parser, safe_output

SUBCOMMANDS = (listing, evaluate, explain, questions, check, test, manifest, batch, serve, fmt, lsp)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``policylang`` command, with an example in every ``--help``."""
    parser = Parser(
        prog="policylang",
        description="Write, check, test and explain statutory decision rules.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  policylang list                                  the bundled policies\n"
        "  policylang test residence/igu_and_danskbonus     run a bundled policy's own cases\n"
        "  policylang eval examples/benefit --facts facts.json",
    )
    parser.add_argument("--version", action="version", version=f"policylang {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``policylang`` command with ``argv``; return its exit code (0, 1 or 2).

    Output goes through :class:`~policylang.cli.common.Output`: a reader that stops
    reading does not change the exit code, a character the terminal cannot show is
    escaped, a full disk is ``error[pol-output]``.
    """
    with safe_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # a full disk shows here, not as a traceback when Python exits
        return code
    except PolicyError as e:
        if getattr(args, "format", None) == "json":  # a program reads the output: the error as JSON too
            _report(json.dumps({"error": e.to_dict()}, ensure_ascii=False, default=str))
        else:
            _report(e.format())
        return EXIT_INPUT
    except RecursionError:  # a last line of defence: every input is bounded before it gets this far
        _report("error[pol-limit]: the input is nested too deeply to process")
        return EXIT_INPUT
    except KeyboardInterrupt:  # pragma: no cover
        return 130


def _report(text: str) -> None:
    """An error on standard error; if even that cannot be written, nothing more can be done."""
    with contextlib.suppress(PolicyError):
        print(text, file=sys.stderr)

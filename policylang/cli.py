"""The ``policylang`` command: thin subcommands over the library, with the contract's exit codes.

Exit codes: 0 success; 1 the input could not be loaded, parsed or checked (missing file,
bad policy text, bad facts); 2 tests or checks ran and failed. Errors go to stderr as
``file:line:column: error[code]: message`` with the source line and a caret; a user's
mistake never produces a Python traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from policylang.errors import PolicyError

EXIT_OK, EXIT_INPUT, EXIT_FAILED = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code 2 would mean "tests failed"
        self.print_usage(sys.stderr)
        print(f"error[pol-usage]: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="policylang",
        description="Write, check, test and explain statutory decision rules.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang eval residence/help_and_repatriation --facts "
        "policies/examples/help_and_repatriation.facts.json",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ev = sub.add_parser(
        "eval",
        help="evaluate a policy on a fact set and explain the result",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang eval residence/help_and_repatriation --facts case.json --format json",
    )
    ev.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    ev.add_argument("--facts", required=True, help="a JSON file with the fact set ('-' for stdin)")
    ev.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    ev.add_argument("--lang", choices=("en", "da"), default="en", help="language of labels (default: en)")
    ev.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter; VALUE is JSON, or text for a condition",
    )
    ev.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")
    ev.add_argument("--no-trace", action="store_true", help="do not record the explanation")
    ev.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")

    ck = sub.add_parser(
        "check",
        help="check policy files and report every problem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang check policies/",
    )
    ck.add_argument("paths", nargs="+", help=".pol files or folders")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.add_argument("--strict", action="store_true", help="fail on warnings too")

    ts = sub.add_parser(
        "test",
        help="run case files against their policies",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang test tests/cases/residence",
    )
    ts.add_argument("paths", nargs="+", help="case files (.json, .cases.yaml) or folders")
    ts.add_argument("--format", choices=("text", "json"), default="text")
    ts.add_argument("--coverage", action="store_true", help="print rule coverage per policy")
    ts.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail when rule coverage is below this percentage",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    try:
        handler = {"eval": _eval, "check": _check, "test": _test}[args.command]
        return handler(args)
    except PolicyError as e:
        print(e.format(), file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # the reader (e.g. `head`) stopped reading: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:  # pragma: no cover
        return 130


def _read_json(path: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(f"{path}: cannot read the {what} file ({getattr(e, 'strerror', e)})") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        error = PolicyError(f"{path}:{e.lineno}:{e.colno}: error[pol-json]: the {what} file is not valid JSON: {e.msg}")
        error.code = "pol-json"
        raise error from None


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.params:
        data = _read_json(args.params, "parameters")
        if not isinstance(data, dict):
            raise PolicyError(f"{args.params}: the parameters file must hold a JSON object")
        params.update(data)
    for item in args.param:
        name, sep, raw = item.partition("=")
        if not sep:
            raise PolicyError(f"--param {item}: write NAME=VALUE")
        try:
            params[name] = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError:
            params[name] = raw
    return params


def _eval(args: argparse.Namespace) -> int:
    from policylang.errors import FactError
    from policylang.loader import load
    from policylang.render_text import render_text

    policy = load(args.policy)
    facts = _read_json(args.facts, "facts")
    try:
        result = policy.evaluate(
            facts,
            trace=not args.no_trace,
            parameters=_parameters(args) or None,
            ignore_unknown_facts=args.ignore_unknown_facts,
        )
    except FactError as e:
        e.source = args.facts
        raise
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render_text(result, lang=args.lang, policy=policy))
    return EXIT_OK


def _policy_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.rglob("*.pol")))
        elif p.is_file():
            files.append(p)
        else:
            raise PolicyError(f"{p}: no such file or folder")
    return files


def _check(args: argparse.Namespace) -> int:
    from policylang.loader import check_file

    files = _policy_files(args.paths)
    diagnostics = []
    unreadable = False
    for f in files:
        found = check_file(f, require_header=False)
        if any(d.code in ("pol-syntax", "pol-bad-literal", "pol-not-found", "pol-error") for d in found):
            unreadable = True
        diagnostics.extend(found)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "files": [str(f) for f in files],
                    "errors": errors,
                    "warnings": warnings,
                    "diagnostics": [d.to_dict() for d in diagnostics],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for d in diagnostics:
            print(d.format(), file=sys.stderr)
        print(f"checked {len(files)} file(s): {errors} error(s), {warnings} warning(s)")
    if unreadable:
        return EXIT_INPUT
    if errors or (args.strict and warnings):
        return EXIT_FAILED
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from policylang.testrun import run_cli_tests

    return run_cli_tests(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

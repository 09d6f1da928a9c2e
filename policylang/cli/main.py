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

from policylang.base.errors import PolicyError

EXIT_OK, EXIT_INPUT, EXIT_FAILED = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code 2 would mean "tests failed"
        self.print_usage(sys.stderr)
        print(f"error[pol-usage]: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


EXHAUSTIVE_HELP = "settle undetermined decisions that every value of the (few) missing facts decides alike"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``policylang`` command, with an example in every ``--help``."""
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
    ev.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)

    ex = sub.add_parser(
        "explain",
        help="explain a policy's decisions on a fact set, for a caseworker, a citizen or an auditor",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  policylang explain examples/benefit --facts policies/examples/benefit.facts.json --why-not\n"
        "  policylang explain examples/benefit --facts facts.json --decision eligible --format html \\\n"
        "      --lang da --audience citizen > explanation.html",
    )
    ex.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    ex.add_argument("--facts", required=True, help="a JSON file with the fact set ('-' for stdin)")
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
    ex.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (as for eval)")
    ex.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")
    ex.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")
    ex.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)

    qs = sub.add_parser(
        "questions",
        help="the next questions to ask: unknown facts that would settle undetermined decisions",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang questions residence/help_and_repatriation --facts partial.json --limit 3",
    )
    qs.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    qs.add_argument("--facts", help="a JSON file with what is known so far ('-' for stdin; default: nothing)")
    qs.add_argument("--decision", action="append", default=[], metavar="NAME", help="only what this decision waits for")
    qs.add_argument("--limit", type=int, default=None, metavar="N", help="at most N questions")
    qs.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    qs.add_argument("--lang", choices=("da", "en"), default="en", help="language of the text (default: en)")
    qs.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (as for eval)")
    qs.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")
    qs.add_argument("--ignore-unknown-facts", action="store_true", help="skip facts the policy does not declare")
    qs.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)

    ck = sub.add_parser(
        "check",
        help="check policy files and report every problem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang check policies/",
    )
    ck.add_argument("paths", nargs="+", help=".pol files or folders")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.add_argument("--strict", action="store_true", help="fail on warnings too")
    ck.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        metavar="N",
        help="check N files at once, in separate processes (default: one per core; 1: one after the other)",
    )

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
    _add_batch_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``policylang`` command with ``argv``; return its exit code (0, 1 or 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    try:
        handler = {
            "eval": _eval,
            "check": _check,
            "test": _test,
            "explain": _explain,
            "questions": _questions,
            "batch": _batch,
            "whatif": _batch,
        }[args.command]
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
        from policylang.base.errors import Diagnostic
        from policylang.base.span import Source, point

        message = f"the {what} file is not valid JSON: {e.msg}"
        error = PolicyError(message, [Diagnostic("pol-json", message, point(Source(path, text), e.lineno, e.colno))])
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
    from policylang.base.errors import FactError
    from policylang.explanation.render.text import render_text
    from policylang.policy.loader import load

    policy = load(args.policy)
    facts = _read_json(args.facts, "facts")
    try:
        result = policy.evaluate(
            facts,
            trace=not args.no_trace,
            parameters=_parameters(args) or None,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    except FactError as e:
        e.source = args.facts
        raise
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render_text(result, lang=args.lang, policy=policy))
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from policylang.base.errors import FactError
    from policylang.explanation.build import explain
    from policylang.policy.loader import load

    policy = load(args.policy)
    facts = _read_json(args.facts, "facts")
    try:
        result = policy.evaluate(
            facts,
            parameters=_parameters(args) or None,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    except FactError as e:
        e.source = args.facts
        raise
    explanation = explain(
        result,
        policy,
        lang=args.lang,
        audience=args.audience,
        decisions=args.decision or None,
        why_not=args.why_not,
    )
    if args.format == "json":
        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif args.format == "markdown":
        from policylang.explanation.render.markdown import format_markdown

        sys.stdout.write(format_markdown(explanation))
    elif args.format == "html":
        from policylang.explanation.render.html import format_html

        sys.stdout.write(format_html(explanation))
    else:
        from policylang.explanation.render.text import format_text

        print(format_text(explanation))
    return EXIT_OK


def _questions(args: argparse.Namespace) -> int:
    from policylang.base.errors import FactError
    from policylang.explanation.model import check_decisions
    from policylang.explanation.questions import next_questions
    from policylang.explanation.words import word
    from policylang.policy.loader import load

    policy = load(args.policy)
    check_decisions(policy, args.decision)
    facts = _read_json(args.facts, "facts") if args.facts else {}
    if args.limit is not None and args.limit < 0:
        raise PolicyError(f"--limit {args.limit}: the limit cannot be negative")
    try:
        found = next_questions(
            policy,
            facts,
            parameters=_parameters(args) or None,
            decisions=args.decision or None,
            limit=args.limit,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    except FactError as e:
        e.source = args.facts
        raise
    if args.format == "json":
        data = {"policy": policy.name, "questions": [q.to_dict() for q in found]}
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    if not found:
        print(word(args.lang, "nothing_missing"))
        return EXIT_OK
    import textwrap

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
    from policylang.policy.loader import check_files

    files = _policy_files(args.paths)
    if args.jobs < 0:
        raise PolicyError(f"--jobs must be 0 (one per core) or more, not {args.jobs}")
    diagnostics = []
    unreadable = False
    for found in check_files(files, require_header=False, jobs=args.jobs):
        if any(
            d.code in ("pol-syntax", "pol-bad-literal", "pol-not-found", "pol-import-not-found", "pol-error")
            for d in found
        ):
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
    from policylang.testing.runner import run_cli_tests

    return run_cli_tests(args)


def _add_batch_parsers(sub: Any) -> None:
    """``batch`` and ``whatif``: a whole caseload at once (see policylang.batch)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--decisions", metavar="A,B", help="only these decisions (comma-separated)")
    common.add_argument("--id", action="append", default=[], metavar="COLUMN", help="an identity column to keep")
    common.add_argument(
        "--nulls", choices=("unknown", "null"), default="unknown", help="what a null cell of an optional fact means"
    )
    common.add_argument("--ignore-unknown-facts", action="store_true", help="skip columns that are not facts")
    common.add_argument("--format", choices=("text", "json"), default="text", help="summary format (default: text)")
    common.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter")
    common.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")
    bt = sub.add_parser(
        "batch",
        parents=[common],
        help="evaluate a policy on every row of a caseload (Parquet, CSV or JSON lines)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  policylang batch residence/help_and_repatriation caseload.parquet --output results.parquet",
    )
    bt.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    bt.add_argument("input", nargs="?", help="the caseload: .parquet, .csv or .jsonl")
    bt.add_argument("--output", "-o", metavar="OUT", help="where to write the results: .parquet, .csv or .jsonl")
    bt.add_argument("--reasons", action="store_true", help="add the rule IDs that decided each decision")
    bt.add_argument("--stop-on-error", action="store_true", help="stop at the first row with invalid facts")
    bt.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)
    bt.add_argument("--backend", choices=("auto", "vectorised", "rowwise"), default="auto")
    bt.add_argument("--chunk-size", type=int, default=50_000, metavar="ROWS", help="rows per step of the progress bar")
    bt.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is no terminal")
    bt.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    bt.add_argument("--coverage", action="store_true", help="list which decisions are vectorised, then stop")
    wi = sub.add_parser(
        "whatif",
        parents=[common],
        help="compare two versions of a policy (or two parameter sets) over one caseload",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  policylang whatif old.pol caseload.parquet --against new.pol --output changes.parquet\n"
        "  policylang whatif residence/help_and_repatriation caseload.parquet --param REPORT_MONTH_LIMIT=6",
    )
    wi.add_argument("policy", help="the policy as it is (bundled name or path)")
    wi.add_argument("input", help="the caseload: .parquet, .csv or .jsonl")
    wi.add_argument("--against", metavar="POLICY", help="the new version (default: the same policy)")
    wi.add_argument(
        "--before-param", action="append", default=[], metavar="NAME=VALUE", help="a parameter of the old version"
    )
    wi.add_argument("--output", "-o", metavar="OUT", help="write the rows that change (.parquet, .csv or .jsonl)")


def _batch(args: argparse.Namespace) -> int:
    try:
        from policylang.cli import batch as batch_cli
    except ImportError as e:  # polars is an optional extra
        raise PolicyError(
            f"`policylang {args.command}` needs the batch extra ({e.name} is not installed): "
            "pip install 'policylang[batch]'"
        ) from None
    return batch_cli.main(args.command, args, lambda: _parameters(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

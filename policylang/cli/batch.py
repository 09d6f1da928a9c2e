"""The ``policylang batch`` and ``policylang whatif`` commands: thin glue over the batch API.

``batch`` evaluates a caseload file and writes the result table (Parquet, CSV or JSON
lines, by the output's suffix), with a progress bar on stderr for long runs and a summary
of the values of each decision on stdout. ``whatif`` evaluates a caseload under two
versions of a policy (or two parameter sets) and prints the transitions per decision.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from policylang.base.errors import PolicyError
from policylang.cli.common import (
    EXHAUSTIVE_HELP,
    EXIT_OK,
    add_parameter_options,
    assignments,
    limits,
    parameters,
    subcommand,
)
from policylang.policy.loader import load

if TYPE_CHECKING:
    import polars as pl

SHOWN = 12  # values shown per decision in the summary


def register(sub: Any) -> None:
    """Add ``batch`` and ``whatif`` to the subcommands (their libraries load when they run)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--decisions", metavar="A,B", help="only these decisions (comma-separated)")
    common.add_argument("--id", action="append", default=[], metavar="COLUMN", help="an identity column to keep")
    common.add_argument(
        "--nulls", choices=("unknown", "null"), default="unknown", help="what a null cell of an optional fact means"
    )
    common.add_argument("--ignore-unknown-facts", action="store_true", help="skip columns that are not facts")
    common.add_argument("--format", choices=("text", "json"), default="text", help="summary format (default: text)")
    add_parameter_options(common, "set a parameter")
    bt = subcommand(
        sub,
        "batch",
        "evaluate a policy on every row of a caseload (Parquet, CSV or JSON lines)",
        "example:\n  policylang batch residence/help_and_repatriation caseload.parquet --output results.parquet",
        parents=[common],
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
    bt.set_defaults(run=run)
    wi = subcommand(
        sub,
        "whatif",
        "compare two versions of a policy (or two parameter sets) over one caseload",
        "examples:\n  policylang whatif old.pol caseload.parquet --against new.pol --output changes.parquet\n"
        "  policylang whatif residence/help_and_repatriation caseload.parquet --param REPORT_MONTH_LIMIT=6",
        parents=[common],
    )
    wi.add_argument("policy", help="the policy as it is (bundled name or path)")
    wi.add_argument("input", help="the caseload: .parquet, .csv or .jsonl")
    wi.add_argument("--against", metavar="POLICY", help="the new version (default: the same policy)")
    wi.add_argument(
        "--before-param", action="append", default=[], metavar="NAME=VALUE", help="a parameter of the old version"
    )
    wi.add_argument("--output", "-o", metavar="OUT", help="write the rows that change (.parquet, .csv or .jsonl)")
    wi.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``batch`` or ``whatif``; say how to install Polars where it is missing."""
    try:
        import polars  # noqa: F401
    except ImportError as e:  # polars is an optional extra
        raise PolicyError(
            f"`policylang {args.command}` needs the batch extra ({e.name} is not installed): "
            "pip install 'policylang[batch]'"
        ) from None
    if args.command == "batch":
        if args.coverage:
            return run_coverage(args.policy, sys.stdout)
        if not args.input or not args.output:
            raise PolicyError("policylang batch needs INPUT and --output OUT (or --coverage)")
        return run_batch(args, parameters(args), sys.stdout, sys.stderr)
    before = assignments(args.before_param, "--before-param")
    return run_whatif(args, parameters(args), before, sys.stdout)


class ProgressBar:
    """A one-line progress bar on a terminal: ``[#####-----]  50%  5,000/10,000 rows``."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream
        self.width = width
        self.started = time.perf_counter()

    def __call__(self, rows: int) -> None:
        self.done += rows
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.width)
        elapsed = time.perf_counter() - self.started
        rate = f"{self.done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%}  {self.done:,}/{self.total:,} rows  {rate}   ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """Write a result by the suffix of ``path``: Parquet, CSV (nested columns as JSON) or JSON lines."""
    import polars as pl

    from policylang.batch.io import BatchInputError

    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame.write_parquet(path)
        elif suffix == ".csv":
            nested = [c for c, d in frame.schema.items() if isinstance(d, pl.List | pl.Struct)]
            flat = frame.with_columns(
                pl.col(c).map_elements(lambda v: json.dumps(_plain(v), ensure_ascii=False), return_dtype=pl.String)
                for c in nested
            )
            flat.write_csv(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame.write_ndjson(path)
        else:
            raise BatchInputError(f"{path}: unknown output format `{suffix}`; use .parquet, .csv or .jsonl")
    except OSError as e:
        raise BatchInputError(f"{path}: cannot write the file ({e.strerror or str(e).splitlines()[0]})") from None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links, or the same path written twice)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _plain(value: Any) -> Any:
    import polars as pl

    if isinstance(value, pl.Series):
        return [_plain(v) for v in value.to_list()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _decisions(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [d.strip() for d in text.split(",") if d.strip()]


def run_batch(args: argparse.Namespace, parameters: dict[str, Any], out: TextIO, err: TextIO) -> int:
    """``policylang batch``: evaluate, write, summarise."""
    import polars as pl

    from policylang.batch import columns as C
    from policylang.batch import evaluate_many, io
    from policylang.batch.io import BatchInputError
    from policylang.batch.summary import summarise

    policy = load(args.policy, limits=limits())
    output = Path(args.output)
    if output.suffix.lower() not in (".parquet", ".pq", ".csv", ".jsonl", ".ndjson"):
        raise BatchInputError(f"{output}: unknown output format `{output.suffix}`; use .parquet, .csv or .jsonl")
    if same_file(Path(args.input), output):
        raise BatchInputError(f"{output}: the output is the input file; write the results to another file")
    started = time.perf_counter()
    bar: ProgressBar | None = None
    show_progress = args.progress or (not args.no_progress and err.isatty())
    data: Any = args.input
    if show_progress:
        data, _ = io.read_frame(args.input, policy.program)
        if data.height > args.chunk_size:
            bar = ProgressBar(data.height, err)
    try:
        result = evaluate_many(
            policy,
            data,
            parameters=parameters or None,
            decisions=_decisions(args.decisions),
            reasons=args.reasons,
            id_columns=args.id or (),
            nulls=args.nulls,
            ignore_unknown_facts=args.ignore_unknown_facts,
            on_error="raise" if args.stop_on_error else "continue",
            exhaustive=args.exhaustive,
            backend=args.backend,
            chunk_size=args.chunk_size if bar is not None else None,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started
    write_table(result, output)
    summary = summarise(result)
    errors = result.filter(pl.col(C.ERROR).is_not_null())
    if args.format == "json":
        payload = {
            "policy": policy.name,
            "rows": result.height,
            "seconds": round(elapsed, 3),
            "output": str(output),
            "errors": errors.height,
            "decisions": summary,
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    rate = f" ({result.height / elapsed:,.0f} rows/s)" if elapsed > 0 else ""
    out.write(f"{policy.name}: {result.height:,} rows in {elapsed:.2f} s{rate}; written to {output}\n")
    for name, counts in summary.items():
        out.write(f"{name}:\n")
        shown = list(counts.items())[:SHOWN]
        rest = sum(counts.values()) - sum(n for _, n in shown)
        if rest:
            shown.append((f"({len(counts) - SHOWN:,} other values)", rest))
        width = max(len(k) for k, _ in shown)
        for key, n in shown:
            out.write(f"  {key:<{width}}  {n:>12,}\n")
    if errors.height:
        first = errors.row(0, named=True)
        out.write(f"rows with invalid facts: {errors.height:,} (first: row {first[C.ROW]}: {first[C.ERROR]})\n")
    return EXIT_OK


def run_whatif(
    args: argparse.Namespace, parameters: dict[str, Any], before_parameters: dict[str, Any], out: TextIO
) -> int:
    """``policylang whatif``: two versions over one caseload, the transitions per decision."""
    from policylang.batch.whatif import compare

    before = load(args.policy, limits=limits())
    after = load(args.against, limits=limits()) if args.against else before
    if args.against is None and not parameters and not before_parameters:
        raise PolicyError("nothing to compare: give --against OTHER_POLICY, or --param/--params for the new version")
    comparison = compare(
        before,
        after,
        args.input,
        before_parameters=before_parameters or None,
        after_parameters=parameters or None,
        decisions=_decisions(args.decisions),
        id_columns=args.id or (),
        nulls=args.nulls,
        ignore_unknown_facts=args.ignore_unknown_facts,
    )
    if args.output:
        write_table(comparison.changes(), Path(args.output))
    if args.format == "json":
        out.write(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(comparison.report() + "\n")
    return EXIT_OK


def run_coverage(policy_name: str, out: TextIO) -> int:
    """Which decisions the vectorised backend computes (``batch --coverage``)."""
    from policylang.batch import coverage

    policy = load(policy_name, limits=limits())
    for name, why in coverage(policy).items():
        out.write(f"{name}: {'vectorised' if why is None else 'row by row: ' + why}\n")
    return EXIT_OK

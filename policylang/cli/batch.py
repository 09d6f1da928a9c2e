"""The ``policylang batch`` and ``policylang whatif`` commands: thin glue over the batch API.

``batch`` evaluates a caseload file, prints a summary of each decision's values on stdout
(rows with invalid facts first; dates and numbers as ranges) and, with ``--output``,
writes the result table (Parquet, CSV or JSON lines, by the output's suffix). A progress
bar on stderr appears on a terminal once a run has taken more than a second. ``whatif``
evaluates a caseload under two versions of a policy (or two parameter sets: ``--before-param``
for the old side, ``--after-param`` for the new) and prints the transitions per decision.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from policylang.base.errors import FactError, PolicyError
from policylang.base.extras import require
from policylang.cli.common import (
    EXHAUSTIVE_HELP,
    EXIT_OK,
    add_parameter_options,
    assignments,
    parameters,
    read_json,
    subcommand,
)
from policylang.policy.loader import load

if TYPE_CHECKING:
    import polars as pl

    from policylang.ir import program as ir

SHOWN = 12  # values shown per decision in the summary (a decision of dates or numbers with more: ranges)
ERRORS_SHOWN = 3  # rows with invalid facts shown before the summary
DELAY = 1.0  # seconds before the progress bar appears on a terminal


def register(sub: Any) -> None:
    """Add ``batch`` and ``whatif`` to the subcommands (their libraries load when they run)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--decisions", metavar="A,B", help="only these decisions (comma-separated)")
    common.add_argument(
        "--id", action="append", default=[], metavar="COLUMN", help="an identity column to keep (repeatable)"
    )
    common.add_argument(
        "--nulls",
        choices=("unknown", "null"),
        default="unknown",
        help="what an empty (null) cell of an optional fact means: an unknown fact (default) or null, "
        "known to have no value",
    )
    common.add_argument("--ignore-unknown-facts", action="store_true", help="skip columns that are not facts")
    common.add_argument("--format", choices=("text", "json"), default="text", help="summary format (default: text)")
    bt = subcommand(
        sub,
        "batch",
        "evaluate a policy on every row of a caseload (Parquet, CSV or JSON lines)",
        "examples:\n  policylang batch examples/benefit caseload.csv --id case\n"
        "  policylang batch examples/benefit caseload.csv --id case --reasons --output results.parquet",
        parents=[common],
    )
    bt.add_argument("policy", help="a bundled policy name or a path to a .pol file")
    bt.add_argument("input", nargs="?", help="the caseload: .parquet, .csv or .jsonl")
    bt.add_argument(
        "--output", "-o", metavar="OUT", help="write the result table: .parquet, .csv or .jsonl (default: summary only)"
    )
    add_parameter_options(bt, "set a parameter (as for eval)")
    bt.add_argument("--reasons", action="store_true", help="add the rule IDs that decided each decision")
    bt.add_argument("--stop-on-error", action="store_true", help="stop at the first row with invalid facts")
    bt.add_argument("--exhaustive", action="store_true", help=EXHAUSTIVE_HELP)
    bt.add_argument("--backend", choices=("auto", "vectorised", "rowwise"), default="auto")
    bt.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="ROWS",
        help="rows per step of the progress bar (default: chosen from the caseload's size)",
    )
    bt.add_argument(
        "--progress", action="store_true", help="show the progress bar at once, even when stderr is no terminal"
    )
    bt.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    bt.add_argument("--coverage", action="store_true", help="list which decisions are vectorised, then stop")
    bt.set_defaults(run=run)
    wi = subcommand(
        sub,
        "whatif",
        "compare two versions of a policy (or two parameter sets) over one caseload",
        "examples:\n  policylang whatif old.pol caseload.csv --id case --against new.pol --output changes.parquet\n"
        "  policylang whatif examples/benefit caseload.csv --id case --after-param LOW_INCOME=200000",
        parents=[common],
    )
    wi.add_argument("policy", help="the policy as it is (bundled name or path)")
    wi.add_argument("input", help="the caseload: .parquet, .csv or .jsonl")
    wi.add_argument("--against", metavar="POLICY", help="the new version (default: the same policy)")
    wi.add_argument(
        "--after-param",
        "--param",
        dest="param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the new version (`--param` is the same option)",
    )
    wi.add_argument(
        "--after-params", "--params", dest="params", metavar="FILE", help="a JSON file of the new version's parameters"
    )
    wi.add_argument(
        "--before-param", action="append", default=[], metavar="NAME=VALUE", help="a parameter of the old version"
    )
    wi.add_argument("--before-params", metavar="FILE", help="a JSON file of the old version's parameters")
    wi.add_argument("--output", "-o", metavar="OUT", help="write the rows that change (.parquet, .csv or .jsonl)")
    wi.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``batch`` or ``whatif``; say how to install Polars where it is missing."""
    require("polars", "batch", f"`policylang {args.command}`")
    if args.command == "batch":
        if args.coverage:
            return run_coverage(args.policy, sys.stdout)
        if not args.input:
            raise PolicyError("policylang batch needs INPUT, the caseload file (or --coverage)")
        return run_batch(args, parameters(args), sys.stdout, sys.stderr)
    before: dict[str, Any] = {}
    if args.before_params:
        data = read_json(args.before_params, "parameters")
        if not isinstance(data, dict):
            raise PolicyError(f"{args.before_params}: the parameters file must hold a JSON object")
        before.update(data)
    before.update(assignments(args.before_param, "--before-param"))
    return run_whatif(args, parameters(args), before, sys.stdout)


class ProgressBar:
    """A one-line progress bar: ``[#####-----]  50%  5,000/10,000 rows``, drawn once a run takes long.

    Nothing is drawn until ``delay`` seconds have passed, and the line is redrawn at most
    every ``every`` seconds, so a quick run prints nothing and a long one shows its pace.
    """

    def __init__(
        self, total: int, stream: TextIO, width: int = 30, *, delay: float = DELAY, every: float = 0.2
    ) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream
        self.width = width
        self.delay = delay
        self.every = every
        self.started = time.perf_counter()
        self.drawn_at: float | None = None

    def __call__(self, rows: int) -> None:
        self.done += rows
        now = time.perf_counter()
        if now - self.started < self.delay and self.done < self.total:
            return
        if self.drawn_at is not None and now - self.drawn_at < self.every and self.done < self.total:
            return
        if self.drawn_at is None and now - self.started < self.delay:
            return  # finished before the delay: a quick run draws nothing
        self.drawn_at = now
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.width)
        elapsed = now - self.started
        rate = f"{self.done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%}  {self.done:,}/{self.total:,} rows  {rate}   ")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line, if a bar was drawn."""
        if self.drawn_at is not None:
            self.stream.write("\n")
            self.stream.flush()


def chunk_size(rows: int) -> int:
    """Rows per step of the progress bar: about fifty steps, each of 1,000 to 50,000 rows.

    >>> chunk_size(20_000), chunk_size(10_000_000)
    (1000, 50000)
    """
    return max(1_000, min(50_000, rows // 50))


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
    """``policylang batch``: evaluate, write (with ``--output``), summarise."""
    import polars as pl

    from policylang.batch import columns as C
    from policylang.batch import evaluate_many, io
    from policylang.batch.io import BatchInputError
    from policylang.batch.summary import summarise

    policy = load(args.policy)
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".parquet", ".pq", ".csv", ".jsonl", ".ndjson"):
        raise BatchInputError(f"{output}: unknown output format `{output.suffix}`; use .parquet, .csv or .jsonl")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise PolicyError(f"--chunk-size must be at least 1, not {args.chunk_size}")
    started = time.perf_counter()
    data, _ = io.read_frame(args.input, policy.program)
    nulls_note = unknown_nulls(data, policy.program, args) if args.nulls == "unknown" else None
    bar: ProgressBar | None = None
    chunk = args.chunk_size or chunk_size(data.height)
    if args.progress or (not args.no_progress and err.isatty()):
        bar = ProgressBar(data.height, err, delay=0.0 if args.progress else DELAY)
    try:
        with cli_flags():
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
                chunk_size=chunk if bar is not None else None,
                progress=bar,
            )
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started
    if output is not None:
        write_table(result, output)
    summary = summarise(result)
    spans = {name: found for name in summary if (found := _ranges(result, name, summary[name])) is not None}
    errors = result.filter(pl.col(C.ERROR).is_not_null())
    if args.format == "json":
        payload = {
            "policy": policy.name,
            "rows": result.height,
            "seconds": round(elapsed, 3),
            "output": str(output) if output is not None else None,
            "errors": errors.height,
            "first_errors": [
                {"row": row[C.ROW], "code": row[C.ERROR_CODE], "message": row[C.ERROR]}
                for row in errors.head(ERRORS_SHOWN).iter_rows(named=True)
            ],
            "notes": [nulls_note] if nulls_note else [],
            "decisions": summary,
            "ranges": spans,
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    rate = f" ({result.height / elapsed:,.0f} rows/s)" if elapsed > 0 else ""
    where = f"written to {output}" if output is not None else "not written (--output OUT writes the table)"
    out.write(f"{policy.name}: {result.height:,} rows in {elapsed:.2f} s{rate}; {where}\n")
    if errors.height:
        out.write(f"rows with invalid facts: {errors.height:,} (counted as (error) below)\n")
        for row in errors.head(ERRORS_SHOWN).iter_rows(named=True):
            out.write(f"  row {row[C.ROW]}: {row[C.ERROR]}\n")
        if errors.height > ERRORS_SHOWN:
            rest = errors.height - ERRORS_SHOWN
            out.write(f"  ... and {rest:,} more (the _error column of --output has each row's message)\n")
    if nulls_note:
        out.write(f"note: {nulls_note}\n")
    for name, counts in summary.items():
        if name in spans:
            write_ranges(out, name, counts, spans[name])
            continue
        out.write(f"{name}:\n")
        shown = list(counts.items())[:SHOWN]
        rest = sum(counts.values()) - sum(n for _, n in shown)
        if rest:
            shown.append((f"({len(counts) - SHOWN:,} other values)", rest))
        width = max(len(k) for k, _ in shown)
        for key, n in shown:
            out.write(f"  {key:<{width}}  {n:>12,}\n")
    return EXIT_OK


def _ranges(result: pl.DataFrame, name: str, counts: dict[str, int]) -> dict[str, Any] | None:
    """The ranges of a decision of dates or numbers with more values than the summary shows."""
    from policylang.batch.summary import ERROR, NO_RULE, UNDETERMINED, ranges

    values = [k for k in counts if k not in (UNDETERMINED, NO_RULE, ERROR, "null")]
    if len(values) <= SHOWN:
        return None
    return ranges(result, name)


def write_ranges(out: TextIO, name: str, counts: dict[str, int], found: dict[str, Any]) -> None:
    """A decision of dates or numbers as ranges of its decided values, then the rows it has no value in."""
    low, high = _number(found["min"]), _number(found["max"])
    out.write(f"{name}: {found['rows']:,} decided, from {low} to {high}\n")
    lines = [(b["label"], b["rows"]) for b in found["buckets"]]
    lines += [(k, n) for k, n in counts.items() if k.startswith("(") or k == "null"]
    width = max(len(k) for k, _ in lines)
    for key, n in lines:
        out.write(f"  {key:<{width}}  {n:>12,}\n")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def unknown_nulls(frame: pl.DataFrame, program: ir.Program, args: argparse.Namespace) -> str | None:
    """A note when null cells of optional facts are read as unknown: ``--nulls null`` may be what was meant.

    JSON lines tell a null from an absent key, so they need no note; nor does a fact with
    a ``<fact>__known`` column.
    """
    from policylang.batch.io import KNOWN_SUFFIX
    from policylang.ir import types as T

    if str(args.input).lower().endswith((".jsonl", ".ndjson")):
        return None
    counted = {
        name: frame.get_column(name).null_count()
        for name in frame.columns
        if name in program.facts
        and T.is_optional(program.facts[name].type)
        and name + KNOWN_SUFFIX not in frame.columns
    }
    counted = {name: n for name, n in counted.items() if n}
    if not counted:
        return None
    cells = "empty cells" if str(args.input).lower().endswith(".csv") else "null cells"
    names = ", ".join(f"`{n}` ({counted[n]:,})" for n in sorted(counted, key=lambda n: -counted[n]))
    return (
        f"{sum(counted.values()):,} {cells} of optional facts were read as unknown facts: {names}. "
        'If an empty cell means "known to have no value", run again with --nulls null.'
    )


@contextlib.contextmanager
def cli_flags() -> Iterator[None]:
    """An unknown column's hint names the command's options (``--id``), not the Python arguments."""
    try:
        yield
    except FactError as e:
        if e.code == "pol-unknown-fact" and e.facts:
            column = e.facts[0]
            instead = f"keep it with --id {column}, or skip columns that are no facts with --ignore-unknown-facts"
            suggestion = e.hint if e.hint and e.hint.startswith("did you mean") else None
            e.hint = f"{suggestion.rstrip('?')}? Otherwise {instead}" if suggestion else f"K{instead[1:]}"
        raise


def run_whatif(
    args: argparse.Namespace, parameters: dict[str, Any], before_parameters: dict[str, Any], out: TextIO
) -> int:
    """``policylang whatif``: two versions over one caseload, the transitions per decision."""
    from policylang.batch.whatif import compare

    before = load(args.policy)
    after = load(args.against) if args.against else before
    if args.against is None and not parameters and not before_parameters:
        raise PolicyError(
            "nothing to compare: give --against OTHER_POLICY, or --after-param NAME=VALUE (the new version's "
            "parameters) and/or --before-param NAME=VALUE (the old version's)"
        )
    with cli_flags():
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

    policy = load(policy_name)
    for name, why in coverage(policy).items():
        out.write(f"{name}: {'vectorised' if why is None else 'row by row: ' + why}\n")
    return EXIT_OK

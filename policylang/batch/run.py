"""Evaluate a caseload: choose the backend for each table, and run it (see :mod:`policylang.batch`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from policylang.batch import io, rowwise
from policylang.batch.options import BACKENDS, BatchOptionError, Options
from policylang.batch.vectorised import Backend
from policylang.engine.evaluate import Engine, EngineSource

Progress = Callable[[int], None]


def backend_for(engine: Engine) -> Backend:
    """The vectorised backend of an engine (built once, then kept with the engine)."""
    return engine.memo("batch.vectorised", lambda: Backend(engine))


def coverage(policy: EngineSource, parameters: Mapping[str, Any] | None = None) -> dict[str, str | None]:
    """Per decision: ``None`` where the vectorised backend computes it, else why not.

    >>> import policylang
    >>> coverage(policylang.load("examples/benefit"))["adult"] is None
    True
    """
    return dict(backend_for(policy.engine(parameters)).coverage())


def evaluate_many(
    policy: EngineSource,
    data: Any,
    *,
    parameters: Mapping[str, Any] | None = None,
    decisions: Iterable[str] | None = None,
    reasons: bool = False,
    id_columns: Sequence[str] = (),
    nulls: str = "unknown",
    ignore_unknown_facts: bool = False,
    on_error: str = "continue",
    backend: str = "auto",
    chunk_size: int | None = None,
    progress: Progress | None = None,
    exhaustive: bool = False,
) -> pl.DataFrame:
    """Evaluate ``policy`` on every row of ``data``; one result row per input row, in order.

    ``data`` is a Polars, pandas or Arrow table, a sequence of fact sets, or a path to a
    Parquet, CSV or JSON-lines file (see :mod:`policylang.batch.io` for how unknown facts
    and nulls are written). The result (see :mod:`policylang.batch.columns`) has the
    identity columns, ``_row``, one column per decision, ``_undetermined``, ``_no_rule``,
    ``_missing``, with ``reasons=True`` also ``_reasons``, and ``_error``/``_error_code``
    for rows whose facts a single evaluation rejects. ``on_error="raise"`` raises the
    first such error instead.

    ``backend="auto"`` computes what it can as Polars expressions and the rest row by
    row; ``"vectorised"`` refuses a policy it cannot compute entirely as expressions;
    ``"rowwise"`` is the reference path. ``chunk_size`` evaluates that many rows at a
    time, calling ``progress(rows_done)`` after each chunk. ``exhaustive=True`` settles
    undetermined decisions by cases, as ``Policy.evaluate(..., exhaustive=True)`` does: the
    rows with an undetermined decision are evaluated again by the reference path.
    """
    engine = policy.engine(parameters)
    options = Options.make(
        engine.program,
        parameters=parameters,
        decisions=decisions,
        reasons=reasons,
        ignore_unknown_facts=ignore_unknown_facts,
        on_error=on_error,
        exhaustive=exhaustive,
    )
    table = io.read(data, engine.program, id_columns=id_columns, nulls=nulls, ignore_unknown_facts=ignore_unknown_facts)
    run = runner(engine, options, backend, progress=progress if chunk_size is None else None)
    if chunk_size is None or table.height <= chunk_size:
        result = run(table)
        if progress is not None and backend != "rowwise":
            progress(table.height)
        return result
    if chunk_size < 1:
        raise BatchOptionError(f"chunk_size must be at least 1, not {chunk_size}")
    frames = []
    for offset in range(0, table.height, chunk_size):
        part = table.slice(offset, chunk_size)
        frames.append(run(part))
        if progress is not None:
            progress(part.height)
    return pl.concat(frames)


def runner(
    engine: Engine, options: Options, backend: str = "auto", *, progress: Progress | None = None
) -> Callable[[io.Table], pl.DataFrame]:
    """A function that evaluates one table with the chosen backend."""
    if backend not in BACKENDS:
        raise BatchOptionError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "rowwise":
        return lambda table: rowwise.evaluate(engine, table, options, progress=progress)
    vector = backend_for(engine)
    if backend == "vectorised":
        missing = {d: why for d, why in vector.coverage().items() if d in options.decisions and why}
        if missing:
            listed = "; ".join(f"`{d}`: {why}" for d, why in missing.items())
            raise BatchOptionError(f"the policy `{engine.program.name}` cannot be vectorised entirely: {listed}")
    return lambda table: vector.run(table, options)

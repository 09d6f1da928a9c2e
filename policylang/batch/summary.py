"""Count the values of each decision in a batch result, for the CLI's summary and for reports.

Each row of a result falls in one bucket per decision: its value (shown as in JSON, so
``true``, ``"acute_only"``, ``["RES-EXEMPT-26A"]``), or ``(undetermined)``, ``(no rule)``
or ``(error)``.

>>> import polars as pl, policylang
>>> out = policylang.load("examples/benefit").evaluate_many(
...     pl.DataFrame({"as_of": ["2024-05-01"] * 3, "date_of_birth": ["1990-01-01", "2010-01-01", None]}),
...     decisions=["adult"])
>>> summarise(out)
{'adult': {'(undetermined)': 1, 'false': 1, 'true': 1}}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from policylang.batch import columns as C

UNDETERMINED = "(undetermined)"
NO_RULE = "(no rule)"
ERROR = "(error)"


def show(value: Any) -> str:
    """A decided value as it reads in a summary (JSON, with dates as text).

    >>> show(True), show("acute_only"), show(["A", "B"]), show(None)
    ('true', '"acute_only"', '["A", "B"]', 'null')
    """
    return json.dumps(value, ensure_ascii=False, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def status(result: pl.DataFrame, decision: str) -> pl.Expr:
    """Per row: ``decided``, ``undetermined``, ``no_rule`` or ``error`` for one decision."""
    return (
        pl.when(pl.col(C.ERROR).is_not_null())
        .then(pl.lit("error"))
        .when(pl.col(C.UNDETERMINED).struct.field(decision).is_not_null())
        .then(pl.lit("undetermined"))
        .when(pl.col(C.NO_RULE).struct.field(decision).is_not_null())
        .then(pl.lit("no_rule"))
        .otherwise(pl.lit("decided"))
    )


def bucket(state: str, value: Any) -> str:
    """The summary bucket of one row's decision."""
    if state == "decided":
        return show(value)
    return {"undetermined": UNDETERMINED, "no_rule": NO_RULE}.get(state, ERROR)


def summarise(result: pl.DataFrame, decisions: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
    """Per decision, the number of rows in each bucket, the largest first."""
    names = [c for c in result.columns if c not in C.META] if decisions is None else list(decisions)
    dtype = result.schema.get(C.UNDETERMINED)
    fields = {f.name for f in dtype.fields} if isinstance(dtype, pl.Struct) else set()
    names = [n for n in names if n in fields]
    summary: dict[str, dict[str, int]] = {}
    for name in names:
        counts = result.group_by(status(result, name).alias("state"), pl.col(name).alias("value")).len()
        buckets: dict[str, int] = {}
        for state, value, n in counts.iter_rows():
            key = bucket(state, value)
            buckets[key] = buckets.get(key, 0) + n
        summary[name] = dict(sorted(buckets.items(), key=lambda kv: (-kv[1], kv[0])))
    return summary

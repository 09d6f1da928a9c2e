"""Count the values of each decision in a batch result, for the CLI's summary and for reports.

Each row of a result falls in one bucket per decision: its value (shown as in JSON, so
``true``, ``"acute_only"``, ``["RES-EXEMPT-26A"]``), or ``(undetermined)``, ``(no rule)``
or ``(error)``. A decision of dates or numbers with many values is better read as ranges:
:func:`ranges` counts its decided values in a few ranges of equal width.

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
import math
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


def ranges(result: pl.DataFrame, decision: str, *, most: int = 8) -> dict[str, Any] | None:
    """The decided values of a decision of dates or numbers, counted in at most ``most`` ranges.

    ``None`` for a decision of another type, or with no decided value. Dates are counted
    by month, by year or by several years, whichever gives at most ``most`` ranges;
    numbers in ranges of a round width (1, 2 or 5 times a power of ten). Each range
    includes its ``from`` and excludes its ``to``, and has a ``label`` to show (``2024-03``,
    ``2024``, ``2020–2024``, ``10 to under 20``). Rows whose decision is not decided, or
    decided as null, are not counted.

    >>> found = ranges(pl.DataFrame({"n": [1, 7, 12, 30, 44]}), "n")
    >>> found["min"], found["max"], found["rows"]
    (1, 44, 5)
    >>> [(b["from"], b["to"], b["rows"]) for b in found["buckets"]]
    [(0, 10, 2), (10, 20, 1), (20, 30, 0), (30, 40, 1), (40, 50, 1)]
    >>> days = pl.DataFrame({"d": [dt.date(2024, 1, 5), dt.date(2024, 3, 1), dt.date(2024, 3, 9)]})
    >>> [(b["label"], b["rows"]) for b in ranges(days, "d")["buckets"]]
    [('2024-01', 1), ('2024-02', 0), ('2024-03', 2)]
    """
    if decision not in result.columns:
        return None
    column = result.get_column(decision)
    decided = column
    if C.ERROR in result.columns and C.UNDETERMINED in result.columns:
        state = result.select(status(result, decision)).to_series()
        decided = column.filter(state == "decided")
    decided = decided.drop_nulls()
    if decided.is_empty():
        return None
    dtype = column.dtype
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        decided = decided.dt.date()
        dtype = pl.Date()
    if dtype == pl.Date:
        return _date_ranges(decided, most)
    if dtype.is_numeric():
        return _number_ranges(decided, most)
    return None


def _date_ranges(values: pl.Series, most: int) -> dict[str, Any]:
    low, high = values.min(), values.max()
    assert isinstance(low, dt.date) and isinstance(high, dt.date)
    months = (high.year - low.year) * 12 + high.month - low.month + 1
    if months <= most:
        keys = values.dt.year() * 12 + values.dt.month() - 1
        start, count, width = low.year * 12 + low.month - 1, months, 1
    else:
        years = high.year - low.year + 1
        width = 12 * _nice(years / most, whole=True)
        first = low.year - low.year % (width // 12)
        keys = values.dt.year().cast(pl.Int64) * 12
        start, count = first * 12, math.ceil((high.year + 1 - first) * 12 / width)
    counts = ((keys.cast(pl.Int64) - start) // width).value_counts()
    by = dict(zip(counts.to_series(0).to_list(), counts.to_series(1).to_list(), strict=True))

    def label(month_index: int) -> str:
        year, month = divmod(month_index, 12)
        return f"{year:04d}-{month + 1:02d}" if width == 1 else f"{year:04d}"

    def shown(month_index: int) -> str:
        if width <= 12:
            return label(month_index)
        return f"{label(month_index)}–{int(label(month_index + width)) - 1:04d}"

    buckets = [
        {
            "from": label(start + i * width),
            "to": label(start + (i + 1) * width),
            "label": shown(start + i * width),
            "rows": int(by.get(i, 0)),
        }
        for i in range(count)
    ]
    return {"min": low.isoformat(), "max": high.isoformat(), "rows": values.len(), "buckets": buckets}


def _number_ranges(values: pl.Series, most: int) -> dict[str, Any]:
    low, high = values.min(), values.max()
    assert isinstance(low, int | float) and isinstance(high, int | float)
    whole = values.dtype.is_integer()
    step = _nice((high - low) / most if high > low else 1, whole=whole)
    first = math.floor(low / step) * step
    while first + most * step <= high:  # rounding the start down can need one step more
        step = _nice(step * 1.5, whole=whole)
        first = math.floor(low / step) * step
    count = max(1, math.floor((high - first) / step) + 1)
    index = ((values.cast(pl.Float64) - first) / step).floor().cast(pl.Int64).clip(0, count - 1)
    counts = index.value_counts()
    by = dict(zip(counts.to_series(0).to_list(), counts.to_series(1).to_list(), strict=True))

    def number(x: float) -> int | float:
        return int(x) if whole or float(x).is_integer() else round(x, 10)

    buckets = []
    for i in range(count):
        low_end, high_end = number(first + i * step), number(first + (i + 1) * step)
        buckets.append(
            {"from": low_end, "to": high_end, "label": f"{low_end:,} to under {high_end:,}", "rows": int(by.get(i, 0))}
        )
    return {"min": number(low), "max": number(high), "rows": values.len(), "buckets": buckets}


def _nice(width: float, *, whole: bool) -> Any:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``width`` (at least 1 for whole numbers)."""
    if width <= 0:
        return 1
    power = 10 ** math.floor(math.log10(width))
    for factor in (1, 2, 5, 10):
        if factor * power >= width - 1e-12:
            nice = factor * power
            break
    if whole:
        return max(1, round(nice))
    return nice

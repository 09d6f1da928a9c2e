"""Check and decode fact columns for the vectorised backend.

For each fact the backend needs: per row, whether it is known, whether its value is
invalid (a single evaluation would raise a :class:`~policylang.base.errors.FactError`), and the
decoded value in the backend's Polars type (:func:`policylang.batch.vec.vector_dtype`).
Common column types are checked with Polars expressions; anything else goes through the
fact's own decoder (:func:`policylang.engine.facts.decoder`), cell by cell, so that what counts
as valid is exactly what a single evaluation accepts. Invalid rows are recomputed by the
reference path, which gives the error message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from policylang.base.limits import DEFAULT, Limits
from policylang.batch.io import Table
from policylang.batch.vec import any_of, canonical_items, canonical_set, vector_dtype
from policylang.engine.facts import BadValue, decoder
from policylang.ir import program as ir
from policylang.ir import types as T

_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"
_BIG = 2**62
_WITHIN_INT64 = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
_TEXTS = (pl.String, pl.Categorical, pl.Enum)


@attrs.frozen
class FactColumn:
    """One fact of a batch: its value, where it is known, where it is invalid."""

    value: pl.Expr
    known: pl.Expr
    possibly_unknown: bool
    invalid: pl.Expr | None = None  # known, but a single evaluation rejects the value
    trouble: pl.Expr | None = None  # valid, but beyond what the backend computes (huge numbers)
    nullable: bool = True
    enum_column: pl.Expr | None = None  # the column itself where it is a pl.Enum of the fact's members


def decode(
    table: Table,
    program: ir.Program,
    memo: dict[tuple[Any, ...], FactColumn | None] | None = None,
    limits: Limits = DEFAULT,
) -> tuple[list[pl.Series], dict[str, FactColumn], tuple[Any, ...]]:
    """Columns to add to the table's frame, how to read each fact present, and a signature.

    Two batches with the same signature compile to the same expressions. ``memo`` keeps
    the expressions of columns checked by Polars from one batch to the next (for one set
    of ``limits``, those of the engine: the values a single evaluation accepts).
    """
    memo = {} if memo is None else memo
    signature: list[Any] = []
    added: list[pl.Series] = []
    result: dict[str, FactColumn] = {}
    rule_ids = frozenset(program.rules)
    frame = table.frame
    for name in table.facts:
        fact = program.facts[name]
        series = frame.get_column(name)
        if name in table.known:
            known_series = frame.get_column(table.known[name]).fill_null(False)
            possibly_unknown = not bool(known_series.all())
            known_nulls = True
        elif name in table.null_is_value:
            known_series = None
            possibly_unknown = False
            known_nulls = series.null_count() > 0
        else:
            known_series = None
            possibly_unknown = series.null_count() > 0
            known_nulls = False
        key: tuple[Any, ...] = (
            name,
            series.dtype,
            possibly_unknown,
            known_nulls,
            table.known.get(name),
            name in table.null_is_value,
        )
        if _over_limits(series, fact.type, limits):  # rare: checked cell by cell, as a single evaluation does
            key = (*key, "over limits")
            memo[key] = None
        signature.append(key)
        if key not in memo:
            memo[key] = _fast(name, fact.type, series.dtype, table.known_expr(name), possibly_unknown, known_nulls)
        column = memo[key]
        if column is None:
            known = table.known_expr(name)
            known_list = (
                known_series.to_list()
                if known_series is not None
                else [True] * len(series)
                if name in table.null_is_value
                else series.is_not_null().to_list()
            )
            values, invalid, trouble = _python(series.to_list(), known_list, fact.type, rule_ids, limits)
            value_name, invalid_name = f"@fact:{name}", f"@invalid:{name}"
            dtype = vector_dtype(fact.type)
            added.append(pl.Series(value_name, values, dtype=dtype if dtype is not None else pl.Null))
            added.append(pl.Series(invalid_name, [a or b for a, b in zip(invalid, trouble, strict=True)]))
            column = FactColumn(pl.col(value_name), known, possibly_unknown, invalid=pl.col(invalid_name))
        result[name] = column
    return added, result, tuple(signature)


def one_of(e: pl.Expr, members: Sequence[Any]) -> pl.Expr:
    """Whether the value is one of a few members (null stays null)."""
    if len(members) <= 8:
        return any_of(e == pl.lit(m) for m in members)
    return e.is_in(list(members))


def _over_limits(series: pl.Series, t: T.Type, limits: Limits) -> bool:
    """Whether a column of texts (or of lists) holds a value longer than ``limits`` allow a fact to be."""
    dtype = series.dtype
    try:
        if isinstance(dtype, _TEXTS) and T.strip_optional(t) == T.TEXT:
            longest = series.cast(pl.String).str.len_chars().max()
            return isinstance(longest, int) and longest > limits.text_chars
        if isinstance(dtype, pl.List):
            most = series.list.len().max()
            if isinstance(most, int) and most > limits.items:
                return True
            if isinstance(dtype.inner, _TEXTS):
                longest = series.list.eval(pl.element().cast(pl.String).str.len_chars()).list.max().max()
                return isinstance(longest, int) and longest > limits.text_chars
    except pl.exceptions.PolarsError:
        return True
    return False


def _fast(
    name: str, t: T.Type, dtype: pl.DataType, known: pl.Expr, possibly_unknown: bool, known_nulls: bool
) -> FactColumn | None:
    """The column checked and decoded by Polars expressions, where its type allows."""
    col = pl.col(name)
    optional = T.is_optional(t)
    base = T.strip_optional(t)
    nullable = optional and known_nulls

    def column(
        value: pl.Expr, invalid: pl.Expr | None = None, trouble: pl.Expr | None = None, enum: bool = False
    ) -> FactColumn:
        parts = [(col.is_not_null() & invalid).fill_null(False)] if invalid is not None else []
        if known_nulls and not optional:
            parts.append(col.is_null())
        combined = None
        if parts:
            combined = known & (parts[0] if len(parts) == 1 else parts[0] | parts[1])
        return FactColumn(value, known, possibly_unknown, combined, trouble, nullable, col if enum else None)

    if isinstance(dtype, pl.Null):
        target = vector_dtype(t)
        if target is None:
            return None
        return column(pl.lit(None, dtype=target))
    if base == T.BOOL and dtype == pl.Boolean:
        return column(col)
    if base == T.INT and dtype in _WITHIN_INT64:
        # Int64 holds every value; arithmetic that could overflow checks its operands (vexpr)
        return column(col.cast(pl.Int64))
    if base == T.INT and dtype.is_integer():  # UInt64, Int128: a value beyond Int64 is no int of the language
        value = col.cast(pl.Int64, strict=False)
        return column(value, value.is_null())
    if base == T.INT and dtype.is_float():
        integral = col.is_finite() & (col.floor() == col)
        value = col.cast(pl.Int64, strict=False)
        return column(pl.when(integral).then(value), ~integral, (col.abs() >= _BIG).fill_null(False))
    if isinstance(base, T.EnumType) and base.tagged:
        return None  # a tagged value ({"salary": {...}}) is decoded row by row, as a single evaluation does
    if isinstance(base, T.EnumType) and isinstance(dtype, pl.Enum) and set(dtype.categories) <= set(base.members):
        return column(col.cast(pl.String), enum=True)
    if isinstance(base, T.EnumType) and isinstance(dtype, _TEXTS):
        text = col.cast(pl.String)
        return column(text, ~one_of(text, base.members))
    if base in (T.DECIMAL, T.MONEY) and dtype.is_integer():
        return column(col.cast(pl.Float64))
    if base in (T.DECIMAL, T.MONEY) and dtype.is_float():
        # the range of a decimal (base.numbers): finite, below 1E+100, and 0 or at least 1E-99
        magnitude = col.abs()
        bad = ~col.is_finite() | (magnitude >= 1e100) | ((magnitude != 0) & (magnitude < 1e-99))
        return column(col.cast(pl.Float64), bad)
    if base == T.TEXT and isinstance(dtype, _TEXTS):
        text = col.cast(pl.String)
        return column(text)
    if base == T.DATE and dtype == pl.Date:
        return column(col)
    if base == T.DATE and dtype == pl.String:
        parsed = col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ok = col.str.contains(_DATE_TEXT) & parsed.is_not_null() & (parsed.dt.year() >= 1)
        return column(parsed, ~ok)
    if isinstance(base, T.ListType | T.SetType) and isinstance(dtype, pl.List):
        element = base.element
        inner_base = T.strip_optional(element)
        inner = dtype.inner
        if isinstance(inner_base, T.EnumType) and isinstance(inner, _TEXTS):
            text = col.list.eval(pl.element().cast(pl.String))
            ok_element = one_of(pl.element(), inner_base.members).fill_null(T.is_optional(element))
        elif inner_base == T.TEXT and isinstance(inner, _TEXTS):
            text = col.list.eval(pl.element().cast(pl.String))
            ok_element = pl.element().is_not_null() | pl.lit(T.is_optional(element))
        else:
            return None
        ok = text.list.eval(ok_element).list.all()
        value = canonical_set(text, element) if isinstance(base, T.SetType) else text
        return column(value, ~ok)
    return None


def _python(
    values: list[Any], known: list[bool], t: T.Type, rule_ids: frozenset[str], limits: Limits = DEFAULT
) -> tuple[list[Any], list[bool], list[bool]]:
    """Decode cell by cell with the fact's decoder: values, invalid flags, trouble flags."""
    decode_one = decoder(t, rule_ids, limits)
    representable = vector_dtype(t) is not None
    out: list[Any] = []
    invalid: list[bool] = []
    trouble: list[bool] = []
    for raw, k in zip(values, known, strict=True):
        if not k:
            out.append(None)
            invalid.append(False)
            trouble.append(False)
            continue
        try:
            decoded = decode_one(raw)
        except BadValue:
            out.append(None)
            invalid.append(True)
            trouble.append(False)
            continue
        except (ValueError, OverflowError, TypeError):  # the reference path reports these
            out.append(None)
            invalid.append(True)
            trouble.append(False)
            continue
        converted, too_big = _vector_value(decoded, t) if representable else (None, False)
        out.append(converted)
        invalid.append(False)
        trouble.append(too_big)
    return out, invalid, trouble


def _vector_value(value: Any, t: T.Type) -> tuple[Any, bool]:
    """A decoded value in the backend's form, and whether it is too big for it."""
    if value is None:
        return None, False
    base = T.strip_optional(t)
    if isinstance(value, bool | str):
        return value, False
    if isinstance(value, Decimal):
        return float(value), False
    if isinstance(value, int):
        return (None, True) if abs(value) >= _BIG else (value, False)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value, False
    if isinstance(value, frozenset | tuple):
        element = T.element_type(base)
        items = canonical_items(value, element)
        converted = [_vector_value(v, element or T.ANY) for v in items]
        return [c for c, _ in converted], any(b for _, b in converted)
    if isinstance(value, dict) and isinstance(base, T.RecordType):
        fields = {n: _vector_value(value[n], ft) for n, ft in base.fields}
        return {n: c for n, (c, _) in fields.items()}, any(b for _, b in fields.values())
    return None, True

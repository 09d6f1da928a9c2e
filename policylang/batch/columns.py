"""The columns of a batch result: their names, their Polars types, and how values fill them.

One module owns the shape of the output table so that the row-by-row reference path
(:mod:`policylang.batch.rowwise`) and the vectorised path
(:mod:`policylang.batch.vectorised`) produce the very same table:

* the identity columns the caller named (``id_columns``), as they were in the input;
* ``_row``: the position of the row in the input, from 0;
* one column per decision, named like the decision, holding its value where it was
  decided and null otherwise (a decision can also be decided *as* null; the columns
  below say which);
* ``_undetermined``: a struct with one field per decision: the facts that could decide
  it (``Result.undetermined``), null where the decision is not undetermined;
* ``_no_rule``: the same for decisions no rule decided (``Result.no_rule``);
* ``_missing``: the unknown facts, the one that would settle the most first (``Result.missing``);
* ``_reasons`` (when asked for): a struct with one field per decision: the rule IDs that
  decided it (``Result.reasons``), null where it was not decided;
* ``_error`` and ``_error_code``: the message and code of the error a single evaluation
  of the row gives (invalid facts, a conflict), null for rows without one.

Values are typed as Polars types: ``bool`` as Boolean, ``int`` as Int64, ``decimal`` and
``money`` as Float64, text, enums and rule IDs as String, ``date`` as Date, ``datetime``
as Datetime in UTC, ``time`` as Time, ``duration`` as ISO 8601 text, lists and sets as
List (sets in canonical order), records as Struct. Anything else (unions, maps) is the
value's JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Duration, encode, sort_members

ROW = "_row"
UNDETERMINED = "_undetermined"
NO_RULE = "_no_rule"
MISSING = "_missing"
REASONS = "_reasons"
ERROR = "_error"
ERROR_CODE = "_error_code"
META = (ROW, UNDETERMINED, NO_RULE, MISSING, REASONS, ERROR, ERROR_CODE)

NAMES = pl.List(pl.String)


def output_dtype(t: T.Type) -> pl.DataType:
    """The Polars type of a decision's column.

    >>> output_dtype(T.OptionalType(T.DATE)), output_dtype(T.ListType(T.TEXT))
    (Date, List(String))
    """
    native = native_dtype(t)
    return native if native is not None else pl.String()


def native_dtype(t: T.Type) -> pl.DataType | None:
    """The Polars type that holds values of ``t`` as themselves, or ``None`` (JSON text)."""
    t = T.strip_optional(t)
    if isinstance(t, T.EnumType):
        return None if t.tagged else pl.String()  # a tagged value is JSON text: {"salary": {"amount": 100}}
    if isinstance(t, T.ListType | T.SetType):
        inner = native_dtype(t.element)
        return pl.List(inner) if inner is not None else None
    if isinstance(t, T.RecordType):
        fields = [(name, native_dtype(ft)) for name, ft in t.fields]
        if any(d is None for _, d in fields):
            return None
        return pl.Struct([pl.Field(name, d) for name, d in fields if d is not None])
    if isinstance(t, T.Prim):
        return _PRIMITIVE_DTYPES.get(t.name)
    return None


_PRIMITIVE_DTYPES: dict[str, pl.DataType] = {
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "decimal": pl.Float64(),
    "money": pl.Float64(),
    "text": pl.String(),
    "rule": pl.String(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us", "UTC"),
    "time": pl.Time(),
    "duration": pl.String(),
}


def cell_encoder(t: T.Type) -> Callable[[Any], Any]:
    """A function from a decided value (a Python value, never unknown) to its cell."""
    if native_dtype(t) is None:
        return lambda value: json.dumps(encode(value, t), ensure_ascii=False, separators=(",", ":"))
    return lambda value: _cell(value, T.strip_optional(t))


def _cell(value: Any, t: T.Type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    if isinstance(value, Duration):
        return value.iso()
    if isinstance(value, frozenset):
        element = t.element if isinstance(t, T.SetType | T.ListType) else None
        return [_cell(v, T.strip_optional(element) if element else T.ANY) for v in sort_members(value, element)]
    if isinstance(value, tuple | list):
        element = t.element if isinstance(t, T.SetType | T.ListType) else T.ANY
        return [_cell(v, T.strip_optional(element)) for v in value]
    if isinstance(value, dict) and isinstance(t, T.RecordType):
        return {name: _cell(value.get(name), T.strip_optional(ft)) for name, ft in t.fields}
    return value


def decision_struct(names: Sequence[str]) -> pl.Struct:
    """The type of ``_undetermined``, ``_no_rule`` and ``_reasons``: a list of names per decision."""
    return pl.Struct([pl.Field(n, NAMES) for n in names])


def schema(
    program: ir.Program,
    decisions: Sequence[str],
    id_columns: Sequence[tuple[str, pl.DataType]],
    reasons: bool,
) -> dict[str, pl.DataType]:
    """The columns of a batch result, in order, with their types."""
    columns: dict[str, pl.DataType] = dict(id_columns)
    columns[ROW] = pl.Int64()
    for name in decisions:
        columns[name] = output_dtype(program.decisions[name].type)
    columns[UNDETERMINED] = decision_struct(decisions)
    columns[NO_RULE] = decision_struct(decisions)
    columns[MISSING] = NAMES
    if reasons:
        columns[REASONS] = decision_struct(decisions)
    columns[ERROR] = pl.String()
    columns[ERROR_CODE] = pl.String()
    return columns

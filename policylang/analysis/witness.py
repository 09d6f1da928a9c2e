"""Example fact sets: read them from a solver's model, and show them to a policy author.

A model gives every encoded fact a value; :func:`facts_from_model` turns those into the
runtime values a fact set holds, so the real engine can run on them
(:mod:`policylang.analysis.observe`). :func:`nice` lists the bounds that make a model
readable (dates in 1900-2100, small non-negative numbers), and :func:`render` writes an
example as the JSON a user can pass to ``policylang eval``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import z3

from policylang.analysis import domain as D
from policylang.analysis.domain import Val
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Tagged, encode

Facts = dict[str, Any]


def facts_from_model(model: Any, facts: dict[str, Val], names: Iterable[str], program: ir.Program) -> Facts:
    """The values a model gives the facts ``names``, as runtime values."""
    result: Facts = {}
    for name in program.facts:  # declaration order
        if name not in names or name not in facts:
            continue
        t = program.facts[name].type
        value = _value(model, facts[name], t)
        base = T.strip_optional(t)
        if isinstance(value, str) and isinstance(base, T.EnumType) and base.fields_of(value) is not None:
            fields = facts.get(f"{name}·{value}")  # the fields the encoder gave this member (encode.case_key)
            record = base.fields_of(value)
            assert record is not None
            value = Tagged(value, _value(model, fields, record)) if fields is not None else _SKIP
        if value is not _SKIP:
            result[name] = value
    return result


_SKIP = object()


def _value(model: Any, v: Val, t: T.Type) -> Any:
    if not D.is_false(v.null) and z3.is_true(model.eval(v.null, model_completion=True)):
        return None
    base = T.strip_optional(t)
    term = v.term
    if v.kind == D.BOOL:
        return z3.is_true(model.eval(term, model_completion=True))
    if v.kind == D.NUM:
        x = model.eval(term, model_completion=True)
        if base == T.INT:
            return x.as_long()
        return _decimal(x.as_fraction() if z3.is_rational_value(x) else Fraction(0))
    if v.kind == D.DATE:
        return dt.date.fromordinal(
            _clamp(model.eval(term, model_completion=True).as_long(), D.MIN_ORDINAL, D.MAX_ORDINAL)
        )
    if v.kind == D.YMD:
        y, m, d = (model.eval(x, model_completion=True).as_long() for x in v.parts)
        try:
            return dt.date(_clamp(y, 1, 9999), _clamp(m, 1, 12), d)
        except ValueError:
            return dt.date(_clamp(y, 1, 9999), _clamp(m, 1, 12), 1)
    if v.kind == D.DATETIME:
        s = _clamp(model.eval(term, model_completion=True).as_long(), D.MIN_SECONDS, D.MAX_SECONDS)
        return D.EPOCH + dt.timedelta(seconds=s)
    if v.kind == D.TIME:
        s = _clamp(model.eval(term, model_completion=True).as_long(), 0, 86399)
        return dt.time(s // 3600, s // 60 % 60, s % 60)
    if v.kind == D.TEXT:
        return model.eval(term, model_completion=True).as_string()
    if v.kind == D.ENUM:
        assert v.enum is not None
        index = _clamp(model.eval(term, model_completion=True).as_long(), 0, len(v.enum.members) - 1)
        return v.enum.members[index]
    if v.kind == D.SET:
        members = [m for m, x in term.items() if z3.is_true(model.eval(x, model_completion=True))]
        return frozenset(members) if isinstance(base, T.SetType) else tuple(members)
    if v.kind == D.RECORD and isinstance(base, T.RecordType):
        return {f: _value(model, term[f], ft) for f, ft in base.fields}
    if isinstance(base, T.ListType):
        return ()
    if isinstance(base, T.SetType):
        return frozenset()
    if isinstance(base, T.MapType):
        return {}
    return _SKIP


def _clamp(x: int, low: int, high: int) -> int:
    return max(low, min(high, x))


def _decimal(f: Fraction) -> Decimal:
    exact = Decimal(f.numerator) / Decimal(f.denominator)
    return exact.quantize(Decimal("0.01")) if exact != exact.quantize(Decimal("0.01")) else exact


def nice(v: Val, t: T.Type) -> list[Any]:
    """Constraints that make an example easy to read (dates near today, small numbers)."""
    if v.kind == D.DATE:
        return [v.term >= dt.date(1900, 1, 1).toordinal(), v.term <= dt.date(2100, 12, 31).toordinal()]
    if v.kind == D.YMD:
        return [v.parts[0] >= 1900, v.parts[0] <= 2100]
    if v.kind == D.DATETIME:
        return [v.term >= 0, v.term <= D.seconds(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))]
    if v.kind == D.NUM:
        return [v.term >= 0, v.term <= 10**9]
    if v.kind == D.TEXT:
        return [z3.Length(v.term) <= 12]
    if v.kind == D.RECORD and isinstance(T.strip_optional(t), T.RecordType):
        base = T.strip_optional(t)
        assert isinstance(base, T.RecordType)
        return [c for f, ft in base.fields for c in nice(v.term[f], ft)]
    return []


def render(facts: Facts, program: ir.Program) -> str:
    """An example fact set as JSON, in the policy's declaration order."""
    shown = {name: encode(value, program.facts[name].type) for name, value in facts.items()}
    return json.dumps(shown, ensure_ascii=False, default=str)

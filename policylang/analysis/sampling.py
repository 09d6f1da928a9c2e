"""Random fact sets for a policy, drawn near the constants its conditions compare with.

Most questions the analyses ask ("can this row apply?", "can this condition be false?")
have a yes that a few hundred fact sets find, evaluated on the real engine in well under a
millisecond each; the solver is kept for the rest. Values are drawn from small pools: the
enum members, ``true``/``false``, ``null`` for optional facts, the numbers the policy
mentions and their neighbours, and dates around the policy's date constants, spaced by the
day, month and year distances it uses, so that "before", "on" and "after" a threshold all
occur.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Duration, Scale, Tagged

Facts = dict[str, Any]


class Sampler:
    """Draws fact sets for one program; the same seed gives the same fact sets."""

    def __init__(self, program: ir.Program, seed: int = 1998) -> None:
        self.program = program
        self.rng = random.Random(seed)
        ints: set[int] = {0, 1}
        decimals: set[Decimal] = {Decimal(0)}
        dates: set[dt.date] = set()
        texts: set[str] = {"", "x"}
        days: set[int] = {0, 1, 2, 7, 30, 31, 92, 182, 365, 366, 1095, 1096}
        for e in _expressions(program):
            for node in ir.walk(e):
                if not isinstance(node, ir.Const):
                    continue
                _collect(node.value, ints, decimals, dates, texts, days)
        for p in program.parameters.values():
            for node in ir.walk(p.default):
                if isinstance(node, ir.Const):
                    _collect(node.value, ints, decimals, dates, texts, days)
                elif isinstance(node, ir.DatedIR):  # the dates a dated parameter's value changes on
                    dates.update(node.starts)
        for n in [i for i in ints if 0 < i <= 120]:  # ages and year counts: n years, around the leap days
            days.update({365 * n + n // 4 - 1, 365 * n + n // 4, 365 * n + n // 4 + 1})
        for n in [i for i in ints if 0 < i <= 24]:  # month counts
            days.update({30 * n - 1, 30 * n + n // 2, 31 * n + 1})
        self.ints = sorted({i + d for i in ints for d in (-1, 0, 1)})
        self.decimals = sorted(
            {x + d for x in decimals for d in (Decimal(-1), Decimal(0), Decimal("0.01"), Decimal(1))}
        )
        base = sorted(dates) or [dt.date(2000, 1, 1)]
        self.base_dates = base
        self.day_offsets = sorted({s * d for d in days for s in (-1, 1)})
        self.texts = sorted(texts)
        self.anchor = self.rng.choice(base)

    def facts(self) -> Facts:
        """One random fact set with a value for every fact."""
        self.anchor = self.rng.choice(self.base_dates)
        return {name: self.value(f.type) for name, f in self.program.facts.items()}

    def value(self, t: T.Type, depth: int = 0) -> Any:
        rng = self.rng
        if isinstance(t, T.OptionalType):
            return None if rng.random() < 0.25 else self.value(t.inner, depth)
        if isinstance(t, T.EnumType):
            member = rng.choice(t.members)
            fields = t.fields_of(member)
            return member if fields is None else Tagged(member, self.value(fields, depth + 1))
        if isinstance(t, T.UnionType):
            return self.value(rng.choice(t.options), depth)
        if isinstance(t, T.ListType | T.SetType):
            element = t.element
            if isinstance(element, T.EnumType):
                chosen = [m for m in element.members if rng.random() < 0.3]
                return frozenset(chosen) if isinstance(t, T.SetType) else tuple(chosen)
            items = [self.value(element, depth + 1) for _ in range(rng.choice((0, 0, 1, 2, 3, 4)) if depth < 2 else 0)]
            return frozenset(items) if isinstance(t, T.SetType) else tuple(items)
        if isinstance(t, T.RecordType):
            return {f: self.value(ft, depth + 1) for f, ft in t.fields}
        if isinstance(t, T.MapType):
            return {}
        return self._primitive(t)

    def _primitive(self, t: T.Type) -> Any:
        rng = self.rng
        if t == T.BOOL:
            return rng.random() < 0.5
        if t == T.INT:
            return rng.choice(self.ints)
        if t in (T.DECIMAL, T.MONEY):
            return rng.choice(self.decimals)
        if t == T.DATE:
            return self._date()
        if t == T.DATETIME:
            day = self._date()
            return dt.datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.choice((0, 30)), tzinfo=dt.UTC)
        if t == T.TIME:
            return dt.time(rng.randint(0, 23), rng.choice((0, 30)))
        if t == T.TEXT:
            return rng.choice(self.texts)
        if t == T.DURATION:
            return Duration(months=rng.choice((0, 1, 3, 12)))
        if t == T.RULE:
            return rng.choice(list(self.program.rules)) if self.program.rules else None
        return None

    def _date(self) -> dt.date:
        rng = self.rng
        base = self.anchor if rng.random() < 0.7 else rng.choice(self.base_dates)
        ordinal = base.toordinal() + rng.choice(self.day_offsets)
        return dt.date.fromordinal(min(max(ordinal, 1), dt.date.max.toordinal()))


def _collect(
    value: Any, ints: set[int], decimals: set[Decimal], dates: set[dt.date], texts: set[str], days: set[int]
) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) < 10**12:
            ints.add(value)
            decimals.add(Decimal(value))
    elif isinstance(value, Decimal):
        decimals.add(value)
        if value == value.to_integral_value():
            ints.add(int(value))
    elif isinstance(value, dt.datetime):
        dates.add(value.date())
    elif isinstance(value, dt.date):
        dates.add(value)
    elif isinstance(value, str):
        texts.add(value)
    elif isinstance(value, Duration):
        months = value.years * 12 + value.months
        for d in (months * 28, months * 29, months * 30, months * 31, value.days):
            days.update({d - 1, d, d + 1})
    elif isinstance(value, frozenset | tuple):
        for x in value:
            _collect(x, ints, decimals, dates, texts, days)
    elif isinstance(value, dict):
        for x in value.values():
            _collect(x, ints, decimals, dates, texts, days)
    elif isinstance(value, Scale):  # a scale's thresholds are the amounts where its brackets change
        for x in value.thresholds:
            _collect(x, ints, decimals, dates, texts, days)


def _expressions(program: ir.Program) -> list[ir.Expr]:
    exprs: list[ir.Expr | None] = [let.expr for let in program.lets.values()]
    for d in program.decisions.values():
        for row in (*d.rows, *([d.default] if d.default else [])):
            exprs += [row.value, row.condition]
    exprs += [r.condition for r in program.rules.values()]
    exprs += [c.condition for c in program.constraints] + [c.require for c in program.constraints]
    exprs += [w.condition for w in program.warnings]
    return [e for e in exprs if e is not None]

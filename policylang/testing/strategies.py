"""Hypothesis strategies built from a policy's declarations, for property tests.

>>> import policylang
>>> from hypothesis import given, settings
>>> policy = policylang.load("examples/benefit")
>>> @settings(max_examples=20, deadline=None)
... @given(valid_fact_sets(policy))
... def test_deterministic(facts):
...     assert policy.evaluate(facts).to_dict() == policy.evaluate(facts).to_dict()
>>> test_deterministic()

Values are biased towards the boundaries a policy cares about: dates around the date
constants it compares with, month ends and leap days; numbers around the numbers it
compares with. :func:`valid_fact_sets` draws complete fact sets that pass the policy's
constraints; :func:`partial_fact_sets` removes some facts from one.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from policylang.base.errors import FactError
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Duration
from policylang.policy.policy import Policy

_DEFAULT_DATES = (dt.date(1990, 1, 1), dt.date(2030, 12, 31))


def _constants(program: ir.Program) -> tuple[list[dt.date], list[int]]:
    """The date and whole-number constants a policy's expressions mention."""
    dates: set[dt.date] = set()
    numbers: set[int] = set()
    exprs: list[ir.Expr | None] = [program.header.evaluation_date]
    exprs += [p.default for p in program.parameters.values()]
    exprs += [let.expr for let in program.lets.values()]
    for d in program.decisions.values():
        for row in (*d.rows, *([d.default] if d.default else [])):
            exprs += [row.value, row.condition]
    exprs += [r.condition for r in program.rules.values()]
    for e in exprs:
        if e is None:
            continue
        for node in ir.walk(e):
            if isinstance(node, ir.Const):
                if isinstance(node.value, dt.date) and not isinstance(node.value, dt.datetime):
                    dates.add(node.value)
                elif isinstance(node.value, int) and not isinstance(node.value, bool):
                    numbers.add(node.value)
                elif isinstance(node.value, Decimal) and node.value == node.value.to_integral_value():
                    numbers.add(int(node.value))
                elif isinstance(node.value, Duration):
                    numbers.update(x for x in (node.value.years, node.value.months, node.value.days) if x)
    for p in (program.header.valid_from, program.header.valid_until):
        if p is not None:
            dates.add(p)
    return sorted(dates), sorted(numbers)


def dates(
    anchors: list[dt.date] | None = None, reference: dt.date | None = None, years: list[int] | None = None
) -> st.SearchStrategy[dt.date]:
    """Dates, often right at or next to an anchor, a month end or 29 February.

    With a ``reference`` date, also dates a whole number of ``years`` (or months) before
    or after it, give or take a day: the edges of ages and "more than 3 years" rules.
    """
    anchors = anchors or []
    low, high = _DEFAULT_DATES
    if anchors:
        low = min(low, min(anchors) - dt.timedelta(days=400))
        high = max(high, max(anchors) + dt.timedelta(days=400))
    near = [a + dt.timedelta(days=k) for a in anchors for k in (-1, 0, 1)]
    special = [
        dt.date(2000, 2, 29),
        dt.date(2024, 2, 29),
        dt.date(1999, 2, 28),
        dt.date(2023, 12, 31),
        dt.date(1998, 7, 1),
        dt.date(2024, 1, 31),
    ]
    options = [st.dates(min_value=low, max_value=high)]
    if near:
        options.append(st.sampled_from(near))
    options.append(st.sampled_from(special))
    if reference is not None:
        steps = sorted({y for y in (years or []) if 0 < y <= 100} | {1, 3})
        options.append(
            st.builds(
                lambda n, sign, unit, shift: _shift(reference, sign * n, unit, shift),
                st.sampled_from(steps),
                st.sampled_from([-1, 1]),
                st.sampled_from(["years", "months"]),
                st.sampled_from([-1, 0, 1]),
            )
        )
    return st.one_of(*options)


def _shift(day: dt.date, amount: int, unit: str, days: int) -> dt.date:
    from policylang.ir.dates import add_months

    try:
        moved = add_months(day, amount * (12 if unit == "years" else 1))
        return moved + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return day


def integers(anchors: list[int] | None = None) -> st.SearchStrategy[int]:
    """Whole numbers, often at or next to a number the policy compares with."""
    anchors = anchors or []
    near = sorted({a + k for a in anchors for k in (-1, 0, 1) if a + k >= 0})
    options = [st.integers(min_value=0, max_value=max([100, *anchors]) * 2)]
    if near:
        options.append(st.sampled_from(near))
    return st.one_of(*options)


def _tag(member: str, fields: Any) -> dict[str, Any]:
    return {member: fields}


def value_strategy(
    t: T.Type,
    date_anchors: list[dt.date],
    int_anchors: list[int],
    rule_ids: list[str],
    reference: dt.date | None = None,
) -> st.SearchStrategy[Any]:
    """JSON-like values (as a fact file would hold them) of type ``t``."""
    if isinstance(t, T.OptionalType):
        return st.one_of(st.none(), value_strategy(t.inner, date_anchors, int_anchors, rule_ids, reference))
    if isinstance(t, T.EnumType) and t.tagged:  # a member, or {"member": {fields}} for one that carries fields
        options: list[st.SearchStrategy[Any]] = []
        for member in t.members:
            fields = t.fields_of(member)
            if fields is None:
                options.append(st.just(member))
            else:
                strategy = value_strategy(fields, date_anchors, int_anchors, rule_ids, reference)
                options.append(strategy.map(functools.partial(_tag, member)))
        return st.one_of(*options)
    if isinstance(t, T.EnumType):
        return st.sampled_from(t.members)
    if isinstance(t, T.ListType):
        element = value_strategy(t.element, date_anchors, int_anchors, rule_ids, reference)
        if isinstance(t.element, T.EnumType) and not t.element.tagged:
            return st.lists(element, max_size=len(t.element.members), unique=True)
        return st.lists(element, max_size=4)
    if isinstance(t, T.SetType):
        element = value_strategy(t.element, date_anchors, int_anchors, rule_ids, reference)
        return st.lists(element, max_size=6, unique=True)
    if isinstance(t, T.RecordType):
        return st.fixed_dictionaries(
            {n: value_strategy(ft, date_anchors, int_anchors, rule_ids, reference) for n, ft in t.fields}
        )
    if isinstance(t, T.MapType) and isinstance(t.key, T.EnumType):
        return st.dictionaries(
            st.sampled_from(t.key.members),
            value_strategy(t.value, date_anchors, int_anchors, rule_ids, reference),
            max_size=4,
        )
    if isinstance(t, T.UnionType):
        return st.one_of(*(value_strategy(o, date_anchors, int_anchors, rule_ids, reference) for o in t.options))
    assert isinstance(t, T.Prim), t
    name = t.name
    if name == "bool":
        return st.booleans()
    if name == "int":
        return integers(int_anchors)
    if name in ("decimal", "money"):
        return st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False).map(
            lambda d: int(d) if d == d.to_integral_value() else float(d)
        ) | integers(int_anchors)
    if name == "text":
        return st.text(max_size=12)
    if name == "date":
        return dates(date_anchors, reference, int_anchors).map(dt.date.isoformat)
    if name == "datetime":
        return st.builds(
            lambda d, minutes, offset: (
                dt.datetime.combine(d, dt.time(minutes // 60, minutes % 60))
                .replace(tzinfo=dt.timezone(dt.timedelta(hours=offset)))
                .isoformat()
            ),
            dates(date_anchors, reference, int_anchors),
            st.integers(0, 24 * 60 - 1),
            st.sampled_from([0, 1, 2, -5]),
        )
    if name == "time":
        return st.builds(lambda m: f"{m // 60:02d}:{m % 60:02d}", st.integers(0, 24 * 60 - 1))
    if name == "duration":
        return st.builds(
            lambda y, m, d: Duration(y, m, d).iso(), st.integers(0, 3), st.integers(0, 11), st.integers(0, 40)
        )
    if name == "rule":
        return st.sampled_from(rule_ids) if rule_ids else st.nothing()
    return st.nothing()


def _is_valid(policy: Policy, facts: dict[str, Any]) -> bool:
    try:
        policy.evaluate(facts, trace=False)
    except FactError:
        return False
    return True


def fact_values(policy: Policy, reference: dt.date | None = None) -> dict[str, st.SearchStrategy[Any]]:
    """One strategy per fact of ``policy``; dates cluster around ``reference`` if given."""
    date_anchors, int_anchors = _constants(policy.program)
    rule_ids = list(policy.rules)
    return {
        name: value_strategy(f.type, date_anchors, int_anchors, rule_ids, reference) for name, f in policy.facts.items()
    }


@st.composite
def _fact_sets(draw: st.DrawFn, policy: Policy) -> dict[str, Any]:
    date_anchors, _ = _constants(policy.program)
    reference = draw(dates(date_anchors))
    return draw(st.fixed_dictionaries(fact_values(policy, reference)))


def valid_fact_sets(policy: Policy) -> st.SearchStrategy[dict[str, Any]]:
    """Complete fact sets that pass the policy's constraints."""
    return _fact_sets(policy).filter(lambda facts: _is_valid(policy, facts))


@st.composite
def partial_fact_sets(draw: st.DrawFn, policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """A complete valid fact set and the same set with some facts removed: ``(full, partial)``."""
    full = draw(valid_fact_sets(policy))
    keep = draw(st.lists(st.booleans(), min_size=len(full), max_size=len(full)))
    partial = {k: v for (k, v), kept in zip(full.items(), keep, strict=True) if kept}
    return full, partial


__all__ = ["dates", "fact_values", "integers", "partial_fact_sets", "valid_fact_sets", "value_strategy"]

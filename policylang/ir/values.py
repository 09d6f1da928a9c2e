"""Runtime values: the unknown value, durations, and the JSON encoding of values.

At run time a policylang value is a plain Python value (``bool``, ``int``,
``Decimal``, ``str`` for text and enum members, ``datetime.date``, a ``tuple`` for a
list, a ``frozenset`` for a set, a ``dict`` for a record or map, ``None`` for null) or
:class:`Unknown`, which says which facts would have to be known to get a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from policylang.base.numbers import CONTEXT
from policylang.ir import types as T


class Unknown:
    """A value that depends on facts nobody has supplied yet.

    ``facts`` are the fact names that could decide it; ``blocked`` the decisions it
    waits for that no rule decided.

    >>> Unknown.of("a").merge(Unknown.of("b")).facts == frozenset({"a", "b"})
    True
    """

    __slots__ = ("blocked", "facts")

    def __init__(self, facts: frozenset[str] = frozenset(), blocked: frozenset[str] = frozenset()) -> None:
        self.facts = facts
        self.blocked = blocked

    @staticmethod
    def of(*facts: str) -> Unknown:
        return Unknown(frozenset(facts))

    def merge(self, other: Unknown) -> Unknown:
        if other is self:
            return self
        return Unknown(self.facts | other.facts, self.blocked | other.blocked)

    def __repr__(self) -> str:
        inner = ", ".join(sorted(self.facts))
        if self.blocked:
            inner += "; blocked by " + ", ".join(sorted(self.blocked))
        return f"Unknown({inner})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and self.facts == other.facts and self.blocked == other.blocked

    def __hash__(self) -> int:
        return hash((self.facts, self.blocked))


def merge_unknown(*values: object) -> Unknown:
    """Merge the unknown values among ``values`` into one."""
    result = Unknown()
    for v in values:
        if type(v) is Unknown:
            result = result.merge(v)
    return result


@attrs.frozen
class Duration:
    """A calendar duration: whole years, months and days."""

    years: int = 0
    months: int = 0
    days: int = 0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.years + other.years, self.months + other.months, self.days + other.days)

    def __neg__(self) -> Duration:
        return Duration(-self.years, -self.months, -self.days)

    def iso(self) -> str:
        """ISO 8601 form: ``P3M``, ``P1Y2D``; ``P0D`` for nothing."""
        parts = [f"{n}{u}" for n, u in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n]
        return "P" + ("".join(parts) or "0D")


@attrs.frozen
class Scale:
    """A scale's brackets: thresholds (strictly increasing) and the rate from each threshold on.

    >>> s = Scale((Decimal(0), Decimal(6000)), (Decimal("0.02"), Decimal("0.06")))
    >>> s.marginal(Decimal(10000)), s.average(Decimal(10000))
    (Decimal('360.00'), Decimal('600.00'))
    """

    thresholds: tuple[Any, ...]
    rates: tuple[Decimal, ...]

    def marginal(self, amount: Decimal | int) -> Decimal:
        """Each bracket's rate on the part of ``amount`` within it (OpenFisca's ``MarginalRateTaxScale.calc``)."""
        total = Decimal(0)
        bounds = (*self.thresholds[1:], None)
        for low, high, rate in zip(self.thresholds, bounds, self.rates, strict=True):
            top = amount if high is None or amount < high else high
            if top > low:
                total = CONTEXT.add(total, CONTEXT.multiply(CONTEXT.subtract(Decimal(top), Decimal(low)), rate))
        return total

    def rate_at(self, amount: Decimal | int) -> Decimal | None:
        """The rate of the bracket ``amount`` falls in (its threshold the greatest not above it), or ``None``."""
        found = None
        for low, rate in zip(self.thresholds, self.rates, strict=True):
            if amount >= low:
                found = rate
        return found

    def average(self, amount: Decimal | int) -> Decimal:
        """The rate of the bracket ``amount`` falls in, applied to the whole amount (0 below the first threshold)."""
        rate = self.rate_at(amount)
        return Decimal(0) if rate is None else CONTEXT.multiply(Decimal(amount), rate)


@attrs.frozen
class History:
    """A dated parameter's values: each applies from its start date until the next one's.

    >>> h = History((dt.date(2015, 1, 1), dt.date(2017, 1, 1)), (1, 2))
    >>> h.at(dt.date(2016, 5, 1)), h.at(dt.date(2014, 5, 1))
    ((datetime.date(2015, 1, 1), 1), None)
    """

    starts: tuple[dt.date, ...]
    values: tuple[Any, ...]

    def at(self, day: dt.date) -> tuple[dt.date, Any] | None:
        """The start and value in force on ``day``, or ``None`` before the first start."""
        found = None
        for start, value in zip(self.starts, self.values, strict=True):
            if start <= day:
                found = (start, value)
            else:
                break
        return found


def encode(value: Any, type_: T.Type | None = None) -> Any:
    """Encode a runtime value the way facts are written in JSON.

    Lists keep their order; sets of enum members come out in declaration order.

    >>> encode(frozenset({"b", "a"}), T.SetType(T.EnumType("e", ("b", "a"))))
    ['b', 'a']
    >>> encode(dt.date(1999, 1, 15)), encode(Decimal("20000"))
    ('1999-01-15', 20000)
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return _encode_decimal(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, Duration):
        return value.iso()
    inner = T.strip_optional(type_) if type_ is not None else None
    if isinstance(inner, T.UnionType):
        inner = _union_option(value, inner)
    if isinstance(value, frozenset):
        element = inner.element if isinstance(inner, T.SetType | T.ListType) else None
        return [encode(v, element) for v in sort_members(value, element)]
    if isinstance(value, tuple | list):
        element = inner.element if isinstance(inner, T.SetType | T.ListType) else None
        return [encode(v, element) for v in value]
    if isinstance(value, dict):
        if isinstance(inner, T.RecordType):
            return {k: encode(v, inner.field(k)) for k, v in value.items()}
        if isinstance(inner, T.MapType):
            return {k: encode(v, inner.value) for k, v in value.items()}
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, Scale):
        brackets = zip(value.thresholds, value.rates, strict=True)
        return {"brackets": [{"threshold": encode(t), "rate": encode(r)} for t, r in brackets]}
    if isinstance(value, History):
        return {
            "values": {start.isoformat(): encode(v, type_) for start, v in zip(value.starts, value.values, strict=True)}
        }
    if isinstance(value, Unknown):
        raise TypeError("an unknown value has no JSON encoding")
    return value


def holds_decimals(t: T.Type) -> bool:
    """Whether values of ``t`` hold a ``decimal`` or an amount of money anywhere (so JSON numbers may round them).

    >>> holds_decimals(T.ListType(T.money("EUR"))), holds_decimals(T.INT)
    (True, False)
    """
    t = T.strip_optional(t)
    if t in (T.DECIMAL, T.MONEY):
        return True
    if isinstance(t, T.ListType | T.SetType):
        return holds_decimals(t.element)
    if isinstance(t, T.MapType):
        return holds_decimals(t.value)
    if isinstance(t, T.RecordType):
        return any(holds_decimals(ft) for _, ft in t.fields)
    if isinstance(t, T.UnionType):
        return any(holds_decimals(o) for o in t.options)
    return False


def encode_exact(value: Any, type_: T.Type) -> Any:
    """Encode a value like :func:`encode`, but decimals exactly, as text, and amounts with their currency.

    An amount of money is written the way a fact set may write it,
    ``{"amount": "1234.50", "currency": "DKK"}``; a decimal as its digits, ``"0.3333"``.

    >>> encode_exact(Decimal("583.33"), T.money("DKK")), encode_exact(Decimal("0.25"), T.DECIMAL)
    ({'amount': '583.33', 'currency': 'DKK'}, '0.25')
    """
    inner = T.strip_optional(type_)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal | int) and inner in (T.DECIMAL, T.MONEY):
        text = str(value) if isinstance(value, int) else _plain_digits(value)
        currency = T.currency_of(inner)
        return {"amount": text, "currency": currency} if inner == T.MONEY and currency else text
    if isinstance(inner, T.UnionType):
        inner = _union_option(value, inner) or inner
    if isinstance(value, frozenset | tuple | list) and isinstance(inner, T.ListType | T.SetType):
        items = sort_members(value, inner.element) if isinstance(value, frozenset) else value
        return [encode_exact(v, inner.element) for v in items]
    if isinstance(value, dict) and isinstance(inner, T.RecordType):
        return {k: encode_exact(v, inner.field(k) or T.ERROR) for k, v in value.items()}
    if isinstance(value, dict) and isinstance(inner, T.MapType):
        return {k: encode_exact(v, inner.value) for k, v in value.items()}
    return encode(value, type_)


def _plain_digits(value: Decimal) -> str:
    """A decimal's digits without an exponent: ``1E+3`` is ``"1000"``, ``1.50`` stays ``"1.50"``."""
    return f"{value:f}"


def encoder(type_: T.Type) -> Callable[[Any], Any]:
    """A function that encodes values of ``type_``; the identity where nothing is to do.

    >>> encoder(T.BOOL)(True), encoder(T.DATE)(dt.date(2024, 1, 2))
    (True, '2024-01-02')
    """
    base = T.strip_optional(type_)
    if base in (T.BOOL, T.INT, T.TEXT, T.RULE) or isinstance(base, T.EnumType):
        return _identity
    if isinstance(base, T.ListType) and (
        base.element in (T.BOOL, T.INT, T.TEXT, T.RULE) or isinstance(base.element, T.EnumType)
    ):
        return list
    return lambda value: encode(value, type_)


def _identity(value: Any) -> Any:
    return value


def _union_option(value: Any, union: T.UnionType) -> T.Type | None:
    if isinstance(value, dict):
        return union.option(T.RecordType) or union.option(T.MapType)
    if isinstance(value, frozenset):
        return union.option(T.SetType)
    if isinstance(value, tuple | list):
        return union.option(T.ListType)
    return None


def _encode_decimal(value: Decimal) -> int | float:
    """Whole numbers as ``int``, others as a JSON number (the exact value is in ``Result.values``)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def sort_members(values: Iterable[Any], element: T.Type | None) -> list[Any]:
    """Canonical order of a set: declaration order for enums, natural order otherwise.

    Values of different kinds (a ``set of int or text``) come in the order of
    :func:`canonical_key`, so the order never depends on hashing (``PYTHONHASHSEED``).

    >>> sort_members(frozenset({"b", 2, "a", 10}), None)
    [2, 10, 'a', 'b']
    """
    items = list(values)
    if isinstance(element, T.EnumType):
        return sorted(items, key=lambda m: element.index(m) if m in element.members else len(element.members))
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=canonical_key)


_KINDS = {bool: 1, int: 2, Decimal: 2, str: 3, dt.date: 4, dt.datetime: 5, dt.time: 6, Duration: 7}


def canonical_key(value: Any) -> tuple[Any, ...]:
    """A key that orders any two values of the language, of whatever kinds, the same way every time.

    Null first, then truth values, numbers, texts, dates, dates and times, times, durations,
    lists, sets and records or maps; within a kind, the natural order.
    """
    kind = _KINDS.get(type(value))
    if value is None:
        return (0,)
    if kind is not None:
        if kind == 7:
            return (kind, (value.years, value.months, value.days))
        return (kind, value)
    if isinstance(value, tuple | list):
        return (8, tuple(canonical_key(v) for v in value))
    if isinstance(value, frozenset | set):
        return (9, tuple(sorted(canonical_key(v) for v in value)))
    if isinstance(value, dict):
        return (10, tuple(sorted((canonical_key(k), canonical_key(v)) for k, v in value.items())))
    return (11, type(value).__name__, repr(value))


def same_value(a: Any, b: Any) -> bool:
    """Equality of two known values, where ``True`` is not the number 1.

    >>> same_value(True, 1), same_value(1, Decimal("1.0")), same_value((1, 2), (1, 2))
    (False, True, True)
    """
    if type(a) is Unknown or type(b) is Unknown:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)

"""Symbolic values: how the analyses represent a policylang value as z3 terms.

A :class:`Val` is the symbolic counterpart of a runtime value. Booleans, numbers, times,
texts and enum members are single z3 terms (an enum member is its index in its enum); a
set of enum members is one boolean per member; records and maps with constant keys hold a
``Val`` per field or key. ``null`` is a separate boolean beside the term. Whatever cannot be
represented this way is *opaque*: a fresh variable the solver may choose freely, which
keeps every "never" the analyses prove sound and makes every "can" a candidate that is
confirmed on the real engine (see :mod:`policylang.analysis.observe`).

Dates come in two encodings. The exact one keeps a date as its year, month and day
(``ymd``), so comparing dates, adding months or years (clamped to the month's end) and
completed years of age are linear integer arithmetic; it turns a date into its proleptic
Gregorian ordinal (:meth:`datetime.date.toordinal`) only to count days. The approximate
one (:class:`ApproxCalendar`) keeps the ordinal and bounds months and years linearly: much
cheaper to solve, and still sound for proofs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs
import z3

from policylang.ir import types as T
from policylang.ir.values import Tagged

MIN_ORDINAL = dt.date.min.toordinal()
MAX_ORDINAL = dt.date.max.toordinal()
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MIN_SECONDS = int((dt.datetime(1, 1, 2, tzinfo=dt.UTC) - EPOCH).total_seconds())
MAX_SECONDS = int((dt.datetime(9999, 12, 30, tzinfo=dt.UTC) - EPOCH).total_seconds())
_CUMULATIVE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# kinds of symbolic values; a date is its ordinal (`date`) or its year, month and day (`ymd`)
BOOL, NUM, DATE, YMD, DATETIME, TIME, ENUM, TEXT, SET, ELEMS, RECORD, MAP, DURATION, NULL, OPAQUE = (
    "bool",
    "num",
    "date",
    "ymd",
    "datetime",
    "time",
    "enum",
    "text",
    "set",
    "elems",
    "record",
    "map",
    "duration",
    "null",
    "opaque",
)


@attrs.frozen(eq=False)
class Val:
    """A symbolic value: a ``kind``, its z3 ``term`` (or parts) and when it is ``null``.

    ``term`` is a z3 term for scalar kinds; for ``set`` a dict member -> z3 bool; for
    ``elems`` a tuple of ``Val`` (the items of a literal list or set); for ``record`` and
    ``map`` a dict name -> ``Val``; for ``duration`` a ``(years, months, days)`` tuple.
    ``enum`` is the enum of an ``enum`` value or of a ``set``'s elements. ``exact_count``
    says whether ``count`` of a ``set`` is its number of members (not so for lists that may
    hold an element twice). A ``ymd`` date has ``parts`` (year, month, day) and as ``term``
    the order-preserving key ``416 * year + 32 * month + day``.
    """

    kind: str
    term: Any = None
    null: Any = False
    enum: T.EnumType | None = None
    exact_count: bool = True
    parts: Any = None


NULL_VAL = Val(NULL, None, True)


def is_false(x: Any) -> bool:
    """Whether ``x`` is the Python constant ``False`` (a value that is never null)."""
    return x is False


def z_or(*items: Any) -> Any:
    """Disjunction that keeps Python constants out of z3 where it can."""
    parts = [i for i in items if i is not False]
    if any(i is True for i in parts):
        return True
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else z3.Or(*parts)


def z_and(*items: Any) -> Any:
    """Conjunction that keeps Python constants out of z3 where it can."""
    parts = [i for i in items if i is not True]
    if any(i is False for i in parts):
        return False
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else z3.And(*parts)


def z_not(x: Any) -> Any:
    """Negation that keeps Python constants out of z3."""
    if x is True or x is False:
        return not x
    return z3.Not(x)


def z_if(c: Any, a: Any, b: Any) -> Any:
    """``If(c, a, b)``, simplified where ``c`` is a Python constant or both sides are one term."""
    if c is True:
        return a
    if c is False:
        return b
    if a is b:
        return a
    return z3.If(c, as_z3_bool(a) if isinstance(a, bool) else a, as_z3_bool(b) if isinstance(b, bool) else b)


def as_z3_bool(x: Any) -> Any:
    """A z3 boolean for ``x`` (a Python bool or a z3 term)."""
    if x is True:
        return z3.BoolVal(True)
    if x is False:
        return z3.BoolVal(False)
    return x


def truth(v: Val, opaque: Callable[[], Any]) -> Any:
    """Whether a condition's value holds: ``null`` counts as false."""
    if v.kind == NULL:
        return False
    if v.kind != BOOL:
        return opaque()
    return z_and(z_not(v.null), v.term)


# ----------------------------------------------------------------- numbers


def is_real(x: Any) -> bool:
    """Whether a z3 term is a real (not an integer)."""
    return isinstance(x, z3.ArithRef) and x.is_real()


def unify_numbers(a: Any, b: Any) -> tuple[Any, Any]:
    """Both numbers as reals when either is a real."""
    if is_real(a) and not is_real(b):
        return a, z3.ToReal(b)
    if is_real(b) and not is_real(a):
        return z3.ToReal(a), b
    return a, b


def number_term(value: Any, integer: bool) -> Any:
    """A z3 numeral for an ``int`` or ``Decimal``: an integer, or (``integer=False``) a real.

    >>> number_term(3, True), number_term(Fraction(1, 4), False)
    (3, 1/4)
    """
    fraction = Fraction(value)
    if integer and fraction.denominator == 1:
        return z3.IntVal(fraction.numerator)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


# ----------------------------------------------------------------- the calendar


def leap(year: Any) -> Any:
    """``year`` is a leap year of the Gregorian calendar."""
    return z3.Or(z3.And(year % 4 == 0, year % 100 != 0), year % 400 == 0)


def month_days(year: Any, month: Any) -> Any:
    """Days in ``month`` of ``year``."""
    result: Any = z3.IntVal(31)
    for m in range(11, 0, -1):
        days = z3.If(leap(year), 29, 28) if m == 2 else z3.IntVal(_MONTH_DAYS[m - 1])
        result = z3.If(month == m, days, result)
    return result


def ordinal(year: Any, month: Any, day: Any) -> Any:
    """The ordinal of a calendar date, as :meth:`datetime.date.toordinal` counts."""
    before = year - 1
    days_before_year = before * 365 + before / 4 - before / 100 + before / 400
    cumulative: Any = z3.IntVal(_CUMULATIVE[11])
    for m in range(11, 0, -1):
        cumulative = z3.If(month == m, _CUMULATIVE[m - 1], cumulative)
    return days_before_year + cumulative + z3.If(z3.And(month > 2, leap(year)), 1, 0) + day


Define = Callable[[Any], int]  # adds a side condition, returns its number
Touch = Callable[[Sequence[int]], None]  # notes that side conditions made earlier are needed again


class Calendar:
    """Year, month and day of ordinal date terms, defined once each by side conditions.

    The exact encoding keeps dates as year, month and day where it can (``ymd`` values,
    see :func:`shift_months` and :func:`age_of`); this turns an ordinal (a date plus some
    days) back into them.
    """

    def __init__(self, define: Define, fresh: Callable[[str], Any], touch: Touch) -> None:
        self.define = define
        self.fresh = fresh
        self.touch = touch
        self.cache: dict[int, tuple[Any, Any, Any, list[int]]] = {}

    def ymd(self, n: Any) -> tuple[Any, Any, Any]:
        """Year, month and day of the date with ordinal ``n``."""
        key = n.get_id()
        found = self.cache.get(key)
        if found is not None:
            self.touch(found[3])
            return found[:3]
        y, m, d = self.fresh("year"), self.fresh("month"), self.fresh("day")
        index = self.define(
            z3.And(
                y >= 1,
                y <= 9999,
                m >= 1,
                m <= 12,
                d >= 1,
                d <= month_days(y, m),
                ordinal(y, m, d) == n,
            )
        )
        self.cache[key] = (y, m, d, [index])
        return y, m, d


class ApproxCalendar:
    """The calendar as linear bounds: sound, loose, and cheap for the solver.

    Every value the exact calendar gives lies within these bounds, so what they prove
    impossible is impossible. A year is between 365.2425 days less or more a few days
    (leap days, clamping), a month between 28 and 31 days.
    """

    def __init__(self, define: Define, fresh: Callable[[str], Any], touch: Touch) -> None:
        self.define = define
        self.fresh = fresh
        self.touch = touch
        self.cache: dict[int, tuple[Any, Any, Any, list[int]]] = {}

    def ymd(self, n: Any) -> tuple[Any, Any, Any]:
        key = n.get_id()
        found = self.cache.get(key)
        if found is not None:
            self.touch(found[3])
            return found[:3]
        y, m, d = self.fresh("year"), self.fresh("month"), self.fresh("day")
        # the ordinal of 1 January of year y is within (365.2425 (y - 1) - 1, 365.2425 (y - 1) + 2)
        index = self.define(
            z3.And(
                y >= 1,
                y <= 9999,
                m >= 1,
                m <= 12,
                d >= 1,
                d <= 31,
                400 * n > 146097 * (y - 1) - 400,
                400 * n < 146097 * (y - 1) + 146800,
            )
        )
        self.cache[key] = (y, m, d, [index])
        return y, m, d

    def add_months(self, n: Any, months: Any) -> Any:
        result = self.fresh("date")
        if z3.is_int_value(months) and months.as_long() % 12 == 0:
            years = months.as_long() // 12
            self.define(400 * (result - n) >= 146097 * years - 1600)
            self.define(400 * (result - n) <= 146097 * years + 1600)
        else:
            self.define(result - n >= z3.If(months >= 0, 28 * months, 31 * months))
            self.define(result - n <= z3.If(months >= 0, 31 * months, 28 * months))
        self.define(z3.And(result >= MIN_ORDINAL, result <= MAX_ORDINAL))
        return result

    def age(self, birth: Any, on: Any) -> Any:
        years = self.fresh("age")
        days = on - birth
        self.define(400 * days >= 146097 * years - 1600)
        self.define(400 * days < 146097 * (years + 1) + 1600)
        return years


def weekday_index(n: Any) -> Any:
    """Monday = 0: the index of the weekday in the ``weekday`` enum."""
    return (n - 1) % 7


def date_key(year: Any, month: Any, day: Any) -> Any:
    """A number that orders dates as the calendar does (and tells them apart)."""
    return 416 * year + 32 * month + day


def ymd_value(year: Any, month: Any, day: Any, null: Any = False) -> Val:
    """A date value given by its year, month and day."""
    return Val(YMD, date_key(year, month, day), null, parts=(year, month, day))


def valid_date(year: Any, month: Any, day: Any) -> Any:
    """``year``-``month``-``day`` is a real calendar date."""
    return z3.And(year >= 1, year <= 9999, month >= 1, month <= 12, day >= 1, day <= month_days(year, month))


def to_ordinal(v: Val) -> Any:
    """The ordinal of a date value (either kind)."""
    if v.kind == YMD:
        return ordinal(*v.parts)
    return v.term


def shift_months(
    define: Define, fresh: Callable[[str], Any], parts: tuple[Any, Any, Any], months: Any
) -> tuple[Any, Any, Any]:
    """``dates.add_months`` on year, month and day: calendar months later, clamped to the month's end."""
    y, m, d = parts
    if z3.is_int_value(months) and months.as_long() == 0:
        return parts
    y2, m2 = fresh("year"), fresh("month")
    define(z3.And(m2 >= 1, m2 <= 12, y2 * 12 + (m2 - 1) == y * 12 + (m - 1) + months))
    last = month_days(y2, m2)
    return y2, m2, z3.If(d > last, last, d)


def age_of(birth: tuple[Any, Any, Any], on: tuple[Any, Any, Any]) -> Any:
    """``dates.age`` on year, month and day: completed years on ``on``."""
    yb, mb, db = birth
    yo, mo, do = on
    last = month_days(yo, mb)
    day = z3.If(db > last, last, db)
    after = z3.Or(mb > mo, z3.And(mb == mo, day > do))
    return yo - yb - z3.If(after, 1, 0)


# ----------------------------------------------------------------- constants


def constant(value: Any, type_: T.Type, rule_enum: T.EnumType, ymd: bool = False) -> Val:
    """The symbolic value of a constant of a type (dates as year, month and day with ``ymd``)."""
    base = T.strip_optional(type_)
    if value is None:
        return NULL_VAL
    if isinstance(value, bool):
        return Val(BOOL, z3.BoolVal(value))
    if base == T.RULE and isinstance(value, str):
        return _enum_constant(value, rule_enum)
    if isinstance(base, T.UnionType) and isinstance(value, str):
        option = base.enum_with(value)
        if option is not None:
            return _enum_constant(value, option)
    if isinstance(base, T.EnumType) and isinstance(value, str):
        return _enum_constant(value, base)
    if isinstance(base, T.EnumType) and isinstance(value, Tagged):  # its member; the fields it carries are not here
        return _enum_constant(value.case, base)
    if isinstance(value, dt.datetime):
        return Val(DATETIME, z3.IntVal(seconds(value)))
    if isinstance(value, dt.date):
        if ymd:
            return ymd_value(z3.IntVal(value.year), z3.IntVal(value.month), z3.IntVal(value.day))
        return Val(DATE, z3.IntVal(value.toordinal()))
    if isinstance(value, dt.time):
        return Val(TIME, z3.IntVal(value.hour * 3600 + value.minute * 60 + value.second))
    if isinstance(value, str):
        return Val(TEXT, z3.StringVal(value))
    if hasattr(value, "years") and hasattr(value, "months"):
        return Val(DURATION, (value.years, value.months, value.days))
    if isinstance(value, int) or type(value).__name__ == "Decimal":
        return Val(NUM, number_term(value, base == T.INT or isinstance(value, int)))
    if isinstance(value, frozenset | tuple):
        element = T.element_type(base) if isinstance(base, T.ListType | T.SetType) else None
        enum = _enum_of(element, rule_enum)
        if enum is not None and all(isinstance(x, str) for x in value):
            members = {m: z3.BoolVal(m in value) for m in enum.members}
            return Val(SET, members, False, enum, isinstance(value, frozenset) or len(set(value)) == len(value))
        return Val(ELEMS, tuple(constant(x, element or T.ANY, rule_enum, ymd) for x in value))
    if isinstance(value, dict):
        if isinstance(base, T.RecordType):
            return Val(RECORD, {k: constant(v, base.field(k) or T.ANY, rule_enum, ymd) for k, v in value.items()})
        if isinstance(base, T.MapType):
            return Val(MAP, {k: constant(v, base.value, rule_enum, ymd) for k, v in value.items()})
    return Val(OPAQUE)


def _enum_constant(member: str, enum: T.EnumType) -> Val:
    if member not in enum.members:
        return Val(OPAQUE)
    return Val(ENUM, z3.IntVal(enum.index(member)), False, enum)


def _enum_of(t: T.Type | None, rule_enum: T.EnumType) -> T.EnumType | None:
    if t is None:
        return None
    t = T.strip_optional(t)
    if t == T.RULE:
        return rule_enum
    return t if isinstance(t, T.EnumType) else None


def seconds(moment: dt.datetime) -> int:
    """Seconds since 1970-01-01 UTC: how a datetime is a number (naive ones count as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int((moment - EPOCH).total_seconds())


# ----------------------------------------------------------------- fresh values of a type


class Fresh:
    """Makes unconstrained symbolic values of a type, with their domain constraints."""

    def __init__(self, define: Define, rule_enum: T.EnumType, ymd: bool = False) -> None:
        self.define = define
        self.rule_enum = rule_enum
        self.ymd = ymd
        self.counter = 0

    def name(self, base: str) -> str:
        self.counter += 1
        return f"{base}!{self.counter}"

    def value(self, t: T.Type, name: str) -> Val:
        """A value of type ``t`` the solver may choose; ``name`` shows in models."""
        null: Any = False
        if T.is_optional(t):
            null = z3.Bool(self.name(name + "?null"))
        base = T.strip_optional(t)
        if isinstance(base, T.ConditionType):
            base = T.BOOL
        v = self._value(base, name)
        return attrs.evolve(v, null=null) if v.kind != NULL else v

    def _value(self, base: T.Type, name: str) -> Val:
        if base == T.BOOL:
            return Val(BOOL, z3.Bool(self.name(name)))
        if base == T.INT:
            return Val(NUM, z3.Int(self.name(name)))
        if base in (T.DECIMAL, T.MONEY):
            return Val(NUM, z3.Real(self.name(name)))
        if base == T.DATE and self.ymd:
            y, m, d = (z3.Int(self.name(f"{name}.{part}")) for part in ("year", "month", "day"))
            self.define(valid_date(y, m, d))
            return ymd_value(y, m, d)
        if base == T.DATE:
            x = z3.Int(self.name(name))
            self.define(z3.And(x >= MIN_ORDINAL, x <= MAX_ORDINAL))
            return Val(DATE, x)
        if base == T.DATETIME:
            x = z3.Int(self.name(name))
            self.define(z3.And(x >= MIN_SECONDS, x <= MAX_SECONDS))
            return Val(DATETIME, x)
        if base == T.TIME:
            x = z3.Int(self.name(name))
            self.define(z3.And(x >= 0, x < 86400))
            return Val(TIME, x)
        if base == T.TEXT:
            return Val(TEXT, z3.String(self.name(name)))
        enum = _enum_of(base, self.rule_enum)
        if enum is not None:
            x = z3.Int(self.name(name))
            self.define(z3.And(x >= 0, x < len(enum.members)))
            return Val(ENUM, x, False, enum)
        if isinstance(base, T.SetType | T.ListType):
            element = _enum_of(base.element, self.rule_enum)
            if element is not None:
                members = {m: z3.Bool(self.name(f"{name}[{m}]")) for m in element.members}
                return Val(SET, members, False, element, isinstance(base, T.SetType))
        if isinstance(base, T.RecordType):
            return Val(RECORD, {f: self.value(ft, f"{name}.{f}") for f, ft in base.fields})
        return Val(OPAQUE)


# ----------------------------------------------------------------- operations on values


def convert_enum(v: Val, target: T.EnumType) -> Any:
    """The index in ``target`` of an enum value of another enum (members matched by name)."""
    assert v.enum is not None
    if v.enum == target:
        return v.term
    result: Any = z3.IntVal(0)
    for member in v.enum.members:
        if member in target.members:
            result = z3.If(v.term == v.enum.index(member), target.index(member), result)
    return result


def equal(a: Val, b: Val, opaque: Callable[[], Any]) -> Any:
    """``a = b`` with the engine's semantics: null equals null, and nothing else."""
    if a.kind == NULL and b.kind == NULL:
        return True
    if a.kind == NULL:
        return b.null
    if b.kind == NULL:
        return a.null
    both = _equal_values(a, b, opaque)
    if both is None:
        return opaque()
    if is_false(a.null) and is_false(b.null):
        return both
    return z_if(a.null, b.null, z_and(z_not(b.null), both))


def _equal_values(a: Val, b: Val, opaque: Callable[[], Any]) -> Any:
    if {a.kind, b.kind} == {DATE, YMD}:
        return to_ordinal(a) == to_ordinal(b)
    if a.kind != b.kind:
        return None
    if a.kind == YMD:
        return a.term == b.term
    if a.kind in (BOOL, DATE, DATETIME, TIME, TEXT):
        return a.term == b.term
    if a.kind == NUM:
        x, y = unify_numbers(a.term, b.term)
        return x == y
    if a.kind == ENUM:
        assert a.enum is not None and b.enum is not None
        if a.enum == b.enum:
            return a.term == b.term
        common = [m for m in a.enum.members if m in b.enum.members]
        return z_or(*[z3.And(a.term == a.enum.index(m), b.term == b.enum.index(m)) for m in common])
    if a.kind == SET and a.enum == b.enum:
        return z_and(*[a.term[m] == b.term[m] for m in a.term])
    if a.kind == RECORD and set(a.term) == set(b.term):
        return z_and(*[equal(a.term[k], b.term[k], opaque) for k in a.term])
    if a.kind == DURATION:
        return a.term == b.term
    return None


def order(op: str, a: Val, b: Val, operand_type: T.Type, opaque: Callable[[], Any]) -> Any:
    """``a < b`` and friends: false when either side is null."""
    if a.kind == NULL or b.kind == NULL:
        return False
    x, y = a.term, b.term
    if {a.kind, b.kind} == {DATE, YMD}:
        x, y = to_ordinal(a), to_ordinal(b)
    elif a.kind == YMD and b.kind == YMD:
        pass
    elif a.kind == ENUM and b.kind == ENUM:
        target = operand_type if isinstance(operand_type, T.EnumType) else a.enum
        assert isinstance(target, T.EnumType)
        x, y = convert_enum(a, target), convert_enum(b, target)
    elif a.kind == NUM and b.kind == NUM:
        x, y = unify_numbers(x, y)
    elif a.kind != b.kind or a.kind not in (DATE, DATETIME, TIME):
        return opaque()
    test = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op] if op in ("<", "<=", ">", ">=") else None
    if test is None:
        return opaque()
    return z_and(z_not(a.null), z_not(b.null), test)


def ite(c: Any, a: Val, b: Val, type_: T.Type, fresh: Fresh) -> Val:
    """``if c then a else b`` as one symbolic value of type ``type_``."""
    if c is True:
        return a
    if c is False:
        return b
    if a.kind == NULL and b.kind == NULL:
        return NULL_VAL
    if a.kind == NULL:
        return attrs.evolve(b, null=z_or(c, b.null) if not is_false(b.null) else c)
    if b.kind == NULL:
        return attrs.evolve(a, null=z_or(z_not(c), a.null) if not is_false(a.null) else z_not(c))
    null = z_if(c, a.null, b.null) if not (is_false(a.null) and is_false(b.null)) else False
    if {a.kind, b.kind} == {DATE, YMD}:
        return Val(DATE, z3.If(c, to_ordinal(a), to_ordinal(b)), null)
    if a.kind == YMD and b.kind == YMD:
        y, m, d = (z3.If(c, x, y) for x, y in zip(a.parts, b.parts, strict=True))
        return ymd_value(y, m, d, null)
    if a.kind != b.kind:
        return fresh.value(type_, "if")
    kind = a.kind
    if kind == NUM:
        x, y = unify_numbers(a.term, b.term)
        return Val(NUM, z3.If(c, x, y), null)
    if kind in (BOOL, DATE, DATETIME, TIME, TEXT):
        return Val(kind, z3.If(c, a.term, b.term), null)
    if kind == ENUM:
        assert a.enum is not None and b.enum is not None
        declared = T.strip_optional(type_)
        if isinstance(declared, T.UnionType):
            declared = declared.option(T.EnumType) or a.enum
        target: T.EnumType | None = declared if isinstance(declared, T.EnumType) else None
        if target is None or not all(m in target.members for m in (*a.enum.members, *b.enum.members)):
            target = a.enum if a.enum == b.enum else None
        if target is None:
            return fresh.value(type_, "if")
        return Val(ENUM, z3.If(c, convert_enum(a, target), convert_enum(b, target)), null, target)
    if kind == SET and a.enum == b.enum:
        return Val(
            SET, {m: z3.If(c, a.term[m], b.term[m]) for m in a.term}, null, a.enum, a.exact_count and b.exact_count
        )
    if kind == RECORD and set(a.term) == set(b.term):
        fields = T.strip_optional(type_)
        field_type: Callable[[str], T.Type] = (
            (lambda k: fields.field(k) or T.ANY) if isinstance(fields, T.RecordType) else (lambda k: T.ANY)
        )
        return Val(RECORD, {k: ite(c, a.term[k], b.term[k], field_type(k), fresh) for k in a.term}, null)
    if kind == DURATION and a.term == b.term:
        return a
    return fresh.value(type_, "if")


def members_of(v: Val) -> dict[str, Any] | None:
    """The membership booleans of a set of enum members; a null set is empty."""
    if v.kind == SET:
        assert isinstance(v.term, dict)
        if is_false(v.null):
            return v.term
        return {m: z_and(z_not(v.null), x) for m, x in v.term.items()}
    return None


def first_not_null(values: Sequence[Val], type_: T.Type, fresh: Fresh) -> Val:
    """``coalesce``: the first value that is not null."""
    result = NULL_VAL
    for v in reversed(values):
        if v.kind == NULL:
            continue
        result = v if is_false(v.null) else ite(z_not(v.null), v, result, type_, fresh)
    return result


def extreme(values: Iterable[Val], largest: bool, type_: T.Type, fresh: Fresh) -> Val:
    """``max`` / ``min`` ignoring nulls (null when every value is null)."""
    known = [v for v in values if v.kind != NULL]
    if any(v.kind not in (NUM, DATE, YMD, DATETIME, TIME) for v in known):
        return fresh.value(type_, "extreme")
    if len({v.kind for v in known}) > 1 and {v.kind for v in known} == {DATE, YMD}:
        known = [Val(DATE, to_ordinal(v), v.null) for v in known]
    result = NULL_VAL
    for v in known:
        if result.kind == NULL:
            result = v
            continue
        x, y = unify_numbers(v.term, result.term) if v.kind == NUM else (v.term, result.term)
        better = x > y if largest else x < y
        take = z_or(result.null, z_and(z_not(v.null), better))
        null = z_and(v.null, result.null)
        if v.kind == YMD:
            y, m, d = (z3.If(as_z3_bool(take), a, b) for a, b in zip(v.parts, result.parts, strict=True))
            result = ymd_value(y, m, d, null)
        else:
            result = Val(v.kind, z3.If(as_z3_bool(take), x, y), null)
    return result

"""Validate and decode fact sets (and parameter values) against declared types.

A fact set is a mapping from fact name to a JSON-like value. Each value is checked
against the fact's type and decoded to its runtime form (dates to ``datetime.date``,
numbers to exact ``Decimal`` where the type is decimal or money; an amount of money may
also be written ``"1234.50 DKK"`` or ``{"amount": "1234.50", "currency": "DKK"}``, in the
currency of its type). An absent fact stays
unknown; a wrong one raises :class:`~policylang.base.errors.FactError` naming the fact, the
value and what was expected. Every value is bounded: numbers by the language's range and
precision (:mod:`policylang.base.numbers`: no NaN, no infinity, ``int`` in 64 bits), texts
and collections by the :class:`~policylang.base.limits.Limits` in force, and a text must be
Unicode (no lone surrogates).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from policylang.base.errors import FactError
from policylang.base.limits import DEFAULT, Limits
from policylang.base.numbers import CONTEXT, DIGITS, INT_DIGITS, decimal_problem, int_problem
from policylang.base.suggest import suggest
from policylang.ir import types as T
from policylang.ir.values import Duration, Scale

Decoder = Callable[[Any], Any]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_DURATION = re.compile(r"^P(?:(\d{1,18})Y)?(?:(\d{1,18})M)?(?:(\d{1,18})D)?$")


class BadValue(Exception):
    """A value does not fit its type; ``expected`` says what would."""

    def __init__(self, expected: str, detail: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.detail = detail


def show(value: Any) -> str:
    """A value as it would be written in JSON, for messages: short, and printable whatever it holds.

    >>> show("x"), show(None), show(dt.date(2020, 1, 1)), show(10**5000)
    ('"x"', 'null', '2020-01-01', 'a whole number of 5001 digits')
    """
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of {len(_digits_of(value))} digits"
    if isinstance(value, Decimal):  # a number read from a JSON file: shown as written, not as text
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = f"a value of type {type(value).__name__}"
    if not text.isascii():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate prints as \\udxxx
    return text if len(text) <= 60 else text[:57] + "..."


def show_name(name: Any) -> str:
    r"""A name from a fact set or parameters (any text a caller sent), for messages: short and printable.

    >>> show_name("x" * 100)[-5:], show_name("a\nb")
    ('xx...', 'a\\nb')
    """
    text = name if isinstance(name, str) else show(name)
    if not text.isascii() or not text.isprintable():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= 60 else text[:57] + "..."


def _digits_of(n: int) -> str:
    """The decimal digits of a (possibly huge) int, without Python's limit on converting ints to text."""
    return format(Decimal(abs(n)), "f")


def decoder(t: T.Type, rule_ids: frozenset[str] = frozenset(), limits: Limits = DEFAULT) -> Decoder:
    """A function that checks and decodes one value of type ``t`` (texts and collections within ``limits``)."""
    if isinstance(t, T.OptionalType):
        inner = decoder(t.inner, rule_ids, limits)
        return lambda x: None if x is None else inner(x)
    nonnull = _decoder(t, rule_ids, limits)

    def required(x: Any) -> Any:
        if x is None:
            raise BadValue(f"{_expected(t)} (it is not optional, so null is not allowed)")
        return nonnull(x)

    return required


_EXPECTED_PRIMITIVE = {
    "bool": "true or false",
    "int": "a whole number",
    "decimal": "a number",
    "money": "an amount of money (a number)",
    "text": "a text",
    "date": 'a date written as "YYYY-MM-DD"',
    "datetime": 'a date and time with a UTC offset, such as "2025-03-15T23:00:00+01:00"',
    "time": 'a time of day such as "09:00"',
    "duration": 'a duration such as "P3M" or "P1Y"',
    "rule": "a rule ID of this policy",
}


def _expected(t: T.Type) -> str:
    if isinstance(t, T.Prim) and t.name == "money" and t.unit:
        return f'an amount of money in {t.unit} (a number, or "1234.50 {t.unit}")'
    if isinstance(t, T.Prim) and t.name in _EXPECTED_PRIMITIVE:
        return _EXPECTED_PRIMITIVE[t.name]
    if isinstance(t, T.EnumType):
        shown = ", ".join(f'"{m}"' for m in t.members[:12])
        return f"one of {shown}{', ...' if len(t.members) > 12 else ''}"
    return T.describe(t)


def _decoder(t: T.Type, rule_ids: frozenset[str], limits: Limits) -> Decoder:
    if isinstance(t, T.EnumType):
        members = frozenset(t.members)
        expected = _expected(t)

        def enum(x: Any) -> Any:
            if isinstance(x, str) and x in members:
                return x
            hint = suggest(x, members) if isinstance(x, str) else None
            raise BadValue(expected, hint)

        return enum
    most = limits.items
    if isinstance(t, T.ListType):
        element = decoder(t.element, rule_ids, limits)

        def list_(x: Any) -> Any:
            if not isinstance(x, list | tuple):
                raise BadValue(f"a list of {T.describe(t.element)}")
            _count(x, most)
            return tuple(_each(element, x))

        return list_
    if isinstance(t, T.SetType):
        element = decoder(t.element, rule_ids, limits)

        def set_(x: Any) -> Any:
            if not isinstance(x, list | tuple | set | frozenset):
                raise BadValue(f"a list of {T.describe(t.element)}")
            _count(x, most)
            return frozenset(_each(element, x))

        return set_
    if isinstance(t, T.RecordType):
        fields = {name: decoder(ft, rule_ids, limits) for name, ft in t.fields}

        def record(x: Any) -> Any:
            if not isinstance(x, Mapping) or set(x) != set(fields):
                raise BadValue("an object with the fields " + ", ".join(fields))
            return {name: fields[name](x[name]) for name in fields}

        return record
    if isinstance(t, T.MapType):
        key, value = decoder(t.key, rule_ids, limits), decoder(t.value, rule_ids, limits)

        def map_(x: Any) -> Any:
            if not isinstance(x, Mapping):
                raise BadValue(f"an object from {T.describe(t.key)} to {T.describe(t.value)}")
            _count(x, most)
            return {key(k): value(v) for k, v in x.items()}

        return map_
    if isinstance(t, T.UnionType):
        options = [_decoder(o, rule_ids, limits) for o in t.options]
        expected_any = " or ".join(_expected(o) for o in t.options)

        def union(x: Any) -> Any:
            for option in options:
                try:
                    return option(x)
                except BadValue:
                    continue
            raise BadValue(expected_any)

        return union
    if isinstance(t, T.ConditionType):
        raise TypeError("conditions are decoded by the parameter code")
    if isinstance(t, T.ScaleType):
        return _scale(decoder(t.threshold, rule_ids, limits), decoder(T.DECIMAL, rule_ids, limits), most)
    assert isinstance(t, T.Prim)
    if t.name == "money":
        return _money(t.unit, _decimal(rule_ids, limits))
    return _PRIMITIVE_DECODERS[t.name](rule_ids, limits)


def _count(items: Any, most: int) -> None:
    if len(items) > most:
        raise BadValue(
            f"at most {most:,} elements",
            f"it has {len(items):,}; the limit `items` (policylang.Limits) allows {most:,}",
        )


def _each(element: Decoder, items: Any) -> list[Any]:
    result = []
    for i, item in enumerate(items):
        try:
            result.append(element(item))
        except BadValue as e:
            raise BadValue(e.expected, f"element {i + 1} is {show(item)}") from None
    return result


def _bool(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, bool):
            return x
        raise BadValue("true or false")

    return decode


def _int(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, bool):
            raise BadValue("a whole number")
        if isinstance(x, int):
            problem = int_problem(x)
            if problem:
                raise BadValue("a whole number", f"it is {problem}")
            return x
        if isinstance(x, Decimal | float):
            if not _finite(x):
                raise BadValue("a whole number", "it is not a finite number")
            if isinstance(x, float):
                x = Decimal(repr(x))
            if x and x.adjusted() >= INT_DIGITS:  # before int(): 1e1000000 has a million digits
                raise BadValue("a whole number", f"it is {int_problem(-(10**INT_DIGITS) if x < 0 else 10**INT_DIGITS)}")
            if x != x.to_integral_value():
                raise BadValue("a whole number")
            n = int(x)
            problem = int_problem(n)
            if problem:
                raise BadValue("a whole number", f"it is {problem}")
            return n
        raise BadValue("a whole number")

    return decode


def _finite(x: Decimal | float) -> bool:
    """Not infinite and not NaN (``int()`` of either raises)."""
    return x.is_finite() if isinstance(x, Decimal) else math.isfinite(x)


def _decimal(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, bool):
            raise BadValue("a number")
        if isinstance(x, int):
            if x.bit_length() > 400:  # far beyond 10^100: not worth converting
                raise BadValue("a number", "it is larger than the largest decimal (below 1E+100)")
            d = Decimal(x)
        elif isinstance(x, Decimal):
            d = x
        elif isinstance(x, float):
            d = Decimal(repr(x))
        elif isinstance(x, str) and len(x) <= 4 * (DIGITS + 100):
            try:
                d = Decimal(x, CONTEXT)
            except (InvalidOperation, ValueError):
                raise BadValue("a number") from None
        else:
            raise BadValue("a number")
        problem = decimal_problem(d)
        if problem:
            raise BadValue("a number", f"it is {problem}")
        if not d or len(d.as_tuple().digits) > DIGITS:  # 0E+1000000, 1.000...0: the same value, made small
            d = CONTEXT.plus(d)
        return d

    return decode


_AMOUNT = re.compile(r"^\s*(?:([A-Z]{3})\s+)?([-+]?[\d_.eE+-]+?)(?:\s+([A-Z]{3}))?\s*$")


def _scale(threshold: Decoder, rate: Decoder, most: int) -> Decoder:
    """A scale: ``{"brackets": [{"threshold": 0, "rate": 0.02}, ...]}``, thresholds increasing."""
    expected = 'a scale: {"brackets": [{"threshold": 0, "rate": 0.02}, {"threshold": 6000, "rate": 0.06}]}'

    def decode(x: Any) -> Any:
        brackets = x.get("brackets") if isinstance(x, Mapping) and set(x) == {"brackets"} else None
        if not isinstance(brackets, list | tuple) or not brackets:
            raise BadValue(expected)
        _count(brackets, most)
        thresholds, rates = [], []
        for i, b in enumerate(brackets, start=1):
            if not isinstance(b, Mapping) or set(b) != {"threshold", "rate"}:
                raise BadValue(expected, f'bracket {i} is not {{"threshold": ..., "rate": ...}}')
            try:
                thresholds.append(threshold(b["threshold"]))
                rates.append(rate(b["rate"]))
            except BadValue as error:
                raise BadValue(expected, f"bracket {i}: {error.expected}") from None
        for i in range(1, len(thresholds)):
            if not thresholds[i - 1] < thresholds[i]:
                raise BadValue(expected, f"the thresholds must increase, and bracket {i + 1}'s does not")
        return Scale(tuple(thresholds), tuple(rates))

    return decode


def _money(currency: str | None, number: Decoder) -> Decoder:
    """An amount in ``currency``: a number, ``"1234.50 DKK"`` (or ``"DKK 1234.50"``), or
    ``{"amount": "1234.50", "currency": "DKK"}``; an amount in another currency is an error."""
    expected = f'an amount of money in {currency} (a number, or "1234.50 {currency}")' if currency else "a number"

    def in_currency(amount: Any, code: Any) -> Any:
        if currency is not None and code != currency:
            raise BadValue(expected, f"it is in {code}: convert it to {currency} first")
        try:
            return number(amount)
        except BadValue as error:
            raise BadValue(expected, error.detail) from None

    def decode(x: Any) -> Any:
        if isinstance(x, Mapping):
            if set(x) != {"amount", "currency"} or not isinstance(x["currency"], str):
                raise BadValue(expected, 'an amount as an object has exactly "amount" and "currency"')
            return in_currency(x["amount"], x["currency"])
        if isinstance(x, str) and len(x) <= 4 * (DIGITS + 100):
            m = _AMOUNT.match(x)
            if m and (m.group(1) is None or m.group(3) is None) and (m.group(1) or m.group(3)):
                return in_currency(m.group(2), m.group(1) or m.group(3))
        try:
            return number(x)
        except BadValue as error:
            raise BadValue(expected, error.detail) from None

    return decode


def _text(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    most = limits.text_chars

    def decode(x: Any) -> Any:
        if isinstance(x, str):
            if len(x) > most:
                raise BadValue(
                    f"a text of at most {most:,} characters",
                    f"it has {len(x):,}; the limit `text_chars` (policylang.Limits) allows {most:,}",
                )
            if not x.isascii():
                try:
                    x.encode("utf-8")
                except UnicodeEncodeError:
                    raise BadValue("a text", "it holds a lone surrogate, which is no Unicode character") from None
            return x
        raise BadValue("a text")

    return decode


def _date(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, dt.datetime):
            raise BadValue('a date without a time, written as "YYYY-MM-DD"')
        if isinstance(x, dt.date):
            return x
        if isinstance(x, str) and _DATE.match(x):
            try:
                return dt.date.fromisoformat(x)
            except ValueError:
                raise BadValue('a real calendar date written as "YYYY-MM-DD"') from None
        raise BadValue('a date written as "YYYY-MM-DD"')

    return decode


def _datetime(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    expected = 'a date and time with a UTC offset, such as "2025-03-15T23:00:00+01:00"'

    def decode(x: Any) -> Any:
        value = x
        if isinstance(x, str) and "T" in x:
            try:
                value = dt.datetime.fromisoformat(x)
            except ValueError:
                raise BadValue(expected) from None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise BadValue(expected, "the UTC offset is missing")
            return value
        raise BadValue(expected)

    return decode


def _time(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, dt.time):
            return x
        if isinstance(x, str) and _TIME.match(x):
            try:
                return dt.time.fromisoformat(x)
            except ValueError:
                pass
        raise BadValue('a time of day such as "09:00"')

    return decode


def _duration(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, Duration):
            return x
        m = _DURATION.match(x) if isinstance(x, str) and x != "P" else None
        if m:
            years, months, days = (int(g) if g else 0 for g in m.groups())
            return Duration(years, months, days)
        raise BadValue('a duration such as "P3M" or "P1Y"')

    return decode


def _rule(rule_ids: frozenset[str], limits: Limits) -> Decoder:
    def decode(x: Any) -> Any:
        if isinstance(x, str) and x in rule_ids:
            return x
        raise BadValue("a rule ID of this policy", suggest(x, rule_ids) if isinstance(x, str) else None)

    return decode


_PRIMITIVE_DECODERS: dict[str, Callable[[frozenset[str], Limits], Decoder]] = {
    "bool": _bool,
    "int": _int,
    "decimal": _decimal,
    "money": _decimal,
    "text": _text,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
    "duration": _duration,
    "rule": _rule,
}


def bad_fact(name: str, value: Any, error: BadValue, *, kind: str = "fact") -> FactError:
    """The error for a fact (or parameter) whose value does not fit its type."""
    message = f"{kind} `{name}` is {show(value)}, but it must be {error.expected}"
    hint = None
    if error.detail:
        if error.detail.startswith("did you mean"):
            hint = error.detail
        else:
            message += f" ({error.detail})"
    return FactError(message, facts=[name], value=value, expected=error.expected, hint=hint, code="pol-fact-type")

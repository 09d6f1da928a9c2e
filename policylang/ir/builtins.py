"""The functions a policy may call: their types, their documentation, their code.

Each :class:`Builtin` checks its argument types (returning the result type or a message)
and implements the call on known values. By default a ``null`` argument makes the result
``null``; functions that say otherwise handle ``null`` themselves. Unknown arguments are
handled by the compiler before a builtin is called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Context, Decimal
from typing import Any

import attrs

from policylang.base.numbers import CONTEXT, DIGITS, EMIN, checked_int, decimal_problem
from policylang.ir import dates
from policylang.ir import types as T
from policylang.ir.values import Scale, sort_members

Checker = Callable[[Sequence[T.Type]], "T.Type | str"]


@attrs.frozen
class Builtin:
    """A function callable from policy text."""

    name: str
    signature: str
    doc: str
    check: Checker
    impl: Callable[..., Any]
    null_propagates: bool = True
    contexts: tuple[T.Type | None, ...] = ()  # the type an argument is read as where it needs one (a mode)

    def context(self, position: int) -> T.Type | None:
        """The type the argument at ``position`` (from 0) is read as, for bare enum values; else ``None``."""
        return self.contexts[position] if position < len(self.contexts) else None


def _base(t: T.Type) -> T.Type:
    return T.strip_optional(t)


def _any_optional(types: Sequence[T.Type]) -> bool:
    return any(T.is_optional(t) for t in types)


def _result(t: T.Type, args: Sequence[T.Type], propagates: bool = True) -> T.Type:
    return T.optional(t) if propagates and _any_optional(args) else t


def _expect(args: Sequence[T.Type], *accepted: tuple[T.Type, ...]) -> str | None:
    if len(args) != len(accepted):
        return f"takes {len(accepted)} argument{'s' if len(accepted) != 1 else ''}, got {len(args)}"
    for i, (arg, options) in enumerate(zip(args, accepted, strict=False), start=1):
        base = _base(arg)
        if base in (T.ERROR, T.NULL):
            continue
        if not any(T.assignable(base, o) for o in options):
            wanted = " or ".join(T.describe(o) for o in options)
            return f"argument {i} must be {wanted}, not {T.describe(arg)}"
    return None


def _date_shift(args: Sequence[T.Type]) -> T.Type | str:
    problem = _expect(args, (T.DATE, T.DATETIME), (T.INT,))
    if problem:
        return problem
    return _result(_base(args[0]) if _base(args[0]) != T.NULL else T.DATE, args)


def _fixed(result: T.Type, *accepted: tuple[T.Type, ...]) -> Checker:
    def check(args: Sequence[T.Type]) -> T.Type | str:
        problem = _expect(args, *accepted)
        return problem if problem else _result(result, args)

    return check


def _extreme(args: Sequence[T.Type]) -> T.Type | str:
    if not args:
        return "needs at least one argument"
    known = [_base(a) for a in args if _base(a) not in (T.NULL, T.ERROR)]
    if not known:
        return T.ERROR
    first = known[0]
    for t in known:
        if not T.orderable(t) or not T.comparable(t, first):
            return f"needs values that can be ordered and compared, got {T.describe(t)}"
    widest = T.DECIMAL if any(t in (T.DECIMAL, T.MONEY) for t in known) and first in T.NUMERIC else first
    if first == T.MONEY:
        widest = T.money(next((T.currency_of(t) for t in known if T.currency_of(t)), None))
    return T.optional(widest) if all(T.is_optional(a) for a in args) else widest


def _coalesce(args: Sequence[T.Type]) -> T.Type | str:
    if not args:
        return "needs at least one argument"
    result: T.Type | None = T.NULL
    for a in args:
        result = T.unify(result or T.NULL, a)
        if result is None:
            return "needs arguments of one type"
    assert result is not None
    return result if T.is_optional(args[-1]) else T.strip_optional(result)


def _count(args: Sequence[T.Type]) -> T.Type | str:
    if len(args) != 1 or (T.element_type(args[0]) is None and _base(args[0]) != T.ERROR):
        return "takes one list or set"
    return T.INT


def _to_set(args: Sequence[T.Type]) -> T.Type | str:
    if len(args) != 1:
        return "takes one list"
    element = T.element_type(args[0])
    if element is None:
        return T.ERROR if _base(args[0]) == T.ERROR else "takes one list"
    if T.set_element_problem(element):
        return f"cannot make a set of {T.describe(element)} values: a set cannot hold records or maps"
    return T.SetType(element)


def _to_list(args: Sequence[T.Type]) -> T.Type | str:
    if len(args) != 1:
        return "takes one set"
    element = T.element_type(args[0])
    if element is None:
        return T.ERROR if _base(args[0]) == T.ERROR else "takes one set"
    return T.ListType(element)


def _abs(args: Sequence[T.Type]) -> T.Type | str:
    problem = _expect(args, T.NUMERIC)
    return problem if problem else args[0]


def _round(args: Sequence[T.Type]) -> T.Type | str:
    modes = ((T.ROUNDING,),) if len(args) == 3 else ()
    problem = _expect(args, T.NUMERIC, (T.INT,), *modes)
    return problem if problem else _result(_base(args[0]), args)


def _round_to(args: Sequence[T.Type]) -> T.Type | str:
    modes = ((T.ROUNDING,),) if len(args) == 3 else ()
    problem = _expect(args, T.NUMERIC, T.NUMERIC, *modes)
    if problem:
        return problem
    value, step = _base(args[0]), _base(args[1])
    clash = T.currency_clash(value, step)
    if clash:
        return f"rounds an amount in {clash[0]} to a step in {clash[0]}, not in {clash[1]}"
    if step == T.MONEY and value != T.MONEY:
        return f"argument 2 must be a number (the step) when argument 1 is {T.describe(value)}"
    result = value if value in (T.MONEY, T.ERROR, T.NULL) else (T.INT if value == step == T.INT else T.DECIMAL)
    return _result(result, args)


def _local_time(args: Sequence[T.Type]) -> T.Type | str:
    problem = _expect(args, (T.DATETIME,), (T.TEXT,))
    return problem if problem else _result(T.DATETIME, args)


def _weekday(args: Sequence[T.Type]) -> T.Type | str:
    problem = _expect(args, (T.DATE, T.DATETIME))
    return problem if problem else _result(T.WEEKDAY, args)


def _scale_apply(args: Sequence[T.Type]) -> T.Type | str:
    if len(args) != 2:
        return f"takes 2 arguments, a scale and an amount, got {len(args)}"
    scale, amount = _base(args[0]), _base(args[1])
    if T.ERROR in (scale, amount):
        return T.ERROR
    if not isinstance(scale, T.ScaleType):
        return f"argument 1 must be a scale, not {T.describe(args[0])}"
    if amount not in T.NUMERIC and amount != T.NULL:
        return f"argument 2 must be an amount or a number, not {T.describe(args[1])}"
    clash = T.currency_clash(scale.threshold, amount)
    if clash:
        return f"applies a scale in {clash[0]} to an amount in {clash[1]}: convert the amount first"
    if scale.threshold == T.MONEY or amount == T.MONEY:
        currency = T.currency_of(amount) or T.currency_of(scale.threshold)
        return _result(T.money(currency), args)
    return _result(T.DECIMAL, args)


def _max(*values: Any) -> Any:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _min(*values: Any) -> Any:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def _coalesce_impl(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _overlap(a: Any, b: Any, c: Any, d: Any) -> int:
    if a is None or b is None or c is None or d is None:
        return 0
    return dates.overlap_days(_day(a), _day(b), _day(c), _day(d))


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _round_impl(value: Decimal | int, places: int, mode: str = "half_up") -> Decimal:
    """Rounded to ``places`` decimal places (half up unless a mode says otherwise), 34 digits at the most."""
    if not EMIN - DIGITS < places <= DIGITS - EMIN:
        raise ValueError(f"cannot round to {places} decimal places")
    try:
        return round_to_step(value, Decimal((0, (1,), -places)), mode)
    except ValueError:
        raise ValueError(
            f"rounded to {places} decimal places, the number would need more than {DIGITS} digits"
        ) from None


def round_to_step(value: Decimal | int, step: Decimal | int, mode: str = "half_up") -> Decimal:
    """The multiple of ``step`` nearest ``value`` by ``mode`` (see :data:`~policylang.ir.types.ROUNDING`), exactly.

    ``half_up`` takes a tie away from zero, ``half_even`` to the even multiple, ``floor``
    and ``ceiling`` the multiple below and above. Computed on whole numbers, so no digit is
    lost on the way; a result beyond the range of ``decimal`` is a ``ValueError``.

    >>> [str(round_to_step(Decimal("2.345"), Decimal("0.01"), m)) for m in ("half_up", "half_even", "floor")]
    ['2.35', '2.34', '2.34']
    >>> str(round_to_step(Decimal("-2.5"), 1, "half_up")), str(round_to_step(Decimal("1234.56"), 100, "ceiling"))
    ('-3', '1300')
    """
    x, s = Decimal(value), Decimal(step)
    if not s > 0:
        raise ValueError(f"the step to round to must be more than 0, not {s}")
    ex, es = _exponent(x), _exponent(s)
    e = min(ex, es)
    whole_x = int(x.scaleb(-ex, context=_EXACT)) * 10 ** (ex - e)
    whole_step = int(s.scaleb(-es, context=_EXACT))
    q, rest = divmod(whole_x, whole_step * 10 ** (es - e))  # q rounded down, 0 <= rest < the step
    if rest:
        twice, size = 2 * rest, whole_step * 10 ** (es - e)
        tie = twice == size
        if (
            mode == "ceiling"
            or (mode in ("half_up", "half_even") and twice > size)
            or (tie and ((mode == "half_up" and q >= 0) or (mode == "half_even" and q % 2)))
        ):
            q += 1
        elif mode not in ("floor", "half_up", "half_even"):
            raise ValueError(f"unknown rounding mode {mode!r}")
    result = Decimal(f"{q * whole_step}E{es}")
    if len(result.as_tuple().digits) > DIGITS:
        raise ValueError(f"the rounded number would need more than {DIGITS} digits")
    problem = decimal_problem(result)
    if problem:
        raise ValueError(f"the rounded number would be {problem}")
    return result


_EXACT = Context(prec=1000, Emin=-(10**6), Emax=10**6)  # for shifting a decimal point: never rounds


def _exponent(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: the language has no NaN or infinity
    return exponent


def _abs_impl(value: Decimal | int) -> Decimal | int:
    if type(value) is int:
        return checked_int(abs(value))  # abs() of the smallest int is one too large
    return CONTEXT.abs(value)


def _to_list_impl(value: Any) -> tuple[Any, ...]:
    if isinstance(value, frozenset):
        return tuple(sort_members(value, None))
    return tuple(value)


def _local_time_impl(moment: dt.datetime, zone_name: str) -> dt.datetime:
    return dates.local_time(moment, zone_name)


_BUILTINS = [
    Builtin(
        "add_days",
        "add_days(date, int) -> date",
        "The date a number of days later.",
        _date_shift,
        lambda d, n: d + dt.timedelta(days=n),
    ),
    Builtin(
        "add_months",
        "add_months(date, int) -> date",
        "Calendar months later, clamped to the last day of the month.",
        _date_shift,
        dates.add_months,
    ),
    Builtin(
        "add_years",
        "add_years(date, int) -> date",
        "Calendar years later; 29 February becomes 28 February in a common year.",
        _date_shift,
        dates.add_years,
    ),
    Builtin(
        "age",
        "age(date_of_birth, on) -> int",
        "Completed years on a date: a person is 18 from the 18th birthday.",
        _fixed(T.INT, (T.DATE,), (T.DATE,)),
        dates.age,
    ),
    Builtin(
        "days_between",
        "days_between(start, end) -> int",
        "Days from start to end (negative when end is earlier).",
        _fixed(T.INT, (T.DATE,), (T.DATE,)),
        dates.days_between,
    ),
    Builtin(
        "overlap_days",
        "overlap_days(a_start, a_end, b_start, b_end) -> int",
        "Days two ranges share, both ends included; 0 when they do not meet or a bound is null.",
        lambda args: _expect(args, (T.DATE,), (T.DATE,), (T.DATE,), (T.DATE,)) or T.INT,
        _overlap,
        null_propagates=False,
    ),
    Builtin(
        "weekday",
        "weekday(date or datetime) -> weekday",
        "The day of the week (monday ... sunday); convert a datetime with local_time first.",
        _weekday,
        lambda d: dates.weekday(_day(d)),
    ),
    Builtin(
        "local_time",
        "local_time(datetime, zone) -> datetime",
        'The same instant as wall-clock time in an IANA time zone such as "Europe/Copenhagen".',
        _local_time,
        _local_time_impl,
    ),
    Builtin(
        "time_of",
        "time_of(datetime) -> time",
        "The wall-clock time of a datetime.",
        _fixed(T.TIME, (T.DATETIME,)),
        lambda d: d.time().replace(tzinfo=None),
    ),
    Builtin(
        "date_of",
        "date_of(datetime) -> date",
        "The calendar date of a datetime.",
        _fixed(T.DATE, (T.DATETIME,)),
        lambda d: d.date(),
    ),
    Builtin("year", "year(date) -> int", "The year of a date.", _fixed(T.INT, (T.DATE, T.DATETIME)), lambda d: d.year),
    Builtin(
        "month",
        "month(date) -> int",
        "The month (1-12) of a date.",
        _fixed(T.INT, (T.DATE, T.DATETIME)),
        lambda d: d.month,
    ),
    Builtin(
        "day",
        "day(date) -> int",
        "The day of the month of a date.",
        _fixed(T.INT, (T.DATE, T.DATETIME)),
        lambda d: d.day,
    ),
    Builtin(
        "max",
        "max(a, b, ...) -> value",
        "The largest argument, ignoring nulls; max(xs) is the largest element of a list or set (an aggregate).",
        _extreme,
        _max,
        null_propagates=False,
    ),
    Builtin(
        "min",
        "min(a, b, ...) -> value",
        "The smallest argument, ignoring nulls; min(xs) is the smallest element of a list or set (an aggregate).",
        _extreme,
        _min,
        null_propagates=False,
    ),
    Builtin(
        "coalesce",
        "coalesce(a, b, ...) -> value",
        "The first argument that is not null.",
        _coalesce,
        _coalesce_impl,
        null_propagates=False,
    ),
    Builtin("count", "count(list or set) -> int", "The number of elements.", _count, len),
    Builtin("to_set", "to_set(list) -> set", "The elements of a list as a set.", _to_set, frozenset),
    Builtin(
        "to_list",
        "to_list(set) -> list",
        "The elements of a set as a list, in canonical order.",
        _to_list,
        _to_list_impl,
    ),
    Builtin("abs", "abs(number) -> number", "The absolute value.", _abs, _abs_impl),
    Builtin(
        "round",
        "round(number, places[, mode]) -> decimal",
        "Rounded to a number of decimal places; half up unless a mode says half_even, floor or ceiling.",
        _round,
        _round_impl,
        contexts=(None, None, T.ROUNDING),
    ),
    Builtin(
        "round_to",
        "round_to(number, step[, mode]) -> number",
        "Rounded to a multiple of a step such as 0.01, 0.05 or 100; half up unless a mode says otherwise.",
        _round_to,
        round_to_step,
        contexts=(None, None, T.ROUNDING),
    ),
    Builtin(
        "marginal",
        "marginal(scale, amount) -> amount",
        "Each bracket's rate applied to the part of the amount within the bracket, summed (a marginal tax scale).",
        _scale_apply,
        Scale.marginal,
    ),
    Builtin(
        "average",
        "average(scale, amount) -> amount",
        "The rate of the bracket the amount falls in, applied to the whole amount (0 below the first threshold).",
        _scale_apply,
        Scale.average,
    ),
]

BUILTINS: dict[str, Builtin] = {b.name: b for b in _BUILTINS}

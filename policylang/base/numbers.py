"""The numbers of the language: their range, their precision, and the one decimal context.

These are the language's semantics, not settings, so that a result never depends on the
machine or on the caller:

* ``int`` is a whole number of 64 bits: from :data:`INT_MIN` (-9,223,372,036,854,775,808)
  to :data:`INT_MAX` (9,223,372,036,854,775,807). A fact, parameter or literal outside it
  is an error; so is arithmetic whose result leaves it.
* ``decimal`` and ``money`` are decimal numbers with at most :data:`DIGITS` (34)
  significant digits and a magnitude below 10^100 and, unless zero, at least 10^-99. They
  are never NaN or infinite.
* Decimal arithmetic runs in :data:`CONTEXT`, never in the caller's
  :func:`decimal.getcontext`: 34 digits (IEEE 754 decimal128), rounding half to even, an
  overflow or an invalid operation is an error, a result smaller than 10^-132 is 0. 34
  digits hold any realistic amount of money exactly: 10^15 kroner to the øre uses 17.

>>> int_problem(2**63), int_problem(-(2**63))
('larger than 9223372036854775807, the largest whole number', None)
>>> decimal_problem(Decimal("NaN")), decimal_problem(Decimal("1e100"))
('not a finite number', 'larger than the largest decimal (below 1E+100)')
>>> CONTEXT.divide(1, 3)
Decimal('0.3333333333333333333333333333333333')
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
INT_DIGITS = 19  # digits of INT_MIN and INT_MAX
DIGITS = 34  # significant digits of a decimal
EMAX = 99  # the largest adjusted exponent of a decimal: |x| < 10^100
EMIN = -99  # the smallest adjusted exponent of a decimal that is not 0: |x| >= 10^-99

CONTEXT = Context(
    prec=DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emin=EMIN,
    Emax=EMAX,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


class NumberRangeError(ArithmeticError):
    """A whole number left the range of ``int`` (the message says how)."""


def int_problem(n: int) -> str | None:
    """Why ``n`` is not a whole number of the language (outside 64 bits), or ``None``."""
    if n > INT_MAX:
        return f"larger than {INT_MAX}, the largest whole number"
    if n < INT_MIN:
        return f"smaller than {INT_MIN}, the smallest whole number"
    return None


def checked_int(n: int) -> int:
    """``n`` if it is in the range of ``int``; else :class:`NumberRangeError`.

    >>> checked_int(2**62) == 2**62
    True
    """
    if INT_MIN <= n <= INT_MAX:
        return n
    raise NumberRangeError(f"the result is {int_problem(n)}")


def significant_digits(d: Decimal) -> int:
    """The significant digits of a finite decimal, trailing zeros not counted (``0`` has none).

    >>> significant_digits(Decimal("120.50")), significant_digits(Decimal("0.000"))
    (4, 0)
    """
    return len("".join(map(str, d.as_tuple().digits)).strip("0"))


def decimal_problem(d: Decimal) -> str | None:
    """Why ``d`` is not a decimal of the language, or ``None``.

    >>> decimal_problem(Decimal("0.1")), decimal_problem(Decimal("1e-100"))
    (None, 'smaller than the smallest decimal that is not 0 (1E-99)')
    """
    if not d.is_finite():
        return "not a finite number"
    if not d:
        return None
    if significant_digits(d) > DIGITS:
        return f"more precise than a decimal can be (more than {DIGITS} significant digits)"
    adjusted = d.adjusted()
    if adjusted > EMAX:
        return f"larger than the largest decimal (below 1E+{EMAX + 1})"
    if adjusted < EMIN:
        return f"smaller than the smallest decimal that is not 0 (1E{EMIN})"
    return None


def whole_problem(text: str) -> str | None:
    """Why the digits ``text`` (an optional sign, digits, ``_`` between them) are no ``int``; cheap on long text.

    >>> whole_problem("9_223_372_036_854_775_807"), whole_problem("1" * 5000) is not None
    (None, True)
    """
    digits = text.lstrip("+-").replace("_", "").lstrip("0")
    if len(digits) > INT_DIGITS:
        return int_problem(-(10**INT_DIGITS) if text.startswith("-") else 10**INT_DIGITS)
    return int_problem(int(text.replace("_", "")))


__all__ = [
    "CONTEXT",
    "DIGITS",
    "EMAX",
    "EMIN",
    "INT_MAX",
    "INT_MIN",
    "NumberRangeError",
    "checked_int",
    "decimal_problem",
    "int_problem",
    "significant_digits",
    "whole_problem",
]

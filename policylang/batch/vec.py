"""Columns of values with unknowns: the vectorised counterpart of a value or :class:`Unknown`.

A :class:`Vec` is a Polars expression for a value in every row, plus a :class:`Mask`: per
row, the bitmask of the facts (and blocked decisions) an :class:`~policylang.ir.values.Unknown`
in that row would name. A row whose mask is zero is known; the value expression says
nothing about the other rows. A policylang ``null`` is a Polars null in a known row, so
null ("known to have no value") and unknown stay apart.

Bits: the policy's facts in declaration order from 0, then its decisions. Masks are
``UInt64`` words, as many as the bits need; a mask also records statically which bits it
may hold, so that a fact known in every row of a batch costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import reduce
from typing import Any

import attrs
import polars as pl

from policylang.ir import types as T

WORD = 64
U64 = pl.UInt64
ZERO = pl.lit(0, dtype=U64)
_NOTHING: Any = object()


class NotVectorisable(Exception):
    """A construct the vectorised backend does not compute; the reference path will."""


def _or_all(items: Sequence[pl.Expr]) -> pl.Expr:
    return reduce(lambda a, b: a | b, items)


def _and_all(items: Sequence[pl.Expr]) -> pl.Expr:
    return reduce(lambda a, b: a & b, items)


def any_of(items: Iterable[pl.Expr]) -> pl.Expr:
    """True where any of ``items`` is true (false for none)."""
    listed = list(items)
    return _or_all(listed) if listed else pl.lit(False)


def all_of(items: Iterable[pl.Expr]) -> pl.Expr:
    """True where all of ``items`` are true (true for none)."""
    listed = list(items)
    return _and_all(listed) if listed else pl.lit(True)


@attrs.frozen
class Mask:
    """Per row, the bits of the facts and decisions a value waits for; empty when known."""

    words: tuple[tuple[int, pl.Expr], ...] = ()
    bits: frozenset[int] = frozenset()

    @property
    def known(self) -> bool:
        """Statically known in every row."""
        return not self.bits

    @staticmethod
    def constant(bits: Iterable[int]) -> Mask:
        """The same bits in every row."""
        chosen = frozenset(bits)
        if not chosen:
            return Mask()
        words: dict[int, int] = {}
        for b in chosen:
            words[b // WORD] = words.get(b // WORD, 0) | (1 << (b % WORD))
        return Mask(tuple((w, pl.lit(v, dtype=U64)) for w, v in sorted(words.items())), chosen)

    @staticmethod
    def flag(bit: int, where: pl.Expr) -> Mask:
        """``bit`` in the rows where ``where`` is true."""
        value = pl.lit(1 << (bit % WORD), dtype=U64)
        return Mask(((bit // WORD, pl.when(where).then(value).otherwise(ZERO)),), frozenset({bit}))

    @staticmethod
    def columns(names: Mapping[int, str], bits: frozenset[int]) -> Mask:
        """A mask stored in columns, one per word."""
        return Mask(tuple((w, pl.col(n)) for w, n in sorted(names.items())), bits)

    def unknown(self) -> pl.Expr:
        """True in the rows where the value is unknown."""
        if self.known:
            return pl.lit(False)
        return any_of(w != 0 for _, w in self.words)

    def is_known(self) -> pl.Expr:
        """True in the rows where the value is known."""
        if self.known:
            return pl.lit(True)
        return all_of(w == 0 for _, w in self.words)

    def __or__(self, other: Mask) -> Mask:
        if other.known:
            return self
        if self.known:
            return other
        words = dict(self.words)
        for w, e in other.words:
            words[w] = words[w] | e if w in words else e
        return Mask(tuple(sorted(words.items(), key=lambda x: x[0])), self.bits | other.bits)

    def where(self, condition: pl.Expr) -> Mask:
        """This mask where ``condition`` is true, zero elsewhere."""
        if self.known:
            return self
        return Mask(tuple((w, pl.when(condition).then(e).otherwise(ZERO)) for w, e in self.words), self.bits)

    def word(self, w: int) -> pl.Expr:
        for i, e in self.words:
            if i == w:
                return e
        return ZERO

    def has_bit(self, bit: int) -> pl.Expr:
        """True in the rows where ``bit`` is set."""
        if bit not in self.bits:
            return pl.lit(False)
        return (self.word(bit // WORD) & pl.lit(1 << (bit % WORD), dtype=U64)) != 0

    def any_bits(self, bits: frozenset[int]) -> pl.Expr:
        """True in the rows where any of ``bits`` is set."""
        chosen = bits & self.bits
        if not chosen:
            return pl.lit(False)
        words: dict[int, int] = {}
        for b in chosen:
            words[b // WORD] = words.get(b // WORD, 0) | (1 << (b % WORD))
        return any_of((self.word(w) & pl.lit(v, dtype=U64)) != 0 for w, v in words.items())


def merge(masks: Iterable[Mask]) -> Mask:
    """The union of ``masks``."""
    return reduce(lambda a, b: a | b, masks, Mask())


def choose(cases: Sequence[tuple[pl.Expr, Mask]], otherwise: Mask) -> Mask:
    """Per row, the mask of the first case whose condition holds (a when/then chain)."""
    if all(m.known for _, m in cases) and otherwise.known:
        return Mask()
    bits = otherwise.bits.union(*(m.bits for _, m in cases))
    words = sorted({w for _, m in cases for w, _ in m.words} | {w for w, _ in otherwise.words})
    out = []
    for w in words:
        chain: Any = None
        for condition, m in cases:
            chain = (pl.when(condition) if chain is None else chain.when(condition)).then(m.word(w))
        out.append((w, chain.otherwise(otherwise.word(w)) if chain is not None else otherwise.word(w)))
    return Mask(tuple(out), bits)


@attrs.frozen
class Vec:
    """A value per row: a Polars expression (or a constant) and the mask of unknown rows."""

    type: T.Type
    expr: pl.Expr | None = None
    mask: Mask = Mask()
    static: Any = _NOTHING  # a known constant (a Python value), or nothing
    nullable: bool = True  # whether a known row can hold null
    fields: Mapping[str, Vec] | None = None  # a record built from parts
    parts: Any = None  # a collect decision's rows, for `is empty`, quantifiers and counts
    # an enum fact read from a pl.Enum column: that column, which compares with text literals
    # without first turning every value into text (``expr`` is the value as text)
    enum_column: pl.Expr | None = None

    @staticmethod
    def const(value: Any, type_: T.Type) -> Vec:
        return Vec(type_, static=value, nullable=value is None)

    @property
    def is_static(self) -> bool:
        return self.static is not _NOTHING

    @property
    def known(self) -> bool:
        return self.mask.known

    def value(self) -> pl.Expr:
        """The value as an expression (a literal for a constant)."""
        if self.is_static:
            return literal(self.static, self.type)
        if self.fields is not None and self.expr is None:
            return pl.struct([f.value().alias(n) for n, f in self.fields.items()])
        assert self.expr is not None
        return self.expr

    def comparable(self) -> pl.Expr:
        """The value, for ``=`` and membership tests with text literals (an enum's own column where there is one)."""
        return self.enum_column if self.enum_column is not None else self.value()

    def is_true(self) -> pl.Expr:
        """Known and true (Python's ``x is True``)."""
        if self.is_static:
            return pl.lit(self.static is True)
        v = self.value().fill_null(False) if self.nullable else self.value()
        return v if self.known else self.mask.is_known() & v

    def is_false(self) -> pl.Expr:
        """Known and false or null (what ``and`` treats as false)."""
        if self.is_static:
            return pl.lit(self.static is False or self.static is None)
        v = ~(self.value().fill_null(False)) if self.nullable else ~self.value()
        return v if self.known else self.mask.is_known() & v


# ---------------------------------------------------------------- types and literals


def vector_dtype(t: T.Type) -> pl.DataType | None:
    """The Polars type a value of ``t`` has inside the vectorised backend, or ``None``."""
    t = T.strip_optional(t)
    if isinstance(t, T.EnumType):
        return None if t.tagged else pl.String()  # tagged values are computed row by row
    if isinstance(t, T.ListType | T.SetType):
        inner = vector_dtype(t.element)
        return pl.List(inner) if inner is not None and not isinstance(inner, pl.List) else None
    if isinstance(t, T.RecordType):
        fields = [(n, vector_dtype(ft)) for n, ft in t.fields]
        if any(d is None for _, d in fields):
            return None
        return pl.Struct([pl.Field(n, d) for n, d in fields if d is not None])
    if isinstance(t, T.Prim):
        return _DTYPES.get(t.name)
    return None


_DTYPES: dict[str, pl.DataType] = {
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "text": pl.String(),
    "rule": pl.String(),
    "date": pl.Date(),
    "null": pl.Null(),
    "decimal": pl.Float64(),  # only carried and shown, never computed with (see `exact`)
    "money": pl.Float64(),
}

_INEXACT = (T.DECIMAL, T.MONEY)


def exact(*types: T.Type) -> None:
    """Refuse decimals where a computation would need their exact value (Float64 is not)."""
    for t in types:
        if T.strip_optional(t) in _INEXACT:
            raise NotVectorisable("computing with decimal numbers (they are exact; Float64 is not)")


def require_dtype(t: T.Type) -> pl.DataType:
    """The Polars data type for values of type ``t``; :class:`NotVectorisable` when there is none."""
    dtype = vector_dtype(t)
    if dtype is None:
        raise NotVectorisable(f"values of type {T.describe(t)}")
    return dtype


def literal(value: Any, t: T.Type) -> pl.Expr:
    """A Polars literal for a known Python value of type ``t``."""
    dtype = require_dtype(t)
    if value is None:
        return pl.lit(None, dtype=dtype)
    if isinstance(value, frozenset | tuple | list):
        element = T.element_type(t)
        return pl.lit(canonical_items(value, element), dtype=dtype)
    if isinstance(value, dict):
        base = T.strip_optional(t)
        if not isinstance(base, T.RecordType):
            raise NotVectorisable(f"the constant {value!r}")
        return pl.struct([literal(value[n], ft).alias(n) for n, ft in base.fields])
    if isinstance(value, Decimal):
        return pl.lit(float(value), dtype=pl.Float64)
    if isinstance(value, bool | int | str) or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return pl.lit(value, dtype=dtype)
    raise NotVectorisable(f"the constant {value!r}")


def canonical_items(value: Any, element: T.Type | None) -> list[Any]:
    """A list or set constant as a list: sets in canonical order."""
    from policylang.ir.values import sort_members

    if isinstance(value, frozenset):
        return sort_members(value, T.strip_optional(element) if element is not None else None)
    return list(value)


def canonical_set(e: pl.Expr, element: T.Type) -> pl.Expr:
    """A list expression as a set: duplicates removed, in canonical order."""
    element = T.strip_optional(element)
    if isinstance(element, T.RecordType | T.ListType | T.SetType | T.MapType | T.UnionType):
        raise NotVectorisable(f"sets of {T.describe(element)}")
    unique = e.list.unique()
    if isinstance(element, T.EnumType):
        order = {m: i for i, m in enumerate(element.members)}
        return unique.list.eval(
            pl.element().sort_by(pl.element().replace_strict(order, default=len(order), return_dtype=pl.Int32))
        )
    return unique.list.sort()

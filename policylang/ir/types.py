"""The types of policylang values, as the checker resolves them.

Types are small frozen classes. :func:`assignable` says whether a value of one type may
stand where another is expected (``int`` where ``decimal`` is, ``null`` where ``date?``
is); :func:`describe` writes a type the way a policy author writes it.
"""

from __future__ import annotations

import attrs

from policylang.base.labels import Labels


@attrs.frozen(repr=False)
class Prim:
    """bool, int, decimal, money, text, date, datetime, time, duration, rule, null.

    ``unit`` is the currency of a money type (``money EUR``); ``None`` where no currency is
    stated (:data:`MONEY`, which any currency may stand for). The unit takes no part in
    ``==``: every money type equals :data:`MONEY`, so code that asks "is this money?"
    needs no change; currencies are compared where they matter (:func:`currency_clash`).
    """

    name: str
    unit: str | None = attrs.field(default=None, eq=False)

    def __repr__(self) -> str:
        unit = f", unit={self.unit!r}" if self.unit is not None else ""
        return f"Prim(name={self.name!r}{unit})"


@attrs.frozen(eq=False)
class EnumType:
    """An enum; ``ordered`` enums compare by the order their members are declared in."""

    name: str
    members: tuple[str, ...]
    ordered: bool = False
    labels: tuple[tuple[str, Labels | None], ...] = ()
    _index: dict[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {m: i for i, m in enumerate(self.members)})

    def index(self, member: str) -> int:
        """The position of ``member`` in declaration order (how ordered enums compare)."""
        return self._index[member]

    def label(self, member: str) -> Labels | None:
        """The Danish and English labels of ``member``, if it has any."""
        return dict(self.labels).get(member)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumType) and self.members == other.members and self.ordered == other.ordered

    def __hash__(self) -> int:
        return hash((self.members, self.ordered))


@attrs.frozen
class ListType:
    """``list of T``: ordered, duplicates allowed."""

    element: Type


@attrs.frozen
class SetType:
    """``set of T``: reported in declaration order, without duplicates."""

    element: Type


@attrs.frozen
class MapType:
    """``map of K to V``."""

    key: Type
    value: Type


@attrs.frozen
class RecordType:
    """``record { name: T, ... }``; ``name`` is the ``type`` declaration that named it, if any."""

    fields: tuple[tuple[str, Type], ...]
    name: str | None = attrs.field(default=None, eq=False)
    labels: tuple[tuple[str, Labels | None], ...] = attrs.field(default=(), eq=False)

    def field(self, name: str) -> Type | None:
        """The type of the field ``name``, or ``None``."""
        return dict(self.fields).get(name)

    def label(self, field: str) -> Labels | None:
        """The Danish and English labels of ``field``, if it has any."""
        return dict(self.labels).get(field)


@attrs.frozen
class OptionalType:
    """``T?``: a value of ``T`` or null."""

    inner: Type


@attrs.frozen
class UnionType:
    """A value of one of several types, such as a record or the enum value ``not_applicable``."""

    options: tuple[Type, ...]

    def enum_with(self, member: str) -> EnumType | None:
        """The option that is an enum with ``member`` among its values."""
        for o in self.options:
            if isinstance(o, EnumType) and member in o.members:
                return o
        return None

    def option(self, kind: type) -> Type | None:
        """The first option of the given class (``RecordType``, ``EnumType``, ...)."""
        for o in self.options:
            if isinstance(o, kind):
                return o
        return None


@attrs.frozen
class ScaleType:
    """``scale of T``: brackets with thresholds of type ``T`` (an amount, a decimal or an int) and decimal rates."""

    threshold: Type


@attrs.frozen
class ConditionType:
    """The type of a ``condition`` parameter: a boolean expression over facts."""


Type = (
    Prim | EnumType | ListType | SetType | MapType | RecordType | OptionalType | ConditionType | UnionType | ScaleType
)

BOOL = Prim("bool")
INT = Prim("int")
DECIMAL = Prim("decimal")
MONEY = Prim("money")
TEXT = Prim("text")
DATE = Prim("date")
DATETIME = Prim("datetime")
TIME = Prim("time")
DURATION = Prim("duration")
RULE = Prim("rule")
NULL = Prim("null")
ANY = Prim("any")  # the element type of an empty collection literal
ERROR = Prim("error")  # a type the checker could not work out; never reported twice

PRIMITIVES = {t.name: t for t in (BOOL, INT, DECIMAL, MONEY, TEXT, DATE, DATETIME, TIME, DURATION, RULE)}
NUMERIC = (INT, DECIMAL, MONEY)

WEEKDAY = EnumType(
    "weekday",
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ordered=True,
    labels=tuple(
        (en, Labels(da, en.capitalize()))
        for en, da in zip(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
            strict=False,
        )
    ),
)
BUILTIN_TYPES: dict[str, Type] = {"weekday": WEEKDAY}
ROUNDING = EnumType(
    "rounding",
    ("half_up", "half_even", "floor", "ceiling"),
    labels=(
        ("half_up", Labels("halvt op", "half up")),
        ("half_even", Labels("halvt til lige", "half to even")),
        ("floor", Labels("nedad", "down")),
        ("ceiling", Labels("opad", "up")),
    ),
)
"""How ``round`` and ``round_to`` round: the mode is written as a bare word, ``round(x, 2, half_even)``."""


def money(currency: str | None) -> Prim:
    """The money type of ``currency`` (:data:`MONEY` for ``None``)."""
    return MONEY if currency is None else Prim("money", currency)


def currency_of(t: Type) -> str | None:
    """The currency of a money type (also of ``T?``, a list or set of it), or ``None``.

    >>> currency_of(OptionalType(money("EUR"))), currency_of(INT)
    ('EUR', None)
    """
    t = strip_optional(t)
    if isinstance(t, ListType | SetType):
        return currency_of(t.element)
    if isinstance(t, ScaleType):
        return currency_of(t.threshold)
    return t.unit if isinstance(t, Prim) and t.name == "money" else None


def currency_clash(a: Type, b: Type) -> tuple[str, str] | None:
    """The two currencies, where ``a`` and ``b`` are amounts of money in different ones.

    >>> currency_clash(money("EUR"), money("DKK")), currency_clash(money("EUR"), MONEY)
    (('EUR', 'DKK'), None)
    """
    ca, cb = currency_of(a), currency_of(b)
    return (ca, cb) if ca is not None and cb is not None and ca != cb else None


def strip_optional(t: Type) -> Type:
    """``T`` for ``T?``; any other type unchanged."""
    return t.inner if isinstance(t, OptionalType) else t


def is_optional(t: Type) -> bool:
    """Whether a value of this type may be null."""
    return isinstance(t, OptionalType) or t == NULL


def optional(t: Type) -> Type:
    """``T?`` for ``T`` (unchanged if it already admits null)."""
    if isinstance(t, OptionalType) or t in (NULL, ERROR):
        return t
    return OptionalType(t)


def element_type(t: Type) -> Type | None:
    """The element type of a list or set, else ``None``."""
    t = strip_optional(t)
    if isinstance(t, ListType | SetType):
        return t.element
    return None


def assignable(source: Type, target: Type) -> bool:
    """Whether a value of type ``source`` may be used where ``target`` is expected.

    >>> assignable(INT, DECIMAL), assignable(NULL, OptionalType(DATE)), assignable(DATE, INT)
    (True, True, False)
    """
    if currency_clash(source, target):
        return False
    if source in (ERROR, target) or target == ERROR:
        return True
    if isinstance(target, ConditionType):
        return assignable(source, BOOL)
    if isinstance(target, OptionalType):
        if source == NULL:
            return True
        return assignable(strip_optional(source), target.inner)
    if isinstance(target, UnionType):
        if isinstance(source, UnionType):
            return all(assignable(o, target) for o in source.options)
        return any(assignable(source, o) for o in target.options)
    if isinstance(source, UnionType):
        return all(assignable(o, target) for o in source.options)
    if isinstance(source, OptionalType):
        return False
    if isinstance(source, EnumType) and isinstance(target, EnumType):
        return set(source.members) <= set(target.members)  # every value of one is a value of the other
    if source == INT and target in (DECIMAL, MONEY):
        return True
    if source == DECIMAL and target == MONEY:
        return True
    if isinstance(target, ListType) and isinstance(source, ListType | SetType):
        return source.element == ANY or assignable(source.element, target.element)
    if isinstance(target, SetType) and isinstance(source, SetType | ListType):
        return source.element == ANY or assignable(source.element, target.element)
    if isinstance(target, MapType) and isinstance(source, MapType):
        return assignable(source.key, target.key) and assignable(source.value, target.value)
    if isinstance(target, ScaleType) and isinstance(source, ScaleType):
        return source.threshold == target.threshold or assignable(source.threshold, target.threshold)
    if isinstance(target, RecordType) and isinstance(source, RecordType):
        if dict(source.fields).keys() != dict(target.fields).keys():
            return False
        return all(assignable(t, target.field(n) or ERROR) for n, t in source.fields)
    return False


def set_element_problem(t: Type) -> str | None:
    """Why values of ``t`` cannot be the elements of a set (records and maps have no identity), or ``None``.

    >>> set_element_problem(RecordType((("a", INT),))) is not None, set_element_problem(INT)
    (True, None)
    """
    base = strip_optional(t)
    if isinstance(base, RecordType | MapType):
        return f"a set cannot hold {describe(base)} values; use a list"
    if isinstance(base, ListType | SetType):
        return set_element_problem(base.element)
    if isinstance(base, UnionType):
        for option in base.options:
            problem = set_element_problem(option)
            if problem:
                return problem
    return None


def comparable(a: Type, b: Type) -> bool:
    """Whether ``a = b`` makes sense: one side may stand for the other."""
    if currency_clash(a, b):
        return False
    return assignable(a, b) or assignable(b, a) or (strip_optional(a) in NUMERIC and strip_optional(b) in NUMERIC)


def orderable(t: Type) -> bool:
    """Whether ``<`` and friends apply to values of this type."""
    t = strip_optional(t)
    return t in (INT, DECIMAL, MONEY, DATE, DATETIME, TIME) or (isinstance(t, EnumType) and t.ordered)


def unify(a: Type, b: Type) -> Type | None:
    """The type both branches of an ``if`` share, or ``None``."""
    if a == ERROR:
        return b
    if b == ERROR:
        return a
    if a == NULL:
        return optional(b)
    if b == NULL:
        return optional(a)
    if a == b and currency_of(b) is None:
        return a  # the one that states its currency, if either does
    if assignable(a, b):
        return b
    if assignable(b, a):
        return a
    return None


def describe(t: Type) -> str:
    """Write a type as a policy author would.

    >>> describe(OptionalType(DATE)), describe(ListType(WEEKDAY))
    ('date?', 'list of weekday')
    """
    if isinstance(t, Prim):
        if t.unit is not None:
            return f"{t.name} {t.unit}"
        return {"null": "null", "any": "anything", "error": "(unknown type)"}.get(t.name, t.name)
    if isinstance(t, EnumType):
        if t.name and not t.name.startswith("<"):
            return t.name
        shown = ", ".join(t.members[:6]) + (", ..." if len(t.members) > 6 else "")
        return f"{'ordered ' if t.ordered else ''}enum {{ {shown} }}"
    if isinstance(t, ListType):
        return f"list of {describe(t.element)}"
    if isinstance(t, SetType):
        return f"set of {describe(t.element)}"
    if isinstance(t, MapType):
        return f"map of {describe(t.key)} to {describe(t.value)}"
    if isinstance(t, RecordType):
        if t.name:
            return t.name
        return "record { " + ", ".join(f"{n}: {describe(ft)}" for n, ft in t.fields) + " }"
    if isinstance(t, OptionalType):
        return f"{describe(t.inner)}?"
    if isinstance(t, UnionType):
        return " or ".join(describe(o) for o in t.options)
    if isinstance(t, ScaleType):
        return f"scale of {describe(t.threshold)}"
    return "condition"

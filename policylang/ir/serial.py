"""The checked program as plain JSON data, written and read back without the checker.

:func:`dump` turns a graph of policylang's own objects (a
:class:`~policylang.ir.program.Program`, its diagnostics) into lists, strings and numbers
that :mod:`json` writes; :func:`restore` builds the same objects again. The encoding is
generic: every class of :data:`MODULES` made with attrs is written field by field, as
``attrs.fields`` lists them, so a field or a class added to those modules later is written
and read without a change here.

The data is a table of the classes (name, fields, and how each field is written:
:data:`KINDS`), the objects, and the roots. Every object is written once, and referred to
by its number, so objects shared in the graph are shared again when read. Objects the
modules define as constants (``types.BOOL``, the built-in functions) are written by name
(``["K", name]``) and read as those very objects; objects the caller names (``external``:
the source files, whose text it reads itself) by that name only (``["X", name]``); they
come first. The other objects are written in groups, one per class and depth (an object
refers only to objects of smaller depth), each as a column per field: reading a group is
a few list comprehensions, which is what makes a cached policy fast to load.

Nothing that is read is trusted or executed. Classes are found by name in a fixed table of
those modules' classes, never imported; each class is written with the names of its
fields, and data written for other fields (an older policylang) is refused; an object
refers only to objects before its group, so the data cannot make a cycle; anything else
unexpected is a :class:`SerialError`.

>>> from policylang.ir import types as T
>>> data = dump([T.ListType(T.OptionalType(T.DATE))])
>>> restore(data)[0] == T.ListType(T.OptionalType(T.DATE)), restore(data)[0].element.inner is T.DATE
(True, True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import itertools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any, NamedTuple

import attrs

from policylang.base import errors, labels, span
from policylang.ir import builtins, program, types, values

# The modules whose attrs classes a checked program and its diagnostics are made of.
MODULES: tuple[ModuleType, ...] = (span, labels, errors, types, values, builtins, program)


# How a class's field is written, the same for every object of the class in one file:
KINDS = {
    "v": "any value: texts, integers, booleans and null as they are, others tagged (see _Encoder)",
    "r": "a reference to an object before its group, as the object's bare number",
    "n": "such a reference, or null",
    "s": "a tuple of such references, as a list of their numbers",
}
_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({tuple, list, frozenset, dict})
_IS_TUPLE = functools.partial(operator.is_, tuple)  # of a type: whether it is tuple (not a subclass), in C


class SerialError(ValueError):
    """Data that :func:`restore` will not read: not written by :func:`dump` for these classes."""


class Unserialisable(TypeError):
    """An object :func:`dump` cannot write (a function, a class outside :data:`MODULES`)."""


# The two tables below are named tuples, not attrs classes: this module is imported by every
# process that compiles a policy, and attrs compiles code for each class it makes.


class ClassInfo(NamedTuple):
    """How one attrs class is written: its name, its ``__init__`` fields, whether they go by keyword."""

    cls: type
    name: str
    fields: tuple[str, ...]  # the attribute of each field, in the order attrs lists them
    arguments: tuple[str, ...]  # the ``__init__`` argument of each field
    by_keyword: bool
    values: Callable[[Any], tuple[Any, ...]]  # an object's field values


def _getter(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """All the fields of an object at once, read in C (the writer reads every field of every object)."""
    if len(fields) == 1:
        name = fields[0]
        return lambda v: (getattr(v, name),)
    if not fields:
        return lambda v: ()
    return operator.attrgetter(*fields)


class Registry(NamedTuple):
    """The classes and constants of :data:`MODULES`, by name and by identity."""

    classes: Mapping[str, ClassInfo]
    by_class: Mapping[type, ClassInfo]
    constants: Mapping[str, Any]
    constant_names: Mapping[int, str]  # by id() of the constant


def registry(modules: Sequence[ModuleType] = MODULES) -> Registry:
    """The table of classes and constants for ``modules`` (kept for :data:`MODULES`)."""
    if tuple(modules) == MODULES:
        return _default_registry()
    return _build_registry(tuple(modules))


@functools.cache
def _default_registry() -> Registry:
    return _build_registry(MODULES)


def _build_registry(modules: tuple[ModuleType, ...]) -> Registry:
    classes: dict[str, ClassInfo] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__:
                fields = [f for f in attrs.fields(value) if f.init]
                field_names = tuple(f.name for f in fields)
                info = ClassInfo(
                    value,
                    f"{module.__name__}.{value.__qualname__}",
                    field_names,
                    tuple(f.alias or f.name for f in fields),
                    any(f.kw_only for f in fields),
                    _getter(field_names),
                )
                classes[info.name] = info
    by_class = {info.cls: info for info in classes.values()}
    constants: dict[str, Any] = {}
    for module in modules:
        for name, value in vars(module).items():
            if type(value) in by_class:
                constants.setdefault(f"{module.__name__}.{name}", value)
            elif isinstance(value, dict):
                for key, item in value.items():
                    if type(item) in by_class and isinstance(key, str):
                        constants.setdefault(f"{module.__name__}.{name}[{key}]", item)
    names: dict[int, str] = {}
    for name, value in constants.items():
        names.setdefault(id(value), name)
    return Registry(classes, by_class, constants, names)


def dump(
    roots: Sequence[Any],
    *,
    external: Mapping[int, str] | None = None,
    modules: Sequence[ModuleType] = MODULES,
) -> dict[str, Any]:
    """``roots`` as JSON data: the classes, the named objects, the groups of objects, the roots.

    ``external`` names objects by their ``id()`` that are written by that name only (the
    caller gives them back to :func:`restore`). Raises :class:`Unserialisable` for a value
    it cannot write.
    """
    with no_collection():
        return _Encoder(registry(modules), external or {}).dump(roots)


def restore(
    data: Any,
    *,
    external: Mapping[str, Any] | None = None,
    modules: Sequence[ModuleType] = MODULES,
) -> list[Any]:
    """The roots :func:`dump` wrote, built again; :class:`SerialError` for data it did not write."""
    try:
        with no_collection():
            return _Decoder(registry(modules), external or {}).read(data)
    except SerialError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as e:
        raise SerialError(f"unreadable data: {type(e).__name__}: {e}") from None


@contextlib.contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: writing or reading a program makes tens of thousands
    of lists and objects, none of them garbage, and each collection it set off would walk every
    object of the process (the parser's tables, the syntax tree) for nothing. (So does compiling
    a policy: :func:`policylang.policy.loader.compile_file` pauses it too.) Where it was paused
    already, it stays paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Encoder:
    """Values other than texts, integers, booleans and null are tagged lists: ``["T", ...]`` a
    tuple, ``["L", ...]`` a list, ``["S", ...]`` a frozenset, ``["D", key, value, ...]`` a dict,
    ``["M", "1.50"]`` a Decimal, ``["d", ...]``, ``["t", ...]``, ``["h", ...]`` a date, datetime
    and time (ISO 8601), ``["F", "1.5"]`` a float, ``["O", number]`` an object.

    Writing a policy that was just compiled is part of its first load, so this is written for
    speed: :meth:`visit` files each object in its group as it finds it, with its field values
    (no second pass over the objects), and the columns are checked and numbered with
    :func:`map` over :class:`dict` methods where a comprehension would call Python code per value.
    """

    def __init__(self, table: Registry, external: Mapping[int, str]) -> None:
        self.table = table
        self.external = external
        self.named_ids = {*external, *table.constant_names}  # objects written by name: one look-up for both
        self.depth: dict[int, int] = {}  # of every object found, by id()
        # The objects of each class and depth, in the order found (children first), each with
        # its field values; the lists keep every object whose id() is taken.
        self.groups: dict[tuple[int, type], tuple[list[Any], list[tuple[Any, ...]]]] = {}
        self.named: list[list[str]] = []  # ["K", name] or ["X", name]
        self.named_objects: list[Any] = []
        self.index: dict[int, int] = {}  # the number of every object, by id()
        self.plain: dict[type, Callable[[Any], Any]] = {
            float: lambda v: ["F", repr(v)],
            tuple: lambda v: ["T", *map(self.value, v)],
            list: lambda v: ["L", *map(self.value, v)],
            frozenset: self.members,
            dict: self.mapping,
            Decimal: lambda v: ["M", str(v)],
            dt.date: lambda v: ["d", v.isoformat()],
            dt.datetime: self.moment,
            dt.time: self.time,
        }
        self.contents = self.finder()

    def dump(self, roots: Sequence[Any]) -> dict[str, Any]:
        for root in roots:
            self.visit(root)
        index = self.index
        for number, named in enumerate(self.named_objects):
            index[id(named)] = number
        ordered = sorted(self.groups.items(), key=lambda item: item[0][0])  # by depth; stable: classes as found
        for _, (members, _values) in ordered:
            index.update(zip(map(id, members), range(len(index), len(index) + len(members)), strict=True))
        # Each group's columns, and how each field of a class is written: the kinds its groups'
        # columns allow, combined (a reference where every group has one, else "n", "s" or "v").
        columns_of: list[list[tuple[Any, ...]]] = []
        kinds_of: dict[type, list[set[str]]] = {}
        known = index.__contains__
        nullable = {**index, id(None): None}  # the numbers, and null for null
        known_or_null = nullable.__contains__
        for (_, cls), (_members, rows) in ordered:
            columns = list(zip(*rows, strict=True))
            columns_of.append(columns)
            kinds = kinds_of.get(cls)
            if kinds is None:
                kinds = kinds_of[cls] = [set() for _ in columns]
            for seen, column in zip(kinds, columns, strict=True):
                if "v" not in seen:  # a field written as values in one group is written so in all
                    seen.add(_kind(column, known, known_or_null))
        classes: dict[type, int] = {}
        class_table: list[list[Any]] = []
        for cls in dict.fromkeys(cls for (_, cls) in self.groups):  # in the order found
            info = self.table.by_class[cls]
            kinds = kinds_of[cls] if info.fields else []
            classes[cls] = len(class_table)
            class_table.append([info.name, list(info.fields), "".join(map(_combined, kinds))])
        number_of = index.__getitem__
        value = self.value
        scalar = _SCALARS.__contains__
        written = []
        for ((_, cls), (members, _values)), columns in zip(ordered, columns_of, strict=True):
            group: list[Any] = [classes[cls], len(members)]
            for column, kind in zip(columns, class_table[classes[cls]][2], strict=True):
                if kind == "r":
                    group.append(list(map(number_of, map(id, column))))
                elif kind == "n":
                    group.append(list(map(nullable.__getitem__, map(id, column))))
                elif kind == "s":
                    group.append([list(map(number_of, map(id, x))) for x in column])
                elif all(map(scalar, map(type, column))):  # texts, numbers: as they are
                    group.append(list(column))
                else:
                    group.append([x if type(x) in _SCALARS else value(x) for x in column])
            written.append(group)
        result = [value(root) for root in roots]
        return {"classes": class_table, "named": self.named, "groups": written, "roots": result}

    def visit(self, v: Any) -> int:
        """Find the objects in ``v``, keeping each one's field values; the depth of the deepest (-1 for none)."""
        kind = type(v)
        if kind in _SCALARS:
            return -1
        found = self.depth.get(id(v))
        if found is not None:
            return found
        return self.contents(v, kind)

    def finder(self) -> Callable[[Any, type], int]:
        """:meth:`visit` of a value that is no scalar and no object found before (so called straight from loops).

        A closure over the tables it fills, for speed: it runs for every object of the program.
        """
        depth = self.depth
        depth_get = depth.get
        groups = self.groups
        groups_get = groups.get
        by_class_get = self.table.by_class.get
        named_ids = self.named_ids
        named = self.named_object
        scalars, containers = _SCALARS, _CONTAINERS

        def contents(v: Any, kind: type) -> int:
            deepest = -1
            if kind in containers:
                for item in (*v, *v.values()) if kind is dict else v:
                    if type(item) not in scalars:
                        found = depth_get(id(item))
                        if found is None:
                            found = contents(item, type(item))
                        if found > deepest:
                            deepest = found
                return deepest
            info = by_class_get(kind)
            key = id(v)
            if info is None or key in named_ids:
                return named(v, kind, key)
            values = info.values(v)
            for item in values:
                if type(item) not in scalars:
                    found = depth_get(id(item))  # an object met before (a span's source, a type): no call
                    if found is None:
                        found = contents(item, type(item))
                    if found > deepest:
                        deepest = found
            deepest += 1
            depth[key] = deepest
            group = groups_get((deepest, kind))
            if group is None:
                group = groups[deepest, kind] = ([], [])
            group[0].append(v)
            group[1].append(values)
            return deepest

        return contents

    def named_object(self, v: Any, kind: type, key: int) -> int:
        """An object written by name (a constant, an external one), or a plain value; else :class:`Unserialisable`."""
        if kind in self.plain:
            return -1
        name = self.external.get(key)
        constant = self.table.constant_names.get(key)
        if name is None and constant is None:
            raise Unserialisable(f"cannot write a {kind.__module__}.{kind.__qualname__}")
        self.named.append(["X", name] if name is not None else ["K", constant])  # type: ignore[list-item]
        self.named_objects.append(v)
        self.depth[key] = 0
        return 0

    def value(self, v: Any) -> Any:
        kind = type(v)
        if kind is str or kind is int or kind is bool or v is None:  # most values: first, and inline
            return v
        plain = self.plain.get(kind)
        if plain is not None:
            return plain(v)
        return ["O", self.index[id(v)]]

    def members(self, v: frozenset[Any]) -> list[Any]:
        items = [self.value(item) for item in v]
        items.sort(key=repr)  # the same file for the same set (a set's order changes with the hash seed)
        return ["S", *items]

    def mapping(self, v: dict[Any, Any]) -> list[Any]:
        out: list[Any] = ["D"]
        for key, item in v.items():
            out.append(self.value(key))
            out.append(self.value(item))
        return out

    def moment(self, v: dt.datetime) -> list[Any]:
        if v.tzinfo is not None and not isinstance(v.tzinfo, dt.timezone):
            raise Unserialisable(f"cannot write a moment in the time zone {v.tzinfo}")
        return ["t", v.isoformat()]

    def time(self, v: dt.time) -> list[Any]:
        if v.tzinfo is not None and not isinstance(v.tzinfo, dt.timezone):
            raise Unserialisable(f"cannot write a time in the time zone {v.tzinfo}")
        return ["h", v.isoformat()]


def _kind(values: Sequence[Any], known: Callable[[int], bool], known_or_null: Callable[[int], bool]) -> str:
    """How a field with these values could be written (:data:`KINDS`).

    ``known`` tells whether an id() is that of an object numbered, ``known_or_null`` also
    takes None's. The tests run in C and stop at the first value that fails. A first value
    that is no object, no null and no tuple (a text, a number: most fields) fails them all.
    """
    first = values[0]
    if first is not None and type(first) is not tuple and not known(id(first)):
        return "v"
    if all(map(known, map(id, values))):
        return "r"
    if all(map(known_or_null, map(id, values))):
        return "n"
    if all(map(_IS_TUPLE, map(type, values))) and all(map(known, map(id, itertools.chain.from_iterable(values)))):
        return "s"
    return "v"


def _combined(kinds: set[str]) -> str:
    """How a field is written in every object of its class, given the kinds each group of it allows."""
    if kinds <= {"r"}:
        return "r"
    if kinds <= {"r", "n"}:
        return "n"
    if kinds == {"s"}:
        return "s"
    return "v"


class _Decoder:
    def __init__(self, table: Registry, external: Mapping[str, Any]) -> None:
        self.table = table
        self.external = external
        self.objects: list[Any] = []
        self.tags: dict[str, Callable[[list[Any]], Any]] = {
            "T": lambda v: tuple(map(self.value, v[1:])),
            "L": lambda v: list(map(self.value, v[1:])),
            "S": lambda v: frozenset(map(self.value, v[1:])),
            "D": self.mapping,
            "M": lambda v: _decimal(_text(v)),
            "d": lambda v: dt.date.fromisoformat(_text(v)),
            "t": lambda v: dt.datetime.fromisoformat(_text(v)),
            "h": lambda v: dt.time.fromisoformat(_text(v)),
            "F": lambda v: float(_text(v)),
        }

    def read(self, data: Any) -> list[Any]:
        if not isinstance(data, dict) or data.keys() != {"classes", "named", "groups", "roots"}:
            raise SerialError("not a table of classes, named objects, groups of objects and roots")
        classes = [self.class_info(entry) for entry in _list(data["classes"])]
        objects = self.objects
        for entry in _list(data["named"]):
            objects.append(self.constant(entry) if _list(entry)[:1] == ["K"] else self.named(entry))
        value, scalars = self.value, _SCALARS
        for group in _list(data["groups"]):
            group = _list(group)
            if len(group) < 2 or type(group[0]) is not int or not 0 <= group[0] < len(classes):
                raise SerialError("a group of no known class")
            (info, kinds), count, start = classes[group[0]], group[1], len(objects)
            if type(count) is not int or count < 0 or len(group) != len(kinds) + 2:
                raise SerialError(f"a group of {info.name} with {len(group) - 2} fields, not {len(kinds)}")
            columns = []
            for kind, column in zip(kinds, group[2:], strict=True):
                if type(column) is not list or len(column) != count:
                    raise SerialError(f"a column of {info.name} that is not {count} values")
                if kind == "v":  # references inside are checked by value(): only objects before this group
                    columns.append([v if type(v) in scalars else value(v) for v in column])
                elif kind == "r":
                    _before(column, start)
                    columns.append([objects[i] for i in column])
                elif kind == "n":
                    _before([i for i in column if i is not None], start)
                    columns.append([None if i is None else objects[i] for i in column])
                else:  # "s"
                    if {type(v) for v in column} - {list}:
                        raise SerialError(f"a column of {info.name} that is not lists of references")
                    _before([i for v in column for i in v], start)
                    columns.append([tuple([objects[i] for i in v]) for v in column])
            rows = zip(*columns, strict=True)
            if info.by_keyword:
                built = [info.cls(**dict(zip(info.arguments, args, strict=True))) for args in rows]
            elif columns:
                built = [info.cls(*args) for args in rows]
            else:
                built = [info.cls() for _ in range(count)]
            objects.extend(built)
        return [value(root) for root in _list(data["roots"])]

    def class_info(self, entry: Any) -> tuple[ClassInfo, str]:
        entry = _list(entry)
        if len(entry) != 3 or not isinstance(entry[0], str) or not isinstance(entry[2], str):
            raise SerialError("a class entry is a name, its fields and their kinds")
        info = self.table.classes.get(entry[0])
        if info is None:
            raise SerialError(f"no class {entry[0]!r} to read")
        if entry[1] != list(info.fields):
            raise SerialError(f"{info.name} was written with other fields: {entry[1]}")
        if len(entry[2]) != len(info.fields) or set(entry[2]) - set(KINDS):
            raise SerialError(f"{info.name} was written with unknown kinds of fields: {entry[2]!r}")
        return info, entry[2]

    def value(self, v: Any) -> Any:
        kind = type(v)
        if kind is list:
            if not v or type(v[0]) is not str:
                raise SerialError("a list without its tag")
            if v[0] == "O":
                if len(v) != 2 or type(v[1]) is not int or not 0 <= v[1] < len(self.objects):
                    raise SerialError("a reference to an object not written before it")
                return self.objects[v[1]]
            read = self.tags.get(v[0])
            if read is None:
                raise SerialError(f"no value is tagged {v[0]!r}")
            return read(v)
        if kind is str or kind is int or kind is bool or v is None:
            return v
        raise SerialError(f"a bare {kind.__name__} where a value is written")

    def constant(self, v: list[Any]) -> Any:
        if len(v) != 2 or not isinstance(v[1], str) or v[1] not in self.table.constants:
            raise SerialError(f"no constant {v[1:]!r}")
        return self.table.constants[v[1]]

    def named(self, v: list[Any]) -> Any:
        if len(v) != 2 or v[0] != "X" or not isinstance(v[1], str) or v[1] not in self.external:
            raise SerialError(f"nothing named {v[1:]!r} was given")
        return self.external[v[1]]

    def mapping(self, v: list[Any]) -> dict[Any, Any]:
        if len(v) % 2 != 1:
            raise SerialError("a mapping with a key and no value")
        items = list(map(self.value, v[1:]))
        return dict(zip(items[::2], items[1::2], strict=True))


def _before(references: list[Any], start: int) -> None:
    """Check that every reference is the number of an object before the group that begins at ``start``."""
    if references and not (min(references) >= 0 and max(references) < start):  # a TypeError if not numbers
        raise SerialError("a reference to an object not written before it")


def _list(v: Any) -> list[Any]:
    if type(v) is not list:
        raise SerialError(f"a {type(v).__name__} where a list is written")
    return v


def _text(v: list[Any]) -> str:
    if len(v) != 2 or not isinstance(v[1], str):
        raise SerialError(f"a {v[0]!r} value is written as one text")
    return v[1]


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise SerialError(f"not a number: {text!r}") from None


__all__ = ["MODULES", "ClassInfo", "Registry", "SerialError", "Unserialisable", "dump", "registry", "restore"]

"""The checked program as plain JSON data, written and read back without the checker.

:func:`dump` turns a graph of policylang's own objects (a
:class:`~policylang.ir.program.Program`, its diagnostics) into lists, strings and numbers
that :mod:`json` writes; :func:`restore` builds the same objects again. The encoding is
generic: every class of :data:`MODULES` made with attrs is written field by field, as
``attrs.fields`` lists them, so a field or a class added to those modules later is written
and read without a change here.

Nothing that is read is trusted or executed. Classes are found by name in a fixed table of
those modules' classes, never imported; each class is written with the names of its
fields, and data written for other fields (an older policylang) is refused; an object may
refer only to objects written before it, so the data cannot make a cycle; anything else
unexpected is a :class:`SerialError`. Objects shared in the graph are written once and are
shared again when read; objects the modules define as constants (``types.BOOL``, the
built-in functions) are written by name (``["K", name]``) and read as those very objects;
and objects the caller names (``external``: the source files, whose text it reads
itself) are written by that name only (``["X", name]``).

>>> from policylang.ir import types as T
>>> data = dump([T.ListType(T.OptionalType(T.DATE))])
>>> restore(data)[0] == T.ListType(T.OptionalType(T.DATE)), restore(data)[0].element.inner is T.DATE
(True, True)
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

import attrs

from policylang.base import errors, labels, span
from policylang.ir import builtins, program, types, values

# The modules whose attrs classes a checked program and its diagnostics are made of.
MODULES: tuple[ModuleType, ...] = (span, labels, errors, types, values, builtins, program)


class SerialError(ValueError):
    """Data that :func:`restore` will not read: not written by :func:`dump` for these classes."""


class Unserialisable(TypeError):
    """An object :func:`dump` cannot write (a function, a class outside :data:`MODULES`)."""


@attrs.frozen
class ClassInfo:
    """How one attrs class is written: its name, its ``__init__`` fields, whether they go by keyword."""

    cls: type
    name: str
    fields: tuple[str, ...]  # the attribute of each field, in the order attrs lists them
    arguments: tuple[str, ...]  # the ``__init__`` argument of each field
    by_keyword: bool


@attrs.frozen
class Registry:
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
                info = ClassInfo(
                    value,
                    f"{module.__name__}.{value.__qualname__}",
                    tuple(f.name for f in fields),
                    tuple(f.alias or f.name for f in fields),
                    any(f.kw_only for f in fields),
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
    """``roots`` as JSON data: a table of classes, a table of objects, and the roots.

    ``external`` names objects by their ``id()`` that are written by that name only (the
    caller gives them back to :func:`restore`). Raises :class:`Unserialisable` for a value
    it cannot write.
    """
    writer = _Encoder(registry(modules), external or {})
    written = [writer.value(root) for root in roots]
    return {"classes": writer.class_table, "objects": writer.objects, "roots": written}


def restore(
    data: Any,
    *,
    external: Mapping[str, Any] | None = None,
    modules: Sequence[ModuleType] = MODULES,
) -> list[Any]:
    """The roots :func:`dump` wrote, built again; :class:`SerialError` for data it did not write."""
    try:
        return _Decoder(registry(modules), external or {}).read(data)
    except SerialError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as e:
        raise SerialError(f"unreadable data: {type(e).__name__}: {e}") from None


class _Encoder:
    def __init__(self, table: Registry, external: Mapping[int, str]) -> None:
        self.table = table
        self.external = external
        self.class_table: list[list[Any]] = []
        self.class_index: dict[type, int] = {}
        self.objects: list[list[Any]] = []
        self.index: dict[int, int] = {}
        self.alive: list[Any] = []  # every object written, so that no id() is reused meanwhile
        self.plain: dict[type, Callable[[Any], Any]] = {  # texts, integers, booleans and None: as they are
            float: self.number,
            tuple: self.sequence("T"),
            list: self.sequence("L"),
            frozenset: self.members,
            dict: self.mapping,
            Decimal: lambda v: ["M", str(v)],
            dt.date: lambda v: ["d", v.isoformat()],
            dt.datetime: self.moment,
            dt.time: self.time,
        }

    def value(self, v: Any) -> Any:
        kind = type(v)
        if kind is str or kind is int or kind is bool or v is None:  # most values: first, and inline
            return v
        plain = self.plain.get(kind)
        if plain is not None:
            return plain(v)
        found = self.index.get(id(v))
        return ["O", found if found is not None else self.object(v)]

    def object(self, v: Any) -> int:
        found = self.index.get(id(v))
        if found is not None:
            return found
        name = self.external.get(id(v))
        if name is not None:
            return self.entry(v, ["X", name])
        name = self.table.constant_names.get(id(v))
        if name is not None:
            return self.entry(v, ["K", name])
        info = self.table.by_class.get(type(v))
        if info is None:
            raise Unserialisable(f"cannot write a {type(v).__module__}.{type(v).__qualname__}")
        value = self.value
        return self.entry(v, [self.class_of(info), *[value(getattr(v, name)) for name in info.fields]])

    def entry(self, v: Any, entry: list[Any]) -> int:
        number = len(self.objects)
        self.objects.append(entry)
        self.index[id(v)] = number
        self.alive.append(v)
        return number

    def class_of(self, info: ClassInfo) -> int:
        number = self.class_index.get(info.cls)
        if number is None:
            number = self.class_index[info.cls] = len(self.class_table)
            self.class_table.append([info.name, list(info.fields)])
        return number

    def sequence(self, tag: str) -> Callable[[Any], list[Any]]:
        def write(v: Iterable[Any]) -> list[Any]:
            return [tag, *map(self.value, v)]

        return write

    def members(self, v: frozenset[Any]) -> list[Any]:
        items = [self.value(item) for item in v]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))  # the same file for the same set
        return ["S", *items]

    def mapping(self, v: dict[Any, Any]) -> list[Any]:
        out: list[Any] = ["D"]
        for key, item in v.items():
            out.append(self.value(key))
            out.append(self.value(item))
        return out

    def number(self, v: float) -> list[Any]:
        return ["F", repr(v)]

    def moment(self, v: dt.datetime) -> list[Any]:
        if v.tzinfo is not None and not isinstance(v.tzinfo, dt.timezone):
            raise Unserialisable(f"cannot write a moment in the time zone {v.tzinfo}")
        return ["t", v.isoformat()]

    def time(self, v: dt.time) -> list[Any]:
        if v.tzinfo is not None and not isinstance(v.tzinfo, dt.timezone):
            raise Unserialisable(f"cannot write a time in the time zone {v.tzinfo}")
        return ["h", v.isoformat()]


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
        if not isinstance(data, dict) or set(data) != {"classes", "objects", "roots"}:
            raise SerialError("not a table of classes, objects and roots")
        classes = [self.class_info(entry) for entry in _list(data["classes"])]
        value, objects, add = self.value, self.objects, self.objects.append
        for entry in _list(data["objects"]):
            if type(entry) is list and len(entry) == 2 and entry[0] in ("K", "X"):
                add(self.constant(entry) if entry[0] == "K" else self.named(entry))
                continue
            if type(entry) is not list or not entry or type(entry[0]) is not int or not 0 <= entry[0] < len(classes):
                raise SerialError("an object of no known class")
            info = classes[entry[0]]
            if len(entry) != len(info.fields) + 1:
                raise SerialError(f"a {info.name} with {len(entry) - 1} fields, not {len(info.fields)}")
            arguments = []
            for v in entry[1:]:  # the common cases inline: this loop is the whole cost of reading
                kind = type(v)
                if kind is list and len(v) == 2 and v[0] == "O" and type(v[1]) is int and 0 <= v[1] < len(objects):
                    arguments.append(objects[v[1]])
                elif kind is int or kind is str or kind is bool or v is None:
                    arguments.append(v)
                else:
                    arguments.append(value(v))
            if info.by_keyword:
                add(info.cls(**dict(zip(info.arguments, arguments, strict=True))))
            else:
                add(info.cls(*arguments))
        return [value(root) for root in _list(data["roots"])]

    def class_info(self, entry: Any) -> ClassInfo:
        entry = _list(entry)
        if len(entry) != 2 or not isinstance(entry[0], str):
            raise SerialError("a class entry is a name and its fields")
        info = self.table.classes.get(entry[0])
        if info is None:
            raise SerialError(f"no class {entry[0]!r} to read")
        if entry[1] != list(info.fields):
            raise SerialError(f"{info.name} was written with other fields: {entry[1]}")
        return info

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
        if len(v) != 2 or not isinstance(v[1], str) or v[1] not in self.external:
            raise SerialError(f"nothing named {v[1:]!r} was given")
        return self.external[v[1]]

    def mapping(self, v: list[Any]) -> dict[Any, Any]:
        if len(v) % 2 != 1:
            raise SerialError("a mapping with a key and no value")
        items = list(map(self.value, v[1:]))
        return dict(zip(items[::2], items[1::2], strict=True))


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

"""The checked program's classes share one ``__repr__`` (:mod:`policylang.base.reprs`): it writes what attrs would."""

from __future__ import annotations

from typing import Any

import attrs

import policylang
from policylang.base.reprs import attrs_repr
from policylang.ir import program as ir


def _classes() -> list[type[Any]]:
    return [v for v in vars(ir).values() if isinstance(v, type) and attrs.has(v) and v.__module__ == ir.__name__]


def test_a_program_objects_repr_is_the_one_attrs_would_write() -> None:
    seen: dict[type[Any], Any] = {}
    todo: list[Any] = []
    for name in ("residence/help_and_repatriation", "child_protection/migrant_children", "examples/benefit"):
        todo.append(policylang.load(name).program)
    visited: set[int] = set()
    while todo:
        node = todo.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, tuple | list | frozenset):
            todo.extend(node)
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif attrs.has(type(node)) and type(node).__module__ == ir.__name__:
            seen.setdefault(type(node), node)
            todo.extend(getattr(node, f.name) for f in attrs.fields(type(node)))
    assert all(cls.__repr__ is attrs_repr for cls in _classes())
    assert len(seen) > len(_classes()) // 2  # the bundled policies use many of them
    for cls, node in seen.items():
        fields = attrs.fields(cls)
        # the same class as attrs makes it, with attrs' own __repr__, holding the same values
        twin = attrs.make_class(cls.__name__, {f.name: attrs.field(repr=f.repr) for f in fields}, frozen=True)
        twin.__qualname__ = cls.__qualname__
        assert repr(node) == repr(twin(*[getattr(node, f.name) for f in fields])), cls

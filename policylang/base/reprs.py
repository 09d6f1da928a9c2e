"""One ``__repr__`` for the attrs classes of a module, instead of one compiled by attrs for each.

attrs writes and compiles a ``__repr__`` for every class it makes; for the many small
classes of the syntax tree and the checked program that is a third of the time importing
their modules takes, which every process that loads a policy pays. :func:`share_repr`
gives the classes of a module made with ``repr=False`` one function that writes the text
attrs would. Their objects are frozen trees without cycles, so attrs' guard against
cycles is not needed.

>>> import attrs
>>> @attrs.frozen(repr=False)
... class Point:
...     x: int
...     y: int = attrs.field(default=0, repr=False)
>>> Point.__repr__ = attrs_repr
>>> Point(1, 2)
Point(x=1)
"""

from __future__ import annotations

from typing import Any

import attrs


def attrs_repr(self: Any) -> str:
    """The text attrs would write for an object (``Name(name='x', span=Span(...))``)."""
    cls = type(self)
    shown = ", ".join(
        f"{f.name}={f.repr(getattr(self, f.name)) if callable(f.repr) else repr(getattr(self, f.name))}"
        for f in attrs.fields(cls)
        if f.repr
    )
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({shown})"


def share_repr(names: dict[str, object], module: str) -> None:
    """Give every attrs class of ``module`` among ``names`` (a module's ``globals()``) :func:`attrs_repr`."""
    for value in names.values():
        if isinstance(value, type) and attrs.has(value) and value.__module__ == module:
            value.__repr__ = attrs_repr  # type: ignore[method-assign]

"""Every public module, class and function of policylang says what it is in a docstring.

Public means: the names in ``policylang.__all__``, and in every module whose name has no
part starting with ``_``, the names in its ``__all__`` (or, without one, the classes and
functions it defines whose names do not start with ``_``). For the classes of
``policylang.__all__`` (the main API), their public methods and properties too; and the
API reference (``docs/api.rst``) lists every name of ``policylang.__all__``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import policylang


def _module_names() -> list[str]:
    names = ["policylang"]
    for info in pkgutil.walk_packages(policylang.__path__, "policylang."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:  # an optional dependency of an extra, not installed here
        if e.name and not e.name.startswith("policylang"):
            pytest.skip(f"{name} needs {e.name}")
        raise


def _documented(obj: Any) -> bool:
    doc = obj.__doc__  # a class's own docstring: inspect.getdoc would inherit its base's
    return isinstance(doc, str) and bool(doc.strip())


def _public_objects(module: ModuleType) -> Iterator[tuple[str, Any]]:
    explicit = getattr(module, "__all__", None)
    names = explicit if explicit is not None else [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if explicit is None and getattr(obj, "__module__", None) != module.__name__:
            continue  # imported from elsewhere: checked where it is defined
        yield name, obj


def _methods(cls: type) -> Iterator[tuple[str, Any]]:
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            member = member.fget
        elif isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if inspect.isfunction(member):
            yield name, member


@pytest.mark.parametrize("name", _module_names())
def test_public_classes_and_functions_have_docstrings(name: str) -> None:
    module = _import(name)
    assert _documented(module), f"module {name} has no docstring saying what it owns"
    missing = [f"{name}.{n}" for n, obj in _public_objects(module) if not _documented(obj)]
    assert not missing, "no docstring: " + ", ".join(missing)


@pytest.mark.parametrize("name", sorted(n for n in policylang.__all__ if inspect.isclass(getattr(policylang, n))))
def test_the_main_api_documents_its_methods(name: str) -> None:
    cls = getattr(policylang, name)
    missing = [f"{name}.{m}" for m, f in _methods(cls) if not _documented(f)]
    assert not missing, "no docstring: " + ", ".join(missing)


def test_the_walk_finds_the_modules_and_their_names() -> None:
    names = _module_names()
    assert {"policylang", "policylang.policy.policy", "policylang.sphinx.directive", "policylang.testing"} <= set(names)
    assert not any(part.startswith("_") for n in names for part in n.split("."))
    public = dict(_public_objects(importlib.import_module("policylang.policy.loader")))
    assert "load" in public and "Policy" not in public  # Policy is imported there, defined elsewhere


def test_the_api_reference_lists_every_name_of_the_main_api() -> None:
    text = (Path(__file__).parent.parent / "docs" / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"policylang\.(\w+)", text))
    traced = {"TraceNode", "Tracer", "Recorder"}  # documented through ``automodule:: policylang.trace``
    missing = sorted(n for n in policylang.__all__ if n not in listed | traced)
    assert not missing, f"not in docs/api.rst: {missing}"

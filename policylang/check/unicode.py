"""Text that reads differently from what it is: look-alike names and bidirectional controls.

Policy text is read by people who sign off on it. Two things let it say one thing to them
and another to policylang, and both are warnings here:

* ``pol-bidi-control``: a character that changes the direction text is shown in
  (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), anywhere in the file, also in
  comments and texts, where it can make code look like a comment or reorder a condition
  on screen ("Trojan Source");
* ``pol-confusable-name``: a declared name that a reader cannot tell from a plain one: it
  mixes scripts, uses Cyrillic, Greek or similar letters that look Latin (``аge`` with a
  Cyrillic ``а``), or is written with compatibility characters such as fullwidth letters
  (``ａｇｅ``). Danish and other Latin letters (æ, ø, å, é) are of course fine.

Names are Unicode-normalised (NFC) before they are parsed (:mod:`policylang.syntax.parser`),
so a decomposed ``å`` is the name it looks like and needs no warning.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from policylang.base.errors import Diagnostic
from policylang.base.span import Span, point
from policylang.syntax import ast

BIDI = {
    "\u061c": "ARABIC LETTER MARK",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}
# Scripts whose letters include look-alikes of Latin ones.
LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN")
DECLARING = (
    ast.FactDecl,
    ast.ParameterDecl,
    ast.LetDecl,
    ast.DecisionDecl,
    ast.TypeDecl,
    ast.FactorDecl,
    ast.ConstraintDecl,
    ast.WarningDecl,
    ast.EnumMember,
    ast.FieldExpr,
)


def unicode_diagnostics(modules: Sequence[ast.Module]) -> list[Diagnostic]:
    """The ``pol-bidi-control`` and ``pol-confusable-name`` warnings of every module."""
    found: list[Diagnostic] = []
    for module in modules:
        text = module.span.source.text
        if text.isascii():
            continue
        found.extend(_bidi(module))
        for name, span in _declared(module):
            problem = confusable(name)
            if problem:
                found.append(
                    Diagnostic(
                        "pol-confusable-name",
                        f"the name `{name}` {problem}",
                        span,
                        "warning",
                        hint="write names in Latin letters (æ, ø and å are fine), so that a reader sees what they are",
                    )
                )
    return found


def confusable(name: str) -> str | None:
    """Why ``name`` may be mistaken for another name, or ``None``.

    >>> confusable("alder_år") is None
    True
    >>> confusable("\\u0430ge")
    'is written with Cyrillic letters that look like Latin ones (U+0430)'
    >>> confusable("\\uff41ge")
    'is written with compatibility characters: it looks like `age` (U+FF41)'

    """
    if name.isascii():
        return None
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        odd = next(c for c in name if unicodedata.normalize("NFKC", c) != c)
        return f"is written with compatibility characters: it looks like `{normal}` (U+{ord(odd):04X})"
    scripts: dict[str, str] = {}
    for c in name:
        if not c.isalpha():
            continue
        script = "LATIN" if c.isascii() else unicodedata.name(c, "UNKNOWN").split(" ")[0]
        scripts.setdefault(script, c)
    for script in LOOKALIKE_SCRIPTS:
        if script in scripts:
            letters = script.capitalize()
            return f"is written with {letters} letters that look like Latin ones (U+{ord(scripts[script]):04X})"
    if len(scripts) > 1:
        return "mixes letters of several scripts: " + ", ".join(s.capitalize() for s in sorted(scripts))
    return None


def _bidi(module: ast.Module) -> Iterator[Diagnostic]:
    source = module.span.source
    if not any(c in source.text for c in BIDI):  # the usual file: one pass of str.find per character, in C
        return
    for number, line in enumerate(source.text.splitlines(), start=1):
        for column, c in enumerate(line, start=1):
            if c in BIDI:
                yield Diagnostic(
                    "pol-bidi-control",
                    f"an invisible character that changes the direction of the text (U+{ord(c):04X} {BIDI[c]})",
                    point(source, number, column),
                    "warning",
                    hint="the line may be shown in another order than policylang reads it; remove the character",
                )


def _declared(module: ast.Module) -> Iterator[tuple[str, Span]]:
    """Every name the module declares (values, types, enum members, record fields), with its span."""
    stack: list[Any] = list(module.declarations)
    while stack:
        node = stack.pop()
        if isinstance(node, tuple | list):
            stack.extend(node)
            continue
        names = _walked_fields(type(node))
        if names is None:
            continue
        if isinstance(node, DECLARING):
            yield node.name, node.span
        for name in names:
            value = getattr(node, name)
            if isinstance(value, tuple | list) or _walked_fields(type(value)) is not None:
                stack.append(value)


_WALKED: dict[type, tuple[str, ...] | None] = {}


def _walked_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a node of the AST (an attrs class, not a span) to look into; ``None`` for other values."""
    try:
        return _WALKED[cls]
    except KeyError:
        names = None if not attrs.has(cls) or issubclass(cls, Span) else tuple(f.name for f in attrs.fields(cls))
        _WALKED[cls] = names
        return names

"""Diagnostics and the ``PolicyError`` hierarchy: every problem a user can cause.

A :class:`Diagnostic` has a stable code (``pol-unknown-name``), a severity, a message, a
span and an optional hint. Errors raised for bad input are subclasses of
:class:`PolicyError`; none of them is a Python traceback for the user.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

from policylang.base.span import Span

Severity = Literal["error", "warning"]
LONGEST = 1000  # characters of a message (and of a source line in an excerpt) shown whole


def bounded(text: str) -> str:
    """``text``, cut in the middle when it is longer than :data:`LONGEST` (a message quoting a 1 MB line).

    >>> len(bounded("x" * 10**6)) <= LONGEST
    True
    """
    if len(text) <= LONGEST:
        return text
    return (
        f"{text[: LONGEST * 2 // 3]} ... ({len(text) - LONGEST + 40:,} characters left out) ... {text[-LONGEST // 4 :]}"
    )


def _bounded_hint(text: str | None) -> str | None:
    return None if text is None else bounded(text)


@attrs.frozen
class Replacement:
    """A fix a tool can apply: write ``suggested`` instead of ``written``, which is in the diagnostic's span."""

    written: str
    suggested: str


@attrs.frozen
class Diagnostic:
    """One problem found in a policy: what, where, and how to fix it.

    ``fix`` is the hint in a form a tool can apply (an editor's quick fix): the name a
    "did you mean" hint suggests, with the misspelt text it replaces.
    """

    code: str
    message: str = attrs.field(converter=bounded)
    span: Span | None = attrs.field()
    severity: Severity = "error"
    hint: str | None = attrs.field(default=None, converter=_bounded_hint)
    fix: Replacement | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        """Sort by file, line, column, then code: how the checker orders what it reports."""
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def format(self) -> str:
        """Render as ``file:line:col: severity[code]: message`` with a caret excerpt.

        >>> from policylang.base.span import Source, Span
        >>> src = Source("p.pol", "fact x: nt")
        >>> d = Diagnostic("pol-unknown-type", "unknown type `nt`", Span(src, 1, 9, 1, 11),
        ...                hint="did you mean `int`?")
        >>> print(d.format())
        p.pol:1:9: error[pol-unknown-type]: unknown type `nt`
          1 | fact x: nt
            |         ^^
          = help: did you mean `int`?
        """
        if self.span is None:
            head = f"{self.severity}[{self.code}]: {self.message}"
        else:
            head = f"{self.span}: {self.severity}[{self.code}]: {self.message}"
        lines = [head]
        if self.span is not None:
            text = self.span.source.line(self.span.line)
            if text:
                number = str(self.span.line)
                pad = " " * len(number)
                end = self.span.end_column if self.span.end_line == self.span.line else len(text) + 1
                text, start, end = _excerpt(text, self.span.column - 1, end - 1)
                lines.append(f"  {number} | {text}")
                lines.append(f"  {pad} | {' ' * start}{'^' * max(1, end - start)}")
        if self.hint:
            lines.append(f"  = help: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """The JSON form ``policylang check --format json`` prints."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "span": self.span.to_dict() if self.span else None,
            "hint": self.hint,
        }


def _excerpt(line: str, start: int, end: int, width: int = 120) -> tuple[str, int, int]:
    """The part of a long source line around columns ``start`` to ``end`` (0-based), and their new places.

    >>> text, start, end = _excerpt("x" * 500 + "ERR" + "y" * 500, 500, 503)
    >>> len(text), text[start:end]
    (126, 'ERR')
    """
    if not line.isascii():  # invisible controls (U+202E ...) would reorder the excerpt on screen: show them as �
        line = "".join("\ufffd" if unicodedata.category(c) == "Cf" else c for c in line)
    if len(line) <= width:
        return line, start, end
    end = min(end, start + width // 2)  # the caret shows where it starts; a long span is cut
    left = max(0, min(start - width // 3, len(line) - width))
    right = min(len(line), left + width)
    prefix = "..." if left > 0 else ""
    suffix = "..." if right < len(line) else ""
    return prefix + line[left:right] + suffix, start - left + len(prefix), end - left + len(prefix)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, line, column and code, dropping exact duplicates."""
    seen: set[tuple[object, ...]] = set()
    result = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (d.sort_key(), d.message)
        if key not in seen:
            seen.add(key)
            result.append(d)
    return result


class PolicyError(Exception):
    """Base of every error policylang raises for bad input: policy text, facts, files."""

    code = "pol-error"

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        message = bounded(message)
        super().__init__(message)
        self.message = message
        self.diagnostics = list(diagnostics)

    def format(self) -> str:
        """The error as a person should see it on the command line."""
        if self.diagnostics:
            return "\n".join(d.format() for d in self.diagnostics)
        return f"error[{self.code}]: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The JSON form: ``code`` and ``message``, and the ``diagnostics`` with their spans where there are any.

        What ``policylang ... --format json`` prints on standard error and ``policylang serve``
        answers, inside ``{"error": ...}``.

        >>> PolicyError("no policy file at x.pol").to_dict()
        {'code': 'pol-error', 'message': 'no policy file at x.pol'}
        """
        data: dict[str, object] = {"code": self.code, "message": self.message}
        if self.diagnostics:
            data["diagnostics"] = [d.to_dict() for d in self.diagnostics]
        return data


class RecordError(PolicyError):
    """A stored result record is not of the result format, or not of the version of the policy loaded."""

    code = "pol-record"


class PolicyNotFoundError(PolicyError):
    """A policy name or path, or an imported file, does not exist."""

    code = "pol-not-found"


class PolicySyntaxError(PolicyError):
    """The text of a policy file does not follow the grammar."""

    code = "pol-syntax"


class PolicyCheckError(PolicyError):
    """A policy parses but is wrong: unknown names, type errors, duplicate rule IDs."""

    code = "pol-check"


class FactError(PolicyError):
    """A fact set is invalid: a wrong type, a value outside its enum, a broken constraint."""

    code = "pol-fact"

    def __init__(
        self,
        message: str,
        *,
        facts: Sequence[str] = (),
        value: object = None,
        expected: str | None = None,
        hint: str | None = None,
        code: str | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.facts = list(facts)
        self.value = value
        self.expected = expected
        self.hint = hint
        if code is not None:
            self.code = code
        self.source = source
        self.also: list[FactError] = []  # the fact set's other bad facts, each with its own error

    @property
    def fact(self) -> str | None:
        """The (first) fact the error is about."""
        return self.facts[0] if self.facts else None

    def format(self) -> str:
        """The message, with the fact set's file when it is known, and the hint."""
        return "\n".join(error.format_one(self.source) for error in (self, *self.also))

    def format_one(self, source: str | None) -> str:
        """This error alone (without ``also``), with the fact set's file when it is known."""
        where = f"{source}: " if source else ""
        text = f"{where}error[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  = help: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        """The JSON form: code, message, the fact (and all the facts) it is about, the value given,
        what was expected and a hint (``also``: the other bad facts, each in this form).

        >>> FactError("not a date", facts=["as_of"], value="1.1.2024", expected="date").to_dict()["value"]
        '1.1.2024'
        """
        data: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "fact": self.fact,
            "facts": self.facts,
            "value": shown_value(self.value),
            "expected": self.expected,
            "hint": self.hint,
        }
        if self.source:
            data["file"] = self.source
        if self.also:
            data["also"] = [other.to_dict() for other in self.also]
        return data


def shown_value(value: object, most: int = 200) -> object:
    """A value given in a fact set, as JSON can carry it and short enough to quote in an error.

    >>> shown_value("x" * 1000)[-12:]
    '(1000 chars)'
    >>> from decimal import Decimal
    >>> shown_value(Decimal("1.5")), shown_value([1, 2]), shown_value(None)
    ('1.5', [1, 2], None)
    """
    if value is None or isinstance(value, bool | int | float | str):
        text = value
    elif isinstance(value, list | dict) and len(repr(value)) <= most:
        return value
    else:
        text = str(value)
    if isinstance(text, str) and len(text) > most:
        return f"{text[: most - 20]}... ({len(text)} chars)"
    if isinstance(text, int) and text.bit_length() > 128:  # str() of a huge int is slow, and refused past 4,300 digits
        return f"an integer of about {int(text.bit_length() * 0.30103) + 1} digits"
    return text


class ParameterError(FactError):
    """A parameter override is invalid: unknown name, wrong type, bad expression."""

    code = "pol-parameter"


class EvaluationError(PolicyError):
    """Evaluation went wrong in a way the policy author must fix (e.g. division by zero)."""

    code = "pol-evaluation"


class ConflictError(EvaluationError):
    """Two rules without an exception between them both apply and disagree."""

    code = "pol-conflict"

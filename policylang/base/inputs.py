"""Read JSON input that may be hostile: facts, parameters and case files.

:func:`read_input` reads a file (or standard input) of at most
:attr:`Limits.input_bytes <policylang.base.limits.Limits.input_bytes>` bytes, as UTF-8 with
or without a byte order mark; :func:`parse_json` parses it so that nothing in it can make
policylang misbehave later: numbers with a fraction become exact ``Decimal``, a whole number
too long for any ``int`` of the language stays a ``Decimal`` (so the fact's check names it,
and Python never converts thousands of digits), ``NaN`` and ``Infinity`` become the
non-finite decimals the fact checks refuse by name, a key written twice in one object is
an error, and values nested deeper than :attr:`Limits.nesting
<policylang.base.limits.Limits.nesting>` are an error. Every problem is a
:class:`~policylang.base.errors.PolicyError` that names the file (with line and column where
the parser knows them), never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from policylang.base.errors import Diagnostic, PolicyError
from policylang.base.limits import DEFAULT, LimitError, Limits
from policylang.base.span import Source, point


class InputError(PolicyError):
    """A facts, parameters or case file that cannot be read or is not valid JSON."""

    code = "pol-json"


def read_input(path: str, what: str, limits: Limits = DEFAULT) -> str:
    """The text of ``path`` (``-``: standard input), at most ``limits.input_bytes`` long."""
    most = limits.input_bytes
    try:
        if path == "-":
            stream = sys.stdin
            if stream is None or getattr(stream, "closed", False):
                raise InputError(f"-: cannot read the {what} from standard input: it is closed")
            buffer = getattr(stream, "buffer", None)
            data: bytes | str = buffer.read(most + 1) if buffer is not None else stream.read(most + 1)
        else:
            with Path(path).open("rb") as f:
                data = f.read(most + 1)
    except (OSError, ValueError) as e:  # ValueError: a stream closed under us
        reason = getattr(e, "strerror", None) or str(e)
        raise InputError(f"{path}: cannot read the {what} file ({reason})") from None
    if len(data) > most:
        raise LimitError(
            f"{path}: the {what} file is larger than {most:,} bytes, the limit `input_bytes` (policylang.Limits)"
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: the {what} file is not UTF-8 text (byte {e.start + 1})") from None


class DuplicateKey(ValueError):
    """A key written twice in one JSON object (raised by :func:`loads`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return result


def _int(text: str) -> int | Decimal:
    # Python refuses to convert more than 4,300 digits (and is slow long before); no int of
    # the language has more than 19, so a longer one stays a Decimal for the checks to refuse.
    return int(text) if len(text) <= 40 else Decimal(text)


def loads(text: str, *, constant: Callable[[str], Any] = Decimal) -> Any:
    """``json.loads`` as every reader of hostile JSON here uses it (files, and the service's bodies).

    Numbers with a fraction are exact ``Decimal``; a whole number of more than 40 digits stays a
    ``Decimal`` (Python would refuse or crawl over thousands); ``NaN`` and ``Infinity`` go to
    ``constant``; a key written twice in one object raises :class:`DuplicateKey`.

    >>> loads('{"a": 1.10, "b": 2}')
    {'a': Decimal('1.10'), 'b': 2}
    """
    return json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=constant, object_pairs_hook=_object)


def parse_json(text: str, path: str, what: str, limits: Limits = DEFAULT) -> Any:
    """The JSON ``text`` of the file ``path``, read the safe way (see the module docstring).

    >>> parse_json('{"a": 1.10, "b": NaN, "c": 1e5}', "f.json", "facts")
    {'a': Decimal('1.10'), 'b': Decimal('NaN'), 'c': Decimal('1E+5')}
    >>> parse_json('{"a": 1, "a": 2}', "f.json", "facts")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    policylang.base.inputs.InputError: the facts file f.json is not valid JSON: the key "a" is written twice ...
    """
    try:
        data = loads(text)
    except json.JSONDecodeError as e:
        message = f"the {what} file is not valid JSON: {e.msg}"
        diagnostic = Diagnostic("pol-json", message, point(Source(path, text), e.lineno, e.colno))
        raise InputError(message, [diagnostic]) from None
    except DuplicateKey as e:
        raise InputError(
            f"the {what} file {path} is not valid JSON: the key {_shown(e.key)} is written twice in one object"
        ) from None
    except RecursionError:
        raise LimitError(f"{path}: the {what} file is nested too deeply to read") from None
    except ValueError as e:
        raise InputError(f"the {what} file {path} is not valid JSON: {e}") from None
    check_depth(data, f"{path}: the {what} file", limits)
    return data


def check_depth(value: Any, what: str, limits: Limits = DEFAULT) -> None:
    """Refuse lists and objects nested deeper than ``limits.nesting`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limits.nesting:
            raise LimitError(
                f"{what} nests lists and objects more than {limits.nesting} deep, "
                "the limit `nesting` (policylang.Limits)"
            )
        stack.extend((child, depth + 1) for child in children)


def _shown(key: str) -> str:
    text = json.dumps(key)
    return text if len(text) <= 60 else text[:57] + '..."'


__all__ = ["DuplicateKey", "InputError", "check_depth", "loads", "parse_json", "read_input"]

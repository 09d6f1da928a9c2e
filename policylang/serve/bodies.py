"""A request's body: read within a size limit, parsed as JSON, and checked field by field.

Every route that evaluates takes one JSON object; :data:`FIELDS` says which fields each
accepts, of what kind, and their defaults. An unknown field, or a field of the wrong
kind, is a 422 that names it (with "did you mean" for a misspelt one), before anything
is evaluated.

>>> body = request_from({"facts": {"as_of": "2024-01-01"}, "trace": False}, "evaluate")
>>> body.facts, body.trace, body.exhaustive
({'as_of': '2024-01-01'}, False, False)
>>> request_from({"fact": {}}, "evaluate")
Traceback (most recent call last):
...
policylang.serve.errors.ApiError: the body has no field `fact`
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from policylang.base.inputs import DuplicateKey, loads
from policylang.base.suggest import suggest
from policylang.serve.errors import BAD_JSON, TOO_LARGE, ApiError, request_error

UNSUPPORTED_MEDIA = 415


@attrs.frozen
class Field:
    """One field of a request body: the JSON kind it must be, in words, and its value when absent."""

    kind: str
    default: Any = None


OBJECT, BOOL, NAMES, COUNT = "an object", "true or false", "a list of decision names", "a whole number, 0 or more"

_COMMON = {
    "facts": Field(OBJECT),
    "parameters": Field(OBJECT),
    "exhaustive": Field(BOOL, False),
    "ignore_unknown_facts": Field(BOOL, False),
}
FIELDS: dict[str, dict[str, Field]] = {
    "evaluate": {**_COMMON, "trace": Field(BOOL, True)},
    "explain": {**_COMMON, "decisions": Field(NAMES), "why_not": Field(BOOL, False), "record": Field(OBJECT)},
    "questions": {**_COMMON, "decisions": Field(NAMES), "limit": Field(COUNT)},
}


@attrs.frozen
class Body:
    """What a request asks for: the fact set (or a stored result), parameters and options."""

    facts: dict[str, Any]
    parameters: dict[str, Any]
    exhaustive: bool = False
    ignore_unknown_facts: bool = False
    trace: bool = True
    decisions: list[str] | None = None
    why_not: bool = False
    record: dict[str, Any] | None = None
    limit: int | None = None


def request_from(data: Any, route: str) -> Body:
    """The body of a request to ``route`` (a key of :data:`FIELDS`), or a 422 :class:`ApiError`."""
    fields = FIELDS[route]
    if not isinstance(data, dict):
        raise request_error(f'the body must be a JSON object such as {{"facts": {{}}}}, not {_kind(data)}')
    for name in data:
        if name not in fields:
            raise request_error(f"the body has no field `{name}`", field=name, hint=suggest(name, fields))
    values = {name: _checked(name, data[name], field) for name, field in fields.items() if name in data}
    if route == "explain" and "facts" in values and "record" in values:
        raise request_error("give either `facts` (to evaluate) or `record` (a stored result), not both", field="record")
    values.setdefault("facts", {})
    values.setdefault("parameters", {})
    return Body(**{name: value for name, value in values.items() if value is not None})


def _checked(name: str, value: Any, field: Field) -> Any:
    if value is None:
        return field.default
    ok = {
        OBJECT: isinstance(value, dict),
        BOOL: isinstance(value, bool),
        NAMES: isinstance(value, list) and all(isinstance(item, str) for item in value),
        COUNT: isinstance(value, int) and not isinstance(value, bool) and value >= 0,
    }[field.kind]
    if not ok:
        raise request_error(f"`{name}` must be {field.kind}, not {_kind(value)}", field=name)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a text" if isinstance(value, str) else "null"


async def read_body(chunks: AsyncIterator[bytes], headers: Mapping[str, str], most: int) -> bytes:
    """A JSON body of at most ``most`` bytes (415 when it says it is not JSON, 413 beyond the size)."""
    kind = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind not in ("application/json", "") and not kind.endswith("+json"):
        raise ApiError(
            UNSUPPORTED_MEDIA,
            "pol-media-type",
            f"the body is {kind}; send JSON, with the header Content-Type: application/json",
        )
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise _too_large(most)
    received = bytearray()
    async for chunk in chunks:
        received += chunk
        if len(received) > most:
            raise _too_large(most)
    return bytes(received)


def _too_large(most: int) -> ApiError:
    return ApiError(TOO_LARGE, "pol-too-large", f"the body is larger than {most:,} bytes, the service's limit")


def parse_json(data: bytes) -> Any:
    """A body's JSON: UTF-8, numbers with a fraction as exact ``Decimal``, no key twice in one object.

    >>> parse_json(b'{"a": 1.10}')
    {'a': Decimal('1.10')}
    >>> parse_json(b'{"a": 1,}')
    Traceback (most recent call last):
    ...
    policylang.serve.errors.ApiError: the body is not valid JSON: Expecting property name enclosed in double quotes
    """
    if not data.strip():
        raise ApiError(BAD_JSON, "pol-json", 'the body is empty: send a JSON object such as {"facts": {}}')
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ApiError(BAD_JSON, "pol-json", f"the body is not UTF-8 text (byte {e.start + 1})") from None
    try:
        return loads(text, constant=_no_constant)
    except json.JSONDecodeError as e:
        raise _not_json(e.msg, line=e.lineno, column=e.colno) from None
    except DuplicateKey as e:
        raise _not_json(f"the key {e.key!r} is written twice") from None
    except (RecursionError, ValueError):
        raise _not_json("nested too deeply, or a number too long") from None


def _not_json(why: str, **where: int) -> ApiError:
    return ApiError(BAD_JSON, "pol-json", f"the body is not valid JSON: {why}", **where)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


__all__ = ["FIELDS", "Body", "parse_json", "read_body", "request_from"]

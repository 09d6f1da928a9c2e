"""A test case: facts in, the decisions and reasons expected out, read from the case format.

The contract's JSON case and the YAML case files (:mod:`policylang.testing.yamlcases`) both
become a :class:`Case` through :func:`case_from_dict`, which says clearly where a case is
malformed; :mod:`policylang.testing.cases` reads the files and runs the cases.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from policylang.base.errors import PolicyError


class CaseFileError(PolicyError):
    """A case file cannot be read or does not have the case format."""

    code = "pol-case-file"


@attrs.frozen
class Case:
    """One test case: facts in, expected decisions and reasons out."""

    policy: str
    id: str
    facts: dict[str, Any]
    expected: dict[str, Any]
    rules: tuple[str, ...] = ()
    rules_absent: tuple[str, ...] = ()
    undetermined: dict[str, list[str]] | None = None
    no_rule: tuple[str, ...] | None = None
    missing: tuple[str, ...] | None = None
    error: dict[str, Any] | None = None
    parameters: dict[str, Any] = attrs.Factory(dict)
    title: str = ""
    note: str = ""
    skip: str | None = None
    file: str = ""
    line: int = 1
    tolerances: dict[str, Decimal] = attrs.Factory(dict)  # decision -> how far its number may be from expected


def case_from_dict(data: Any, file: str, line: int, defaults: Mapping[str, Any] | None = None) -> Case:
    """Build a case from its JSON/YAML form, with clear errors for a malformed one."""
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise CaseFileError(f"{file}:{line}: a case must be an object")
    merged = {**(defaults or {}), **data}
    for key in ("policy", "facts"):
        if key not in merged:
            raise CaseFileError(f"{file}:{line}: the case has no `{key}`")
    known = {
        "policy",
        "id",
        "title",
        "note",
        "facts",
        "expected",
        "rules",
        "rules_absent",
        "undetermined",
        "no_rule",
        "missing",
        "error",
        "parameters",
        "skip",
        "tolerances",
    }
    unknown = sorted(set(merged) - known)
    if unknown:
        raise CaseFileError(
            f"{file}:{line}: unknown key `{unknown[0]}` in a case (allowed: {', '.join(sorted(known))})"
        )
    where = f"{file}:{line}"
    if not isinstance(merged["policy"], str) or not merged["policy"]:
        raise CaseFileError(f"{where}: `policy` must be a text: a bundled name or a path to a .pol file")
    if not isinstance(merged["facts"], Mapping):
        raise CaseFileError(f"{where}: `facts` must be an object")
    facts = _mapping(merged, "facts", where)
    expected = _mapping(merged, "expected", where)
    parameters = _mapping(merged, "parameters", where)
    tolerances = _tolerances(_mapping(merged, "tolerances", where), expected, where)
    error = merged.get("error")
    if error is not None and not isinstance(error, Mapping):
        if isinstance(error, list | dict):
            raise CaseFileError(f"{where}: `error` must be an error code or an object with `code`, `fact`, ...")
        error = {"code": str(error)}
    if error is not None:
        for key in ("code", "fact", "message_contains"):
            if error.get(key) is not None and not isinstance(error[key], str):
                raise CaseFileError(f"{where}: `error.{key}` must be a text")
    undetermined = merged.get("undetermined")
    if undetermined is not None:
        if not isinstance(undetermined, Mapping):
            raise CaseFileError(f"{where}: `undetermined` must be an object from decision names to lists of facts")
        for name, waiting in undetermined.items():
            if waiting is not None and not _texts(waiting):
                raise CaseFileError(f"{where}: `undetermined.{name}` must be a list of fact names")
        undetermined = {
            str(name): list(waiting) if waiting is not None else None for name, waiting in undetermined.items()
        }
    return Case(
        policy=policy_reference(merged["policy"], file),
        id=str(merged.get("id") or Path(file).stem),
        facts=dict(facts),
        expected=dict(expected),
        rules=_names(merged, "rules", where) or (),
        rules_absent=_names(merged, "rules_absent", where) or (),
        undetermined=undetermined,
        missing=_names(merged, "missing", where),
        no_rule=_names(merged, "no_rule", where),
        error=dict(error) if error is not None else None,
        parameters=dict(parameters),
        title=str(merged.get("title") or ""),
        note=str(merged.get("note") or ""),
        skip=merged.get("skip"),
        file=file,
        line=line,
        tolerances=tolerances,
    )


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite number as a case writes one (``true`` is not a number).

    >>> is_number(1), is_number(2.5), is_number(True), is_number("3"), is_number(float("nan"))
    (True, True, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return isinstance(value, int) or (math.isfinite(value) if isinstance(value, float) else value.is_finite())


def _tolerances(data: Mapping[str, Any], expected: Mapping[str, Any], where: str) -> dict[str, Decimal]:
    """``tolerances``: for decisions the case expects a number of, how far the result may be from it."""
    found: dict[str, Decimal] = {}
    for name, tolerance in data.items():
        if not is_number(tolerance) or tolerance < 0:
            raise CaseFileError(
                f"{where}: the tolerance of `{name}` must be a number of 0 or more, such as 0.01, "
                f"not {_json(tolerance)}"
            )
        if name not in expected:
            raise CaseFileError(
                f"{where}: a tolerance for `{name}`, but the case expects no value of `{name}`: "
                f'add it to `expected` (`"{name}": 1234.5`) or remove the tolerance'
            )
        if not is_number(expected[name]):
            raise CaseFileError(
                f"{where}: a tolerance for `{name}`, whose expected value {_json(expected[name])} is not a number: "
                "a tolerance applies only to numbers"
            )
        found[name] = Decimal(str(tolerance))
    return found


def _json(value: Any) -> str:
    """A value as a case writes it (a number read from JSON as a ``Decimal`` without quotes)."""
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _mapping(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """``data[key]``, an object (absent or null: an empty one)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise CaseFileError(f"{where}: `{key}` must be an object (names to values)")
    return value


def _texts(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _names(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    """``data[key]``, a list of names (rule IDs, decisions, facts), or ``None`` when absent."""
    value = data.get(key)
    if value is None:
        return None
    if not _texts(value):
        raise CaseFileError(f'{where}: `{key}` must be a list of names, such as ["RES-HELP-02"]')
    return tuple(value)


def policy_reference(policy: str, file: str) -> str:
    """The policy a case file names: a bundled name, or a path to a ``.pol`` file.

    A relative ``.pol`` path is read relative to the case file when the policy is there,
    so a case file next to its policy can say ``"policy": "leave.pol"``; otherwise it is
    read as written (relative to the working folder).

    >>> policy_reference("examples/benefit", "cases/x.json")
    'examples/benefit'
    """
    if policy.endswith(".pol") and not Path(policy).is_absolute():
        beside = Path(file).parent / policy
        if beside.is_file():
            return str(beside)
    return policy

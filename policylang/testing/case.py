"""A test case: facts in, the decisions and reasons expected out, read from the case format.

The contract's JSON case and the YAML case files (:mod:`policylang.testing.yamlcases`) both
become a :class:`Case` through :func:`case_from_dict`, which says clearly where a case is
malformed; :mod:`policylang.testing.cases` reads the files and runs the cases.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def case_from_dict(data: Any, file: str, line: int, defaults: Mapping[str, Any] | None = None) -> Case:
    """Build a case from its JSON/YAML form, with clear errors for a malformed one."""
    if not isinstance(data, Mapping):
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
    }
    unknown = sorted(set(merged) - known)
    if unknown:
        raise CaseFileError(
            f"{file}:{line}: unknown key `{unknown[0]}` in a case (allowed: {', '.join(sorted(known))})"
        )
    if not isinstance(merged["facts"], Mapping):
        raise CaseFileError(f"{file}:{line}: `facts` must be an object")
    expected = merged.get("expected") or {}
    if not isinstance(expected, Mapping):
        raise CaseFileError(f"{file}:{line}: `expected` must be an object")
    error = merged.get("error")
    if error is not None and not isinstance(error, Mapping):
        error = {"code": str(error)}
    return Case(
        policy=policy_reference(str(merged["policy"]), file),
        id=str(merged.get("id") or Path(file).stem),
        facts=dict(merged["facts"]),
        expected=dict(expected),
        rules=tuple(merged.get("rules") or ()),
        rules_absent=tuple(merged.get("rules_absent") or ()),
        undetermined=merged.get("undetermined"),
        missing=tuple(merged["missing"]) if merged.get("missing") is not None else None,
        no_rule=tuple(merged["no_rule"]) if merged.get("no_rule") is not None else None,
        error=dict(error) if error is not None else None,
        parameters=dict(merged.get("parameters") or {}),
        title=str(merged.get("title") or ""),
        note=str(merged.get("note") or ""),
        skip=merged.get("skip"),
        file=file,
        line=line,
    )


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

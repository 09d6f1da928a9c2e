"""Test cases for policies: load case files and check a policy's result against them.

A case (the contract's JSON format) names a policy, gives facts, the decisions
expected and the rule IDs the explanation must cite. :func:`run_case` evaluates it and
returns a :class:`CaseOutcome` listing every difference, so that the command line and the
pytest plugin report failures the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import attrs

from policylang.base.errors import FactError, PolicyError
from policylang.base.inputs import InputError, parse_json, read_input
from policylang.base.limits import DEFAULT, Limits
from policylang.engine.result import Result
from policylang.testing.case import Case, CaseFileError, case_from_dict, is_number
from policylang.trace.nodes import rule_ids


@attrs.frozen
class Difference:
    """One way a result differs from what the case expects."""

    kind: str  # decision, undetermined, rule, rule_absent, missing, error
    key: str
    expected: Any
    actual: Any
    tolerance: Decimal | None = None  # the case's tolerance for a decision's number
    type: Any = None  # the decision's type: its values are shown exactly, amounts with their currency

    def describe(self) -> str:
        if self.kind == "decision":
            if self.actual is _ABSENT:
                return f"decision `{self.key}`: expected {self._exact(self.expected)}, but it was not decided"
            if self.tolerance is not None:
                off = _off_by(self.expected, self.actual)
                return (
                    f"decision `{self.key}`: expected {self._exact(self.expected)} with a tolerance of "
                    f"{_number(self.tolerance)}, got {self._exact(self.actual)}"
                    + (f", {_number(off)} off" if off is not None else "")
                )
            return f"decision `{self.key}`: expected {self._exact(self.expected)}, got {self._exact(self.actual)}"
        if self.kind == "rule":
            return f"rule `{self.key}` does not appear in the explanation"
        if self.kind == "rule_absent":
            return f"rule `{self.key}` appears in the explanation but should not"
        if self.kind == "undetermined":
            if self.expected is None:
                facts = ", ".join(self.actual) if isinstance(self.actual, list) else _show(self.actual)
                return f"decision `{self.key}` is undetermined (it waits for {facts}), but the case expects it decided"
            if self.actual is _ABSENT:
                waiting = _show(self.expected)
                return f"decision `{self.key}`: expected undetermined (waiting for {waiting}), but it was decided"
            return (
                f"undetermined `{self.key}`: expected it to wait for {_show(self.expected)}, got {_show(self.actual)}"
            )
        if self.kind == "no_rule":
            return f"decision `{self.key}`: no rule applies"
        if self.kind == "missing":
            return f"missing facts: expected {_show(self.expected)}, got {_show(self.actual)}"
        if self.kind == "unknown":  # a name the case uses that the policy does not have
            return f"the policy has no {self.key} `{self.expected}`" + (f" ({self.actual})" if self.actual else "")
        if self.kind == "error" and self.expected is None:
            return f"unexpected error: {self.actual}"
        return f"{self.key}: expected {_show(self.expected)}, got {_show(self.actual)}"

    def _exact(self, value: Any) -> str:
        return _show(value) if self.type is None else exact_text(value, self.type)


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _number(value: Any) -> str:
    """A number as a case writes it (``3000.5``, not ``"3000.5"``); anything else as JSON."""
    if is_number(value) and isinstance(value, Decimal):
        with localcontext() as exact:  # normalize() rounds to the context's digits
            exact.prec = 100
            return str(value.normalize())
    if is_number(value):
        return str(value)
    return _show(value)


def exact_text(value: Any, type_: Any) -> str:
    """A value of a decision as a case's failure shows it: numbers exactly, amounts with their currency.

    >>> from policylang.ir import types as T
    >>> exact_text([Decimal("100"), Decimal("33.33333333333333333333333333333333")], T.ListType(T.money("EUR")))
    '[EUR 100, EUR 33.33333333333333333333333333333333]'
    >>> exact_text(0.33, T.DECIMAL), exact_text("soon", T.money("EUR"))
    ('0.33', '"soon"')
    """
    from policylang.ir import types as T
    from policylang.ir.values import sort_members

    inner = T.strip_optional(type_)
    if is_number(value) and inner in (T.DECIMAL, T.MONEY, T.INT):
        digits = str(value) if isinstance(value, int) else f"{Decimal(str(value)):f}"
        currency = T.currency_of(inner)
        return f"{currency} {digits}" if currency else digits
    if isinstance(value, list | tuple | frozenset) and isinstance(inner, T.ListType | T.SetType):
        items = sort_members(value, inner.element) if isinstance(value, frozenset) else value
        return "[" + ", ".join(exact_text(v, inner.element) for v in items) + "]"
    if isinstance(value, Mapping) and isinstance(inner, T.RecordType | T.MapType):
        fields = ((k, inner.field(k) if isinstance(inner, T.RecordType) else inner.value) for k in value)
        return "{" + ", ".join(f"{_show(k)}: {exact_text(value[k], t or T.ERROR)}" for k, t in fields) + "}"
    return _show(value)


def _off_by(expected: Any, actual: Any) -> Decimal | None:
    """How far a number is from the expected one (``None`` where it is not a number)."""
    if not is_number(actual):
        return None
    with localcontext() as exact:  # enough digits that the difference of two decimals is not rounded
        exact.prec = 100
        return abs(Decimal(str(actual)) - Decimal(str(expected)))


def within(expected: Any, actual: Any, tolerance: Decimal) -> bool:
    """Whether ``actual`` is a number at most ``tolerance`` from ``expected``.

    >>> within(1234.5, 1234.504, Decimal("0.01")), within(1234.5, 1234.52, Decimal("0.01"))
    (True, False)
    """
    off = _off_by(expected, actual)
    return off is not None and off <= tolerance


@attrs.frozen
class CaseOutcome:
    """The result of running one case."""

    case: Case
    differences: tuple[Difference, ...]
    result: Result | None = None
    error: PolicyError | None = None

    @property
    def passed(self) -> bool:
        return not self.differences and (self.error is None or self.case.error is not None)


def read_cases(path: Path, limits: Limits = DEFAULT) -> list[Case]:
    """Read the cases in a ``.json`` file (one case, or a list) or a ``.yaml`` file, within ``limits``."""
    try:
        text = read_input(str(path), "case", limits)
    except InputError as e:
        raise CaseFileError(e.message) from None
    if path.suffix in (".yaml", ".yml"):
        from policylang.testing.yamlcases import parse_yaml_cases

        return parse_yaml_cases(text, str(path), limits)
    try:
        data = parse_json(text, str(path), "case", limits)
    except InputError as e:
        where = e.diagnostics[0].span if e.diagnostics and e.diagnostics[0].span else None
        prefix = f"{path}:{where.line}:{where.column}: " if where else ""
        raise CaseFileError(prefix + e.message) from None
    items = data if isinstance(data, list) else [data]
    return [case_from_dict(item, str(path), 1) for item in items]


def discover(paths: Sequence[str | Path]) -> Iterator[Path]:
    """Case files under ``paths``: ``*.json`` files holding cases, and ``*.cases.yaml``."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and is_case_file(f):
                    yield f
        elif p.exists():
            yield p
        else:
            raise CaseFileError(f"{p}: no such file or folder")


def is_case_file(path: Path) -> bool:
    """Whether ``path`` looks like a case file (a JSON case, or ``*.cases.yaml``)."""
    name = path.name
    if name.endswith((".cases.yaml", ".cases.yml")):
        return True
    if path.suffix != ".json" or name.endswith(".schema.json"):
        return False
    try:
        with path.open("rb") as f:
            head = f.read(4000).decode("utf-8", "replace")  # the head only, however large the file
    except OSError:
        return False
    if '"policylang.result/' in head or '"policylang.manifest/' in head:
        return False  # a stored result or a manifest names its policy and facts too
    return '"policy"' in head and '"facts"' in head


def equal(expected: Any, actual: Any) -> bool:
    """Compare as the contract says: lists without regard to order, numbers by value."""
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return False
        remaining = list(actual)
        for item in expected:
            for i, candidate in enumerate(remaining):
                if equal(item, candidate):
                    del remaining[i]
                    break
            else:
                return False
        return True
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(equal(expected[k], actual[k]) for k in expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float | Decimal) and isinstance(actual, int | float | Decimal):
        return Decimal(str(expected)) == Decimal(str(actual))
    return bool(expected == actual)


def run_case(case: Case, policy_loader: Any = None) -> CaseOutcome:
    """Evaluate ``case`` and list every way the result differs from what it expects."""
    from policylang.ir.values import holds_decimals
    from policylang.policy.loader import load

    loader = policy_loader or load
    try:
        policy = loader(case.policy)
        _check_tolerances(case, policy)
        result = policy.evaluate(case.facts, parameters=case.parameters or None)
    except CaseFileError as e:
        return CaseOutcome(case, (Difference("error", "error", None, e.message),), None, e)
    except FactError as e:
        return _expected_error(case, e)
    except PolicyError as e:
        if case.error is not None:
            return _expected_error(case, e)
        return CaseOutcome(case, (Difference("error", "error", None, e.message),), None, e)
    differences = _unknown_names(case, policy)
    if case.error is not None:
        differences.append(Difference("error", "error", case.error, "no error"))
    for name, value in case.expected.items():
        actual = result.decisions.get(name, _ABSENT)
        info = result.program.decisions.get(name)
        type_ = info.type if info is not None and holds_decimals(info.type) else None
        exact = result.values[name] if type_ is not None and actual is not _ABSENT else actual  # Decimals, not floats
        tolerance = case.tolerances.get(name)
        if tolerance is not None:
            if actual is _ABSENT or not within(value, exact, tolerance):
                differences.append(Difference("decision", name, value, exact, tolerance, type_))
        elif actual is _ABSENT or not equal(value, actual):
            differences.append(Difference("decision", name, value, exact, type=type_))
    if case.undetermined is None:
        if result.undetermined and case.missing is None:
            for name, facts in result.undetermined.items():
                if name in case.expected:
                    continue
                differences.append(Difference("undetermined", name, None, facts))
    else:
        for name, facts in case.undetermined.items():
            actual_facts = result.undetermined.get(name, _ABSENT)
            if actual_facts is _ABSENT or (facts is not None and not equal(list(facts), actual_facts)):
                differences.append(Difference("undetermined", name, facts, actual_facts))
    if case.no_rule is None:
        for name in result.no_rule:
            if name not in case.expected:
                differences.append(Difference("no_rule", name, "a value", "no rule applies"))
    elif set(case.no_rule) != set(result.no_rule):
        differences.append(Difference("no_rule_set", "no_rule", sorted(case.no_rule), sorted(result.no_rule)))
    if case.missing is not None and not equal(list(case.missing), result.missing):
        differences.append(Difference("missing", "missing", list(case.missing), result.missing))
    cited = set(rule_ids(result.trace))
    for rid in case.rules:
        if rid not in cited:
            differences.append(Difference("rule", rid, rid, None))
    fired = set(rule_ids(result.trace, frozenset({"fired", "default"})))
    for rid in case.rules_absent:
        if rid in fired:
            differences.append(Difference("rule_absent", rid, None, rid))
    unknown = {d.expected for d in differences if d.kind == "unknown"}  # said once, as a name the policy lacks
    differences = [d for d in differences if d.kind == "unknown" or d.key not in unknown]
    return CaseOutcome(case, tuple(differences), result)


def _check_tolerances(case: Case, policy: Any) -> None:
    """Raise :class:`CaseFileError` for a tolerance on a decision whose type is not a number."""
    from policylang.ir import types as T

    for name in case.tolerances:
        info = policy.decisions.get(name)
        if info is not None and T.strip_optional(info.type) not in (T.INT, T.DECIMAL, T.MONEY):
            raise CaseFileError(
                f"{case.file}:{case.line}: case {case.id}: a tolerance for `{name}`, which is "
                f"{T.describe(info.type)}, not a number: a tolerance applies only to decisions of type int, "
                "decimal or money"
            )


def _unknown_names(case: Case, policy: Any) -> list[Difference]:
    """The decisions and rules a case names that its policy does not have (a typo in the case)."""
    from policylang.base.suggest import suggest

    found = []
    decisions = [*case.expected, *(case.undetermined or ()), *(case.no_rule or ())]
    for name in dict.fromkeys(decisions):
        if name not in policy.decisions:
            found.append(Difference("unknown", "decision", name, suggest(name, policy.decisions)))
    for rid in dict.fromkeys([*case.rules, *case.rules_absent]):
        if rid not in policy.rules:
            found.append(Difference("unknown", "rule", rid, suggest(rid, policy.rules)))
    return found


def _expected_error(case: Case, error: PolicyError) -> CaseOutcome:
    if case.error is None:
        return CaseOutcome(case, (Difference("error", "error", None, error.message),), None, error)
    differences = []
    code = case.error.get("code")
    if code and code != error.code:
        differences.append(Difference("error", "error code", code, error.code))
    fact = case.error.get("fact")
    facts = getattr(error, "facts", [])
    if fact and fact not in facts:
        differences.append(Difference("error", "error fact", fact, facts))
    contains = case.error.get("message_contains")
    if contains and contains not in error.message:
        differences.append(Difference("error", "error message", contains, error.message))
    return CaseOutcome(case, tuple(differences), None, error)

"""Parameter overrides: values a deploying municipality sets without editing the policy.

A plain parameter takes a JSON-like value checked against its type, like a fact. A
``condition`` parameter takes a boolean expression written in the policy language (for
example ``targeted_support_needed and child_can_remain_home_with_support = yes``), which
is parsed and type-checked against the policy, never run as Python; the parser and the
checker are imported only for such an override.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from policylang.base.errors import Diagnostic, ParameterError, PolicyError
from policylang.base.limits import DEFAULT, Limits
from policylang.engine.facts import BadValue, bad_fact, decoder
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import History


def decode_parameter(param: ir.ParamInfo, raw: Any, limits: Limits = DEFAULT) -> Any:
    """Check and decode an override for a plain parameter.

    A dated parameter takes one value for every date, or dated values in the form of a
    parameter file (``{"values": {"2015-01-01": 0.15, ...}}``, or ``brackets`` with dated
    thresholds and rates for a scale).
    """
    try:
        if param.is_dated:
            return _dated(param, raw, limits)
        return decoder(param.type, limits=limits)(raw)
    except BadValue as e:
        error = bad_fact(param.name, raw, e, kind="parameter")
        raise ParameterError(
            error.message,
            facts=[param.name],
            value=raw,
            expected=error.expected,
            hint=error.hint,
            code="pol-parameter-type",
        ) from None


def _dated(param: ir.ParamInfo, raw: Any, limits: Limits) -> History:
    """A dated parameter's override: its dated values, or one value from the earliest date on."""
    from policylang.syntax.paramfile import from_data, has_dates

    one = decoder(param.type, limits=limits)
    if not has_dates(raw):
        return History((dt.date.min,), (one(raw),))
    try:
        data = from_data(raw, param.name)
    except PolicyError as e:
        raise ParameterError(
            f"parameter `{param.name}`: {e.message.partition(': ')[2]}",
            facts=[param.name],
            value=raw,
            hint='dated values are written {"values": {"2015-01-01": 0.15, "2017-01-01": 0.16}}',
            code="pol-parameter-type",
        ) from None
    starts: list[dt.date] = []
    values: list[Any] = []
    if data.is_scale:
        for day in data.scale_dates():
            brackets = data.brackets_on(day)
            starts.append(day)
            plain = [{"threshold": t.value, "rate": r.value} for t, r in brackets]
            values.append(one({"brackets": plain}) if plain else None)
    for start, value in data.values:
        starts.append(start)
        values.append(None if value.kind == "null" else one(value.value))
    return History(tuple(starts), tuple(values))


def condition_override(program: ir.Program, param: ir.ParamInfo, raw: Any, limits: Limits = DEFAULT) -> ir.Expr:
    """Parse and check the expression that replaces a ``condition`` parameter (``limits.condition_chars`` at most)."""
    from policylang.check.expressions import ExprChecker
    from policylang.syntax.parser import parse_expression

    if not isinstance(raw, str):
        raise ParameterError(
            f"parameter `{param.name}` is a condition, so its value must be an expression in the policy "
            "language, written as a text",
            facts=[param.name],
            value=raw,
            expected="a condition written in the policy language",
            code="pol-parameter-type",
        )
    if len(raw) > limits.condition_chars:
        raise ParameterError(
            f"parameter `{param.name}` is a condition of {len(raw):,} characters; the limit `condition_chars` "
            f"(policylang.Limits) allows {limits.condition_chars:,}",
            facts=[param.name],
            code="pol-limit",
        )
    try:
        expr = parse_expression(raw, f"<parameter {param.name}>", limits=limits)
    except PolicyError as e:
        raise ParameterError(
            f"parameter `{param.name}`: {e.message}", facts=[param.name], value=raw, code="pol-parameter-syntax"
        ) from None
    problems: list[Diagnostic] = []

    def lookup(name: str) -> tuple[str, T.Type] | None:
        if name == param.name:
            return None
        tables = (
            ("fact", program.facts),
            ("parameter", program.parameters),
            ("let", program.lets),
            ("decision", program.decisions),
        )
        for kind, table in tables:
            if name in table:
                t = table[name].type
                return kind, T.BOOL if isinstance(t, T.ConditionType) else t
        return None

    names = list(program.facts) + list(program.parameters) + list(program.lets) + list(program.decisions)
    checker = ExprChecker(
        lookup,
        lambda: names,
        lambda: program.rules,
        problems.append,
        allowed=frozenset({"fact", "parameter", "let", "decision"}),
        context=f" (in parameter `{param.name}`)",
        dated=frozenset(p.name for p in program.parameters.values() if p.is_dated),
        evaluation_date=program.header.evaluation_date,
    )
    checked = checker.condition(expr)
    errors = [d for d in problems if d.severity == "error"]
    if errors:
        first = errors[0]
        raise ParameterError(
            f"parameter `{param.name}`: {first.message}",
            facts=[param.name],
            value=raw,
            hint=first.hint,
            code="pol-parameter-check",
        )
    for ref in ir.refs(checked):
        if ref.kind == "parameter" and program.parameters[ref.name].is_condition:
            raise ParameterError(
                f"parameter `{param.name}` cannot refer to the condition parameter `{ref.name}`",
                facts=[param.name],
                value=raw,
                code="pol-parameter-check",
            )
    return checked

"""Parameter overrides: values a deploying municipality sets without editing the policy.

A plain parameter takes a JSON-like value checked against its type, like a fact. A
``condition`` parameter takes a boolean expression written in the policy language (for
example ``targeted_support_needed and child_can_remain_home_with_support = yes``), which
is parsed and type-checked against the policy, never run as Python; the parser and the
checker are imported only for such an override.
"""

from __future__ import annotations

from typing import Any

from policylang.base.errors import Diagnostic, ParameterError, PolicyError
from policylang.engine.facts import BadValue, bad_fact, decoder
from policylang.ir import program as ir
from policylang.ir import types as T


def decode_parameter(param: ir.ParamInfo, raw: Any) -> Any:
    """Check and decode an override for a plain parameter."""
    try:
        return decoder(param.type)(raw)
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


def condition_override(program: ir.Program, param: ir.ParamInfo, raw: Any) -> ir.Expr:
    """Parse and check the expression that replaces a ``condition`` parameter."""
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
    try:
        expr = parse_expression(raw, f"<parameter {param.name}>")
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

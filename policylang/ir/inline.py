"""Put a function's arguments into its body: the call as one expression, for backends that do not call.

A function is pure and not recursive (the checker sees to both), so a call means its body with
each parameter replaced by the argument's expression. The body's bound variables (``sum(m in
...)``) are renamed with the function's name (``contribution·m``, a name no policy can write),
so that none of them captures a variable the arguments read at the place of the call.
"""

from __future__ import annotations

from typing import Any

import attrs

from policylang.ir import program as ir
from policylang.ir import types as T


def inline(function: ir.FunctionInfo, args: tuple[ir.Expr, ...]) -> ir.Expr:
    """``function``'s body with ``args`` in place of its parameters."""
    values = {name: arg for (name, _), arg in zip(function.params, args, strict=False)}
    return _substitute(function.body, values, f"{function.name}·")


def _substitute(e: ir.Expr, values: dict[str, ir.Expr], prefix: str) -> ir.Expr:
    if isinstance(e, ir.Ref):
        if e.kind == "local" and e.name in values:
            return values[e.name]
        return e
    if isinstance(e, ir.QuantIR | ir.AggregateIR):
        renamed = prefix + e.variable
        inner = {**values, e.variable: ir.Ref("local", renamed, _element(e), e.span)}
        collection = _substitute(e.collection, values, prefix)
        if isinstance(e, ir.QuantIR):
            condition = _substitute(e.condition, inner, prefix)
            return attrs.evolve(e, variable=renamed, collection=collection, condition=condition)
        return attrs.evolve(e, variable=renamed, collection=collection, body=_substitute(e.body, inner, prefix))
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(e)):
        value = getattr(e, field.name)
        if isinstance(value, _EXPR_TYPES):
            changes[field.name] = _substitute(value, values, prefix)
        elif isinstance(value, tuple) and value and isinstance(value[0], _EXPR_TYPES):
            changes[field.name] = tuple(_substitute(v, values, prefix) for v in value)
    return attrs.evolve(e, **changes) if changes else e


def _element(e: ir.QuantIR | ir.AggregateIR) -> T.Type:
    return T.element_type(e.collection.type) or T.ERROR


_EXPR_TYPES = (
    ir.Const,
    ir.Ref,
    ir.CallIR,
    ir.BoolOpIR,
    ir.NotIR,
    ir.CompareIR,
    ir.MemberIR,
    ir.IsTestIR,
    ir.ArithIR,
    ir.IfIR,
    ir.IndexIR,
    ir.FieldIR,
    ir.MakeIR,
    ir.QuantIR,
    ir.AggregateIR,
    ir.FnCallIR,
)

"""Put a function's arguments into its body: the call as one expression, for backends that do not call.

A function is pure and not recursive (the checker sees to both), so a call means its body with
each parameter replaced by the argument's expression. The body's bound variables (``sum(m in
...)``) are renamed with the function's name (``contribution·m``, a name no policy can write),
and so are the names a ``match`` binds, so that none of them captures a variable the
arguments read at the place of the call.
"""

from __future__ import annotations

import attrs

from policylang.ir import program as ir
from policylang.ir import types as T

INLINED_PARTS = 20_000
"""The most parts (expression nodes) a call may stand for with its body put in: calls that call
other functions several times each grow as a power, and the checker refuses one that grows past this."""


def inlined_size(function: ir.FunctionInfo, args: tuple[ir.Expr, ...]) -> int:
    """How many parts the call's body has with ``args`` in place of the parameters (without making it).

    >>> from policylang.base.span import point, Source
    >>> from policylang.ir import types as T
    >>> at = point(Source("f.pol", "x"), 1, 1)
    >>> x = ir.Ref("local", "x", T.INT, at)
    >>> double = ir.FunctionInfo("double", (("x", T.INT),), T.INT, ir.ArithIR("+", x, x, T.INT, at), None, (), None, at)
    >>> inlined_size(double, (ir.ArithIR("*", x, x, T.INT, at),))
    7
    """
    sizes = {name: sum(1 for _ in ir.walk(arg)) for (name, _), arg in zip(function.params, args, strict=False)}
    total = 0
    for node in ir.walk(function.body):
        total += sizes.get(node.name, 1) if isinstance(node, ir.Ref) and node.kind == "local" else 1
    return total


def inline(function: ir.FunctionInfo, args: tuple[ir.Expr, ...]) -> ir.Expr:
    """``function``'s body with ``args`` in place of its parameters."""
    values: dict[str, ir.Expr | str] = {name: arg for (name, _), arg in zip(function.params, args, strict=False)}
    return _substitute(function.body, values, f"{function.name}·")


def _substitute(e: ir.Expr, values: dict[str, ir.Expr | str], prefix: str) -> ir.Expr:
    """``e`` with the local names in ``values`` replaced: by an expression, or (a text) renamed."""
    if isinstance(e, ir.Ref):
        if e.kind == "local" and e.name in values:
            value = values[e.name]
            return attrs.evolve(e, name=value) if isinstance(value, str) else value
        return e
    if isinstance(e, ir.MatchIR):
        subject = _substitute(e.subject, values, prefix)
        bindings = tuple(None if b is None else prefix + b for b in e.bindings)
        bodies = tuple(
            _substitute(body, values if b is None else {**values, b: prefix + b}, prefix)
            for b, body in zip(e.bindings, e.bodies, strict=True)
        )
        otherwise = None if e.otherwise is None else _substitute(e.otherwise, values, prefix)
        return attrs.evolve(e, subject=subject, bindings=bindings, bodies=bodies, otherwise=otherwise)
    if isinstance(e, ir.QuantIR | ir.AggregateIR):
        renamed = prefix + e.variable
        inner: dict[str, ir.Expr | str] = {**values, e.variable: ir.Ref("local", renamed, _element(e), e.span)}
        collection = _substitute(e.collection, values, prefix)
        if isinstance(e, ir.QuantIR):
            condition = _substitute(e.condition, inner, prefix)
            return attrs.evolve(e, variable=renamed, collection=collection, condition=condition)
        return attrs.evolve(e, variable=renamed, collection=collection, body=_substitute(e.body, inner, prefix))
    return ir.map_children(e, lambda c: _substitute(c, values, prefix))


def _element(e: ir.QuantIR | ir.AggregateIR) -> T.Type:
    return T.element_type(e.collection.type) or T.ERROR

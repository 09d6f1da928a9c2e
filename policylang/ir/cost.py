"""What evaluating a program may cost: whether its work grows faster than its facts.

A quantifier or an aggregate visits each element of its collection once. One written in
another's condition or body visits its own collection again for every element of the
outer one, so the work grows with the product of the two sizes. Without such nesting, a
program's evaluation takes time about proportional to the size of its fact set (a
membership test in a body aside, which may compare with each element of a collection).

>>> from policylang.check.declarations import check_modules
>>> from policylang.syntax.parser import parse_module
>>> def program(text):
...     return check_modules([parse_module("policy demo  " + text, "demo.pol")])[0]
>>> nested_iteration(program("fact xs: list of int  decision d: int = sum(x in xs: x * 2)")) is None
True
>>> str(nested_iteration(program("fact xs: list of int  decision d: bool = any(x in xs: all(y in xs: x < y))")))
'demo.pol:1:68'
"""

from __future__ import annotations

from policylang.base.span import Span
from policylang.ir.program import AggregateIR, Program, QuantIR, expressions, walk


def nested_iteration(program: Program) -> Span | None:
    """Where a quantifier or aggregate is written inside another's condition or body, if anywhere."""
    for e in expressions(program):
        for node in walk(e):
            if isinstance(node, QuantIR | AggregateIR):
                inner = node.condition if isinstance(node, QuantIR) else node.body
                for sub in walk(inner):
                    if isinstance(sub, QuantIR | AggregateIR):
                        return sub.span
    return None


__all__ = ["nested_iteration"]

"""The core of a decision: ordered candidates, which override which, and how they combine.

Every kind of decision the language has lowers to one :class:`CoreDecision`, so that a
backend interprets four combination modes instead of re-reading every surface form:

* ``value``: one candidate that always applies (``decision d: T = expr``);
* ``first``: the first candidate whose condition holds gives the value (``first match``);
* ``collect``: every candidate that takes effect adds its item, in order, once
  (``collect`` rows and ``add ... to`` rule conclusions);
* ``unique``: every candidate that takes effect must give the same value; two that differ
  are a conflict (rules concluding ``then d = v``).

A candidate *takes effect* where its condition holds and none of the candidates that
override it (``overridden_by``: the rules it has an ``exception to``) takes effect;
``settle_order`` lists the candidates so that those come first. Where none takes effect,
``otherwise`` says what happens: the ``default`` candidate gives the value (``default``),
the collection is empty (``empty``) or no rule applies (``no_rule``).

A rule and an exception to it, concluding ``d``:

>>> from policylang.base.span import whole_file
>>> at = whole_file("x.pol")
>>> def row(value, exceptions=()):
...     return ir.RowInfo(ir.Const(value, T.INT, at), None, (), (), at, exceptions)
>>> info = ir.DecisionInfo("d", T.INT, None, "rules", (row(1, (1,)), row(2)), None, at, 0)
>>> core = lower(info)
>>> core.mode, core.otherwise, core.settle_order
('unique', 'no_rule', (1, 0))
>>> [c.overridden_by for c in core.candidates]
[(1,), ()]
"""

from __future__ import annotations

import attrs

from policylang.ir import program as ir
from policylang.ir import types as T

# a decision kind of the checked program, and the mode it lowers to
MODES = {"expr": "value", "first_match": "first", "collect": "collect", "rules": "unique"}


@attrs.frozen
class CoreCandidate:
    """One candidate of a decision: where it applies, what it gives, what overrides it."""

    index: int  # its position among the decision's rows (RowInfo.rows)
    row: ir.RowInfo
    condition: ir.Expr | None  # None: it always applies
    value: ir.Expr
    overridden_by: tuple[int, ...]  # the candidates that, taking effect, keep this one from it


@attrs.frozen
class CoreDecision:
    """A decision in the core: its candidates in order, a combination mode and a fallback."""

    info: ir.DecisionInfo
    mode: str  # value, first, collect, unique
    candidates: tuple[CoreCandidate, ...]
    default: CoreCandidate | None
    settle_order: tuple[int, ...]  # candidates in an order where those overriding one come before it
    otherwise: str  # where none takes effect: default, empty or no_rule

    @property
    def name(self) -> str:
        """The decision's name."""
        return self.info.name

    @property
    def type(self) -> T.Type:
        """The decision's type."""
        return self.info.type

    @property
    def has_exceptions(self) -> bool:
        """Whether any candidate can be overridden by another."""
        return any(c.overridden_by for c in self.candidates)


def lower(info: ir.DecisionInfo) -> CoreDecision:
    """The core of the checked decision ``info``."""
    mode = MODES[info.kind]
    candidates = tuple(
        CoreCandidate(i, row, row.condition, row.value, tuple(row.exceptions)) for i, row in enumerate(info.rows)
    )
    default = None
    if info.default is not None:
        default = CoreCandidate(len(candidates), info.default, None, info.default.value, ())
    if any(c.overridden_by for c in candidates):
        order = tuple(ir.exception_order([c.overridden_by for c in candidates]))
    else:
        order = tuple(range(len(candidates)))
    if default is not None:
        otherwise = "default"
    elif mode == "collect":
        otherwise = "empty"
    else:
        otherwise = "no_rule"
    return CoreDecision(info, mode, candidates, default, order, otherwise)

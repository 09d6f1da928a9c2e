"""Compile decisions to Polars: the vectorised counterpart of :class:`policylang.engine.steps.DecisionStep`.

A decision is compiled from its core (:mod:`policylang.ir.core`), each mode following its
method in :mod:`policylang.engine.steps` case by case: ``value``; ``first`` (a row whose
condition is unknown makes the decision unknown unless every value it could take agrees);
``collect`` (with exceptions between rows); ``unique`` (Catala-style rules: exceptions,
defaults, and a conflict between two applicable rules that disagree, which sends the row
to the reference path for its error). The result is a
:class:`Decided`: the value and its mask, and per row of the decision a flag saying where
that row decided it (for the rule IDs of ``reasons``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from policylang.batch.lookup import SMALL, by_pattern, gather, pattern_words
from policylang.batch.vec import (
    WORD,
    Mask,
    NotVectorisable,
    Vec,
    all_of,
    any_of,
    canonical_items,
    canonical_set,
    choose,
    merge,
    require_dtype,
)
from policylang.batch.vexpr import ExprCompiler, same
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.core import CoreCandidate, CoreDecision, lower
from policylang.ir.values import same_value


@attrs.frozen
class CollectParts:
    """The rows of a ``collect`` decision: whether each adds its item, and the item."""

    rows: tuple[tuple[Vec, Vec], ...]
    any_true: pl.Expr


@attrs.frozen
class Decided:
    """A compiled decision: its value, and which of its rows decided it in each row."""

    vec: Vec
    fired: tuple[tuple[pl.Expr, tuple[str, ...]], ...]  # (flag, rule IDs), read where decided


def compile_decision(c: ExprCompiler, info: ir.DecisionInfo, no_rule: Mask) -> Decided:
    """The decision ``info`` as Polars expressions, from its core; ``no_rule`` is its own blocked bit."""
    d = lower(info)
    if d.mode == "value":
        candidate = d.candidates[0]
        value = c.expr(candidate.value)
        return Decided(_typed(value, d.type), ((pl.lit(True), _rules(candidate)),))
    if d.mode == "first":
        return _first_match(c, d, no_rule)
    if d.mode == "collect":
        return _collect(c, d)
    if d.mode == "unique":
        return _rules_decision(c, d, no_rule)
    raise NotVectorisable(f"decisions of mode `{d.mode}`")


def _rules(candidate: CoreCandidate) -> tuple[str, ...]:
    return tuple(dict.fromkeys(candidate.row.rules))


def _typed(v: Vec, t: T.Type) -> Vec:
    return attrs.evolve(v, type=t)


def _condition(c: ExprCompiler, candidate: CoreCandidate) -> Vec:
    return Vec.const(True, T.BOOL) if candidate.condition is None else c.expr(candidate.condition)


def _select(cases: Sequence[tuple[pl.Expr, Vec]], t: T.Type) -> Vec:
    """Per row, the value of the first case whose flag holds (null where none does)."""
    chain: Any = None
    for flag, v in cases:
        chain = (pl.when(flag) if chain is None else chain.when(flag)).then(v.value())
    value = chain.otherwise(None) if chain is not None else pl.lit(None)
    return Vec(t, value, choose([(flag, v.mask) for flag, v in cases], Mask()))


def _first_match(c: ExprCompiler, d: CoreDecision, no_rule: Mask) -> Decided:
    conditions = [c.share(_condition(c, r), "when") for r in d.candidates]
    values = [c.share(c.expr(r.value), "value") for r in d.candidates]
    true = [cond.is_true() for cond in conditions]
    selected = c.share(_select(list(zip(true, values, strict=True)), d.type), "selected")
    first = []
    for i, t in enumerate(true):
        first.append(t & ~any_of(true[:i]) if i else t)
    fired = tuple((f, _rules(r)) for f, r in zip(first, d.candidates, strict=True))
    has = any_of(true)
    if all(cond.known for cond in conditions):
        mask = choose([(has, selected.mask)], no_rule)
        return Decided(Vec(d.type, selected.value(), mask), fired)
    before = [~any_of(true[:i]) if i else pl.lit(True) for i in range(len(true))]
    pending = [cond.mask.unknown() & b for cond, b in zip(conditions, before, strict=True)]
    unknown_conditions = merge(cond.mask.where(b) for cond, b in zip(conditions, before, strict=True))
    unknown_values = merge(v.mask.where(p) for v, p in zip(values, pending, strict=True))
    disagree = any_of(
        p & ~(v.mask.is_known() & same(v, selected))
        for p, v, cond in zip(pending, values, conditions, strict=True)
        if not cond.known
    )
    any_pending = any_of(p for p, cond in zip(pending, conditions, strict=True) if not cond.known)
    mask = choose(
        [
            (has & selected.mask.unknown(), unknown_conditions | selected.mask),
            (has & ~disagree, Mask()),
            (has | any_pending, unknown_conditions | unknown_values),
        ],
        no_rule,
    )
    return Decided(Vec(d.type, selected.value(), mask), fired)


def _active(c: ExprCompiler, d: CoreDecision) -> list[Vec]:
    """Whether each row applies once exceptions are taken into account (``DecisionStep._active``)."""
    applies = []
    for candidate in d.candidates:
        cond = c.share(_condition(c, candidate), "when")
        if cond.is_static:
            applies.append(Vec.const(cond.static is True, T.BOOL))
        else:
            applies.append(
                Vec(T.BOOL, cond.is_true() if cond.known else cond.value(), cond.mask, nullable=cond.nullable)
            )
    active: dict[int, Vec] = {}
    for i in d.settle_order:  # those overriding a candidate first, no recursion
        app = applies[i]
        overs = [active[e] for e in d.candidates[i].overridden_by if e in active]
        if not overs:
            result = app
        else:
            off = app.is_false() | any_of(o.is_true() for o in overs)
            mask = merge([app.mask, *(o.mask for o in overs)]).where(~off)
            result = Vec(T.BOOL, ~off, mask, nullable=False)
        active[i] = c.share(result, "active")
    return [active[i] for i in range(len(d.candidates))]


def _collect(c: ExprCompiler, d: CoreDecision) -> Decided:
    active = _active(c, d) if d.has_exceptions else [c.share(_condition(c, r), "when") for r in d.candidates]
    items = [c.share(c.expr(r.value), "item") for r in d.candidates]
    element = T.element_type(d.type) or T.ANY
    for item in items:
        if item.nullable and not (item.is_static and item.static is not None):
            raise NotVectorisable("collecting items that may be null")
    true = [a.is_true() for a in active]
    mask = merge(a.mask for a in active) | merge(i.mask.where(t) for i, t in zip(items, true, strict=True))
    dtype = require_dtype(d.type)
    if all(i.is_static for i in items):
        value = _static_collect(true, [i.static for i in items], d.type, dtype)
    else:
        inner = dtype.inner if isinstance(dtype, pl.List) else None
        value = pl.concat_list(
            [pl.when(t).then(i.value().cast(inner) if inner else i.value()) for t, i in zip(true, items, strict=True)]
        ).list.drop_nulls()
        if isinstance(T.strip_optional(d.type), T.SetType):
            value = canonical_set(value, element)
        else:
            value = value.list.unique(maintain_order=True)
    parts = CollectParts(tuple(zip(active, items, strict=True)), any_of(true))
    fired = tuple((t, _rules(r)) for t, r in zip(true, d.candidates, strict=True))
    return Decided(Vec(d.type, value, mask, nullable=False, parts=parts), fired)


def _static_collect(flags: list[pl.Expr], items: list[Any], t: T.Type, dtype: pl.DataType) -> pl.Expr:
    """A ``collect`` of constants: its list for each pattern of rows that fired, looked up."""
    is_set = isinstance(T.strip_optional(t), T.SetType)
    element = T.element_type(t)
    items = [float(i) if isinstance(i, Decimal) else i for i in items]

    def value(pattern: int) -> list[Any]:
        chosen: list[Any] = []
        for i, item in enumerate(items):
            if pattern >> i & 1 and not any(same_value(item, x) for x in chosen):
                chosen.append(item)
        return canonical_items(frozenset(chosen), element) if is_set else chosen

    if not flags:
        return pl.lit([], dtype=dtype)
    if len(flags) <= SMALL:
        return gather(flags, value, dtype)
    words = pattern_words(flags)
    return by_pattern(words, lambda ws: value(sum(w << (WORD * k) for k, w in enumerate(ws))), dtype)


def _rules_decision(c: ExprCompiler, d: CoreDecision, no_rule: Mask) -> Decided:
    active = _active(c, d)
    values = [c.share(c.expr(r.value), "value") for r in d.candidates]
    chosen = [a.is_true() for a in active]
    possible = [a.mask.unknown() for a in active]
    first = c.share(_select(list(zip(chosen, values, strict=True)), d.type), "first")
    any_chosen = any_of(chosen)
    unknown = merge(a.mask for a in active) | merge(v.mask.where(ch) for v, ch in zip(values, chosen, strict=True))
    possible_values = merge(v.mask.where(p) for v, p in zip(values, possible, strict=True))
    # two applicable rules that disagree: the reference path raises the conflict
    known_chosen = [ch & v.mask.is_known() for ch, v in zip(chosen, values, strict=True)]
    first_known = c.share(_select(list(zip(known_chosen, values, strict=True)), d.type), "first_known")
    c.troubles.append(any_of(k & ~same(v, first_known) for k, v in zip(known_chosen, values, strict=True)))

    def agree(x: Vec) -> pl.Expr:
        return all_of(
            ~p | (v.mask.is_known() & same(v, x))
            for p, v, a in zip(possible, values, active, strict=True)
            if not a.known
        )

    cases: list[tuple[pl.Expr, Mask]] = [
        (any_chosen & first.mask.is_known() & agree(first), Mask()),
        (any_chosen, unknown | possible_values | first.mask),
    ]
    fired = [(ch & any_chosen, _rules(r)) for ch, r in zip(chosen, d.candidates, strict=True)]
    if d.default is not None:
        default = c.share(c.expr(d.default.value), "default")
        cases.append((~unknown.unknown() | (default.mask.is_known() & agree(default)), default.mask))
        mask = choose(cases, unknown | possible_values | default.mask)
        value = pl.when(any_chosen).then(first.value()).otherwise(default.value())
        fired.append((~any_chosen, _rules(d.default)))
    else:
        cases.append((unknown.unknown(), unknown | no_rule))
        mask = choose(cases, no_rule)
        value = first.value()
    return Decided(Vec(d.type, value, mask), tuple(fired))

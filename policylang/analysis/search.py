"""Fact sets that meet a policy's constraints: random, except where a constraint needs otherwise.

Random fact sets rarely meet every ``constraint`` of a policy (a permit needs a legal
basis, a period's start must come before its end, ...), and a rejected fact set shows
nothing. :class:`Search` reads each constraint backwards and sets the facts it tests so
that it holds, either by making its ``when`` false or its ``require`` true
(``residence_status = permit_valid`` sets that fact; ``a <= b`` picks values for the few
facts it reads and asks the engine whether it holds), then draws every other fact at
random. The same walk serves any goal, a condition and the truth wanted (:meth:`facts`).
Choices are random (seeded), so repeated calls explore different ways; the engine, run on
the result, says what really happens.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from policylang.analysis.observe import Observer
from policylang.analysis.sampling import Sampler
from policylang.ir import program as ir
from policylang.ir import types as T

Facts = dict[str, Any]
Goal = tuple[ir.Expr | None, bool]  # a condition (None: a row without one) and the truth wanted

MAX_DEPTH = 10
BUDGET = 600  # steps of `satisfy` per fact set


class Search:
    """Builds fact sets towards goals, for one program."""

    def __init__(self, program: ir.Program, sampler: Sampler, observer: Observer, seed: int = 7) -> None:
        self.program = program
        self.sampler = sampler
        self.observer = observer
        self.rng = random.Random(seed)
        self.free_facts: dict[int, frozenset[str] | None] = {}
        self.steps = 0

    def facts(self, goals: list[Goal]) -> Facts:
        """A fact set that tries to meet ``goals``, the constraints, and is random elsewhere."""
        fixed: Facts = {}
        self.steps = 0
        for e, want in goals:
            if e is not None:
                self.satisfy(e, want, fixed, 0)
        constraints = list(self.program.constraints)
        self.rng.shuffle(constraints)
        for c in constraints:
            ways = [(c.require, True)] + ([(c.condition, False)] if c.condition is not None else [])
            self.rng.shuffle(ways)
            for e, want in ways:  # `when` false, or `require` true
                trial = dict(fixed)
                if self.satisfy(e, want, trial, 0):
                    fixed = trial
                    break
        facts = self.sampler.facts()
        facts.update(fixed)
        return facts

    # -- conditions ---------------------------------------------------------------------

    def satisfy(self, e: ir.Expr, want: bool, fixed: Facts, depth: int) -> bool:
        """Set facts in ``fixed`` so that ``e`` has the truth ``want``; ``False`` if that fails.

        Constructs it cannot read backwards are left alone (and count as success).
        """
        self.steps += 1
        if depth > MAX_DEPTH or self.steps > BUDGET:
            return True
        rng = self.rng
        if isinstance(e, ir.BoolOpIR):
            conjunction = (e.op == "and") == want
            if conjunction:  # every item must have the truth `want`
                trial = dict(fixed)
                items = list(e.items)
                rng.shuffle(items)
                if all(self.satisfy(i, want, trial, depth + 1) for i in items):
                    fixed.update(trial)
                    return True
                return False
            items = list(e.items)
            rng.shuffle(items)
            for item in items[:2]:  # one item with the truth `want` is enough
                trial = dict(fixed)
                if self.satisfy(item, want, trial, depth + 1):
                    fixed.update(trial)
                    return True
            return False
        if isinstance(e, ir.NotIR):
            return self.satisfy(e.operand, not want, fixed, depth + 1)
        if isinstance(e, ir.Const):
            return (e.value is True) == want
        if isinstance(e, ir.Ref):
            return self._ref(e, want, fixed, depth)
        if isinstance(e, ir.CompareIR) and len(e.ops) == 1:
            return self._compare(e, want, fixed, depth)
        if isinstance(e, ir.MemberIR) and isinstance(e.collection, ir.Const):
            values = e.collection.value
            if isinstance(values, frozenset | tuple):
                return self._among(e.item, set(values), want != e.negated, fixed, depth)
        if isinstance(e, ir.IsTestIR) and e.test == "null":
            return self._null(e.operand, want != e.negated, fixed, depth)
        return self._locally(e, want, fixed)

    def _locally(self, e: ir.Expr, want: bool, fixed: Facts, tries: int = 6) -> bool:
        """Try random values for the few facts ``e`` reads until the engine gives it the truth ``want``.

        Gives up quietly (returns ``True``) when ``e`` reads many facts or a decision.
        """
        facts = self._facts_of(e)
        if facts is None:
            return True
        free = [f for f in facts if f not in fixed]
        if not free or len(free) > 3:
            return True
        anchors = [x for f in facts if f in fixed for x in [fixed[f]] if isinstance(x, dt.date)]
        for _ in range(tries):
            trial = dict(fixed)
            for name in free:
                trial[name] = self._near(self.program.facts[name].type, anchors)
            result = self.observer.value(e, trial)
            if result is want or (not want and result is None):
                fixed.update(trial)
                return True
        return True

    def _near(self, t: T.Type, anchors: list[dt.date]) -> Any:
        """A random value of type ``t``; a date near one of ``anchors`` where there are any."""
        base = T.strip_optional(t)
        if base == T.DATE and anchors and self.rng.random() < 0.9:
            if T.is_optional(t) and self.rng.random() < 0.1:
                return None
            anchor = self.rng.choice(anchors)
            day = anchor.toordinal() + self.rng.choice(self.sampler.day_offsets)
            return dt.date.fromordinal(min(max(day, 1), dt.date.max.toordinal()))
        return self.sampler.value(t)

    def _facts_of(self, e: ir.Expr) -> frozenset[str] | None:
        """The facts ``e`` reads, through ``let`` values; ``None`` if it reads a decision."""
        key = id(e)
        if key in self.free_facts:
            return self.free_facts[key]
        found: set[str] = set()
        pending: list[ir.Expr] = [e]
        seen: set[tuple[str, str]] = set()
        result: frozenset[str] | None = None
        while pending:
            for ref in ir.refs(pending.pop()):
                if ref.kind == "fact":
                    found.add(ref.name)
                elif ref.kind == "decision":
                    self.free_facts[key] = None
                    return None
                elif ref.kind in ("let", "parameter") and (ref.kind, ref.name) not in seen:
                    seen.add((ref.kind, ref.name))
                    source = self.program.lets[ref.name].expr if ref.kind == "let" else None
                    if ref.kind == "parameter":
                        source = self.program.parameters[ref.name].default
                    if source is not None:
                        pending.append(source)
        result = frozenset(found)
        self.free_facts[key] = result
        return result

    def _ref(self, e: ir.Ref, want: bool, fixed: Facts, depth: int) -> bool:
        if e.kind == "fact":
            t = self.program.facts[e.name].type
            options: list[Any] = [want] if want else [False, *([None] if T.is_optional(t) else [])]
            return self._set(e.name, self.rng.choice(options), fixed, allowed=options)
        if e.kind == "let":
            return self.satisfy(self.program.lets[e.name].expr, want, fixed, depth + 1)
        if e.kind == "parameter":
            p = self.program.parameters[e.name]
            if p.is_condition:
                return self.satisfy(p.default, want, fixed, depth + 1)
            return isinstance(p.default, ir.Const) and (p.default.value is True) == want
        if e.kind == "decision":
            return self._decide(e.name, {want}, fixed, depth)
        return True

    def _compare(self, whole: ir.CompareIR, want: bool, fixed: Facts, depth: int) -> bool:
        op, (left, right) = whole.ops[0], whole.operands
        if isinstance(left, ir.Const) and not isinstance(right, ir.Const):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if not isinstance(right, ir.Const):
            return self._locally(whole, want, fixed)
        constant = right.value
        if op in ("=", "!="):
            return self._among(left, {constant}, want == (op == "="), fixed, depth)
        if not isinstance(left, ir.Ref) or left.kind != "fact" or constant is None:
            return self._locally(whole, want, fixed)
        t = T.strip_optional(self.program.facts[left.name].type)
        if not want:
            op = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        value = self._ordered(t, op, constant)
        if value is None:
            return True
        return self._set(left.name, value, fixed, test=lambda x: x is not None and _holds(op, x, constant, t))

    def _ordered(self, t: T.Type, op: str, bound: Any) -> Any:
        """A value of type ``t`` that is ``op`` the bound."""
        step = self.rng.choice((1, 1, 2, 30, 400))
        down, up = op.startswith("<"), op.startswith(">")
        strict = op in ("<", ">")
        offset = (step if strict or self.rng.random() < 0.5 else 0) * (-1 if down else 1 if up else 0)
        if isinstance(t, T.EnumType) and isinstance(bound, str) and bound in t.members:
            index = t.index(bound)
            choices = [i for i in range(len(t.members)) if _holds(op, i, index, T.INT)]
            return t.members[self.rng.choice(choices)] if choices else None
        if isinstance(bound, dt.datetime):
            return bound + dt.timedelta(days=offset)
        if isinstance(bound, dt.date):
            return bound + dt.timedelta(days=offset)
        if isinstance(bound, bool):
            return None
        if isinstance(bound, int) and t == T.INT:
            return bound + offset
        if isinstance(bound, int | Decimal) and t in (T.DECIMAL, T.MONEY):
            return Decimal(bound) + offset
        return None

    def _among(self, e: ir.Expr, values: set[Any], inside: bool, fixed: Facts, depth: int) -> bool:
        """Make ``e`` one of ``values`` (or, with ``inside`` false, none of them)."""
        if isinstance(e, ir.Ref) and e.kind == "fact":
            t = self.program.facts[e.name].type
            domain = _domain(t, self.program)
            if domain is None:
                if inside:
                    choice = self.rng.choice(sorted(values, key=repr))
                    return self._set(e.name, choice, fixed, allowed=list(values))
                choice = None if T.is_optional(t) and None not in values else self.sampler.value(T.strip_optional(t))
                return choice in values or self._set(e.name, choice, fixed, test=lambda x: x not in values)
            allowed = [x for x in domain if (x in values) == inside]
            return bool(allowed) and self._set(e.name, self.rng.choice(allowed), fixed, allowed=allowed)
        if isinstance(e, ir.Ref) and e.kind == "decision":
            info = self.program.decisions[e.name]
            domain = _domain(info.type, self.program)
            if domain is None:
                return inside and self._decide(e.name, values, fixed, depth)
            return self._decide(e.name, {x for x in domain if (x in values) == inside}, fixed, depth)
        if isinstance(e, ir.Ref) and e.kind == "let":
            expr = self.program.lets[e.name].expr
            if isinstance(expr, ir.Ref | ir.IfIR):
                return self._among(expr, values, inside, fixed, depth + 1)
        if isinstance(e, ir.IfIR) and depth <= MAX_DEPTH:
            branch = self.rng.random() < 0.5
            trial = dict(fixed)
            target = e.then if branch else e.otherwise
            if self.satisfy(e.condition, branch, trial, depth + 1) and self._value_among(
                target, values, inside, trial, depth + 1
            ):
                fixed.update(trial)
                return True
            return False
        return True

    def _value_among(self, e: ir.Expr, values: set[Any], inside: bool, fixed: Facts, depth: int) -> bool:
        if isinstance(e, ir.Const):
            return (e.value in values) == inside
        return self._among(e, values, inside, fixed, depth)

    def _null(self, e: ir.Expr, null: bool, fixed: Facts, depth: int) -> bool:
        if isinstance(e, ir.Ref) and e.kind == "fact":
            t = self.program.facts[e.name].type
            if not T.is_optional(t):
                return not null
            if null:
                return self._set(e.name, None, fixed, allowed=[None])
            return self._set(e.name, self.sampler.value(T.strip_optional(t)), fixed, test=lambda x: x is not None)
        if isinstance(e, ir.Ref) and e.kind == "decision":
            return self._decide(e.name, {None} if null else {_NOT_NULL}, fixed, depth)
        if isinstance(e, ir.Ref) and e.kind == "let":
            return self._null(self.program.lets[e.name].expr, null, fixed, depth + 1)
        return True

    # -- decisions ----------------------------------------------------------------------

    def _decide(self, name: str, values: set[Any], fixed: Facts, depth: int) -> bool:
        """Make the decision ``name`` take one of ``values``, through one of its rows."""
        info = self.program.decisions[name]
        if info.kind == "expr":
            row = info.rows[0]
            if values <= {True, False} and len(values) == 1:
                return self.satisfy(row.value, next(iter(values)), fixed, depth + 1)
            return self._value_among(row.value, values, True, fixed, depth + 1)
        if info.kind == "collect" or not info.rows:
            return True
        candidates = [i for i, row in enumerate(info.rows) if _may_give(row.value, values)]
        if info.kind == "rules" and info.default is not None and _may_give(info.default.value, values):
            candidates.append(-1)
        if not candidates:
            return False
        for i in self.rng.sample(candidates, min(2, len(candidates))):
            trial = dict(fixed)
            if self._row(info, i, trial, depth):
                fixed.update(trial)
                return True
        return False

    def _row(self, info: ir.DecisionInfo, i: int, fixed: Facts, depth: int) -> bool:
        """Make row ``i`` of a decision the one that gives its value (-1: the default)."""
        rows = info.rows
        condition = rows[i].condition if i >= 0 else None
        if condition is not None and not self.satisfy(condition, True, fixed, depth + 1):
            return False
        others = range(i) if info.kind == "first_match" else [j for j in range(len(rows)) if j != i]
        if i < 0:
            others = range(len(rows))
        for j in others:
            other = rows[j].condition
            if info.kind == "rules" and i >= 0 and _may_give(rows[j].value, {_const(rows[i].value)}):
                continue
            if other is not None and not self.satisfy(other, False, fixed, depth + 1):
                return False
        return True

    # -- setting facts --------------------------------------------------------------------

    def _set(self, name: str, value: Any, fixed: Facts, *, allowed: list[Any] | None = None, test: Any = None) -> bool:
        if name in fixed:
            current = fixed[name]
            if allowed is not None:
                return any(_same(current, a) for a in allowed)
            return test(current) if test is not None else _same(current, value)
        fixed[name] = value
        return True


_NOT_NULL = object()


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _holds(op: str, x: Any, bound: Any, t: T.Type) -> bool:
    if isinstance(t, T.EnumType) and isinstance(x, str):
        x, bound = t.index(x), t.index(bound)
    try:
        return {"<": x < bound, "<=": x <= bound, ">": x > bound, ">=": x >= bound}[op]  # type: ignore[no-any-return]
    except TypeError:
        return False


def _domain(t: T.Type, program: ir.Program) -> list[Any] | None:
    """Every value of a type with few values (enums, booleans), with null if optional."""
    base = T.strip_optional(t)
    values: list[Any] | None = None
    if isinstance(base, T.EnumType) and base.tagged:
        values = None  # a member that carries fields has many values
    elif isinstance(base, T.EnumType):
        values = list(base.members)
    elif isinstance(base, T.UnionType) and all(isinstance(o, T.EnumType) for o in base.options):
        values = [m for o in base.options if isinstance(o, T.EnumType) for m in o.members]
    elif base == T.BOOL:
        values = [True, False]
    elif base == T.RULE:
        values = list(program.rules)
    if values is not None and T.is_optional(t):
        values.append(None)
    return values


def _const(e: ir.Expr) -> Any:
    return e.value if isinstance(e, ir.Const) else _NOT_NULL


def _may_give(e: ir.Expr, values: set[Any]) -> bool:
    """Whether a row's value may be among ``values`` (anything not constant may)."""
    if not isinstance(e, ir.Const):
        return True
    if _NOT_NULL in values:
        return e.value is not None
    return any(_same(e.value, v) or (e.value is None and v is None) for v in values)

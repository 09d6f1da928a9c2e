"""Compile checked expressions (:mod:`policylang.ir.program`) into Polars expressions with unknowns.

Each method mirrors the closure :class:`policylang.engine.compile.Compiler` builds for the same
node, with the same three-valued logic, null handling and propagation of the facts an
unknown waits for (see :mod:`policylang.batch.vec`). What it cannot mirror exactly it
refuses with :class:`~policylang.batch.vec.NotVectorisable`, and the decision is left to
the reference path. Where a row could raise in the reference (a date out of range, an
overflowing number) the row is flagged as *trouble* and recomputed by the reference.

Expressions that read no fact, ``let`` value or decision (a parameter's field, a
constant list) are computed once with the reference compiler itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import polars as pl

from policylang.base.errors import PolicyError
from policylang.batch.vec import (
    Mask,
    NotVectorisable,
    Vec,
    all_of,
    any_of,
    canonical_items,
    canonical_set,
    choose,
    exact,
    literal,
    merge,
    require_dtype,
    vector_dtype,
)
from policylang.engine.compile import Compiler
from policylang.engine.evaluate import Engine
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Duration, Unknown

Env = Callable[[str, str], Vec]
Share = Callable[[Vec, str], Vec]
_BIG = 2**62


class ExprCompiler:
    """Compiles the expressions of one engine's program for one batch."""

    def __init__(self, engine: Engine, env: Env, troubles: list[pl.Expr], share: Share | None = None) -> None:
        self.engine = engine
        self.env = env
        self.troubles = troubles
        self._share = share
        self.locals: dict[str, Vec] = {}
        self.in_element = False
        self.conditions = {n for n, p in engine.program.parameters.items() if p.is_condition}

    def share(self, vec: Vec, label: str) -> Vec:
        """``vec`` computed once into columns, where it is used more than once (not inside a list)."""
        if self._share is None or self.in_element or vec.is_static or vec.fields is not None or vec.known:
            return vec
        if _simple(vec.value()) and all(_simple(w) for _, w in vec.mask.words):
            return vec
        return self._share(vec, label)

    def expr(self, e: ir.Expr) -> Vec:
        if isinstance(T.strip_optional(e.type), T.ScaleType):
            raise NotVectorisable("a scale as a value")
        if self._foldable(e):
            return self._fold(e)
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise NotVectorisable(f"`{type(e).__name__}` expressions")
        vec: Vec = method(e)
        return vec

    # -- constants ---------------------------------------------------------------

    def _foldable(self, e: ir.Expr) -> bool:
        for ref in ir.refs(e):
            if ref.kind != "parameter" or ref.name in self.conditions:
                return False
        free = _free_locals(e)
        return all(name in self.locals and self.locals[name].is_static for name in free)

    def _fold(self, e: ir.Expr) -> Vec:
        free = _free_locals(e)
        if free:
            e = _substitute(e, {name: self.locals[name] for name in free})
        compiler = Compiler(dict(self.engine.slots), self.engine.program.slots)  # its own bound variables
        fn = compiler.expr(e)
        values = self.engine.initial_values()
        values.extend([None] * max(0, compiler.size - len(values)))
        try:
            value = fn(values)
        except PolicyError:
            raise NotVectorisable("a constant expression that fails") from None
        if isinstance(value, Unknown):  # pragma: no cover - nothing unknown without facts
            raise NotVectorisable("an unknown constant")
        return Vec.const(value, e.type)

    def _Const(self, e: ir.Const) -> Vec:
        return Vec.const(e.value, e.type)

    def _Ref(self, e: ir.Ref) -> Vec:
        if e.kind == "local":
            found = self.locals.get(e.name)
            if found is None:  # an outer quantifier's variable: inside a list expression only its own element is read
                raise NotVectorisable("a quantifier whose condition reads the variable of an outer one")
            return found
        if self.in_element:
            raise NotVectorisable("a quantifier whose condition reads more than its own variable")
        return self.env(e.kind, e.name)

    # -- logic -------------------------------------------------------------------

    def _BoolOpIR(self, e: ir.BoolOpIR) -> Vec:
        items = [self.expr(i) for i in e.items]
        if not all(i.known for i in items):
            items = [self.share(i, e.op) if not i.known else i for i in items]
        if e.op == "and":
            if any(i.is_static and (i.static is False or i.static is None) for i in items):
                return Vec.const(False, T.BOOL)
            items = [i for i in items if not i.is_static]
            if not items:
                return Vec.const(True, T.BOOL)
            if all(i.known for i in items):
                return _bool(all_of(_truthy(i) for i in items))
            falsy = any_of(i.is_false() for i in items)
            return _bool(~falsy, merge(i.mask for i in items).where(~falsy))
        if any(i.is_static and i.static is True for i in items):
            return Vec.const(True, T.BOOL)
        items = [i for i in items if not i.is_static]
        if not items:
            return Vec.const(False, T.BOOL)
        if all(i.known for i in items):
            return _bool(any_of(_truthy(i) for i in items))
        true = any_of(i.is_true() for i in items)
        return _bool(true, merge(i.mask for i in items).where(~true))

    def _NotIR(self, e: ir.NotIR) -> Vec:
        x = self.expr(e.operand)
        return _bool(~_truthy(x), x.mask)

    def _CompareIR(self, e: ir.CompareIR) -> Vec:
        operands = [self.expr(o) for o in e.operands]
        ordered_enum = isinstance(e.operand_type, T.EnumType)
        exact(e.operand_type, *(o.type for o in operands))
        for o in operands:
            if not o.is_static or o.static is not None:
                require_dtype(o.type)
        if len(e.ops) == 1:
            a, b = operands
            if isinstance(e.operands[1], ir.Const) and e.operands[1].value is not None:
                return _bool(_test_constant(e.ops[0], a, b.static, e.operand_type), a.mask)
            return _bool(_test(e.ops[0], a, b, ordered_enum, e.operand_type), a.mask | b.mask)
        pairs = []
        for op, a, b in zip(e.ops, operands, operands[1:], strict=False):
            unknown = a.mask.unknown() | b.mask.unknown()
            test = _test(op, a, b, ordered_enum, e.operand_type)
            mask = choose([(a.mask.unknown(), a.mask)], b.mask) if not (a.known and b.known) else Mask()
            pairs.append((unknown, test, mask))
        false = any_of(~u & ~t for u, t, _ in pairs) if any(not m.known for _, _, m in pairs) else None
        if false is None:
            return _bool(all_of(t for _, t, _ in pairs))
        return _bool(~false, merge(m.where(u) for u, _, m in pairs).where(~false))

    def _MemberIR(self, e: ir.MemberIR) -> Vec:
        item, collection = self.expr(e.item), self.expr(e.collection)
        exact(item.type, T.element_type(collection.type) or T.ANY)
        require_dtype(e.item.type) if not item.is_static else None
        if collection.is_static:
            members = canonical_items(collection.static or (), T.element_type(collection.type))
            has_none = None in members
            members = [m for m in members if m is not None]
            element = T.element_type(collection.type) or item.type
            dtype = vector_dtype(element) or vector_dtype(item.type)
            if dtype is None:
                raise NotVectorisable(f"membership in {T.describe(collection.type)}")
            value = item.value()
            found = _one_of(item.comparable(), members, dtype).fill_null(False) if members else pl.lit(False)
            if has_none:
                found = found | value.is_null()
            if collection.static is None:
                found = pl.lit(False)
        else:
            require_dtype(collection.type)
            found = collection.value().list.contains(item.value()).fill_null(False)
        return _bool(~found if e.negated else found, item.mask | collection.mask)

    def _IsTestIR(self, e: ir.IsTestIR) -> Vec:
        x = self.expr(e.operand)
        if e.test == "null":
            test = x.value().is_null()
        elif x.parts is not None:
            test = ~x.parts.any_true
        else:
            base = T.strip_optional(x.type)
            value = x.value()
            if isinstance(base, T.ListType | T.SetType):
                require_dtype(base)
                test = value.is_null() | (value.list.len() == 0)
            elif base == T.TEXT:
                test = value.is_null() | (value.str.len_chars() == 0)
            else:
                raise NotVectorisable(f"`is empty` on {T.describe(x.type)}")
        return _bool(~test if e.negated else test, x.mask)

    def _IfIR(self, e: ir.IfIR) -> Vec:
        c, a, b = self.expr(e.condition), self.expr(e.then), self.expr(e.otherwise)
        require_dtype(e.type)
        c, a, b = self.share(c, "if"), self.share(a, "then"), self.share(b, "else")
        true = c.is_true()
        if c.known:
            value = pl.when(true).then(a.value()).otherwise(b.value())
            return Vec(e.type, value, choose([(true, a.mask)], b.mask))
        unknown = c.mask.unknown()
        agree = a.mask.is_known() & b.mask.is_known() & same(a, b)
        value = pl.when(true | unknown).then(a.value()).otherwise(b.value())
        mask = choose([(true, a.mask), (unknown & agree, Mask()), (unknown, c.mask | a.mask | b.mask)], b.mask)
        return Vec(e.type, value, mask)

    # -- values ------------------------------------------------------------------

    def _ArithIR(self, e: ir.ArithIR) -> Vec:
        a, b = self.expr(e.left), self.expr(e.right)
        mask = a.mask | b.mask
        op = e.op
        if op in ("+", "-", "*"):
            if T.strip_optional(e.type) != T.INT:
                raise NotVectorisable(f"arithmetic on {T.describe(e.type)}")
            x, y = a.value(), b.value()
            limit = _BIG if op != "*" else 2**31
            self.troubles.append((_beyond(x, limit) | _beyond(y, limit)).fill_null(False))
            value = x + y if op == "+" else x - y if op == "-" else x * y
            return Vec(e.type, value, mask)
        if op in ("date+", "date-"):
            if T.strip_optional(e.left.type) != T.DATE or not b.is_static or not isinstance(b.static, Duration):
                raise NotVectorisable("date arithmetic with a computed duration")
            d: Duration = b.static
            sign = 1 if op == "date+" else -1
            value = self._shift(a.value(), sign * (d.years * 12 + d.months), sign * d.days)
            return Vec(e.type, value, mask)
        if op == "days":
            if T.strip_optional(e.left.type) != T.DATE or T.strip_optional(e.right.type) != T.DATE:
                raise NotVectorisable("days between datetimes")
            return Vec(e.type, (a.value() - b.value()).dt.total_days(), mask)
        if op in ("|", "&", "set-"):
            element = T.element_type(e.type)
            dtype = require_dtype(e.type)
            empty = pl.lit([], dtype=dtype)
            x, y = a.value().fill_null(empty), b.value().fill_null(empty)
            if op == "|":
                value = x.list.set_union(y)
            elif op == "&":
                value = x.list.set_intersection(y)
            else:
                value = x.list.set_difference(y)
            return Vec(e.type, canonical_set(value, element or T.ANY), mask, nullable=False)
        raise NotVectorisable(f"the operator `{op}`")

    def _shift(self, day: pl.Expr, months: Any, days: Any) -> pl.Expr:
        """``day`` plus calendar months (clamped to the month's end), then days."""
        result = day
        if isinstance(months, int):
            if months:
                result = result.dt.offset_by(f"{months}mo")
        else:
            self.troubles.append(_beyond(months, 120_001).fill_null(False))
            result = result.dt.offset_by(pl.format("{}mo", months))
        if isinstance(days, int):
            if days:
                result = result + pl.duration(days=days)
        else:
            self.troubles.append(_beyond(days, 3_700_001).fill_null(False))
            result = result + pl.duration(days=days)
        year = result.dt.year()
        self.troubles.append(((year < 1) | (year > 9999)).fill_null(False))
        return result

    def _AtIR(self, e: ir.AtIR) -> Vec:
        """A dated parameter on each row's date: its values chosen by comparing the date with their start dates.

        Only for values the columns hold exactly (whole numbers, truth values, texts, enum values, dates);
        a row whose date is before the first value (or after a null that ends it) goes to the reference
        path, which stops it with the located error.
        """
        name = e.parameter.name
        base = T.strip_optional(e.type)
        if not (base in (T.INT, T.BOOL, T.TEXT, T.DATE) or isinstance(base, T.EnumType)):
            raise NotVectorisable(
                f"the dated parameter `{name}` of {T.describe(e.type)} chosen by a date the facts give"
            )
        if T.strip_optional(e.date.type) != T.DATE:
            raise NotVectorisable(f"the dated parameter `{name}` chosen by a datetime")
        history = self.engine.parameter_value(name)
        day = self.share(self.expr(e.date), "at")
        when = day.value()
        value: pl.Expr = literal(None, e.type)
        ends = pl.lit(False)
        for start, item in zip(history.starts, history.values, strict=True):
            since = when >= pl.lit(start, dtype=pl.Date())
            value = pl.when(since).then(literal(item, e.type)).otherwise(value)
            if item is None and not T.is_optional(e.type):
                ends = pl.when(since).then(pl.lit(True)).otherwise(ends)
            elif item is not None:
                ends = pl.when(since).then(pl.lit(False)).otherwise(ends)
        first = history.starts[0] if history.starts else dt.date.max
        before = when.is_null() | (when < pl.lit(first, dtype=pl.Date())) | ends
        self.troubles.append((day.mask.is_known() & before).fill_null(False))
        return Vec(e.type, value, day.mask)

    def _CallIR(self, e: ir.CallIR) -> Vec:
        name = e.builtin.name
        if name in ("marginal", "average"):  # exact decimal brackets: computed row by row
            raise NotVectorisable(f"`{name}` of a scale applied to an amount the facts give")
        args = [self.expr(a) for a in e.args]
        if name == "coalesce":
            return self._coalesce(e, [self.share(a, "coalesce") for a in args])
        mask = merge(a.mask for a in args)
        types = [T.strip_optional(a.type) for a in e.args]
        values = [a.value() for a in args]
        dates = all(t in (T.DATE, T.NULL) for t in types)
        if name in ("add_days", "add_months", "add_years") and types[0] in (T.DATE, T.NULL):
            n = args[1].static if args[1].is_static and args[1].static is not None else values[1]
            if name == "add_days":
                value = self._shift(values[0], 0, n)
            else:
                months = n * 12 if name == "add_years" else n
                value = self._shift(values[0], months, 0)
            return Vec(e.type, value, mask)
        if name == "age" and dates:
            birth, on = values
            years = on.dt.year().cast(pl.Int64) - birth.dt.year().cast(pl.Int64)
            shifted = birth.dt.offset_by(pl.format("{}mo", years * 12))
            return Vec(e.type, years - (shifted > on).cast(pl.Int64), mask)
        if name == "days_between" and dates:
            return Vec(e.type, (values[1] - values[0]).dt.total_days(), mask)
        if name == "overlap_days" and dates:
            start = pl.max_horizontal(values[0], values[2])
            end = pl.min_horizontal(values[1], values[3])
            days = pl.max_horizontal((end - start).dt.total_days() + 1, pl.lit(0, dtype=pl.Int64))
            value = pl.when(any_of(v.is_null() for v in values)).then(pl.lit(0, dtype=pl.Int64)).otherwise(days)
            return Vec(e.type, value, mask, nullable=False)
        if name in ("max", "min") and all(t in (T.INT, T.DATE, T.NULL) for t in types):
            require_dtype(e.type)
            horizontal = pl.max_horizontal if name == "max" else pl.min_horizontal
            return Vec(e.type, horizontal(*values), mask)
        if name in ("year", "month", "day") and dates:
            part = {"year": values[0].dt.year(), "month": values[0].dt.month(), "day": values[0].dt.day()}[name]
            return Vec(e.type, part.cast(pl.Int64), mask)
        if name == "weekday" and dates:
            names = dict(enumerate(T.WEEKDAY.members, start=1))
            value = values[0].dt.weekday().replace_strict(names, return_dtype=pl.String)
            return Vec(e.type, value, mask)
        if name == "count" and isinstance(types[0], T.ListType | T.SetType):
            require_dtype(types[0])
            return Vec(e.type, values[0].list.len().cast(pl.Int64), mask)
        if name == "abs" and types[0] == T.INT:
            self.troubles.append(_beyond(values[0], _BIG).fill_null(False))
            return Vec(e.type, values[0].abs(), mask)
        if name == "to_set" and isinstance(types[0], T.ListType | T.SetType):
            require_dtype(e.type)
            return Vec(e.type, canonical_set(values[0], types[0].element), mask)
        if name == "to_list" and isinstance(types[0], T.ListType | T.SetType):
            require_dtype(e.type)
            value = values[0].list.sort() if isinstance(types[0], T.SetType) else values[0]
            return Vec(e.type, value, mask)
        raise NotVectorisable(f"`{name}` on {', '.join(T.describe(t) for t in types)}")

    def _coalesce(self, e: ir.CallIR, args: Sequence[Vec]) -> Vec:
        require_dtype(e.type)
        result = args[-1]
        value, mask = result.value(), result.mask
        for a in reversed(args[:-1]):
            unknown = a.mask.unknown()
            here = a.value().is_not_null()
            if a.known:
                value = pl.when(here).then(a.value()).otherwise(value)
                mask = choose([(here, Mask())], mask)
            else:
                value = pl.when(unknown | here).then(a.value()).otherwise(value)
                mask = choose([(unknown, a.mask), (here, Mask())], mask)
        return Vec(e.type, value, mask)

    def _IndexIR(self, e: ir.IndexIR) -> Vec:
        target, key = self.expr(e.target), self.expr(e.key)
        mask = target.mask | key.mask
        base = T.strip_optional(e.target.type)
        dtype = require_dtype(e.type)
        if isinstance(base, T.ListType) and not target.is_static:
            k = key.value()
            value = pl.when(k >= 1).then(target.value().list.get(k - 1, null_on_oob=True)).otherwise(None)
            return Vec(e.type, value.cast(dtype), mask)
        if isinstance(base, T.MapType) and target.is_static and isinstance(target.static, dict):
            table = {k: v for k, v in target.static.items() if v is not None}
            if any(isinstance(v, dict | tuple | frozenset | list) for v in table.values()):
                raise NotVectorisable("a map of collections looked up by a computed key")
            value = key.value().replace_strict(table, default=None, return_dtype=dtype) if table else pl.lit(None)
            return Vec(e.type, value.cast(dtype), mask)
        raise NotVectorisable(f"indexing {T.describe(e.target.type)}")

    def _FieldIR(self, e: ir.FieldIR) -> Vec:
        target = self.expr(e.target)
        if target.is_static:
            return Vec.const(None if target.static is None else target.static[e.name], e.type)
        if target.fields is not None:
            part = target.fields[e.name]
            return Vec(part.type, part.value(), part.mask | target.mask, nullable=part.nullable)
        require_dtype(e.target.type)
        return Vec(e.type, target.value().struct.field(e.name), target.mask)

    def _MakeIR(self, e: ir.MakeIR) -> Vec:
        items = [self.expr(i) for i in e.items]
        mask = merge(i.mask for i in items)
        if e.kind == "record":
            return Vec(e.type, None, mask, fields=dict(zip(e.keys, items, strict=True)), nullable=False)
        dtype = require_dtype(e.type)
        element = T.element_type(e.type) or T.ANY
        inner = dtype.inner if isinstance(dtype, pl.List) else None
        value = pl.concat_list([i.value().cast(inner) if inner is not None else i.value() for i in items])
        if e.kind == "set":
            value = canonical_set(value, element)
        return Vec(e.type, value, mask, nullable=False)

    def _MatchIR(self, e: ir.MatchIR) -> Vec:
        """A ``match`` on a plain enum: a when/then chain on the member (the last arm where none is named);
        unknown where the subject is. Tagged values are taken apart row by row."""
        enum = e.subject.type
        if not isinstance(enum, T.EnumType) or enum.tagged or any(b is not None for b in e.bindings):
            raise NotVectorisable("a `match` of tagged values (taken apart row by row)")
        require_dtype(e.type)
        subject = self.share(self.expr(e.subject), "match")
        arms = [(case, self.share(self.expr(body), "arm")) for case, body in zip(e.cases, e.bodies, strict=True)]
        rest = self.share(self.expr(e.otherwise), "otherwise") if e.otherwise is not None else arms.pop()[1]
        tests = [(subject.value() == pl.lit(case), arm) for case, arm in arms]
        chain: Any = None
        for test, arm in tests:
            chain = (pl.when(test) if chain is None else chain.when(test)).then(arm.value())
        value = chain.otherwise(rest.value()) if chain is not None else rest.value()
        cases = [(test.fill_null(False), arm.mask) for test, arm in tests]
        if not subject.known:
            cases.insert(0, (subject.mask.unknown(), subject.mask))
        return Vec(e.type, value, choose(cases, rest.mask))

    def _QuantIR(self, e: ir.QuantIR) -> Vec:
        collection = self.expr(e.collection)
        if collection.parts is not None:
            return self._quantify_rows(e, collection)
        if collection.is_static:
            raise NotVectorisable("a quantifier over a constant with a condition on facts")
        element = T.element_type(e.collection.type)
        if element is None or vector_dtype(element) is None:
            raise NotVectorisable(f"a quantifier over {T.describe(e.collection.type)}")
        saved = (dict(self.locals), self.in_element)
        outer = {name: v for name, v in self.locals.items() if v.is_static}  # not another list's element
        self.locals = {**outer, e.variable: Vec(element, pl.element(), nullable=T.is_optional(element))}
        self.in_element = True
        try:
            condition = self.expr(e.condition)
        finally:
            self.locals, self.in_element = saved
        hits = collection.value().list.eval(condition.is_true())
        if e.kind == "any":
            value = hits.list.any().fill_null(False)
        elif e.kind == "all":
            value = hits.list.all().fill_null(True)
        else:
            value = hits.list.sum().cast(pl.Int64).fill_null(0)
        return Vec(e.type, value, collection.mask, nullable=False)

    def _AggregateIR(self, e: ir.AggregateIR) -> Vec:
        """An aggregate per element, with list expressions: ``filter`` and ``map``, and ``sum``,
        ``min`` and ``max`` of whole numbers or dates.

        Sums and extremes of decimals and amounts (exact, not Float64) or durations, values
        without a column type and aggregates over a ``collect`` or a constant are declined,
        and the decision is computed row by row.
        """
        if e.kind in ("sum", "min", "max"):
            exact(e.type)
            if T.strip_optional(e.type) not in (T.INT, T.DATE):
                raise NotVectorisable(f"`{e.kind}(...)` of {T.describe(e.type)}")
        elif vector_dtype(e.type) is None:
            raise NotVectorisable(f"`{e.kind}(...)` giving {T.describe(e.type)}")
        collection = self.expr(e.collection)
        if collection.parts is not None or collection.is_static:
            raise NotVectorisable(f"`{e.kind}(...)` over a collect or a constant")
        element = T.element_type(e.collection.type)
        if element is None or vector_dtype(element) is None:
            raise NotVectorisable(f"`{e.kind}(...)` over {T.describe(e.collection.type)}")
        saved = (dict(self.locals), self.in_element)
        outer = {name: v for name, v in self.locals.items() if v.is_static}  # not another list's element
        self.locals = {**outer, e.variable: Vec(element, pl.element(), nullable=T.is_optional(element))}
        self.in_element = True
        before = len(self.troubles)
        try:
            body = self.expr(e.body)
        finally:
            self.locals, self.in_element = saved
        if body.is_static or body.fields is not None:
            raise NotVectorisable(f"`{e.kind}(...)` of a constant or a record")
        items = collection.value()
        inner = self.troubles[before:]  # an element's trouble (an overflow) sends its row to the reference
        del self.troubles[before:]
        self.troubles.extend(items.list.eval(t).list.any().fill_null(False) for t in inner)
        if e.kind == "filter":
            kept = items.list.eval(pl.element().filter(_truthy(body)))
            return Vec(e.type, kept.fill_null(pl.lit([], dtype=require_dtype(e.type))), collection.mask, nullable=False)
        values = items.list.eval(body.value())
        if e.kind == "map":
            return Vec(
                e.type, values.fill_null(pl.lit([], dtype=require_dtype(e.type))), collection.mask, nullable=False
            )
        if e.kind == "sum":
            magnitude = values.list.eval(pl.element().cast(pl.Float64).abs()).list.sum()
            self.troubles.append((magnitude >= _BIG).fill_null(False))
            return Vec(e.type, values.list.sum().cast(pl.Int64).fill_null(0), collection.mask, nullable=False)
        value = values.list.min() if e.kind == "min" else values.list.max()
        return Vec(e.type, value, collection.mask, nullable=True)

    def _FnCallIR(self, e: ir.FnCallIR) -> Vec:
        """A call of a function of the policy: its body with the arguments put in (``e.inlined``)."""
        return self.expr(e.inlined)

    def _quantify_rows(self, e: ir.QuantIR, collection: Vec) -> Vec:
        """A quantifier over a ``collect`` decision: one test per row that can add an item."""
        rows = collection.parts.rows
        if e.kind == "count":
            items = [item for _, item in rows]
            if not all(i.is_static for i in items) or len({repr(i.static) for i in items}) != len(items):
                raise NotVectorisable("counting over a collect whose items may repeat")
        tests = []
        saved = dict(self.locals)
        try:
            for active, item in rows:
                self.locals[e.variable] = item
                tests.append((active.is_true(), self.share(self.expr(e.condition), e.kind)))
        finally:
            self.locals = saved
        unknown = merge(r.mask.where(fired) for fired, r in tests)
        coll = collection.mask
        if e.kind == "any":
            true = any_of(fired & r.is_true() for fired, r in tests)
            return _bool(true, choose([(coll.unknown(), coll), (true, Mask())], unknown))
        if e.kind == "all":
            false = any_of(fired & r.is_false() for fired, r in tests)
            return _bool(~false, choose([(coll.unknown(), coll), (false, Mask())], unknown))
        count = pl.sum_horizontal([(fired & r.is_true()).cast(pl.Int64) for fired, r in tests])
        return Vec(e.type, count, choose([(coll.unknown(), coll)], unknown), nullable=False)


# ---------------------------------------------------------------- helpers


def _one_of(e: pl.Expr, members: list[Any], dtype: pl.DataType) -> pl.Expr:
    if len(members) <= 8:
        return any_of(e == pl.lit(m, dtype=dtype) for m in members)
    return e.is_in(pl.Series(members, dtype=dtype).implode())


def _bool(value: pl.Expr, mask: Mask | None = None) -> Vec:
    return Vec(T.BOOL, value, mask or Mask(), nullable=False)


def _truthy(x: Vec) -> pl.Expr:
    """The value where known, null read as false."""
    if x.is_static:
        return pl.lit(bool(x.static))
    return x.value().fill_null(False) if x.nullable else x.value()


def _enum_index(x: Vec, enum: T.EnumType) -> pl.Expr:
    order = {m: i for i, m in enumerate(enum.members)}
    if x.is_static:
        return pl.lit(None if x.static is None else order[x.static], dtype=pl.Int32)
    return x.value().replace_strict(order, default=None, return_dtype=pl.Int32)


def _ordered(op: str, left: pl.Expr, right: pl.Expr, nullable: bool = True) -> pl.Expr:
    """``left op right`` for ``<``, ``<=``, ``>``, ``>=``; false where a side is null.

    Without ``nullable`` neither side holds null in a known row, and the test is left as it is.
    """
    if op == "<":
        test = left < right
    elif op == "<=":
        test = left <= right
    elif op == ">":
        test = left > right
    else:
        test = left >= right
    return test.fill_null(False) if nullable else test


def _test_constant(op: str, a: Vec, constant: Any, operand_type: T.Type) -> pl.Expr:
    """``a op constant`` where the constant is not null (``Compiler._compare_constant``)."""
    if op in ("=", "!="):
        equal = a.comparable() == literal(constant, a.type if vector_dtype(a.type) else operand_type)
        equal = equal.fill_null(False) if a.nullable else equal
        return equal if op == "=" else ~equal
    if isinstance(operand_type, T.EnumType):
        left = _enum_index(a, operand_type)
        bound = pl.lit(operand_type.index(constant), dtype=pl.Int32)
    else:
        left, bound = a.value(), literal(constant, a.type)
    return _ordered(op, left, bound, a.nullable)


def _test(op: str, a: Vec, b: Vec, ordered_enum: bool, operand_type: T.Type) -> pl.Expr:
    """``a op b`` on known values (``compile._compare_op``): null equals null."""
    if op in ("=", "!="):
        equal = same(a, b)
        return equal if op == "=" else ~equal
    if ordered_enum:
        assert isinstance(operand_type, T.EnumType)
        left, right = _enum_index(a, operand_type), _enum_index(b, operand_type)
    else:
        left, right = a.value(), b.value()
    return _ordered(op, left, right, a.nullable or b.nullable)


def same(a: Vec, b: Vec) -> pl.Expr:
    """``same_value`` on known values: equal, and null equal to null."""
    if not (a.is_static and b.is_static):
        exact(a.type, b.type)
    if a.is_static and b.is_static:
        return pl.lit(a.static == b.static)
    if a.is_static and a.static is None:
        return b.value().is_null()
    if b.is_static and b.static is None:
        return a.value().is_null()
    return a.value().eq_missing(b.value())


def _simple(e: pl.Expr) -> bool:
    return bool(e.meta.is_column() or e.meta.is_literal())


def _free_locals(e: ir.Expr, bound: frozenset[str] = frozenset()) -> set[str]:
    """The variables ``e`` reads that a quantifier outside it binds."""
    if isinstance(e, ir.Ref):
        return {e.name} if e.kind == "local" and e.name not in bound else set()
    if isinstance(e, ir.QuantIR):
        return _free_locals(e.collection, bound) | _free_locals(e.condition, bound | {e.variable})
    if isinstance(e, ir.AggregateIR):
        return _free_locals(e.collection, bound) | _free_locals(e.body, bound | {e.variable})
    found: set[str] = set()
    for c in ir.children(e):
        found |= _free_locals(c, bound)
    return found


def _substitute(e: ir.Expr, values: dict[str, Vec]) -> ir.Expr:
    """``e`` with the free variables in ``values`` replaced by their constant values."""
    if isinstance(e, ir.Ref):
        if e.kind == "local" and e.name in values:
            return ir.Const(values[e.name].static, e.type, e.span)
        return e
    if isinstance(e, ir.QuantIR) and e.variable in values:
        inner = {k: v for k, v in values.items() if k != e.variable}
        return attrs.evolve(e, collection=_substitute(e.collection, values), condition=_substitute(e.condition, inner))
    if isinstance(e, ir.AggregateIR) and e.variable in values:
        inner = {k: v for k, v in values.items() if k != e.variable}
        return attrs.evolve(e, collection=_substitute(e.collection, values), body=_substitute(e.body, inner))
    return ir.map_children(e, lambda c: _substitute(c, values))


def _beyond(x: pl.Expr, limit: int) -> pl.Expr:
    """``|x| >= limit``, without ``abs()``: the absolute value of Int64's minimum wraps round to itself."""
    return (x >= limit) | (x <= -limit)

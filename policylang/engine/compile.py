"""Compile checked expressions into Python closures over a list of slot values.

A compiled expression is a function ``f(values) -> value``. ``values`` holds every fact,
parameter, ``let`` value and decision of the policy at a fixed slot, plus one slot per
bound variable. Unknown facts are :class:`~policylang.ir.values.Unknown` values that the
closures propagate with Kleene's three-valued logic: ``false and unknown`` is false,
``true or unknown`` is true, and anything else that touches an unknown is unknown.
Nothing here evaluates policy text as Python.

Arithmetic follows :mod:`policylang.base.numbers`: whole numbers stay within 64 bits,
decimals are computed in the language's own decimal context (never the caller's), and a
result out of range is an :class:`~policylang.base.errors.EvaluationError` at the
expression. Quantifiers visit a set's elements in its canonical order, so that which
element is met first (and so which error, if any) never depends on hashing.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation, Overflow
from typing import Any

from policylang.base.errors import Diagnostic, EvaluationError
from policylang.base.numbers import CONTEXT, INT_MAX, INT_MIN, NumberRangeError, checked_int
from policylang.base.span import Span
from policylang.ir import dates
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Duration, History, Tagged, Unknown, same_value, sort_members
from policylang.trace.events import NOT_COMPUTED

Fn = Callable[[list[Any]], Any]


class Compiler:
    """Compiles the expressions of one program; owns the slot numbers of bound variables."""

    def __init__(self, slots: dict[tuple[str, str], int], first_free: int) -> None:
        self.slots = slots
        # the slot where an evaluation that is traced puts what records the calls of functions (else None)
        self.call_slot = first_free
        self.next_free = first_free + 1
        self.local_slots: list[dict[str, int]] = []
        # the slots of functions' parameters: the argument each is computed from, and the slot that
        # holds the caller's recorder (an argument's calls are the caller's, made where the body needs it)
        self.lazy: dict[int, tuple[Fn, int]] = {}

    @property
    def size(self) -> int:
        """How many slots an evaluation needs."""
        return self.next_free

    def expr(self, e: ir.Expr) -> Fn:
        method = getattr(self, "_" + type(e).__name__)
        fn: Fn = method(e)
        return fn

    # -- leaves ----------------------------------------------------------------

    def _Const(self, e: ir.Const) -> Fn:
        value = e.value
        return lambda v: value

    def _Ref(self, e: ir.Ref) -> Fn:
        if e.kind == "local":
            for frame in reversed(self.local_slots):
                if e.name in frame:
                    slot = frame[e.name]
                    lazy = self.lazy.get(slot)
                    return operator.itemgetter(slot) if lazy is None else _parameter(slot, *lazy, self.call_slot)
            raise AssertionError(f"unbound variable {e.name}")
        return operator.itemgetter(self.slots[(e.kind, e.name)])

    # -- logic -----------------------------------------------------------------

    def _BoolOpIR(self, e: ir.BoolOpIR) -> Fn:
        items = tuple(self.expr(i) for i in e.items)
        if e.op == "and":
            if len(items) == 2:
                first, second = items

                def and2(v: list[Any]) -> Any:
                    a = first(v)
                    if a is False or a is None:
                        return False
                    b = second(v)
                    if b is False or b is None:
                        return False
                    if a is True:
                        return b
                    if b is True:
                        return a
                    return a.merge(b)

                return and2

            def and_n(v: list[Any]) -> Any:
                unknown = None
                for fn in items:
                    x = fn(v)
                    if x is True:
                        continue
                    if type(x) is Unknown:
                        unknown = x if unknown is None else unknown.merge(x)
                        continue
                    return False
                return True if unknown is None else unknown

            return and_n

        if len(items) == 2:
            first, second = items

            def or2(v: list[Any]) -> Any:
                a = first(v)
                if a is True:
                    return True
                b = second(v)
                if b is True:
                    return True
                if type(a) is Unknown:
                    return a.merge(b) if type(b) is Unknown else a
                return b if type(b) is Unknown else False

            return or2

        def or_n(v: list[Any]) -> Any:
            unknown = None
            for fn in items:
                x = fn(v)
                if x is True:
                    return True
                if type(x) is Unknown:
                    unknown = x if unknown is None else unknown.merge(x)
            return False if unknown is None else unknown

        return or_n

    def _NotIR(self, e: ir.NotIR) -> Fn:
        inner = self.expr(e.operand)

        def not_(v: list[Any]) -> Any:
            x = inner(v)
            if type(x) is Unknown:
                return x
            return not x

        return not_

    def _CompareIR(self, e: ir.CompareIR) -> Fn:
        if len(e.ops) == 1 and isinstance(e.operands[1], ir.Const) and e.operands[1].value is not None:
            return self._compare_constant(e.ops[0], e.operands[0], e.operands[1].value, e.operand_type)
        operands = tuple(self.expr(o) for o in e.operands)
        ops = tuple(_compare_op(op, e.operand_type) for op in e.ops)
        if len(ops) == 1:
            (test,) = ops
            left, right = operands

            def compare(v: list[Any]) -> Any:
                a = left(v)
                b = right(v)
                if type(a) is Unknown:
                    return a.merge(b) if type(b) is Unknown else a
                if type(b) is Unknown:
                    return b
                return test(a, b)

            return compare

        def chain(v: list[Any]) -> Any:
            values = [fn(v) for fn in operands]
            unknown = None
            for test, a, b in zip(ops, values, values[1:], strict=False):
                if type(a) is Unknown or type(b) is Unknown:
                    u = a if type(a) is Unknown else b
                    unknown = u if unknown is None else unknown.merge(u)
                    continue
                if not test(a, b):
                    return False
            return True if unknown is None else unknown

        return chain

    def _compare_constant(self, op: str, left_ir: ir.Expr, constant: Any, operand_type: T.Type) -> Fn:
        """``x op constant``: the most common comparison, in one closure."""
        left = self.expr(left_ir)
        if op in ("=", "!="):
            equal = op == "="

            def equals(v: list[Any]) -> Any:
                a = left(v)
                if type(a) is Unknown:
                    return a
                return (a == constant) is equal

            return equals
        test = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]
        if isinstance(operand_type, T.EnumType):
            index = {m: i for i, m in enumerate(operand_type.members)}
            bound = index[constant]

            def compare_member(v: list[Any]) -> Any:
                a = left(v)
                if type(a) is Unknown:
                    return a
                return a is not None and test(index[a], bound)

            return compare_member

        def compare(v: list[Any]) -> Any:
            a = left(v)
            if type(a) is Unknown:
                return a
            return a is not None and test(a, constant)

        return compare

    def _MemberIR(self, e: ir.MemberIR) -> Fn:
        item, collection, negated = self.expr(e.item), self.expr(e.collection), e.negated

        def member(v: list[Any]) -> Any:
            x = item(v)
            c = collection(v)
            if type(x) is Unknown:
                return x.merge(c) if type(c) is Unknown else x
            if type(c) is Unknown:
                return c
            found = c is not None and x in c
            return found != negated

        return member

    def _IsTestIR(self, e: ir.IsTestIR) -> Fn:
        operand, negated = self.expr(e.operand), e.negated
        if e.test == "null":

            def is_null(v: list[Any]) -> Any:
                x = operand(v)
                if type(x) is Unknown:
                    return x
                return (x is None) != negated

            return is_null

        def is_empty(v: list[Any]) -> Any:
            x = operand(v)
            if type(x) is Unknown:
                return x
            return (x is None or len(x) == 0) != negated

        return is_empty

    def _IfIR(self, e: ir.IfIR) -> Fn:
        condition, then, otherwise = self.expr(e.condition), self.expr(e.then), self.expr(e.otherwise)

        def if_(v: list[Any]) -> Any:
            c = condition(v)
            if c is True:
                return then(v)
            if type(c) is Unknown:
                a, b = then(v), otherwise(v)
                if same_value(a, b):
                    return a
                return c.merge(a if type(a) is Unknown else Unknown()).merge(b if type(b) is Unknown else Unknown())
            return otherwise(v)

        return if_

    # -- values ----------------------------------------------------------------

    def _ArithIR(self, e: ir.ArithIR) -> Fn:
        left, right = self.expr(e.left), self.expr(e.right)
        op = _arith_op(e.op)
        span = e.span

        def arith(v: list[Any]) -> Any:
            a = left(v)
            b = right(v)
            if type(a) is Unknown:
                return a.merge(b) if type(b) is Unknown else a
            if type(b) is Unknown:
                return b
            if a is None or b is None:
                if e.op in ("|", "&", "set-"):
                    return op(a or frozenset(), b or frozenset())
                return None
            try:
                return op(a, b)
            except (ArithmeticError, ValueError) as exc:
                raise _arith_error(exc, span) from None

        return arith

    def _CallIR(self, e: ir.CallIR) -> Fn:
        args = tuple(self.expr(a) for a in e.args)
        impl = e.builtin.impl
        propagates = e.builtin.null_propagates
        span = e.span
        name = e.builtin.name
        if name == "to_list":  # a set's canonical order needs its element type: enums in declared order
            element = T.element_type(e.args[0].type) if e.args else None
            impl = lambda value: tuple(sort_members(value, element))  # noqa: E731
        if name == "coalesce":

            def coalesce(v: list[Any]) -> Any:
                for fn in args:
                    x = fn(v)
                    if x is not None:
                        return x
                return None

            return coalesce

        def call(v: list[Any]) -> Any:
            values = [fn(v) for fn in args]
            unknown = None
            for x in values:
                if type(x) is Unknown:
                    unknown = x if unknown is None else unknown.merge(x)
            if unknown is not None:
                return unknown
            if propagates and None in values:
                return None
            try:
                return impl(*values)
            except (ArithmeticError, ValueError, KeyError, OSError) as exc:
                raise _runtime_error(f"`{name}` failed: {_reason(exc)}", span) from None

        return call

    def _FnCallIR(self, e: ir.FnCallIR) -> Fn:
        """A call of one of the policy's functions: its body, run on the arguments.

        The call means its body with the arguments put in (``e.inlined``, what the other
        backends read): each argument is computed where the body first reads it, once, and not
        at all where the body does not need it (so an argument that fails, or is unknown, matters
        only where it is needed, as in the body written out). Where the slot :attr:`call_slot`
        holds a recorder (a traced evaluation), the call is reported to it with its arguments
        (those the body did not compute, computed for the record; :data:`NOT_COMPUTED` where that
        fails), its result and the calls its body made, as ``record(function, args, result, calls)``.
        """
        args = tuple(self.expr(a) for a in e.args)
        f = e.function
        slots = tuple(range(self.next_free, self.next_free + len(f.params)))
        caller = self.next_free + len(f.params)  # the caller's recorder, while the call runs
        self.next_free += len(f.params) + 1
        self.lazy.update((slot, (arg, caller)) for slot, arg in zip(slots, args, strict=True))
        outer = self.local_slots
        self.local_slots = [{name: slot for (name, _), slot in zip(f.params, slots, strict=True)}]
        try:
            body = self.expr(f.body)
        finally:
            self.local_slots = outer
        log = self.call_slot
        pairs = tuple(zip(slots, args, strict=True))

        def call(v: list[Any]) -> Any:
            for slot in slots:
                v[slot] = PENDING
            record = v[log]
            if record is None:
                return body(v)
            v[caller] = record
            nested: list[tuple[Any, ...]] = []
            v[log] = lambda *made: nested.append(made)
            try:
                result = body(v)
            finally:
                v[log] = record
            values = tuple(_computed(v, slot, arg) for slot, arg in pairs)
            record(f, values, result, tuple(nested))
            return result

        return call

    def _DatedIR(self, e: ir.DatedIR) -> Fn:
        items = tuple(self.expr(i) for i in e.items)
        starts = e.starts

        def dated(v: list[Any]) -> Any:
            return History(starts, tuple(fn(v) for fn in items))

        return dated

    def _AtIR(self, e: ir.AtIR) -> Fn:
        history, date = self.expr(e.parameter), self.expr(e.date)
        name, span = e.parameter.name, e.span
        optional = T.is_optional(e.type)

        def at(v: list[Any]) -> Any:
            day = date(v)
            if type(day) is Unknown:
                return day
            if day is None:
                raise _runtime_error(f"there is no date to choose the value of `{name}` by (the date is null)", span)
            if isinstance(day, dt.datetime):
                day = day.date()
            h = history(v)
            found = h.at(day)
            if found is None:
                first = h.starts[0] if h.starts else None
                since = f"its first value is from {first}" if first else "it has no values"
                raise _runtime_error(f"`{name}` has no value on {day}: {since}", span)
            if found[1] is None and not optional:  # a null ended it: say the last day its value applied
                ended = f"it has none from {found[0]}"
                if found[0] != h.starts[0]:
                    ended += f" (its last value applied until {found[0] - dt.timedelta(days=1)})"
                raise _runtime_error(f"`{name}` has no value on {day}: {ended}", span)
            return found[1]

        return at

    def _IndexIR(self, e: ir.IndexIR) -> Fn:
        target, key = self.expr(e.target), self.expr(e.key)
        is_list = isinstance(T.strip_optional(e.target.type), T.ListType)

        def index(v: list[Any]) -> Any:
            t = target(v)
            k = key(v)
            if type(t) is Unknown:
                return t.merge(k) if type(k) is Unknown else t
            if type(k) is Unknown:
                return k
            if t is None or k is None:
                return None
            if is_list:
                return t[k - 1] if 1 <= k <= len(t) else None
            return t.get(k)

        return index

    def _FieldIR(self, e: ir.FieldIR) -> Fn:
        target, name = self.expr(e.target), e.name

        def field(v: list[Any]) -> Any:
            t = target(v)
            if type(t) is Unknown or t is None:
                return t
            return t[name]

        return field

    def _MakeIR(self, e: ir.MakeIR) -> Fn:
        items = tuple(self.expr(i) for i in e.items)
        kind, keys = e.kind, e.keys

        def make(v: list[Any]) -> Any:
            values = [fn(v) for fn in items]
            unknown = None
            for x in values:
                if type(x) is Unknown:
                    unknown = x if unknown is None else unknown.merge(x)
            if unknown is not None:
                return unknown
            if kind == "list":
                return tuple(values)
            if kind == "set":
                return frozenset(values)
            if kind == "tagged":
                return Tagged(keys[0], values[0])
            return dict(zip(keys, values, strict=False))

        return make

    def _MatchIR(self, e: ir.MatchIR) -> Fn:
        """The value of the arm the subject's member takes, its fields bound to the arm's name.

        Kleene: an unknown subject makes the match unknown (waiting for the subject's facts);
        the arms not taken are never computed, so what they would need does not matter.
        """
        subject = self.expr(e.subject)
        arms: dict[str, tuple[int | None, Fn]] = {}
        for case, binding, body in zip(e.cases, e.bindings, e.bodies, strict=True):
            slot = None
            if binding is not None:
                slot = self.next_free
                self.next_free += 1
                self.local_slots.append({binding: slot})
            try:
                arms[case] = (slot, self.expr(body))
            finally:
                if binding is not None:
                    self.local_slots.pop()
        otherwise = self.expr(e.otherwise) if e.otherwise is not None else None

        def match(v: list[Any]) -> Any:
            s = subject(v)
            if type(s) is Unknown:
                return s
            member = s.case if type(s) is Tagged else s
            arm = arms.get(member)
            if arm is None:
                assert otherwise is not None, f"no arm for {member!r}"
                return otherwise(v)
            slot, body = arm
            if slot is not None:
                v[slot] = s.fields
            return body(v)

        return match

    def _QuantIR(self, e: ir.QuantIR) -> Fn:
        collection = self.expr(e.collection)
        slot = self.next_free
        self.next_free += 1
        self.local_slots.append({e.variable: slot})
        try:
            condition = self.expr(e.condition)
        finally:
            self.local_slots.pop()
        kind = e.kind
        element = T.element_type(e.collection.type)

        def quantify(v: list[Any]) -> Any:
            c = collection(v)
            if type(c) is Unknown:
                return c
            unknown = None
            hits = 0
            for x in sort_members(c, element) if type(c) is frozenset else c or ():
                v[slot] = x
                r = condition(v)
                if r is True:
                    if kind == "any":
                        return True
                    hits += 1
                elif type(r) is Unknown:
                    unknown = r if unknown is None else unknown.merge(r)
                elif kind == "all":
                    return False
            if unknown is not None:
                return unknown
            if kind == "count":
                return hits
            return kind == "all"

        return quantify

    def _AggregateIR(self, e: ir.AggregateIR) -> Fn:
        """One value per element, then their sum, least, greatest, the kept elements or the values.

        Kleene: an unknown collection, or an unknown value for any element, makes the result
        unknown (waiting for all of them), unless a known value is an ordered enum's first
        member (for ``min``) or last (for ``max``); a null collection counts as empty. ``min``
        and ``max`` skip nulls and are null when nothing is left.
        """
        collection = self.expr(e.collection)
        slot = self.next_free
        self.next_free += 1
        self.local_slots.append({e.variable: slot})
        try:
            body = self.expr(e.body)
        finally:
            self.local_slots.pop()
        kind, span = e.kind, e.span
        element = T.element_type(e.collection.type)
        combine = _combiner(kind, e.type)
        is_set = isinstance(T.strip_optional(e.collection.type), T.SetType)
        base = T.strip_optional(e.type)
        # an ordered enum's first member is the minimum whatever the unknown values are (the last, the maximum)
        bound = (base.members[0] if kind == "min" else base.members[-1]) if isinstance(base, T.EnumType) else None

        def aggregate(v: list[Any]) -> Any:
            c = collection(v)
            if type(c) is Unknown:
                return c
            items = sort_members(c, element) if type(c) is frozenset else c or ()
            unknown = None
            values = []
            for x in items:
                v[slot] = x
                r = body(v)
                if type(r) is Unknown:
                    unknown = r if unknown is None else unknown.merge(r)
                elif kind != "filter":
                    values.append(r)
                elif r is True:
                    values.append(x)
            if unknown is not None:
                return bound if bound is not None and bound in values else unknown
            if kind == "filter":
                return frozenset(values) if is_set else tuple(values)
            try:
                return combine(values)
            except (ArithmeticError, ValueError) as exc:
                raise _arith_error(exc, span) from None

        return aggregate


class _Pending:
    """The value of a function's parameter whose argument the body has not read yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PENDING"


PENDING: Any = _Pending()


def _parameter(slot: int, argument: Fn, caller: int, log: int) -> Fn:
    """A function's parameter as its body reads it: the argument, computed where it is first read
    (in a traced evaluation, the calls the argument makes are reported to the caller's recorder)."""

    def parameter(v: list[Any]) -> Any:
        x = v[slot]
        if x is PENDING:
            record = v[log]
            if record is None:
                x = v[slot] = argument(v)
                return x
            v[log] = v[caller]
            try:
                x = v[slot] = argument(v)
            finally:
                v[log] = record
        return x

    return parameter


def _computed(v: list[Any], slot: int, argument: Fn) -> Any:
    """A parameter's value for the trace: as the body read it, or computed now (the body did not need it;
    the calls it makes then are reported to the caller, whose recorder is in place again)."""
    x = v[slot]
    if x is not PENDING:
        return x
    try:
        return argument(v)
    except EvaluationError:
        return NOT_COMPUTED


def _combiner(kind: str, type_: T.Type) -> Callable[[list[Any]], Any]:
    """How an aggregate combines the known values computed for the elements."""
    base = T.strip_optional(type_)
    if kind == "sum":
        zero: Any = Duration() if base == T.DURATION else 0 if base == T.INT else Decimal(0)
        add = operator.add if base == T.DURATION else _add

        def total(values: list[Any]) -> Any:
            result = zero
            for x in values:
                result = add(result, x)
            return result

        return total
    if kind in ("min", "max"):
        pick = min if kind == "min" else max
        if isinstance(base, T.EnumType):
            index = {m: i for i, m in enumerate(base.members)}
            return lambda values: pick((x for x in values if x is not None), key=index.__getitem__, default=None)
        return lambda values: pick((x for x in values if x is not None), default=None)
    return tuple  # map


def _runtime_error(message: str, span: Span) -> EvaluationError:
    d = Diagnostic("pol-evaluation", message, span)
    return EvaluationError(f"{span}: {message}", [d])


def _arith_error(exc: ArithmeticError | ValueError, span: Span) -> EvaluationError:
    """What went wrong in arithmetic, said for the author: division by zero, a result out of range, ..."""
    if isinstance(exc, ZeroDivisionError):  # also decimal's DivisionByZero and DivisionUndefined (0 / 0)
        return _runtime_error("division by zero", span)
    if isinstance(exc, NumberRangeError):
        return _runtime_error(str(exc), span)
    if isinstance(exc, Overflow):
        return _runtime_error("the result is larger than the largest decimal (below 1E+100)", span)
    return _runtime_error(f"cannot compute this: {_reason(exc)}", span)


def _reason(exc: BaseException) -> str:
    """The message of an exception from Python's own arithmetic, without decimal's signal lists."""
    if isinstance(exc, Overflow):
        return "the result is larger than the largest decimal (below 1E+100)"
    if isinstance(exc, InvalidOperation):
        return "the operation has no defined result (or would need more than 34 digits)"
    if isinstance(exc, KeyError):
        return f"unknown {exc.args[0]}" if exc.args else "unknown value"
    return str(exc) or type(exc).__name__


def _compare_op(op: str, operand_type: T.Type) -> Callable[[Any, Any], bool]:
    if op == "=":
        return lambda a, b: a == b and (type(a) is not bool or type(b) is bool)
    if op == "!=":
        return lambda a, b: not (a == b and (type(a) is not bool or type(b) is bool))
    base = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]
    if isinstance(operand_type, T.EnumType):
        index = {m: i for i, m in enumerate(operand_type.members)}
        return lambda a, b: a is not None and b is not None and base(index[a], index[b])
    return lambda a, b: a is not None and b is not None and base(a, b)


def _add(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        r = a + b
        return r if INT_MIN <= r <= INT_MAX else _too_large(r)
    return CONTEXT.add(a, b)


def _subtract(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        r = a - b
        return r if INT_MIN <= r <= INT_MAX else _too_large(r)
    return CONTEXT.subtract(a, b)


def _multiply(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        r = a * b
        return r if INT_MIN <= r <= INT_MAX else _too_large(r)
    return CONTEXT.multiply(a, b)


def _too_large(r: int) -> int:
    return checked_int(r)  # raises NumberRangeError, saying which way


def _divide(a: Any, b: Any) -> Decimal:
    if not b:
        raise ZeroDivisionError  # also 0 / 0, which decimal calls an invalid operation
    return CONTEXT.divide(a, b)


def _date_plus(d: Any, duration: Duration) -> Any:
    return dates.add_duration(d, duration)


def _date_minus(d: Any, duration: Duration) -> Any:
    return dates.add_duration(d, -duration)


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "date+": _date_plus,
    "date-": _date_minus,
    "days": lambda a, b: (a - b).days,
    "duration+": operator.add,
    "|": lambda a, b: frozenset(a) | frozenset(b),
    "&": lambda a, b: frozenset(a) & frozenset(b),
    "set-": lambda a, b: frozenset(a) - frozenset(b),
}


def _arith_op(op: str) -> Callable[[Any, Any], Any]:
    return _ARITH[op]


def constant(compiler: Compiler, e: ir.Expr, size: int) -> Any:
    """Evaluate an expression that refers to no fact (a parameter's default)."""
    return compiler.expr(e)([None] * max(size, compiler.size))


__all__: Sequence[str] = ("Compiler", "Fn", "constant")

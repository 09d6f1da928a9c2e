"""Type-check expressions and resolve their names, turning AST expressions into IR.

A bare name is looked up from the type the context expects first: where an enum is
expected, ``yes`` is that enum's member; elsewhere it is a fact, parameter, ``let`` value,
decision or bound variable. Problems are reported as diagnostics, never raised, and the
checker carries on with an error type so that one mistake is reported once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from policylang.base.errors import Diagnostic, Replacement
from policylang.base.money import CURRENCIES, DEFAULT_CURRENCY, is_currency
from policylang.base.span import Span
from policylang.base.suggest import did_you_mean
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.builtins import BUILTINS
from policylang.ir.dates import zone
from policylang.ir.inline import inline
from policylang.ir.values import Duration, Scale
from policylang.syntax import ast

Lookup = Callable[[str], "tuple[str, T.Type] | None"]

AGGREGATES = ("sum", "min", "max", "filter", "map")
_ELEMENT = "·element"  # the bound variable of `sum(xs)`: no name a policy can write


def _aggregates_one(function: str, args: tuple[ir.Expr, ...]) -> bool:
    """Whether a call is ``sum(xs)``, or ``min(xs)`` / ``max(xs)`` of one list or set (else the builtin)."""
    if function == "sum":
        return True
    return function in ("min", "max") and len(args) == 1 and T.element_type(args[0].type) is not None


def enum_target(expected: T.Type | None, member: str | None = None) -> T.EnumType | None:
    """The enum a bare name or quoted text should be read from, given the expected type."""
    if expected is None:
        return None
    t = T.strip_optional(expected)
    if isinstance(t, T.EnumType):
        return t
    if isinstance(t, T.UnionType):
        found = t.enum_with(member) if member is not None else None
        option = t.option(T.EnumType)
        return found or (option if isinstance(option, T.EnumType) else None)
    return None


_COMMON_CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "ISK", "USD", "GBP", "CHF")


def currency_diagnostic(code: str, span: Span) -> Diagnostic | None:
    """The error for a currency code that is no ISO 4217 code in use (``money EUX``, ``12 ABC``), or ``None``."""
    if is_currency(code):
        return None
    hint, fix = did_you_mean(code, _COMMON_CURRENCIES)
    if hint is None:
        hint, fix = did_you_mean(code, CURRENCIES)
    message = f"`{code}` is not a currency: money is counted in a currency named by its ISO 4217 code"
    return Diagnostic("pol-currency", message, span, "error", hint or "for example `DKK`, `EUR`, `SEK` or `USD`", fix)


def money_type(code: str | None) -> T.Prim:
    """The type ``money CODE``; ``money`` alone is in the default currency (``DKK``)."""
    return T.money(code or DEFAULT_CURRENCY)


_CONVERT_HINT = (
    "to convert, divide by one unit and multiply by the rate: `amount / 1 {0} * RATE`, "
    "where RATE is the price of 1 {0} as `money {1}`"
)
_MONEY_HINT = {
    "*": "an amount is multiplied by a number (`rent * 12`, `income * RATE`), not by another amount",
    "/": "an amount is divided by a number (`amount / 12`) or by another amount of its currency (a ratio)",
}


def _values_hint(t: T.EnumType) -> str:
    shown = ", ".join(f"`{m}`" for m in t.members[:10])
    return f"the values are {shown}{', ...' if len(t.members) > 10 else ''}"


def _names_in(e: ast.Expr) -> list[str]:
    """The bare names an expression reads, in the order written (each once)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, ast.Name):
            if node.name not in found:
                found.append(node.name)
        elif isinstance(node, tuple | list):
            for item in node:
                walk(item)
        elif attrs.has(type(node)) and not isinstance(node, Span):
            kind: Any = type(node)
            for field in attrs.fields(kind):
                walk(getattr(node, field.name))

    walk(e)
    return found


def _comparison_hint(op: str, left: ir.Expr, right: ir.Expr) -> str | None:
    """How to write a comparison of two types that do not compare: the usual mistakes, with the fix."""
    for this, other in ((left, right), (right, left)):
        t, u = T.strip_optional(this.type), T.strip_optional(other.type)
        this_text, other_text = this.span.text or "x", other.span.text or "y"
        if isinstance(t, T.ListType | T.SetType) and T.comparable(t.element, u):
            test = "not in" if op == "!=" else "in"
            return f"to test whether `{this_text}` holds `{other_text}`, write `{other_text} {test} {this_text}`"
        if isinstance(t, T.EnumType) and not isinstance(u, T.EnumType):
            values = ", ".join(f"`{m}`" for m in t.members[:8]) + (", ..." if len(t.members) > 8 else "")
            return (
                f"`{this_text}` is one of {values}: compare it with one of them, as in `{this_text} = {t.members[0]}`"
            )
        if t in (T.DATE, T.DATETIME) and u in T.NUMERIC:
            literal = isinstance(other, ir.Const) and isinstance(other.value, int)
            later = f"start + {other_text} days" if literal else f"add_days(start, {other_text})"
            return (
                f"compare a date with a date: `{this_text} {op} 2024-01-31`, or `{this_text} {op} {later}`; "
                f"a number of days is a difference of dates: `{this_text} - start {op} {other_text}`"
            )
        if t in (T.DATE, T.DATETIME) and u == T.DURATION:
            return f"add the duration to a date: `{this_text} {op} start + {other_text}`"
    return None


class ExprChecker:
    """Checks the expressions of one policy against its declarations."""

    def __init__(
        self,
        lookup: Lookup,
        names: Callable[[], Iterable[str]],
        rule_ids: Callable[[], Iterable[str]],
        report: Callable[[Diagnostic], None],
        *,
        allowed: frozenset[str] = frozenset({"fact", "parameter", "let", "decision"}),
        context: str = "",
        dated: frozenset[str] = frozenset(),
        evaluation_date: ir.Expr | None = None,
        functions: Callable[[str, Span], ir.FunctionInfo | None] | None = None,
        function_names: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.dated = dated  # the parameters with dated values
        self.evaluation_date = evaluation_date  # the header's `evaluation date`, checked
        self.lookup = lookup
        self.functions = functions  # the policy's own functions, by name (checked when first called)
        self.function_names = function_names
        self.pure: str | None = None  # the function whose body this checks: it reads no fact, let or decision
        self.names = names
        self.rule_ids = rule_ids
        self.report = report
        self.allowed = allowed
        self.context = context
        self.locals: list[dict[str, T.Type]] = []
        self.narrowed: list[frozenset[str]] = []

    # -- entry points ----------------------------------------------------------

    def narrowed_by(self, condition: ast.Expr | None) -> frozenset[str]:
        """Names a condition proves are not null: ``x is not null`` and ``x != null`` conjuncts."""
        if condition is None:
            return frozenset()
        if isinstance(condition, ast.BoolOp) and condition.op == "and":
            return self.narrowed_by(condition.left) | self.narrowed_by(condition.right)
        if isinstance(condition, ast.IsTest) and condition.test == "null" and condition.negated:
            if isinstance(condition.operand, ast.Name):
                return frozenset({condition.operand.name})
        if isinstance(condition, ast.Compare) and condition.ops == ("!=",):
            left, right = condition.operands
            if isinstance(right, ast.Literal) and right.kind == "null" and isinstance(left, ast.Name):
                return frozenset({left.name})
        return frozenset()

    def value_when(self, e: ast.Expr, condition: ast.Expr | None, expected: T.Type, what: str) -> ir.Expr:
        """Check a value that is used only where ``condition`` holds (narrowing nulls away)."""
        self.narrowed.append(self.narrowed_by(condition))
        try:
            return self.value(e, expected, what)
        finally:
            self.narrowed.pop()

    def condition(self, e: ast.Expr) -> ir.Expr:
        """Check a condition: a ``bool`` (a ``null`` counts as false)."""
        result = self.check(e, T.BOOL)
        if T.strip_optional(result.type) not in (T.BOOL, T.ERROR, T.NULL):
            self.error("pol-type", f"a condition must be true or false, but this is {T.describe(result.type)}", e.span)
        return result

    def value(self, e: ast.Expr, expected: T.Type, what: str) -> ir.Expr:
        """Check a value that must fit ``expected`` (a decision's or parameter's type)."""
        result = self.check(e, expected)
        clash = T.currency_clash(result.type, expected)
        if clash:
            message = f"{what} must be in {clash[1]}, but this amount is in {clash[0]}"
            self.error("pol-currency", message, e.span, hint=_CONVERT_HINT.format(*clash))
        elif not T.assignable(result.type, expected):
            hint, fix = self._enum_hint(result, expected)
            self.error(
                "pol-type",
                f"{what} must be {T.describe(expected)}, but this is {T.describe(result.type)}",
                e.span,
                hint=hint or self._null_hint(e, result.type, expected),
                fix=fix,
            )
        return result

    def _null_hint(self, e: ast.Expr, found: T.Type, expected: T.Type) -> str | None:
        """How to narrow an optional value where a value that is never null is expected."""
        if not T.is_optional(found) or T.is_optional(expected) or not T.assignable(T.strip_optional(found), expected):
            return None
        names = [n for n in _names_in(e) if self._may_be_null(n)]
        if not names:
            return "give a value for null with `coalesce(..., <value>)`"
        name = names[0]
        kind = T.describe(T.strip_optional(found))
        return (
            f"`{name}` may be null: narrow it with a row `... when {name} is not null` or with "
            f"`if {name} is null then ... else ...`, or give a value for null: `coalesce({name}, <a {kind}>)`"
        )

    def _may_be_null(self, name: str) -> bool:
        if self._is_local(name) or any(name in names for names in self.narrowed):
            return T.is_optional(self._local(name)) if self._is_local(name) else False
        found = self.lookup(name)
        return found is not None and T.is_optional(found[1])

    def _enum_hint(self, result: ir.Expr, expected: T.Type) -> tuple[str | None, Replacement | None]:
        target = T.strip_optional(expected)
        if isinstance(target, T.ListType | T.SetType):
            target = target.element
        if isinstance(target, T.EnumType) and isinstance(result, ir.Const) and isinstance(result.value, str):
            hint, fix = did_you_mean(result.value, target.members)
            return hint or "the allowed values are " + ", ".join(f"`{m}`" for m in target.members), fix
        return None, None

    def error(
        self,
        code: str,
        message: str,
        span: Span,
        hint: str | None = None,
        severity: Any = "error",
        fix: Replacement | None = None,
    ) -> None:
        self.report(Diagnostic(code, message, span, severity=severity, hint=hint, fix=fix))

    # -- dispatch --------------------------------------------------------------

    def check(self, e: ast.Expr, expected: T.Type | None = None) -> ir.Expr:
        method = getattr(self, "_" + type(e).__name__)
        result: ir.Expr = method(e, expected)
        return result

    def needs_context(self, e: ast.Expr) -> bool:
        """Whether ``e`` can only be typed from what its context expects (``yes``, ``{a, b}``)."""
        if isinstance(e, ast.Name):
            return not self._is_local(e.name) and self.lookup(e.name) is None
        if isinstance(e, ast.Literal):
            return e.kind == "text"
        if isinstance(e, ast.SetLit | ast.ListLit):
            return all(self.needs_context(i) for i in e.items)
        return False

    def _is_local(self, name: str) -> bool:
        return any(name in frame for frame in self.locals)

    def _local(self, name: str) -> T.Type:
        for frame in reversed(self.locals):
            if name in frame:
                return frame[name]
        return T.ERROR

    def _pair(
        self,
        a: ast.Expr,
        b: ast.Expr,
        wrap_b: Callable[[T.Type], T.Type | None] | None = None,
        wrap_a: Callable[[T.Type], T.Type | None] | None = None,
    ) -> tuple[ir.Expr, ir.Expr]:
        """Check two operands, typing the one that needs context from the other."""
        if self.needs_context(a) and not self.needs_context(b):
            right = self.check(b)
            left = self.check(a, wrap_a(right.type) if wrap_a else right.type)
            return left, right
        left = self.check(a)
        right = self.check(b, wrap_b(left.type) if wrap_b else left.type)
        return left, right

    # -- leaves ----------------------------------------------------------------

    def _Literal(self, e: ast.Literal, expected: T.Type | None) -> ir.Expr:
        if e.kind == "text":
            target = enum_target(expected, str(e.value))
            if target is not None:
                if e.value in target.members:
                    return ir.Const(e.value, target, e.span)
                hint, fix = did_you_mean(str(e.value), target.members)
                self.error(
                    "pol-enum-value",
                    f'"{e.value}" is not a value of {T.describe(target)}',
                    e.span,
                    hint=hint or _values_hint(target),
                    fix=fix,
                )
                return ir.Const(None, T.ERROR, e.span)
            return ir.Const(e.value, T.TEXT, e.span)
        if e.kind == "duration":
            lit = e.value
            assert isinstance(lit, ast.DurationLit)
            value = Duration(**{lit.unit: lit.amount})
            return ir.Const(value, T.DURATION, e.span)
        if e.kind == "null":
            return ir.Const(None, T.NULL, e.span)
        if isinstance(e.value, ast.MoneyLit):
            problem = currency_diagnostic(e.value.currency, e.span)
            if problem is not None:
                self.report(problem)
                return ir.Const(e.value.amount, T.MONEY, e.span)  # no currency: reported once, not again
            return ir.Const(e.value.amount, money_type(e.value.currency), e.span)
        return ir.Const(e.value, T.PRIMITIVES[e.kind], e.span)

    def _Name(self, e: ast.Name, expected: T.Type | None) -> ir.Expr:
        if expected == T.ERROR and self.needs_context(e):
            return ir.Const(None, T.ERROR, e.span)  # the other side is already reported
        if self._is_local(e.name):
            return ir.Ref("local", e.name, self._local(e.name), e.span)
        target = enum_target(expected, e.name)
        if target is not None and e.name in target.members:
            found = self.lookup(e.name)
            if found is not None:
                self.error(
                    "pol-ambiguous-name",
                    f"`{e.name}` is read as the value of {T.describe(target)}, not as the {found[0]} `{e.name}`",
                    e.span,
                    hint="rename the fact or value so that the two cannot be confused",
                    severity="warning",
                )
            return ir.Const(e.name, target, e.span)
        found = self.lookup(e.name)
        if found is None:
            candidates = list(self.names())
            if target is not None:
                candidates += list(target.members)
            for frame in self.locals:
                candidates += list(frame)
            hint, fix = did_you_mean(e.name, candidates)
            if target is not None:  # where an enum's value is expected, say which values it has
                self.error(
                    "pol-enum-value",
                    f"`{e.name}` is not a value of {T.describe(target)}, nor a name declared here{self.context}",
                    e.span,
                    hint=hint or _values_hint(target),
                    fix=fix,
                )
                return ir.Const(None, T.ERROR, e.span)
            self.error("pol-unknown-name", f"unknown name `{e.name}`{self.context}", e.span, hint=hint, fix=fix)
            return ir.Const(None, T.ERROR, e.span)
        kind, type_ = found
        if any(e.name in names for names in self.narrowed):
            type_ = T.strip_optional(type_)
        if self.pure is not None and kind not in self.allowed:
            self._impure(kind, e)
        elif kind not in self.allowed:
            what = {"fact": "a fact", "parameter": "a parameter", "let": "a `let` value", "decision": "a decision"}
            self.error(
                "pol-not-constant",
                f"`{e.name}` is {what.get(kind, kind)}; only constants may be used here{self.context}",
                e.span,
            )
        if kind == "parameter" and e.name in self.dated:
            return self._dated_at_evaluation_date(ir.Ref(kind, e.name, type_, e.span))
        return ir.Ref(kind, e.name, type_, e.span)

    def _dated_at_evaluation_date(self, ref: ir.Ref) -> ir.Expr:
        """A dated parameter written without ``at``: its value on the policy's evaluation date."""
        if self.evaluation_date is None:
            self.error(
                "pol-parameter-date",
                f"`{ref.name}` has dated values, and this policy has no `evaluation date` to choose one by",
                ref.span,
                hint=f"say which date: `{ref.name} at period_start`, or give the policy an `evaluation date` header",
            )
            return ir.Const(None, T.ERROR, ref.span)
        return ir.AtIR(ref, self.evaluation_date, ref.type, ref.span, implicit=True)

    def _At(self, e: ast.At, expected: T.Type | None) -> ir.Expr:
        date = self.check(e.date)
        if T.strip_optional(date.type) not in (T.DATE, T.DATETIME, T.ERROR, T.NULL):
            self.error("pol-type", f"`at` takes a date or datetime, but this is {T.describe(date.type)}", e.date.span)
        found = self.lookup(e.target.name) if isinstance(e.target, ast.Name) else None
        if not isinstance(e.target, ast.Name) or found is None or e.target.name not in self.dated:
            target = self.check(e.target, expected)
            if target.type != T.ERROR:
                self.error(
                    "pol-parameter-date",
                    f"`at` chooses a dated parameter's value for a date, and `{e.target.span.text}` is not one",
                    e.target.span,
                    hint="a parameter with `from DATE = ...` lines, or `from file`, has dated values",
                )
            return ir.Const(None, T.ERROR, e.span)
        kind, type_ = found
        if kind not in self.allowed:
            self.error(
                "pol-not-constant",
                f"`{e.target.name}` is a parameter; only constants may be used here{self.context}",
                e.span,
            )
        return ir.AtIR(ir.Ref(kind, e.target.name, type_, e.target.span), date, type_, e.span)

    def _ScaleLit(self, e: ast.ScaleLit, expected: T.Type | None) -> ir.Expr:
        target = T.strip_optional(expected) if expected is not None else None
        want = target.threshold if isinstance(target, T.ScaleType) else None
        thresholds = [self.check(t, want) for t, _ in e.entries]
        rates = [self.check(r, T.DECIMAL) for _, r in e.entries]
        if expected == T.ERROR:  # the declared type is wrong, and reported
            return ir.Const(None, T.ERROR, e.span)
        kind: T.Type = want or T.ANY
        ok = True
        for t in thresholds:
            base = T.strip_optional(t.type)
            if base == T.ERROR:
                ok = False
                continue
            if base not in T.NUMERIC:
                self.error("pol-scale", f"a scale's threshold is an amount or number, not {T.describe(t.type)}", t.span)
                ok = False
                continue
            clash = T.currency_clash(base, kind)
            unified = T.unify(kind, base) if kind != T.ANY else base
            if clash:
                message = f"the thresholds of this scale are in {clash[1]}, but this one is in {clash[0]}"
                self.error("pol-currency", message, t.span, hint=_CONVERT_HINT.format(*clash))
                ok = False
                continue
            if unified is None:
                self.error(
                    "pol-scale",
                    f"the thresholds of a scale are of one type: {T.describe(kind)} and {T.describe(base)} are mixed",
                    t.span,
                )
                ok = False
                continue
            kind = unified
        for r in rates:
            if T.strip_optional(r.type) == T.ERROR:
                ok = False
            elif T.strip_optional(r.type) not in (T.INT, T.DECIMAL):
                self.error("pol-scale", f"a scale's rate is a decimal (0.06 for 6 %), not {T.describe(r.type)}", r.span)
                ok = False
        for item in (*thresholds, *rates):
            if ok and not (isinstance(item, ir.Const) and item.value is not None):
                self.error(
                    "pol-scale",
                    "a scale's thresholds and rates are written as numbers or amounts, not computed",
                    item.span,
                    hint="use a dated parameter for values that change: `from 2017-01-01 = scale { ... }`",
                )
                ok = False
        values = [c.value for c in thresholds if isinstance(c, ir.Const)]
        if ok:
            for (before, after), (_, entry) in zip(
                itertools.pairwise(values), itertools.pairwise(e.entries), strict=True
            ):
                if not before < after:
                    self.error(
                        "pol-scale",
                        f"a scale's thresholds must increase: {entry[0].span.text} does not come after the one before",
                        entry[0].span,
                        hint="write the brackets from the lowest threshold to the highest",
                    )
                    ok = False
                    break
        if not ok:
            return ir.Const(None, T.ERROR, e.span)
        scale = Scale(tuple(values), tuple(Decimal(c.value) for c in rates if isinstance(c, ir.Const)))
        return ir.Const(scale, T.ScaleType(kind), e.span)

    def _impure(self, kind: str, e: ast.Name) -> None:
        what = {
            "fact": "a fact",
            "let": "a `let` value",
            "decision": "a decision",
            "condition": "a `condition` parameter, which reads facts",
        }
        self.error(
            "pol-function-impure",
            f"`{e.name}` is {what.get(kind, kind)}: the function `{self.pure}` may read only its own parameters, "
            "the policy's parameters and other functions",
            e.span,
            hint=f"give `{self.pure}` a parameter for it, and pass `{e.name}` where the function is called",
        )

    def _RuleRef(self, e: ast.RuleRef, expected: T.Type | None) -> ir.Expr:
        known = set(self.rule_ids())
        if e.rule_id not in known:
            hint, fix = did_you_mean(e.rule_id, known)
            self.error("pol-unknown-rule", f"unknown rule `{e.rule_id}`", e.span, hint=hint, fix=fix)
        return ir.Const(e.rule_id, T.RULE, e.span)

    # -- collections -----------------------------------------------------------

    def _items(self, items: tuple[ast.Expr, ...], element: T.Type | None) -> tuple[list[ir.Expr], T.Type]:
        if element is None:
            for item in items:
                if not self.needs_context(item):
                    element = self.check(item).type
                    break
        checked = [self.check(i, element) for i in items]
        result: T.Type = T.ANY
        for c in checked:
            unified = T.unify(result, c.type) if result != T.ANY else c.type
            if unified is None:
                self.error("pol-type", f"a collection cannot mix {T.describe(result)} and {T.describe(c.type)}", c.span)
                return checked, T.ERROR
            result = unified
        if element is not None and result != T.ERROR and all(T.assignable(c.type, element) for c in checked):
            result = element
        return checked, result

    def _SetLit(self, e: ast.SetLit, expected: T.Type | None) -> ir.Expr:
        checked, element = self._items(e.items, T.element_type(expected) if expected else None)
        problem = T.set_element_problem(element)
        if problem:
            self.error("pol-type", problem, e.span)
            return ir.MakeIR("set", tuple(checked), (), T.ERROR, e.span)
        type_ = T.SetType(element)
        if all(isinstance(c, ir.Const) for c in checked):
            return ir.Const(frozenset(c.value for c in checked if isinstance(c, ir.Const)), type_, e.span)
        return ir.MakeIR("set", tuple(checked), (), type_, e.span)

    def _ListLit(self, e: ast.ListLit, expected: T.Type | None) -> ir.Expr:
        checked, element = self._items(e.items, T.element_type(expected) if expected else None)
        type_ = T.ListType(element)
        if all(isinstance(c, ir.Const) for c in checked):
            return ir.Const(tuple(c.value for c in checked if isinstance(c, ir.Const)), type_, e.span)
        return ir.MakeIR("list", tuple(checked), (), type_, e.span)

    def _RecordLit(self, e: ast.RecordLit, expected: T.Type | None) -> ir.Expr:
        target = T.strip_optional(expected) if expected is not None else None
        if isinstance(target, T.UnionType):
            target = target.option(T.RecordType) or target.option(T.MapType)
        keys = [k for k, _ in e.entries]
        if len(set(keys)) != len(keys):
            self.error("pol-duplicate-field", "a field is written twice in this record", e.span)
        if isinstance(target, T.MapType):
            return self._map_literal(e, target)
        values: list[ir.Expr] = []
        fields: list[tuple[str, T.Type]] = []
        if isinstance(target, T.RecordType):
            wanted = dict(target.fields)
            for missing in [n for n in wanted if n not in keys]:
                self.error(
                    "pol-record-field", f"this record lacks the field `{missing}` of {T.describe(target)}", e.span
                )
            for key, value in e.entries:
                if key not in wanted:
                    hint, fix = did_you_mean(key, wanted)
                    self.error(
                        "pol-record-field", f"{T.describe(target)} has no field `{key}`", value.span, hint=hint, fix=fix
                    )
                    values.append(self.check(value))
                else:
                    values.append(self.value(value, wanted[key], f"the field `{key}`"))
            type_: T.Type = target
        else:
            for key, value in e.entries:
                checked = self.check(value)
                values.append(checked)
                fields.append((key, checked.type))
            type_ = T.RecordType(tuple(fields))
        if all(isinstance(v, ir.Const) for v in values):
            return ir.Const(
                {k: v.value for k, v in zip(keys, values, strict=False) if isinstance(v, ir.Const)}, type_, e.span
            )
        return ir.MakeIR("record", tuple(values), tuple(keys), type_, e.span)

    def _map_literal(self, e: ast.RecordLit, target: T.MapType) -> ir.Expr:
        key_type = T.strip_optional(target.key)
        values = []
        for key, value in e.entries:
            if isinstance(key_type, T.EnumType) and key not in key_type.members:
                hint, fix = did_you_mean(key, key_type.members)
                message = f"`{key}` is not a value of {T.describe(key_type)}"
                self.error("pol-enum-value", message, value.span, hint=hint, fix=fix)
            values.append(self.value(value, target.value, f"the entry `{key}`"))
        keys = tuple(k for k, _ in e.entries)
        if all(isinstance(v, ir.Const) for v in values):
            return ir.Const(
                {k: v.value for k, v in zip(keys, values, strict=False) if isinstance(v, ir.Const)}, target, e.span
            )
        return ir.MakeIR("map", tuple(values), keys, target, e.span)

    # -- calls and quantifiers -------------------------------------------------

    def _Call(self, e: ast.Call, expected: T.Type | None) -> ir.Expr:
        function = self.functions(e.function, e.span) if self.functions is not None else None
        if function is not None:
            return self._function_call(function, e)
        builtin = BUILTINS.get(e.function)
        args = tuple(self.check(a, builtin.context(i) if builtin else None) for i, a in enumerate(e.args))
        if _aggregates_one(e.function, args):
            if len(args) != 1:
                usage = "to add values, write `a + b`; to add one value per element, `sum(x in xs: x.amount)`"
                self.error("pol-type", f"`sum` takes one list or set, got {len(args)} arguments", e.span, hint=usage)
                return ir.Const(None, T.ERROR, e.span)
            return self._aggregate(e.function, _ELEMENT, args[0], None, e.span)
        if builtin is None:
            own = sorted(self.function_names()) if self.function_names is not None else []
            listed = ", ".join(f"`{name}`" for name in sorted(BUILTINS))
            hint, fix = did_you_mean(e.function, [*own, *BUILTINS])
            if own:
                mine = ", ".join(f"`{name}`" for name in own)
                listed = f"the policy's own functions are {mine}; the built-in ones are {listed}"
            else:
                listed = f"the functions are {listed}"
            hint = hint or f"{listed} (docs: language reference)"
            self.error("pol-unknown-function", f"unknown function `{e.function}`", e.span, hint=hint, fix=fix)
            return ir.Const(None, T.ERROR, e.span)
        outcome = builtin.check([a.type for a in args])
        if isinstance(outcome, str):
            self.error("pol-type", f"`{e.function}` {outcome}", e.span, hint=f"usage: {builtin.signature}")
            return ir.CallIR(builtin, args, T.ERROR, e.span)
        if e.function == "round_to" and len(args) >= 2 and isinstance(args[1], ir.Const):
            step = args[1].value
            if isinstance(step, int | Decimal) and not isinstance(step, bool) and step <= 0:
                self.error(
                    "pol-type", "`round_to` rounds to a step more than 0", args[1].span, hint="e.g. `0.01` or `1`"
                )
        if e.function == "local_time" and len(args) == 2 and isinstance(args[1], ir.Const):
            try:
                zone(str(args[1].value))
            except KeyError:
                self.error(
                    "pol-unknown-timezone",
                    f'unknown time zone "{args[1].value}"',
                    args[1].span,
                    hint='use an IANA name such as "Europe/Copenhagen"',
                )
        return ir.CallIR(builtin, args, outcome, e.span)

    def _function_call(self, function: ir.FunctionInfo, e: ast.Call) -> ir.Expr:
        """A call of one of the policy's functions: its arguments checked against the parameters' types."""
        if len(e.args) != len(function.params):
            signature = f"{function.name}({', '.join(f'{n}: {T.describe(t)}' for n, t in function.params)})"
            count = len(function.params)
            self.error(
                "pol-function-arity",
                f"`{function.name}` takes {count} argument{'s' if count != 1 else ''}, but is given {len(e.args)}",
                e.span,
                hint=f"usage: {signature}",
            )
            for a in e.args:
                self.check(a)
            return ir.Const(None, T.ERROR, e.span)
        args = tuple(
            self.value(a, t, f"the argument `{n}` of `{function.name}`")
            for a, (n, t) in zip(e.args, function.params, strict=True)
        )
        inlined = inline(function, args)
        if "parameter" not in self.allowed:
            read = next((r.name for r in ir.refs(inlined) if r.kind == "parameter"), None)
            if read is not None:
                self.error(
                    "pol-not-constant",
                    f"`{function.name}` reads the parameter `{read}`; only constants may be used here{self.context}",
                    e.span,
                )
        return ir.FnCallIR(function, args, inlined, function.type, e.span)

    def _Quantifier(self, e: ast.Quantifier, expected: T.Type | None) -> ir.Expr:
        if e.kind in AGGREGATES:
            collection = self.check(e.collection, expected if e.kind == "filter" else None)
            return self._aggregate(e.kind, e.variable, collection, e.condition, e.span, expected)
        collection = self.check(e.collection)
        element = T.element_type(collection.type)
        if element is None:
            if T.strip_optional(collection.type) != T.ERROR:
                self.error(
                    "pol-type", f"`{e.kind}` needs a list or set, not {T.describe(collection.type)}", e.collection.span
                )
            element = T.ERROR
        self.locals.append({e.variable: element})
        try:
            condition = self.condition(e.condition)
        finally:
            self.locals.pop()
        type_ = T.INT if e.kind == "count" else T.BOOL
        return ir.QuantIR(e.kind, e.variable, collection, condition, type_, e.span)

    def _aggregate(
        self,
        kind: str,
        variable: str,
        collection: ir.Expr,
        body: ast.Expr | None,
        span: Span,
        expected: T.Type | None = None,
    ) -> ir.Expr:
        """``sum``, ``min``, ``max``, ``filter`` or ``map`` over a checked collection (``body`` None: each element).

        What the context expects of the result tells how to read the value for each element
        (``max(c in cases: high)``: ``high`` of the enum expected).
        """
        element = T.element_type(collection.type)
        if element is None:
            if T.strip_optional(collection.type) != T.ERROR:
                message = f"`{kind}` needs a list or set, not {T.describe(collection.type)}"
                self.error("pol-type", message, collection.span)
            element = T.ERROR
        if element == T.ANY and kind in ("sum", "min", "max"):
            what = "is always 0: write the zero of its type" if kind == "sum" else "has no value"
            hint = "aggregate a list that can hold values, such as a fact or a decision"
            self.error("pol-aggregate-empty", f"`{kind}` of an empty literal {what}", collection.span, hint=hint)
            return ir.Const(None, T.ERROR, span)
        self.locals.append({variable: element})
        try:
            if body is None:
                value: ir.Expr = ir.Ref("local", variable, element, collection.span)
            elif kind == "filter":
                value = self.condition(body)
            else:
                wanted = T.element_type(expected) if kind == "map" and expected else expected
                value = self.check(body, T.strip_optional(wanted) if wanted is not None else None)
        finally:
            self.locals.pop()
        type_ = self._aggregate_type(kind, collection, value, body is None)
        return ir.AggregateIR(kind, variable, collection, value, type_, span)

    def _aggregate_type(self, kind: str, collection: ir.Expr, value: ir.Expr, whole: bool) -> T.Type:
        """The type of an aggregate's result; a located ``pol-aggregate-type`` where the values do not fit."""
        if kind == "filter":
            base = T.strip_optional(collection.type)
            return base if isinstance(base, T.ListType | T.SetType) else T.ERROR
        if kind == "map":
            return T.ListType(value.type)
        found = T.strip_optional(value.type)
        if found == T.ERROR:
            return T.ERROR
        shown = "its elements are" if whole else "the value for each element is"
        if kind == "sum":
            if found not in (*T.NUMERIC, T.DURATION):
                what = f"adds numbers, amounts or durations, but {shown}"
                self._aggregate_error(kind, what, value, found, collection)
                return T.ERROR
            if T.is_optional(value.type):
                zero = "0 DKK" if found == T.MONEY else "0 days" if found == T.DURATION else "0"
                hint = f"say what `null` counts as: `coalesce({value.span.text or 'x'}, {zero})`"
                message = f"`sum` cannot add null, but {shown} {T.describe(value.type)}"
                self.error("pol-aggregate-type", message, value.span, hint=hint)
                return T.ERROR
            return found
        if not T.orderable(found):
            self._aggregate_error(kind, f"needs values that can be ordered, but {shown}", value, found, collection)
            return T.ERROR
        never_empty = (isinstance(collection, ir.MakeIR) and bool(collection.items)) or (
            isinstance(collection, ir.Const) and bool(collection.value)
        )
        return found if never_empty and not T.is_optional(value.type) else T.optional(found)

    def _aggregate_error(self, kind: str, message: str, value: ir.Expr, found: T.Type, collection: ir.Expr) -> None:
        record = found if isinstance(found, T.RecordType) else T.RecordType(())
        fields = [n for n, t in record.fields if T.strip_optional(t) in T.NUMERIC]
        if fields:
            example = f"{kind}(x in {collection.span.text or 'xs'}: x.{fields[0]})"
            hint = f"aggregate one field of each element, such as `{example}`"
        elif kind == "sum":
            hint = "to count elements, write `count(x in xs: condition)`"
        else:
            hint = "min and max compare numbers, amounts, dates, times and ordered enums"
        self.error("pol-aggregate-type", f"`{kind}` {message} {T.describe(found)}", value.span, hint=hint)

    # -- operators -------------------------------------------------------------

    def _BoolOp(self, e: ast.BoolOp, expected: T.Type | None) -> ir.Expr:
        items: list[ir.Expr] = []
        for side in (e.left, e.right):
            checked = self.condition(side)
            if isinstance(checked, ir.BoolOpIR) and checked.op == e.op:
                items.extend(checked.items)
            else:
                items.append(checked)
        return ir.BoolOpIR(e.op, tuple(items), e.span)

    def _Not(self, e: ast.Not, expected: T.Type | None) -> ir.Expr:
        return ir.NotIR(self.condition(e.operand), e.span)

    def _Compare(self, e: ast.Compare, expected: T.Type | None) -> ir.Expr:
        operands: list[ir.Expr | None] = [None] * len(e.operands)
        anchor: T.Type | None = None
        for i, operand in enumerate(e.operands):
            if not self.needs_context(operand):
                checked_operand = self.check(operand)
                operands[i] = checked_operand
                if anchor is None:
                    anchor = checked_operand.type
        if anchor is None:  # every operand needs context: the first one sets it
            first = self.check(e.operands[0])
            operands[0] = first
            anchor = first.type
        for i, operand in enumerate(e.operands):
            if operands[i] is None:
                operands[i] = self._membership_instead(e, i, anchor) or self.check(operand, anchor)
        checked = [o for o in operands if o is not None]
        for op, left, right in zip(e.ops, checked, checked[1:], strict=False):
            self._check_comparison(op, left, right, e.span)
        operand_type = T.strip_optional(anchor or checked[0].type)
        return ir.CompareIR(e.ops, tuple(checked), operand_type, e.span)

    def _membership_instead(self, e: ast.Compare, i: int, anchor: T.Type | None) -> ir.Expr | None:
        """``circumstances = hospitalised``: a list compared with one of its values, where `in` was meant."""
        collection = T.strip_optional(anchor) if anchor is not None else None
        element = T.element_type(collection) if isinstance(collection, T.ListType | T.SetType) else None
        operand = e.operands[i]
        value = operand.name if isinstance(operand, ast.Name) else None
        if isinstance(operand, ast.Literal) and operand.kind == "text":
            value = str(operand.value)
        target = enum_target(element, value)
        if len(e.operands) != 2 or e.ops[0] not in ("=", "!=") or target is None or value not in target.members:
            return None
        other = e.operands[1 - i].span.text or "the list"
        written = operand.span.text or value
        test = "in" if e.ops[0] == "=" else "not in"
        kind = "list" if isinstance(collection, T.ListType) else "set"
        self.error(
            "pol-type",
            f"`{other}` is a {T.describe(anchor or T.ERROR)}: `{e.ops[0]}` would compare the whole {kind} "
            f"with one value, `{written}`",
            e.span,
            hint=f"to test whether `{other}` holds `{written}`, write `{written} {test} {other}`",
        )
        return ir.Const(None, T.ERROR, operand.span)

    def _check_comparison(self, op: str, left: ir.Expr, right: ir.Expr, span: Span) -> None:
        a, b = left.type, right.type
        if T.ERROR in (T.strip_optional(a), T.strip_optional(b)):
            return
        clash = T.currency_clash(a, b)
        if clash:
            message = f"cannot compare an amount in {clash[0]} with one in {clash[1]}: an amount has one currency"
            self.error("pol-currency", message, span, hint=_CONVERT_HINT.format(*clash))
            return
        if not T.comparable(a, b):
            self.error(
                "pol-type",
                f"cannot compare {T.describe(a)} with {T.describe(b)}",
                span,
                hint=_comparison_hint(op, left, right),
            )
            return
        if op in ("<", "<=", ">", ">="):
            if a == T.NULL or b == T.NULL:
                self.error("pol-type", f"`{op}` cannot compare with null; use `is null`", span)
            elif not T.orderable(a):
                what = "an enum that is not ordered" if isinstance(T.strip_optional(a), T.EnumType) else T.describe(a)
                self.error(
                    "pol-type",
                    f"`{op}` does not apply to {what}",
                    span,
                    hint="declare it as `ordered enum { ... }`" if "enum" in what else None,
                )

    def _Member(self, e: ast.Member, expected: T.Type | None) -> ir.Expr:
        item, collection = self._pair(
            e.item,
            e.collection,
            wrap_b=lambda t: T.SetType(T.strip_optional(t)),
            wrap_a=lambda t: T.element_type(t),
        )
        element = T.element_type(collection.type)
        if element is None:
            if T.strip_optional(collection.type) != T.ERROR:
                self.error(
                    "pol-type",
                    f"`in` needs a list or set on its right, not {T.describe(collection.type)}",
                    e.collection.span,
                )
        elif element != T.ANY and not T.comparable(item.type, element):
            self.error(
                "pol-type", f"{T.describe(item.type)} can never be in a collection of {T.describe(element)}", e.span
            )
        return ir.MemberIR(item, collection, e.negated, e.span)

    def _IsTest(self, e: ast.IsTest, expected: T.Type | None) -> ir.Expr:
        operand = self.check(e.operand)
        base = T.strip_optional(operand.type)
        if (
            e.test == "empty"
            and base != T.ERROR
            and not isinstance(base, T.ListType | T.SetType | T.MapType)
            and base != T.TEXT
        ):
            self.error("pol-type", f"`is empty` needs a list, set or text, not {T.describe(operand.type)}", e.span)
        if e.test == "null" and not T.is_optional(operand.type) and base != T.ERROR and operand.type != T.NULL:
            self.error(
                "pol-never-null",
                f"this is {T.describe(operand.type)}, which is never null",
                e.span,
                severity="warning",
                hint="declare the fact with `?` if it may be null",
            )
        return ir.IsTestIR(operand, e.test, e.negated, e.span)

    def _If(self, e: ast.If, expected: T.Type | None) -> ir.Expr:
        condition = self.condition(e.condition)
        self.narrowed.append(self.narrowed_by(e.condition))
        try:
            then = self.check(e.then, expected)
        finally:
            self.narrowed.pop()
        test = e.condition  # `if x is null then ... else <x is not null here>`
        otherwise_narrowed: frozenset[str] = frozenset()
        if isinstance(test, ast.IsTest) and test.test == "null" and not test.negated:
            if isinstance(test.operand, ast.Name):
                otherwise_narrowed = frozenset({test.operand.name})
        self.narrowed.append(otherwise_narrowed)
        try:
            otherwise = self.check(e.otherwise, expected)
        finally:
            self.narrowed.pop()
        if self.needs_context(e.then) and not self.needs_context(e.otherwise) and expected is None:
            then = self.check(e.then, otherwise.type)
        if self.needs_context(e.otherwise) and not self.needs_context(e.then) and expected is None:
            otherwise = self.check(e.otherwise, then.type)
        type_ = T.unify(then.type, otherwise.type)
        if type_ is None:
            self.error(
                "pol-type",
                f"both branches of `if` must have one type, not {T.describe(then.type)} "
                f"and {T.describe(otherwise.type)}",
                e.span,
            )
            type_ = T.ERROR
        return ir.IfIR(condition, then, otherwise, type_, e.span)

    def _Index(self, e: ast.Index, expected: T.Type | None) -> ir.Expr:
        target = self.check(e.target)
        base = T.strip_optional(target.type)
        if isinstance(base, T.MapType):
            key = self.value(e.key, base.key, "the key")
            return ir.IndexIR(target, key, T.optional(base.value), e.span)
        if isinstance(base, T.ListType):
            key = self.value(e.key, T.INT, "a list position")
            return ir.IndexIR(target, key, T.optional(base.element), e.span)
        if base != T.ERROR:
            self.error("pol-type", f"`[...]` needs a map or list, not {T.describe(target.type)}", e.span)
        return ir.IndexIR(target, self.check(e.key), T.ERROR, e.span)

    def _FieldGet(self, e: ast.FieldGet, expected: T.Type | None) -> ir.Expr:
        target = self.check(e.target)
        base = T.strip_optional(target.type)
        if isinstance(base, T.RecordType):
            field = base.field(e.name)
            if field is None:
                hint, fix = did_you_mean(e.name, dict(base.fields))
                message = f"{T.describe(base)} has no field `{e.name}`"
                self.error("pol-record-field", message, e.span, hint=hint, fix=fix)
                return ir.FieldIR(target, e.name, T.ERROR, e.span)
            type_ = T.optional(field) if T.is_optional(target.type) else field
            return ir.FieldIR(target, e.name, type_, e.span)
        if base != T.ERROR:
            self.error("pol-type", f"`.{e.name}` needs a record, not {T.describe(target.type)}", e.span)
        return ir.FieldIR(target, e.name, T.ERROR, e.span)

    def _Binary(self, e: ast.Binary, expected: T.Type | None) -> ir.Expr:
        left, right = self._pair(e.left, e.right)
        a, b = T.strip_optional(left.type), T.strip_optional(right.type)
        nullable = T.is_optional(left.type) or T.is_optional(right.type)
        result = self._binary_type(e.op, a, b)
        clash = T.currency_clash(a, b) if e.op in ("+", "-", "/") else None
        if result is None and clash:
            message = (
                f"`{e.op}` cannot combine an amount in {clash[0]} with one in {clash[1]}: an amount has one currency"
            )
            self.error("pol-currency", message, e.span, hint=_CONVERT_HINT.format(*clash))
            return ir.ArithIR(e.op, left, right, T.ERROR, e.span)
        if result is None and e.op in ("*", "/") and T.MONEY in (a, b):
            self.error(
                "pol-type",
                f"`{e.op}` does not apply to {T.describe(left.type)} and {T.describe(right.type)}",
                e.span,
                hint=_MONEY_HINT[e.op],
            )
            return ir.ArithIR(e.op, left, right, T.ERROR, e.span)
        if result is None:
            self.error(
                "pol-type", f"`{e.op}` does not apply to {T.describe(left.type)} and {T.describe(right.type)}", e.span
            )
            return ir.ArithIR(e.op, left, right, T.ERROR, e.span)
        op, type_ = result
        if nullable and op not in ("|", "&", "set-"):
            type_ = T.optional(type_)
        return ir.ArithIR(op, left, right, type_, e.span)

    def _binary_type(self, op: str, a: T.Type, b: T.Type) -> tuple[str, T.Type] | None:
        if T.ERROR in (a, b):
            return op, T.ERROR
        if a in T.NUMERIC and b in T.NUMERIC and T.MONEY in (a, b):
            return self._money_type(op, a, b)
        numeric = a in T.NUMERIC and b in T.NUMERIC
        if op in ("|", "&") or (op == "-" and isinstance(a, T.SetType | T.ListType)):
            ea, eb = T.element_type(a), T.element_type(b)
            if ea is None or eb is None:
                return None
            element = T.unify(ea, eb) if ea != T.ANY else eb
            if eb == T.ANY:
                element = ea
            if element is None or T.set_element_problem(element):
                return None
            return ("set-" if op == "-" else op), T.SetType(element)
        if op in ("+", "-"):
            if numeric:
                return op, T.MONEY if T.MONEY in (a, b) else (T.INT if a == b == T.INT else T.DECIMAL)
            if a in (T.DATE, T.DATETIME) and b == T.DURATION:
                return ("date" + op), a
            if op == "+" and a == T.DURATION and b == T.DURATION:
                return "duration+", T.DURATION
            if op == "-" and a == b == T.DATE:
                return "days", T.INT
            return None
        if op == "*" and numeric:
            return op, T.MONEY if T.MONEY in (a, b) else (T.INT if a == b == T.INT else T.DECIMAL)
        if op == "/" and numeric:
            return op, T.MONEY if a == T.MONEY else T.DECIMAL
        return None

    def _money_type(self, op: str, a: T.Type, b: T.Type) -> tuple[str, T.Type] | None:
        """Amounts of money: added in one currency, multiplied and divided by numbers, divided by each other."""
        both = a == b == T.MONEY
        if both and T.currency_clash(a, b):
            return None
        currency = T.currency_of(a) or T.currency_of(b)
        if op in ("+", "-"):
            return op, T.money(currency)  # a plain number added to an amount is an amount in its currency
        if op == "*" and not both:
            return op, T.money(currency)
        if op == "/" and a == T.MONEY:
            return op, T.DECIMAL if both else T.money(currency)
        return None

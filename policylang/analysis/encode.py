"""Encode a checked program (:mod:`policylang.ir.program`) as z3 terms, one expression at a time.

The :class:`Encoder` reads facts as free variables, parameters as their default values,
and ``let`` values and decisions as the terms their definitions give. A decision is
encoded from its core (:mod:`policylang.ir.core`), never from its surface kind: where each
candidate takes effect (its condition, less where a candidate overriding it takes
effect); a ``first`` or ``unique`` decision is the nested ``if`` of its candidates (where
two ``unique`` candidates differ, the analyses report the conflict), a ``collect`` of enum
members one boolean per member. Where no candidate of a referenced decision takes effect
and it has no default, its value is left free, so that what the analyses prove impossible
is impossible whatever that value would be.

While encoding, the encoder notes what each term rests on: the facts it reads, the
parameters whose defaults it assumes and the sub-expressions it could not represent
(opaque). The analyses use the notes to say when a result holds only for the default
parameters, or is not exhaustive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import z3

from policylang.analysis import domain as D
from policylang.analysis.domain import Val
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.core import CoreCandidate, CoreDecision, lower
from policylang.ir.values import Scale

DATES = (D.DATE, D.YMD)
# what a term rests on: ("fact" | "parameter" | "decision", name), ("opaque", source text),
# ("approx", "calendar") and ("def", number of a side condition)
Note = tuple[str, str]


@attrs.frozen(eq=False)
class DecisionModel:
    """A decision as terms: its value and, per row, whether the row applies and its value."""

    value: Val
    conditions: tuple[Any, ...]  # each row's condition holds (True for `otherwise` and rows without `when`)
    active: tuple[Any, ...]  # ... and no applicable exception overrides it
    values: tuple[Val, ...]
    defined: Any  # some row (or the default) gives the value
    row_notes: tuple[frozenset[Note], ...]
    notes: frozenset[Note]


class Encoder:
    """Turns the expressions of one program into z3 terms.

    With ``exact=False`` the calendar is encoded by linear bounds
    (:class:`~policylang.analysis.domain.ApproxCalendar`): cheaper to solve, still sound
    for proofs; terms that use it carry the note ``("approx", "calendar")``. With
    ``free_parameters`` parameters may take any value instead of their defaults: what
    holds then does not depend on the defaults.
    """

    def __init__(self, program: ir.Program, *, exact: bool = True, free_parameters: bool = False) -> None:
        self.program = program
        self.exact = exact
        self.free_parameters = free_parameters
        self.rule_enum = T.EnumType("rule", tuple(program.rules))
        self.pending: list[Any] = []
        self.definitions: list[Any] = []
        self.fresh = D.Fresh(self.define, self.rule_enum, ymd=exact)
        make = D.Calendar if exact else D.ApproxCalendar
        self.calendar: D.Calendar | D.ApproxCalendar = make(
            self.define, lambda name: z3.Int(self.fresh.name(name)), self.touch
        )
        self.facts: dict[str, Val] = {}
        self.frames: list[set[Note]] = [set()]
        self.cache: dict[tuple[str, str], tuple[Val, frozenset[Note]]] = {}
        self.decision_models: dict[str, DecisionModel] = {}
        self.opaque_cache: dict[Any, tuple[Val, frozenset[Note]]] = {}
        self.fact_notes: dict[str, frozenset[Note]] = {}
        self.texts: dict[int, tuple[ir.Expr, str]] = {}  # source text of opaque expressions
        self.in_progress: set[str] = set()

    # -- notes -----------------------------------------------------------------

    def note(self, kind: str, text: str) -> None:
        self.frames[-1].add((kind, text))

    def enter(self) -> None:
        self.frames.append(set())

    def leave(self) -> frozenset[Note]:
        notes = frozenset(self.frames.pop())
        self.frames[-1].update(notes)
        return notes

    def noted(self, fn: Callable[[], Any]) -> tuple[Any, frozenset[Note]]:
        """Run ``fn`` and return its result with the notes made while it ran."""
        self.enter()
        try:
            result = fn()
        finally:
            notes = self.leave()
        return result, notes

    def define(self, formula: Any) -> int:
        """Add a side condition (a domain, a calendar part); the terms made now need it."""
        index = len(self.definitions)
        self.definitions.append(formula)
        self.pending.append(formula)
        self.note("def", str(index))
        return index

    def touch(self, indices: Any) -> None:
        """Note that side conditions made earlier are needed again (a cached term is reused)."""
        for index in indices:
            self.note("def", str(index))

    def needed(self, notes: frozenset[Note]) -> list[Any]:
        """The side conditions the terms with these notes need."""
        return [self.definitions[int(n)] for kind, n in notes if kind == "def"]

    def take_definitions(self) -> list[Any]:
        """The side conditions made since the last call (calendar parts, domains)."""
        taken = list(self.pending)
        self.pending.clear()
        return taken

    # -- entry points ------------------------------------------------------------

    def condition(self, e: ir.Expr | None, env: dict[str, Val] | None = None) -> Any:
        """Whether a condition holds (``None``: a row without one, which always applies)."""
        if e is None:
            return True
        return D.truth(self.expr(e, env or {}), lambda: self.opaque_bool(e))

    def fact(self, name: str) -> Val:
        self.note("fact", name)
        found = self.facts.get(name)
        if found is None:
            info = self.program.facts[name]
            found, notes = self.noted(lambda: self.fresh.value(info.type, name))
            self.facts[name] = found
            self.fact_notes[name] = notes
        else:
            self.frames[-1].update(self.fact_notes[name])
        return found

    def decision(self, name: str) -> DecisionModel:
        model = self.decision_models.get(name)
        if model is None:
            info = self.program.decisions[name]
            self.in_progress.add(name)
            try:
                model, notes = self.noted(lambda: self._decision(info))
            finally:
                self.in_progress.discard(name)
            model = attrs.evolve(model, notes=notes)
            self.decision_models[name] = model
        self.frames[-1].update(model.notes)
        self.note("decision", name)
        return model

    # -- expressions -------------------------------------------------------------

    def expr(self, e: ir.Expr, env: dict[str, Val]) -> Val:
        method = getattr(self, "_" + type(e).__name__)
        result: Val = method(e, env)
        return result

    def opaque(self, e: ir.Expr, type_: T.Type | None = None) -> Val:
        """A value the encoding cannot represent: free, but the same for the same text."""
        cached = self.texts.get(id(e))
        if cached is None or cached[0] is not e:
            cached = self.texts[id(e)] = (e, e.span.text)
        self.note("opaque", cached[1])
        key = _key(e)
        has_locals = bool(_free_locals(e))  # its value depends on a bound variable's
        if not has_locals and key in self.opaque_cache:
            value, notes = self.opaque_cache[key]
            self.frames[-1].update(notes)
            return value
        value, notes = self.noted(lambda: self.fresh.value(type_ or e.type, "opaque"))
        if not has_locals:
            self.opaque_cache[key] = (value, notes)
        result: Val = value
        return result

    def opaque_bool(self, e: ir.Expr) -> Any:
        v = self.opaque(e, T.BOOL)
        return v.term if v.kind == D.BOOL else z3.Bool(self.fresh.name("opaque"))

    def _Const(self, e: ir.Const, env: dict[str, Val]) -> Val:
        v = D.constant(e.value, e.type, self.rule_enum, ymd=self.exact)
        return self.opaque(e) if v.kind == D.OPAQUE else v

    def _Ref(self, e: ir.Ref, env: dict[str, Val]) -> Val:
        if e.kind == "local":
            return env.get(e.name) or self.opaque(e)
        if e.kind == "fact":
            return self.fact(e.name)
        if e.kind == "decision":
            if e.name in self.in_progress:  # a cycle; the checker reports it
                return self.opaque(e)
            return self.decision(e.name).value
        key = (e.kind, e.name)
        cached = self.cache.get(key)
        if cached is None:
            if e.kind == "let":
                let = self.program.lets[e.name]
                value, notes = self.noted(lambda: self.expr(let.expr, {}))
            else:
                param = self.program.parameters[e.name]
                if self.free_parameters:  # any value, not the default
                    value, notes = self.noted(lambda: self.fresh.value(param.type, e.name))
                else:
                    value, notes = self.noted(lambda: self.expr(param.default, {}))
                notes = notes | {("parameter", e.name)}
            cached = self.cache[key] = (value, notes)
        self.frames[-1].update(cached[1])
        return cached[0]

    def _BoolOpIR(self, e: ir.BoolOpIR, env: dict[str, Val]) -> Val:
        items = [self.condition(i, env) for i in e.items]
        term = D.z_and(*items) if e.op == "and" else D.z_or(*items)
        return Val(D.BOOL, D.as_z3_bool(term))

    def _NotIR(self, e: ir.NotIR, env: dict[str, Val]) -> Val:
        return Val(D.BOOL, D.as_z3_bool(D.z_not(self.condition(e.operand, env))))

    def _CompareIR(self, e: ir.CompareIR, env: dict[str, Val]) -> Val:
        if any(isinstance(T.strip_optional(o.type), T.ListType) for o in e.operands):
            return Val(D.BOOL, self.opaque_bool(e))  # lists are encoded by membership: their order is lost
        values = [self.expr(o, env) for o in e.operands]
        parts = []
        for op, a, b in zip(e.ops, values, values[1:], strict=False):
            if op in ("=", "!="):
                same = D.equal(a, b, lambda: self.opaque_bool(e))
                parts.append(same if op == "=" else D.z_not(same))
            else:
                parts.append(D.order(op, a, b, e.operand_type, lambda: self.opaque_bool(e)))
        return Val(D.BOOL, D.as_z3_bool(D.z_and(*parts)))

    def _MemberIR(self, e: ir.MemberIR, env: dict[str, Val]) -> Val:
        item = self.expr(e.item, env)
        collection = self.expr(e.collection, env)
        found = self._member(item, collection, e)
        return Val(D.BOOL, D.as_z3_bool(D.z_not(found) if e.negated else found))

    def _member(self, item: Val, collection: Val, e: ir.Expr) -> Any:
        members = D.members_of(collection)
        if members is not None and (item.kind == D.ENUM or item.kind == D.NULL):
            if item.kind == D.NULL:
                return False
            assert item.enum is not None
            hits = [D.z_and(item.term == item.enum.index(m), members[m]) for m in item.enum.members if m in members]
            return D.z_and(D.z_not(item.null), D.z_or(*hits))
        if collection.kind == D.ELEMS:
            hits = [D.equal(item, x, lambda: self.opaque_bool(e)) for x in collection.term]
            return D.z_and(D.z_not(collection.null), D.z_or(*hits))
        return self.opaque_bool(e)

    def _IsTestIR(self, e: ir.IsTestIR, env: dict[str, Val]) -> Val:
        v = self.expr(e.operand, env)
        result: Any
        if e.test == "null":
            result = v.null
        else:
            members = D.members_of(v)
            if members is not None:
                result = D.z_not(D.z_or(*members.values()))
            elif v.kind == D.ELEMS:
                result = D.z_or(v.null, not v.term)
            elif v.kind == D.TEXT:
                result = D.z_or(v.null, z3.Length(v.term) == 0)
            elif v.kind == D.NULL:
                result = True
            else:
                result = self.opaque_bool(e)
        return Val(D.BOOL, D.as_z3_bool(D.z_not(result) if e.negated else result))

    def _IfIR(self, e: ir.IfIR, env: dict[str, Val]) -> Val:
        c = self.condition(e.condition, env)
        return D.ite(c, self.expr(e.then, env), self.expr(e.otherwise, env), e.type, self.fresh)

    def _ArithIR(self, e: ir.ArithIR, env: dict[str, Val]) -> Val:
        a, b = self.expr(e.left, env), self.expr(e.right, env)
        op = e.op
        if op in ("|", "&", "set-"):
            ma, mb = D.members_of(a), D.members_of(b)
            if a.kind == D.NULL and mb is not None:
                ma = dict.fromkeys(mb, False)
            if b.kind == D.NULL and ma is not None:
                mb = dict.fromkeys(ma, False)
            if ma is None or mb is None or set(ma) != set(mb):
                return self.opaque(e)
            return Val(D.SET, {m: D.as_z3_bool(_combine(op, ma[m], mb[m])) for m in ma}, False, a.enum or b.enum)
        if a.kind == D.NULL or b.kind == D.NULL:
            return D.NULL_VAL
        null = D.z_or(a.null, b.null)
        if op in ("+", "-", "*", "/") and a.kind == D.NUM and b.kind == D.NUM:
            x, y = D.unify_numbers(a.term, b.term)
            if op == "/":
                x = z3.ToReal(x) if not D.is_real(x) else x
                y = z3.ToReal(y) if not D.is_real(y) else y
            term = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y}[op]()
            return Val(D.NUM, term, null)
        if op in ("date+", "date-") and a.kind in DATES and b.kind == D.DURATION:
            years, months, days = b.term
            sign = 1 if op == "date+" else -1
            result = attrs.evolve(a, null=False)
            if years or months:
                result = self.add_months(result, z3.IntVal(sign * (12 * years + months)))
            if days:
                result = Val(D.DATE, D.to_ordinal(result) + sign * days)
            return attrs.evolve(result, null=null)
        if op == "days" and a.kind in DATES and b.kind in DATES:
            return Val(D.NUM, D.to_ordinal(a) - D.to_ordinal(b), null)
        if op == "duration+" and a.kind == D.DURATION and b.kind == D.DURATION:
            return Val(D.DURATION, tuple(x + y for x, y in zip(a.term, b.term, strict=True)), null)
        return self.opaque(e)

    def _IndexIR(self, e: ir.IndexIR, env: dict[str, Val]) -> Val:
        target, key = self.expr(e.target, env), self.expr(e.key, env)
        if target.kind == D.MAP and key.kind == D.ENUM:
            assert key.enum is not None
            result = D.NULL_VAL
            for member, value in target.term.items():
                if member in key.enum.members:
                    result = D.ite(key.term == key.enum.index(member), value, result, e.type, self.fresh)
            null = D.z_or(target.null, key.null)
            if D.is_false(null):
                return result
            return D.ite(null, D.NULL_VAL, result, e.type, self.fresh)
        if key.kind == D.NULL or target.kind == D.NULL:
            return D.NULL_VAL
        return self.opaque(e)

    def _FieldIR(self, e: ir.FieldIR, env: dict[str, Val]) -> Val:
        target = self.expr(e.target, env)
        if target.kind == D.NULL:
            return D.NULL_VAL
        if target.kind == D.RECORD and e.name in target.term:
            field: Val = target.term[e.name]
            if D.is_false(target.null):
                return field
            return D.ite(target.null, D.NULL_VAL, field, e.type, self.fresh)
        return self.opaque(e)

    def _MakeIR(self, e: ir.MakeIR, env: dict[str, Val]) -> Val:
        items = [self.expr(i, env) for i in e.items]
        if e.kind == "record":
            return Val(D.RECORD, dict(zip(e.keys, items, strict=True)))
        if e.kind == "map":
            return Val(D.MAP, dict(zip(e.keys, items, strict=True)))
        element = T.element_type(e.type)
        element = self.rule_enum if element == T.RULE else element
        if isinstance(element, T.EnumType) and all(i.kind == D.ENUM for i in items):
            members = {
                m: D.as_z3_bool(
                    D.z_or(*[D.z_and(D.z_not(i.null), D.convert_enum(i, element) == element.index(m)) for i in items])
                )
                for m in element.members
            }
            return Val(D.SET, members, False, element, e.kind == "set")
        return Val(D.ELEMS, tuple(items))

    def _QuantIR(self, e: ir.QuantIR, env: dict[str, Val]) -> Val:
        collection = self.expr(e.collection, env)
        members = D.members_of(collection)
        cases: list[tuple[Any, Any]] = []  # (element is in the collection, the condition holds for it)
        if members is not None and collection.enum is not None and (e.kind != "count" or collection.exact_count):
            enum = collection.enum
            for m in enum.members:
                bound = Val(D.ENUM, z3.IntVal(enum.index(m)), False, enum)
                cases.append((members[m], self.condition(e.condition, {**env, e.variable: bound})))
        elif collection.kind == D.ELEMS and e.kind != "count":
            for item in collection.term:
                cases.append((D.z_not(collection.null), self.condition(e.condition, {**env, e.variable: item})))
        elif collection.kind == D.NULL:
            pass
        else:
            result = self.opaque(e)
            if result.kind == D.NUM:
                self.define(result.term >= 0)
            return result
        if e.kind == "any":
            return Val(D.BOOL, D.as_z3_bool(D.z_or(*[D.z_and(inside, c) for inside, c in cases])))
        if e.kind == "all":
            return Val(D.BOOL, D.as_z3_bool(D.z_and(*[D.z_or(D.z_not(inside), c) for inside, c in cases])))
        total = z3.Sum([z3.If(D.as_z3_bool(D.z_and(inside, c)), 1, 0) for inside, c in cases]) if cases else 0
        return Val(D.NUM, z3.IntVal(0) if isinstance(total, int) else total)

    def _AggregateIR(self, e: ir.AggregateIR, env: dict[str, Val]) -> Val:
        """``sum``, ``min`` and ``max`` over a literal list or a set of enum members, as terms.

        Anything else (a fact's list of records, ``filter``, ``map``, durations) is opaque,
        and what an analysis finds through it is reported as possible, not exhaustive.
        """
        collection = self.expr(e.collection, env)
        cases = self._elements(e, collection, env) if e.kind in ("sum", "min", "max") else None
        found = _aggregate(e.kind, e.type, cases, self.fresh) if cases is not None else None
        return found if found is not None else self.opaque(e)

    def _elements(self, e: ir.AggregateIR, collection: Val, env: dict[str, Val]) -> list[tuple[Any, Val]] | None:
        """Per possible element: whether it is in the collection, and the value for it; ``None`` if unknown."""
        members = D.members_of(collection)
        if members is not None and collection.enum is not None and (e.kind != "sum" or collection.exact_count):
            enum = collection.enum
            cases = []
            for m in enum.members:
                bound = Val(D.ENUM, z3.IntVal(enum.index(m)), False, enum)
                cases.append((members[m], self.expr(e.body, {**env, e.variable: bound})))
            return cases
        is_list = isinstance(T.strip_optional(e.collection.type), T.ListType)
        if collection.kind == D.ELEMS and (e.kind != "sum" or is_list):  # a set literal adds equal items once
            inside = D.z_not(collection.null)
            return [(inside, self.expr(e.body, {**env, e.variable: item})) for item in collection.term]
        if collection.kind == D.NULL:
            return []
        return None

    # -- functions ---------------------------------------------------------------

    def _FnCallIR(self, e: ir.FnCallIR, env: dict[str, Val]) -> Val:
        """A call of a function of the policy: encoded as its body with the arguments put in (``e.inlined``)."""
        return self.expr(e.inlined, env)

    def _DatedIR(self, e: ir.DatedIR, env: dict[str, Val]) -> Val:
        return self.opaque(e)  # a whole history is never a value of the policy: `at` reads it

    def _AtIR(self, e: ir.AtIR, env: dict[str, Val]) -> Val:
        """A dated parameter on a date: its values chosen by comparing the date with their start dates.

        Before the first start date, where evaluation stops with an error, the value is left
        free (as a division by zero is); a parameter set free, or a date that is not a
        ``date``, is opaque, so findings that depend on it say they are not exhaustive.
        """
        found = self._dated(e, env)
        if found is None:
            return self.opaque(e)
        cases, before = found
        result = self.fresh.value(e.type, "before") if not D.is_false(before) else D.NULL_VAL
        for condition, item in reversed(cases):  # the latest start date is tested first
            result = D.ite(condition, self.expr(item, {}), result, e.type, self.fresh)
        return result

    def _dated(self, e: ir.AtIR, env: dict[str, Val]) -> tuple[list[tuple[Any, ir.Expr]], Any] | None:
        """For each dated value of ``e``'s parameter (latest first) when it is chosen; and when none is."""
        name = e.parameter.name
        param = self.program.parameters[name]
        dated = param.default
        if self.free_parameters or not isinstance(dated, ir.DatedIR):
            return None
        day = self.expr(e.date, env)
        if day.kind not in (D.DATE, D.YMD):
            return None
        self.note("parameter", name)
        cases: list[tuple[Any, ir.Expr]] = []
        for start, item in reversed(tuple(zip(dated.starts, dated.items, strict=True))):
            since = D.constant(start, T.DATE, self.rule_enum, ymd=self.exact)
            cases.append((D.order(">=", day, since, T.DATE, lambda: self.opaque_bool(e)), item))
        first = D.constant(dated.starts[0], T.DATE, self.rule_enum, ymd=self.exact) if dated.starts else None
        before = D.order("<", day, first, T.DATE, lambda: self.opaque_bool(e)) if first is not None else True
        return cases, before

    def _scales(self, e: ir.Expr, env: dict[str, Val]) -> tuple[list[tuple[Any, Scale]], Any] | None:
        """The constant scales ``e`` may be, each with when it is the one, and when it is none of them.

        ``None`` where the scale is not known statically (a parameter set free, a computed scale).
        """
        if isinstance(e, ir.Const) and isinstance(e.value, Scale):
            return [(True, e.value)], False
        if isinstance(e, ir.Ref) and e.kind == "parameter" and not self.free_parameters:
            default = self.program.parameters[e.name].default
            if isinstance(default, ir.Const) and isinstance(default.value, Scale):
                self.note("parameter", e.name)
                return [(True, default.value)], False
        if isinstance(e, ir.AtIR):
            found = self._dated(e, env)
            if found is None:
                return None
            scales = [(c, item.value) for c, item in found[0] if isinstance(item, ir.Const)]
            if len(scales) != len(found[0]) or not all(isinstance(s, Scale) for _, s in scales):
                return None
            return scales, found[1]
        return None

    def _scale_call(self, e: ir.CallIR, env: dict[str, Val]) -> Val | None:
        """``marginal`` or ``average`` of a scale known statically: each bracket as a linear term."""
        found = self._scales(e.args[0], env)
        if found is None:
            return None
        scales, before = found
        amount = self.expr(e.args[1], env)
        if amount.kind == D.NULL:
            return D.NULL_VAL
        if amount.kind != D.NUM:
            return None
        x = amount.term
        result: Any = None if D.is_false(before) else _as_real(self.fresh.value(T.DECIMAL, "before").term)
        for condition, scale in reversed(scales):
            term = _marginal(scale, x) if e.builtin.name == "marginal" else _average(scale, x)
            result = term if result is None else z3.If(condition, term, result)
        if result is None:
            return None
        return Val(D.NUM, result, amount.null)

    def _CallIR(self, e: ir.CallIR, env: dict[str, Val]) -> Val:
        name = e.builtin.name
        if name in ("marginal", "average"):
            applied = self._scale_call(e, env)
            return applied if applied is not None else self.opaque(e)
        args = [self.expr(a, env) for a in e.args]
        if name == "coalesce":
            return D.first_not_null(args, e.type, self.fresh)
        if name in ("max", "min"):
            return D.extreme(args, name == "max", e.type, self.fresh)
        if name == "overlap_days":
            return self._overlap(args, e)
        if e.builtin.null_propagates and any(a.kind == D.NULL for a in args):
            return D.NULL_VAL
        null = D.z_or(*[a.null for a in args]) if e.builtin.null_propagates else False
        result = self._call(name, args, e)
        if result is None:
            return self.opaque(e)
        if not D.is_false(null) and result.kind != D.NULL:
            result = attrs.evolve(result, null=D.z_or(null, result.null))
        return result

    # -- the calendar ------------------------------------------------------------------

    def parts(self, v: Val) -> tuple[Any, Any, Any]:
        """Year, month and day of a date value."""
        if v.kind == D.YMD:
            return v.parts  # type: ignore[no-any-return]
        if not self.exact:
            self.note("approx", "calendar")
        return self.calendar.ymd(v.term)

    def add_months(self, v: Val, months: Any) -> Val:
        """``add_months`` on a date value (never null here)."""
        if self.exact:
            new = D.shift_months(self.define, lambda name: z3.Int(self.fresh.name(name)), self.parts(v), months)
            return D.ymd_value(*new)
        self.note("approx", "calendar")
        assert isinstance(self.calendar, D.ApproxCalendar)
        return Val(D.DATE, self.calendar.add_months(v.term, months))

    def age(self, birth: Val, on: Val) -> Any:
        if self.exact:
            return D.age_of(self.parts(birth), self.parts(on))
        self.note("approx", "calendar")
        assert isinstance(self.calendar, D.ApproxCalendar)
        return self.calendar.age(birth.term, on.term)

    def _call(self, name: str, args: list[Val], e: ir.CallIR) -> Val | None:
        kinds = [a.kind for a in args]
        dates = [k in DATES for k in kinds]
        if name in ("add_days", "add_months", "add_years") and dates == [True, False] and kinds[1] == D.NUM:
            n = args[1].term
            if D.is_real(n):
                return None
            if name == "add_days":
                return Val(D.DATE, D.to_ordinal(args[0]) + n)
            months = n if name == "add_months" else (z3.IntVal(12 * n.as_long()) if z3.is_int_value(n) else 12 * n)
            return self.add_months(attrs.evolve(args[0], null=False), months)
        if name == "age" and dates == [True, True]:
            return Val(D.NUM, self.age(args[0], args[1]))
        if name == "days_between" and dates == [True, True]:
            return Val(D.NUM, D.to_ordinal(args[1]) - D.to_ordinal(args[0]))
        if name == "weekday" and dates == [True]:
            return Val(D.ENUM, D.weekday_index(D.to_ordinal(args[0])), False, T.WEEKDAY)
        if name in ("year", "month", "day") and dates == [True]:
            return Val(D.NUM, self.parts(args[0])[("year", "month", "day").index(name)])
        if name == "abs" and kinds == [D.NUM]:
            x = args[0].term
            return Val(D.NUM, z3.If(x >= 0, x, -x))
        if name in ("round", "round_to") and kinds[:2] == [D.NUM, D.NUM]:
            return self._rounded(name, args)
        if name in ("to_set", "to_list", "count") and args[0].kind == D.SET:
            if name == "count":
                if not args[0].exact_count:
                    return None
                return Val(D.NUM, z3.Sum([z3.If(x, 1, 0) for x in args[0].term.values()]))
            return attrs.evolve(args[0], exact_count=True)
        return None

    def _rounded(self, name: str, args: list[Val]) -> Val | None:
        """``round`` and ``round_to`` with a constant step (or places) and mode; else opaque (``None``)."""
        mode = "half_up"
        if len(args) == 3:
            if args[2].kind != D.ENUM or args[2].enum != T.ROUNDING or not z3.is_int_value(args[2].term):
                return None
            mode = T.ROUNDING.members[args[2].term.as_long()]
        given = args[1].term
        if name == "round":
            if not z3.is_int_value(given):
                return None
            places = given.as_long()
            step = z3.RealVal(f"1/{10**places}") if places >= 0 else z3.RealVal(10 ** (-places))
        elif z3.is_int_value(given) or z3.is_rational_value(given):
            step = z3.ToReal(given) if not D.is_real(given) else given
            if not z3.is_true(z3.simplify(step > 0)):
                return None
        else:
            return None
        x = args[0].term
        q = (z3.ToReal(x) if not D.is_real(x) else x) / step
        half = q + z3.RealVal("1/2")
        if mode == "floor":
            n = z3.ToInt(q)
        elif mode == "ceiling":
            n = -z3.ToInt(-q)
        elif mode == "half_up":  # a tie away from zero
            n = z3.If(q >= 0, z3.ToInt(half), -z3.ToInt(-q + z3.RealVal("1/2")))
        else:  # half_even: a tie to the even multiple
            up = z3.ToInt(half)
            n = z3.If(z3.And(z3.ToReal(up) == half, up % 2 == 1), up - 1, up)
        return Val(D.NUM, z3.ToReal(n) * step)

    def _overlap(self, args: list[Val], e: ir.CallIR) -> Val:
        if any(a.kind == D.NULL for a in args):
            return Val(D.NUM, z3.IntVal(0))
        if any(a.kind not in DATES for a in args):
            return self.opaque(e)
        a1, a2, b1, b2 = (D.to_ordinal(a) for a in args)
        start = z3.If(a1 > b1, a1, b1)
        end = z3.If(a2 < b2, a2, b2)
        days = end - start + 1
        null = D.z_or(*[a.null for a in args])
        overlap = z3.If(days > 0, days, 0)
        return Val(D.NUM, overlap if D.is_false(null) else z3.If(D.as_z3_bool(null), 0, overlap))

    # -- decisions ---------------------------------------------------------------

    def _decision(self, info: ir.DecisionInfo) -> DecisionModel:
        """The decision as terms, from its core (:mod:`policylang.ir.core`): candidates and a mode."""
        core = lower(info)
        conditions: list[Any] = []
        values: list[Val] = []
        row_notes: list[frozenset[Note]] = []
        for candidate in core.candidates:

            def encode_row(c: CoreCandidate = candidate) -> tuple[Any, Val]:
                return self.condition(c.condition), self.expr(c.value, {})

            (condition, value), notes = self.noted(encode_row)
            conditions.append(condition)
            values.append(value)
            row_notes.append(notes)
        active = self._active(core, conditions)
        default = self.expr(core.default.value, {}) if core.default is not None else None
        defined: Any
        if core.mode == "value":
            value, defined = values[0], True
        elif core.mode == "collect":
            value, defined = self._collect(core, active, values), True
        else:  # first, unique: the first candidate that takes effect (where two differ, a conflict)
            defined = True if default is not None else D.z_or(*active)
            value = default if default is not None else self.fresh.value(core.type, f"{core.name}#no_rule")
            for c, v in zip(reversed(active), reversed(values), strict=True):
                value = D.ite(c, v, value, core.type, self.fresh)
        notes = frozenset().union(*row_notes) if row_notes else frozenset()
        return DecisionModel(value, tuple(conditions), tuple(active), tuple(values), defined, tuple(row_notes), notes)

    def _active(self, core: CoreDecision, conditions: list[Any]) -> list[Any]:
        """Where each candidate takes effect: its condition, less where one overriding it does."""
        if not core.has_exceptions:
            return list(conditions)
        resolved: dict[int, Any] = {}
        for i in core.settle_order:  # those overriding a candidate come first, no recursion
            overriders = [resolved[j] for j in core.candidates[i].overridden_by if j in resolved]
            resolved[i] = D.z_and(conditions[i], D.z_not(D.z_or(*overriders)))
        return [resolved[i] for i in range(len(core.candidates))]

    def _collect(self, core: CoreDecision, active: list[Any], values: list[Val]) -> Val:
        element = T.element_type(core.type)
        enum = self.rule_enum if element == T.RULE else element
        if not isinstance(enum, T.EnumType) or any(v.kind != D.ENUM for v in values):
            return self.fresh.value(core.type, core.name)
        members: dict[str, Any] = {m: False for m in enum.members}
        for a, v in zip(active, values, strict=True):
            assert v.enum is not None
            for m in v.enum.members:
                if m in members:
                    members[m] = D.z_or(members[m], D.z_and(a, D.z_not(v.null), v.term == v.enum.index(m)))
        # equal items are added once, so `count` of a collected list is its number of members
        return Val(D.SET, {m: D.as_z3_bool(x) for m, x in members.items()}, False, enum, True)


def _free_locals(e: ir.Expr) -> set[str]:
    """The bound variables of enclosing quantifiers that ``e`` reads."""
    if isinstance(e, ir.Ref):
        return {e.name} if e.kind == "local" else set()
    if isinstance(e, ir.QuantIR):
        return _free_locals(e.collection) | (_free_locals(e.condition) - {e.variable})
    if isinstance(e, ir.AggregateIR):
        return _free_locals(e.collection) | (_free_locals(e.body) - {e.variable})
    found: set[str] = set()
    for child in ir.children(e):
        found |= _free_locals(child)
    return found


def _aggregate(kind: str, type_: T.Type, cases: list[tuple[Any, Val]], fresh: D.Fresh) -> Val | None:
    """A sum or an extreme of the values of the elements in a collection; ``None`` where it has no term."""
    if kind == "sum":
        if any(v.kind != D.NUM or not D.is_false(v.null) for _, v in cases):
            return None
        real = any(D.is_real(v.term) for _, v in cases)
        zero = z3.RealVal(0) if real else z3.IntVal(0)
        terms = [
            z3.If(D.as_z3_bool(inside), z3.ToReal(v.term) if real and not D.is_real(v.term) else v.term, zero)
            for inside, v in cases
        ]
        return Val(D.NUM, z3.Sum(terms) if terms else zero)
    values = [attrs.evolve(v, null=D.z_or(v.null, D.z_not(inside))) for inside, v in cases if v.kind != D.NULL]
    if any(v.kind not in (D.NUM, D.DATE, D.YMD, D.DATETIME, D.TIME) for v in values):
        return None
    return D.extreme(values, kind == "max", type_, fresh)


def _combine(op: str, x: Any, y: Any) -> Any:
    """Membership in ``a | b``, ``a & b`` or ``a - b`` from membership in ``a`` and ``b``."""
    if op == "|":
        return D.z_or(x, y)
    if op == "&":
        return D.z_and(x, y)
    return D.z_and(x, D.z_not(y))


def _key(e: ir.Expr) -> Any:
    """The structure of an expression without its source positions."""
    if isinstance(e, ir.Const):
        return ("Const", repr(e.value), T.describe(e.type))
    if isinstance(e, ir.Ref):
        return ("Ref", e.kind, e.name)
    if isinstance(e, ir.CallIR):
        return ("Call", e.builtin.name, tuple(_key(a) for a in e.args))
    extra: tuple[Any, ...] = ()
    for name in ("op", "ops", "negated", "test", "kind", "variable", "keys", "name"):
        if hasattr(e, name):
            extra += (getattr(e, name),)
    return (type(e).__name__, extra, tuple(_key(c) for c in ir.children(e)))


def _as_real(term: Any) -> Any:
    return z3.ToReal(term) if z3.is_int(term) else term


def _real(value: Any) -> Any:
    return z3.RealVal(str(value))


def _marginal(scale: Scale, x: Any) -> Any:
    """Each bracket's rate on the part of ``x`` within it, as a z3 term."""
    x = _as_real(x)
    parts = []
    bounds = (*scale.thresholds[1:], None)
    for low, high, rate in zip(scale.thresholds, bounds, scale.rates, strict=True):
        top = x if high is None else z3.If(x < _real(high), x, _real(high))
        part = z3.If(top > _real(low), top - _real(low), z3.RealVal(0))
        parts.append(_real(rate) * part)
    return z3.Sum(parts)


def _average(scale: Scale, x: Any) -> Any:
    """The rate of the bracket ``x`` falls in times ``x`` (0 below the first threshold), as a z3 term."""
    x = _as_real(x)
    result: Any = z3.RealVal(0)
    for low, rate in zip(scale.thresholds, scale.rates, strict=True):
        result = z3.If(x >= _real(low), _real(rate) * x, result)
    return result

"""The checked program: typed, name-resolved expressions and declarations.

The checker (:mod:`policylang.check.declarations`) turns the AST into these; the compiler
(:mod:`policylang.engine.compile`) turns them into closures, and the static analyses read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeGuard, TypeVar, get_args

import attrs

from policylang.base.labels import Labels
from policylang.base.reprs import share_repr
from policylang.base.span import Span
from policylang.ir import types as T
from policylang.ir.builtins import Builtin

Built = TypeVar("Built")

# ----------------------------------------------------------------- expressions


@attrs.frozen(repr=False)
class Const:
    """A constant, with its type: a literal, an enum value, a rule ID."""

    value: Any
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class Ref:
    """A reference to a fact, parameter, ``let`` value, decision or bound variable."""

    kind: str  # fact, parameter, let, decision, local
    name: str
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class CallIR:
    """A call of a built-in function, with its checked arguments."""

    builtin: Builtin
    args: tuple[Expr, ...]
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class BoolOpIR:
    """``and`` or ``or`` over two or more operands (Kleene logic)."""

    op: str  # and, or
    items: tuple[Expr, ...]
    span: Span
    type: T.Type = T.BOOL


@attrs.frozen(repr=False)
class NotIR:
    """``not``."""

    operand: Expr
    span: Span
    type: T.Type = T.BOOL


@attrs.frozen(repr=False)
class CompareIR:
    """A comparison chain; ``operand_type`` says how to order (e.g. by declaration for ordered enums)."""

    ops: tuple[str, ...]
    operands: tuple[Expr, ...]
    operand_type: T.Type  # for ordered enums: compare by declaration order
    span: Span
    type: T.Type = T.BOOL


@attrs.frozen(repr=False)
class MemberIR:
    """``x in xs`` or ``x not in xs``."""

    item: Expr
    collection: Expr
    negated: bool
    span: Span
    type: T.Type = T.BOOL


@attrs.frozen(repr=False)
class IsTestIR:
    """``is null``, ``is empty`` and their negations."""

    operand: Expr
    test: str  # null, empty
    negated: bool
    span: Span
    type: T.Type = T.BOOL


@attrs.frozen(repr=False)
class ArithIR:
    """Arithmetic, set operations and date arithmetic."""

    op: str  # + - * / | & and "date+", "date-", "days" for dates
    left: Expr
    right: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class IfIR:
    """``if c then a else b``."""

    condition: Expr
    then: Expr
    otherwise: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class IndexIR:
    """A map lookup; null when the key is absent."""

    target: Expr
    key: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class FieldIR:
    """A record field."""

    target: Expr
    name: str
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class MakeIR:
    """A list, set or record literal with computed parts."""

    kind: str  # list, set, record
    items: tuple[Expr, ...]
    keys: tuple[str, ...]  # record field names, else ()
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class QuantIR:
    """``any``, ``all`` or ``count`` over a collection, with its bound variable."""

    kind: str  # any, all, count
    variable: str
    collection: Expr
    condition: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class AggregateIR:
    """``sum``, ``min``, ``max``, ``filter`` or ``map`` over a collection, with its bound variable.

    ``body`` is computed once per element: the value summed, compared or mapped, or for
    ``filter`` the condition an element must meet to be kept.
    """

    kind: str  # sum, min, max, filter, map
    variable: str
    collection: Expr
    body: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class FnCallIR:
    """A call of a function the policy declares (``function``), with its checked arguments.

    ``inlined`` is the function's body with the arguments put in for its parameters (its bound
    variables renamed, so none captures a variable of the call's place): the same value, as one
    expression, for the backends that do not call functions (the vectorised batch backend and
    the z3 encoding) and for every walk over the expression (:func:`children` gives it).
    """

    function: FunctionInfo
    args: tuple[Expr, ...]
    inlined: Expr
    type: T.Type
    span: Span


@attrs.frozen(repr=False)
class MatchIR:
    """``match subject { case [binding] => body ... [otherwise => body] }`` over an enum's members.

    ``cases[i]`` is the member arm ``i`` matches; ``bindings[i]`` the name its fields are bound
    to (a record of the member's fields), or ``None``. ``otherwise`` is the value for every
    member no arm names; the checker has made sure every member is covered.
    """

    subject: Expr
    cases: tuple[str, ...]
    bindings: tuple[str | None, ...]
    bodies: tuple[Expr, ...]
    otherwise: Expr | None
    type: T.Type
    span: Span

    def body_for(self, member: str) -> Expr | None:
        """The value of the arm that ``member`` takes (``otherwise`` where no arm names it)."""
        for case, body in zip(self.cases, self.bodies, strict=True):
            if case == member:
                return body
        return self.otherwise


@attrs.frozen(repr=False)
class DatedIR:
    """A dated parameter's values, earliest first (``from DATE = expr`` or a parameter file): a ``History``."""

    starts: tuple[dt.date, ...]
    items: tuple[Expr, ...]
    type: T.Type  # the type of each value
    span: Span
    file: str | None = None  # the parameter file the values were read from


@attrs.frozen(repr=False)
class AtIR:
    """A dated parameter's value on a date: ``NAME at DATE``, or at the evaluation date where none is written."""

    parameter: Ref
    date: Expr
    type: T.Type
    span: Span
    implicit: bool = False  # the policy's evaluation date, not written


Expr = (
    Const
    | Ref
    | CallIR
    | BoolOpIR
    | NotIR
    | CompareIR
    | MemberIR
    | IsTestIR
    | ArithIR
    | IfIR
    | IndexIR
    | FieldIR
    | MakeIR
    | QuantIR
    | AggregateIR
    | FnCallIR
    | MatchIR
    | DatedIR
    | AtIR
)


def children(e: Expr) -> Iterator[Expr]:
    """The direct sub-expressions of ``e``."""
    if isinstance(e, CallIR):
        yield from e.args
    elif isinstance(e, BoolOpIR):
        yield from e.items
    elif isinstance(e, NotIR):
        yield e.operand
    elif isinstance(e, CompareIR):
        yield from e.operands
    elif isinstance(e, MemberIR):
        yield e.item
        yield e.collection
    elif isinstance(e, IsTestIR):
        yield e.operand
    elif isinstance(e, ArithIR):
        yield e.left
        yield e.right
    elif isinstance(e, IfIR):
        yield e.condition
        yield e.then
        yield e.otherwise
    elif isinstance(e, IndexIR):
        yield e.target
        yield e.key
    elif isinstance(e, FieldIR):
        yield e.target
    elif isinstance(e, MakeIR):
        yield from e.items
    elif isinstance(e, QuantIR):
        yield e.collection
        yield e.condition
    elif isinstance(e, AggregateIR):
        yield e.collection
        yield e.body
    elif isinstance(e, FnCallIR):
        yield e.inlined
    elif isinstance(e, MatchIR):
        yield e.subject
        yield from e.bodies
        if e.otherwise is not None:
            yield e.otherwise
    elif isinstance(e, DatedIR):
        yield from e.items
    elif isinstance(e, AtIR):
        yield e.parameter
        yield e.date


EXPR_TYPES: tuple[type, ...] = get_args(Expr)
"""The classes of :data:`Expr`, for ``isinstance`` checks."""


def is_expr(value: object) -> TypeGuard[Expr]:
    """Whether ``value`` is an expression of the IR."""
    return isinstance(value, EXPR_TYPES)


def map_children(e: Expr, f: Callable[[Expr], Expr]) -> Expr:
    """``e`` with each direct sub-expression ``c`` replaced by ``f(c)``; ``e`` itself where none changes.

    The generic case of a rewrite: a rewrite handles the expressions it changes (a name, a
    binder) itself, and hands every other one here.
    """
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(e)):
        value = getattr(e, field.name)
        if is_expr(value):
            new = f(value)
            if new is not value:
                changes[field.name] = new
        elif isinstance(value, tuple) and value and all(is_expr(v) for v in value):
            items = tuple(f(v) for v in value if is_expr(v))
            if any(a is not b for a, b in zip(items, value, strict=True)):
                changes[field.name] = items
    return attrs.evolve(e, **changes) if changes else e


def walk(e: Expr) -> Iterator[Expr]:
    """``e`` and all its sub-expressions, depth first (without recursion, however deep ``e`` is)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(tuple(children(node))))


def refs(e: Expr | None) -> Iterator[Ref]:
    """The references to named things in ``e`` (bound variables excluded)."""
    if e is None:
        return
    for node in walk(e):
        if isinstance(node, Ref) and node.kind != "local":
            yield node


# ----------------------------------------------------------------- declarations


@attrs.frozen(repr=False)
class SourceInfo:
    """A source the rules cite."""

    key: str
    short: str
    title: str | None
    file: str | None
    url: str | None
    date: dt.date | None
    span: Span
    cited_as: Labels | None = None  # how a citizen reads its name; citations of a source without it are for staff


@attrs.frozen(repr=False)
class CitationInfo:
    """One citation of a rule, resolved to its source."""

    source: SourceInfo | None
    source_key: str
    locator: str | None
    line_from: int | None
    line_to: int | None
    span: Span

    @property
    def short(self) -> str:
        """The citation without the source file's line numbers: ``aktivloven § 3, stk. 4``."""
        head = self.source.short if self.source else self.source_key
        return f"{head} {self.locator}" if self.locator else head

    def for_citizens(self, lang: str) -> str | None:
        """The citation as a citizen reads it (the source's ``name`` and the locator), or ``None``."""
        named = self.named_for_citizens(lang)
        if named is None:
            return None
        head, locator = named
        return f"{head}, {locator}" if locator else head

    def named_for_citizens(self, lang: str) -> tuple[str, str | None] | None:
        """The source as citizens know it (its ``name``) and the place in it, or ``None`` (a source without a name)."""
        if self.source is None or self.source.cited_as is None:
            return None
        return (self.source.cited_as.get(lang) or self.source.short, self.locator)

    @property
    def text(self) -> str:
        """The citation as it reads in an explanation: ``vejl. 91/1998 pkt. 26 e (l. 55)``."""
        text = self.short
        if self.line_from is not None:
            text += f" (l. {self.line_from}" + (f"-{self.line_to})" if self.line_to else ")")
        return text

    def to_dict(self) -> dict[str, Any]:
        """The citation's parts, for applications that link to the source."""
        return {
            "source": self.source_key,
            "document": self.source.title if self.source and self.source.title else None,
            "short": self.source.short if self.source else None,
            "locator": self.locator,
            "file": self.source.file if self.source else None,
            "lines": [self.line_from, self.line_to or self.line_from] if self.line_from is not None else None,
        }


@attrs.frozen(repr=False)
class FunctionInfo:
    """A function the policy declares: its parameters, result type, labels, citations and checked body.

    The body reads only its parameters (``Ref("local", name)``), the policy's parameters and
    other functions: it is pure, and the checker rejects recursion.
    """

    name: str
    params: tuple[tuple[str, T.Type], ...]
    type: T.Type
    body: Expr
    labels: Labels | None
    citations: tuple[CitationInfo, ...]
    note: Labels | None
    span: Span

    @property
    def citation(self) -> str:
        """The function's citations as they read in an explanation, joined with ``;``."""
        return "; ".join(c.text for c in self.citations)

    @property
    def short_citation(self) -> str:
        """The function's citations without line numbers, joined with ``;``: what a call node carries inline."""
        return "; ".join(c.short for c in self.citations)


@attrs.frozen(repr=False)
class FactorInfo:
    """A factor to weigh: a declared code with labels, or a quoted text."""

    code: str | None
    labels: Labels


@attrs.frozen(repr=False)
class FactInfo:
    """A declared fact: its type, labels, marks and slot."""

    name: str
    type: T.Type
    labels: Labels | None
    assessment: bool
    personal: bool
    provenance: str | None
    note: Labels | None
    span: Span
    slot: int
    sensitive: bool = False  # a special category, or anything that can endanger the person if others read it
    default: Expr | None = None  # ``default EXPR`` (a constant): the value assumed when the fact is absent


@attrs.frozen(repr=False)
class ParamInfo:
    """A declared parameter: its type, default expression and slot."""

    name: str
    type: T.Type
    default: Expr
    labels: Labels | None
    provenance: str | None
    note: Labels | None
    span: Span
    slot: int

    @property
    def is_condition(self) -> bool:
        """Whether this is a ``condition`` parameter (a boolean expression over facts)."""
        return isinstance(self.type, T.ConditionType)

    @property
    def is_dated(self) -> bool:
        """Whether this parameter has dated values (``from DATE = ...`` or a parameter file)."""
        return isinstance(self.default, DatedIR)


@attrs.frozen(repr=False)
class LetInfo:
    """A ``let`` value: its expression, the rules it cites and its slot."""

    name: str
    type: T.Type
    expr: Expr
    rules: tuple[str, ...]
    span: Span
    slot: int


@attrs.frozen(repr=False)
class RowInfo:
    """One alternative of a decision: its value, condition, factors and rules."""

    value: Expr
    condition: Expr | None
    factors: tuple[FactorInfo, ...]
    rules: tuple[str, ...]
    span: Span
    exceptions: tuple[int, ...] = ()  # indexes of rows that override this one (rule conclusions)
    id: str = ""  # "<decision>/<n>" (1-based) or "<decision>/default"; "" for rows not of a decision


def exception_order(exceptions: Sequence[Sequence[int]]) -> list[int]:
    """Row indexes in an order where the rows that are exceptions to a row come before it.

    ``exceptions[i]`` are the rows that override row ``i``. Computed without recursion, so a
    chain of a thousand exceptions is no deeper than one; a circle (which the checker
    reports as ``pol-cycle``) is broken where it is met.

    >>> exception_order([(1,), (2,), ()])
    [2, 1, 0]
    """
    order: list[int] = []
    seen: set[int] = set()
    for start in range(len(exceptions)):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(exceptions[start]))]
        while stack:
            i, pending = stack[-1]
            for j in pending:
                if j not in seen:
                    seen.add(j)
                    stack.append((j, iter(exceptions[j])))
                    break
            else:
                stack.pop()
                order.append(i)
    return order


@attrs.frozen(repr=False)
class DecisionInfo:
    """A decision: its type, labels, how it is decided (``kind``), its rows and default."""

    name: str
    type: T.Type
    labels: Labels | None
    kind: str  # expr, first_match, collect, rules
    rows: tuple[RowInfo, ...]
    default: RowInfo | None
    span: Span
    slot: int
    provenance: str | None = None
    note: Labels | None = None
    audience: str | None = None  # "staff": never shown to citizens; "person": addressed to the person concerned


@attrs.frozen(repr=False)
class ConclusionInfo:
    """What a rule concludes: ``set`` a decision's value or ``add`` an item to it."""

    kind: str  # set, add
    decision: str
    value: Expr
    span: Span


@attrs.frozen(repr=False)
class RuleInfo:
    """A rule of the law: ID, citations, force, provenance, quote, condition and conclusion."""

    rule_id: str
    title: str | None
    citations: tuple[CitationInfo, ...]
    force: str | None
    provenance: str | None
    inferred: bool
    quote: str | None
    exception_to: tuple[str, ...]
    condition: Expr | None
    conclusion: ConclusionInfo | None
    factors: tuple[FactorInfo, ...]
    explain: Labels | None
    note: Labels | None
    span: Span
    titles: Labels | None = None  # the title in Danish and English, where both are written

    def title_in(self, lang: str) -> str | None:
        """The rule's title in ``lang`` where it is written in both languages, else as written."""
        return self.titles.get(lang) if self.titles is not None else self.title

    @property
    def citation(self) -> str:
        """The rule's citations as they read in an explanation, joined with ``;``."""
        return "; ".join(c.text for c in self.citations)

    @property
    def short_citation(self) -> str:
        """The rule's first citation, without line numbers: what a trace node carries inline."""
        return self.citations[0].short if self.citations else ""

    @property
    def informational(self) -> bool:
        """A rule with a condition but no conclusion: cited where it applies."""
        return self.condition is not None and self.conclusion is None


@attrs.frozen(repr=False)
class ConstraintInfo:
    """A constraint on fact sets, with the facts it reads."""

    name: str
    title: str | None
    condition: Expr | None
    require: Expr
    message: Labels | None
    facts: tuple[str, ...]
    span: Span


@attrs.frozen(repr=False)
class WarningInfo:
    """A warning a result carries where its condition holds."""

    name: str
    labels: Labels
    condition: Expr | None
    span: Span


@attrs.frozen(repr=False)
class HandoffInfo:
    """Where a policy hands a person over to another policy, and on what legal basis."""

    target: str
    condition: Expr | None
    rules: tuple[str, ...]
    note: Labels | None
    span: Span


@attrs.frozen(repr=False)
class HeaderInfo:
    """The policy header: name, title, version, validity and evaluation date."""

    name: str
    title: Labels | None
    version: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    evaluation_date: Expr | None
    notes: tuple[Labels, ...]
    span: Span | None
    next_steps: Labels | None = None  # what happens next, for a citizen
    complaint: Labels | None = None  # how to complain, for a citizen
    person_title: Labels | None = None  # the title a citizen reads, where the title itself could endanger them

    def title_for(self, citizen: bool) -> Labels | None:
        """The title the reader sees: a citizen the ``title for person``, where there is one."""
        return self.person_title if citizen and self.person_title is not None else self.title


@attrs.frozen(repr=False)
class PlanStep:
    """One step of the evaluation plan: compute a let, a decision, a note or a warning."""

    kind: str  # parameter, let, decision, note, warning
    name: str


@attrs.frozen(repr=False)
class Program:
    """A checked policy: everything the compiler and the analyses need."""

    header: HeaderInfo
    sources: dict[str, SourceInfo]
    types: dict[str, T.Type]
    facts: dict[str, FactInfo]
    parameters: dict[str, ParamInfo]
    lets: dict[str, LetInfo]
    decisions: dict[str, DecisionInfo]
    rules: dict[str, RuleInfo]
    factors: dict[str, FactorInfo]
    constraints: tuple[ConstraintInfo, ...]
    warnings: tuple[WarningInfo, ...]
    plan: tuple[PlanStep, ...]
    slots: int
    files: tuple[str, ...]
    handoffs: tuple[HandoffInfo, ...] = ()
    source_hash: str = ""  # "sha256:..." of the text of every file, imports first: names the policy's manifest
    functions: dict[str, FunctionInfo] = attrs.field(factory=dict)  # the declared functions, by name
    _memo: dict[str, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    @property
    def name(self) -> str:
        """The policy's name, from its header."""
        return self.header.name

    def row(self, row_id: str) -> RowInfo | None:
        """The decision row with this ID (``right_to_help/3``, ``right_to_help/default``), or ``None``."""
        rows = self.memo("ir.rows", self._rows_by_id)
        return rows.get(row_id)

    def _rows_by_id(self) -> dict[str, RowInfo]:
        found: dict[str, RowInfo] = {}
        for d in self.decisions.values():
            for r in d.rows:
                found[r.id] = r
            if d.default is not None:
                found[d.default.id] = d.default
        return found

    def memo(self, key: str, build: Callable[[], Built]) -> Built:
        """What a later phase derives from this program (an explanation's probe), built once and kept with it."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo.setdefault(key, build())
        return found  # type: ignore[no-any-return]


def expressions(program: Program) -> Iterator[Expr]:
    """Every expression of a checked program (an expression a rule and a decision share, twice)."""
    if program.header.evaluation_date is not None:
        yield program.header.evaluation_date
    for p in program.parameters.values():
        yield p.default
    for let in program.lets.values():
        yield let.expr
    for d in program.decisions.values():
        for row in (*d.rows, *([d.default] if d.default else [])):
            yield row.value
            if row.condition is not None:
                yield row.condition
    for r in program.rules.values():
        if r.condition is not None:
            yield r.condition
        if r.conclusion is not None:
            yield r.conclusion.value
    for c in program.constraints:
        if c.condition is not None:
            yield c.condition
        yield c.require
    for w in program.warnings:
        if w.condition is not None:
            yield w.condition
    for h in program.handoffs:
        if h.condition is not None:
            yield h.condition


def slot_table(program: Program) -> dict[tuple[str, str], int]:
    """The slot of every fact, parameter, ``let`` value and decision."""
    table: dict[tuple[str, str], int] = {}
    for f in program.facts.values():
        table[("fact", f.name)] = f.slot
    for p in program.parameters.values():
        table[("parameter", p.name)] = p.slot
    for let in program.lets.values():
        table[("let", let.name)] = let.slot
    for d in program.decisions.values():
        table[("decision", d.name)] = d.slot
    return table


share_repr(globals(), __name__)  # one __repr__ for the classes above, as attrs would write it

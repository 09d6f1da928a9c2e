"""The abstract syntax tree of a ``.pol`` file: small frozen classes, each with a span.

The parser (:mod:`policylang.syntax.parser`) builds these; nothing downstream sees Lark's trees.
Names are not resolved here: ``Name("yes")`` may turn out to be a fact, a ``let`` value
or an enum value, which the checker decides from the expected type.

The classes are made by attrs with ``repr=False`` and share one ``__repr__`` (:func:`policylang.base.reprs.share_repr`),
which writes the text attrs would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from policylang.base.labels import Labels
from policylang.base.reprs import share_repr
from policylang.base.span import Span

# ----------------------------------------------------------------- type expressions


@attrs.frozen(repr=False)
class PrimTypeExpr:
    """A built-in type named in the policy: ``bool``, ``int``, ``date``, ``condition`` ..."""

    name: str  # bool, int, decimal, money, text, date, datetime, time, duration, rule, condition
    span: Span
    unit: str | None = None  # the currency of ``money EUR``


@attrs.frozen(repr=False)
class EnumMember:
    """One value of an ``enum`` type, with its labels and the fields it carries (``salary { amount: money }``)."""

    name: str
    labels: Labels | None
    span: Span
    fields: tuple[FieldExpr, ...] | None = None  # a tagged value's fields; None for a plain member


@attrs.frozen(repr=False)
class EnumTypeExpr:
    """``enum { ... }`` or ``ordered enum { ... }``."""

    members: tuple[EnumMember, ...]
    ordered: bool
    span: Span


@attrs.frozen(repr=False)
class ListTypeExpr:
    """``list of T``."""

    element: TypeExpr
    span: Span


@attrs.frozen(repr=False)
class SetTypeExpr:
    """``set of T``."""

    element: TypeExpr
    span: Span


@attrs.frozen(repr=False)
class MapTypeExpr:
    """``map of K to V``."""

    key: TypeExpr
    value: TypeExpr
    span: Span


@attrs.frozen(repr=False)
class ScaleTypeExpr:
    """``scale of T``: thresholds of type ``T``, decimal rates."""

    threshold: TypeExpr
    span: Span


@attrs.frozen(repr=False)
class FieldExpr:
    """One field of a record type: ``name: T``."""

    name: str
    type: TypeExpr
    span: Span
    labels: Labels | None = None


@attrs.frozen(repr=False)
class RecordTypeExpr:
    """``record { name: T, ... }``."""

    fields: tuple[FieldExpr, ...]
    span: Span


@attrs.frozen(repr=False)
class NamedTypeExpr:
    """A type named by a ``type`` declaration (or ``weekday``)."""

    name: str
    span: Span


@attrs.frozen(repr=False)
class UnionTypeExpr:
    """``A or B``: a value of either type (an object, or the enum value ``not_applicable``)."""

    options: tuple[TypeExpr, ...]
    span: Span


@attrs.frozen(repr=False)
class OptionalTypeExpr:
    """``T?``: a type that also admits null."""

    inner: TypeExpr
    span: Span


TypeExpr = (
    PrimTypeExpr
    | EnumTypeExpr
    | ListTypeExpr
    | SetTypeExpr
    | MapTypeExpr
    | ScaleTypeExpr
    | RecordTypeExpr
    | NamedTypeExpr
    | OptionalTypeExpr
    | UnionTypeExpr
)

# ----------------------------------------------------------------- expressions


@attrs.frozen(repr=False)
class DurationLit:
    """A duration literal's value: ``3 months`` is ``DurationLit(3, "months")``."""

    amount: int
    unit: str  # "days", "months" or "years"


@attrs.frozen(repr=False)
class MoneyLit:
    """A money literal's value: ``12.50 EUR`` is ``MoneyLit(Decimal("12.50"), "EUR")``."""

    amount: Decimal
    currency: str


@attrs.frozen(repr=False)
class Literal:
    """A constant written in the policy: ``3``, ``2.5``, ``1998-07-01``, ``"text"``."""

    kind: str  # int, decimal, money, duration, date, datetime, time, text, bool, null
    value: object
    span: Span


@attrs.frozen(repr=False)
class Name:
    """A bare name: a fact, parameter, ``let`` value, decision, bound variable or enum value."""

    name: str
    span: Span


@attrs.frozen(repr=False)
class RuleRef:
    """A rule ID used as a value (``RES-EXEMPT-26A``)."""

    rule_id: str
    span: Span


@attrs.frozen(repr=False)
class SetLit:
    """A set literal ``{a, b}``."""

    items: tuple[Expr, ...]
    span: Span


@attrs.frozen(repr=False)
class ListLit:
    """A list literal ``[a, b]``."""

    items: tuple[Expr, ...]
    span: Span


@attrs.frozen(repr=False)
class RecordLit:
    """A record (or map) literal ``{field: value, ...}``."""

    entries: tuple[tuple[str, Expr], ...]
    span: Span


@attrs.frozen(repr=False)
class Call:
    """A call of a built-in function: ``age(date_of_birth, as_of)``."""

    function: str
    args: tuple[Expr, ...]
    span: Span


@attrs.frozen(repr=False)
class Quantifier:
    """A form with a bound variable: ``any(x in xs: c)``, ``all``, ``count``, or an aggregate ``sum(x in xs: v)``.

    The aggregates are ``sum``, ``min``, ``max``, ``filter`` and ``map``; ``condition`` is then
    the value computed for each element (for ``filter``, the condition it must meet).
    """

    kind: str  # any, all, count; sum, min, max, filter, map
    variable: str
    collection: Expr
    condition: Expr
    span: Span


@attrs.frozen(repr=False)
class Binary:
    """Arithmetic or a set operation: ``a + b``, ``a | b``, ``a & b`` ..."""

    op: str  # + - * / | &
    left: Expr
    right: Expr
    span: Span


@attrs.frozen(repr=False)
class BoolOp:
    """``a and b`` or ``a or b``."""

    op: str  # and, or
    left: Expr
    right: Expr
    span: Span


@attrs.frozen(repr=False)
class Not:
    """``not a``."""

    operand: Expr
    span: Span


@attrs.frozen(repr=False)
class Compare:
    """A comparison, possibly chained: ``16 <= age <= 30``."""

    operands: tuple[Expr, ...]
    ops: tuple[str, ...]  # = != < <= > >=
    span: Span


@attrs.frozen(repr=False)
class Member:
    """``x in xs`` or ``x not in xs``."""

    item: Expr
    collection: Expr
    negated: bool
    span: Span


@attrs.frozen(repr=False)
class IsTest:
    """``x is null``, ``x is not null``, ``x is empty`` or ``x is not empty``."""

    operand: Expr
    test: str  # null, empty
    negated: bool
    span: Span


@attrs.frozen(repr=False)
class If:
    """``if c then a else b``."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@attrs.frozen(repr=False)
class Index:
    """A map lookup ``m[k]``."""

    target: Expr
    key: Expr
    span: Span


@attrs.frozen(repr=False)
class FieldGet:
    """A record field ``r.field``."""

    target: Expr
    name: str
    span: Span


@attrs.frozen(repr=False)
class MatchArm:
    """One arm of a ``match``: ``salary s => s.amount``; ``case`` is ``None`` for ``otherwise``."""

    case: str | None
    binding: str | None
    body: Expr
    span: Span


@attrs.frozen(repr=False)
class ScaleLit:
    """A scale literal ``scale { 0 EUR: 0.02, 6000 EUR: 0.06 }``: thresholds and the rate from each on."""

    entries: tuple[tuple[Expr, Expr], ...]
    span: Span


@attrs.frozen(repr=False)
class Match:
    """``match x { case [name] => value ... [otherwise => value] }``: take a tagged value apart."""

    subject: Expr
    arms: tuple[MatchArm, ...]
    span: Span


@attrs.frozen(repr=False)
class At:
    """A dated parameter's value on a date: ``RATE at period_start``."""

    target: Expr
    date: Expr
    span: Span


Expr = (
    Literal
    | Name
    | RuleRef
    | SetLit
    | ListLit
    | RecordLit
    | Call
    | Quantifier
    | Binary
    | BoolOp
    | Not
    | Compare
    | Member
    | IsTest
    | If
    | Index
    | FieldGet
    | Match
    | ScaleLit
    | At
)

# ----------------------------------------------------------------- declarations


@attrs.frozen(repr=False)
class RuleIdRef:
    """A rule ID written in a ``by`` or ``exception to`` clause."""

    rule_id: str
    span: Span


@attrs.frozen(repr=False)
class FactorRef:
    """A factor in a ``weigh`` clause: a declared factor's name or a quoted text."""

    name: str | None
    text: str | None
    span: Span


@attrs.frozen(repr=False)
class PolicyDecl:
    """The ``policy`` header: name, title, version, validity and evaluation date."""

    name: str
    title: Labels | None
    version: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    evaluation_date: Expr | None
    notes: tuple[Labels, ...]
    span: Span
    next_steps: Labels | None = None
    complaint: Labels | None = None
    # ``title for person``: the title the person concerned reads, (audience, labels, span)
    person_title: tuple[str, Labels, Span] | None = None


@attrs.frozen(repr=False)
class ImportDecl:
    """``import "file.pol"``."""

    path: str
    span: Span


@attrs.frozen(repr=False)
class SourceDecl:
    """A ``source`` the rules cite: its key, short name, title, file, URL and date."""

    key: str
    short: str
    title: str | None
    file: str | None
    url: str | None
    date: dt.date | None
    span: Span
    cited_as: Labels | None = None  # how a citizen reads the source's name (``name "..." / "..."``)
    key_span: Span | None = None  # where the key is written


@attrs.frozen(repr=False)
class TypeDecl:
    """``type name = T``."""

    name: str
    type: TypeExpr
    labels: Labels | None
    span: Span
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class FactDecl:
    """A ``fact`` declaration: its type, labels and marks."""

    name: str
    type: TypeExpr
    labels: Labels | None
    assessment: bool
    personal: bool
    provenance: str | None
    note: Labels | None
    span: Span
    sensitive: bool = False
    name_span: Span | None = None  # where the name is written
    default: Expr | None = None  # ``default EXPR``: the value assumed when the fact is absent


@attrs.frozen(repr=False)
class DatedValue:
    """One ``from DATE = expr`` line of a dated parameter."""

    start: dt.date
    expr: Expr
    span: Span


@attrs.frozen(repr=False)
class ParameterDecl:
    """A ``parameter`` declaration: its type and default (or its dated values, or the file they are in)."""

    name: str
    type: TypeExpr
    default: Expr | None  # None for a dated parameter
    labels: Labels | None
    provenance: str | None
    note: Labels | None
    span: Span
    name_span: Span | None = None  # where the name is written
    dated: tuple[DatedValue, ...] = ()  # ``from DATE = expr`` lines, as written
    file: str | None = None  # ``from file "PATH"``: the parameter file, relative to the policy file
    file_span: Span | None = None  # where the path is written
    file_data: object | None = None  # the file as read by the loader (a syntax.paramfile.ParameterFile)


@attrs.frozen(repr=False)
class LetDecl:
    """A ``let`` value: ``let name = expr``."""

    name: str
    type: TypeExpr | None
    expr: Expr
    by: tuple[RuleIdRef, ...]
    span: Span
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class FunctionParam:
    """One parameter of a ``function``: ``name: T``."""

    name: str
    type: TypeExpr
    span: Span


@attrs.frozen(repr=False)
class FunctionDecl:
    """A ``function``: a named, typed, pure computation with its parameters, citations and body."""

    name: str
    params: tuple[FunctionParam, ...]
    type: TypeExpr
    labels: Labels | None
    citations: tuple[Citation, ...]
    note: Labels | None
    body: Expr
    span: Span
    name_span: Span


@attrs.frozen(repr=False)
class FactorDecl:
    """A ``factor`` to weigh, with its labels."""

    name: str
    labels: Labels
    span: Span
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class Row:
    """One alternative of a ``first match`` table, or of a ``collect`` list."""

    value: Expr
    condition: Expr | None  # None: ``otherwise`` (first match) or always (collect)
    weigh: tuple[FactorRef, ...]
    by: tuple[RuleIdRef, ...]
    span: Span


@attrs.frozen(repr=False)
class ExprBody:
    """A decision decided by one expression: ``decision d: T = expr``."""

    expr: Expr
    weigh: tuple[FactorRef, ...]
    by: tuple[RuleIdRef, ...]
    span: Span


@attrs.frozen(repr=False)
class FirstMatchBody:
    """A ``first match`` table of rows."""

    rows: tuple[Row, ...]
    span: Span


@attrs.frozen(repr=False)
class CollectBody:
    """A ``collect`` table of rows."""

    rows: tuple[Row, ...]
    span: Span


@attrs.frozen(repr=False)
class DefaultBody:
    """A decision concluded by rules (``then d = v``), with a value when none applies."""

    expr: Expr
    by: tuple[RuleIdRef, ...]
    span: Span


DecisionBody = ExprBody | FirstMatchBody | CollectBody | DefaultBody


@attrs.frozen(repr=False)
class DecisionDecl:
    """A ``decision``: its type, labels and how it is decided."""

    name: str
    type: TypeExpr
    labels: Labels | None
    body: DecisionBody | None
    span: Span
    provenance: str | None = None
    note: Labels | None = None
    audience: str | None = None  # "staff" (never shown to citizens) or "person" (addressed to the person)
    audience_span: Span | None = None
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class Citation:
    """One citation of a rule: a source key, a locator (``pkt. 26 a``) and seed lines."""

    source: str
    locator: str | None
    line_from: int | None
    line_to: int | None
    span: Span
    source_span: Span | None = None  # where the source key is written


@attrs.frozen(repr=False)
class SetConclusion:
    """A rule's conclusion ``then d = value``."""

    decision: str
    value: Expr
    span: Span
    decision_span: Span | None = None  # where the decision's name is written


@attrs.frozen(repr=False)
class AddConclusion:
    """A rule's conclusion ``then add item to d``."""

    decision: str
    item: Expr
    span: Span
    decision_span: Span | None = None  # where the decision's name is written


Conclusion = SetConclusion | AddConclusion


@attrs.frozen(repr=False)
class RuleDecl:
    """A ``rule`` of the law: ID, citations, force, provenance, quote and what it concludes."""

    rule_id: str
    title: str | None
    citations: tuple[Citation, ...]
    force: str | None
    provenance: str | None
    inferred: bool
    quote: str | None
    exception_to: tuple[RuleIdRef, ...]
    condition: Expr | None
    conclusion: Conclusion | None
    weigh: tuple[FactorRef, ...]
    explain: Labels | None
    note: Labels | None
    span: Span
    id_span: Span
    titles: Labels | None = None  # a title in Danish and English (``"..." / "..."``)


@attrs.frozen(repr=False)
class ConstraintDecl:
    """A ``constraint`` on a fact set: input validation between facts."""

    name: str
    title: str | None
    condition: Expr | None
    require: Expr
    message: Labels | None
    span: Span
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class WarningDecl:
    """A ``warning`` the result carries where its condition holds."""

    name: str
    labels: Labels
    condition: Expr | None
    span: Span
    name_span: Span | None = None  # where the name is written


@attrs.frozen(repr=False)
class HandoffDecl:
    """``handoff to other/policy when ...``: evaluate another policy on the same person's facts."""

    target: str
    condition: Expr | None
    by: tuple[RuleIdRef, ...]
    note: Labels | None
    span: Span


Declaration = (
    PolicyDecl
    | ImportDecl
    | SourceDecl
    | TypeDecl
    | FactDecl
    | ParameterDecl
    | LetDecl
    | FunctionDecl
    | FactorDecl
    | DecisionDecl
    | RuleDecl
    | ConstraintDecl
    | WarningDecl
    | HandoffDecl
)


@attrs.frozen(repr=False)
class Module:
    """One parsed ``.pol`` file."""

    path: str
    declarations: tuple[Declaration, ...]
    span: Span

    @property
    def header(self) -> PolicyDecl | None:
        """The file's ``policy`` header, or ``None`` for a module of shared definitions."""
        for d in self.declarations:
            if isinstance(d, PolicyDecl):
                return d
        return None


share_repr(globals(), __name__)

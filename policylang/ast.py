"""The abstract syntax tree of a ``.pol`` file: small frozen classes, each with a span.

The parser (:mod:`policylang.parse`) builds these; nothing downstream sees Lark's trees.
Names are not resolved here: ``Name("yes")`` may turn out to be a fact, a derived value
or an enum value, which the checker decides from the expected type.
"""

from __future__ import annotations

import datetime as dt

import attrs

from policylang.span import Span


@attrs.frozen
class Labels:
    """A Danish and/or English label or text."""

    da: str | None
    en: str | None

    def get(self, lang: str = "en") -> str | None:
        """The text in ``lang``, falling back to the other language."""
        first, second = (self.da, self.en) if lang == "da" else (self.en, self.da)
        return first if first is not None else second


# ----------------------------------------------------------------- type expressions


@attrs.frozen
class PrimTypeExpr:
    name: str  # bool, int, decimal, money, text, date, datetime, time, duration, rule, condition
    span: Span


@attrs.frozen
class EnumMember:
    name: str
    labels: Labels | None
    span: Span


@attrs.frozen
class EnumTypeExpr:
    members: tuple[EnumMember, ...]
    ordered: bool
    span: Span


@attrs.frozen
class ListTypeExpr:
    element: TypeExpr
    span: Span


@attrs.frozen
class SetTypeExpr:
    element: TypeExpr
    span: Span


@attrs.frozen
class MapTypeExpr:
    key: TypeExpr
    value: TypeExpr
    span: Span


@attrs.frozen
class FieldExpr:
    name: str
    type: TypeExpr
    span: Span


@attrs.frozen
class RecordTypeExpr:
    fields: tuple[FieldExpr, ...]
    span: Span


@attrs.frozen
class NamedTypeExpr:
    name: str
    span: Span


@attrs.frozen
class UnionTypeExpr:
    """``A or B``: a value of either type (an object, or the enum value ``not_applicable``)."""

    options: tuple[TypeExpr, ...]
    span: Span


@attrs.frozen
class OptionalTypeExpr:
    inner: TypeExpr
    span: Span


TypeExpr = (
    PrimTypeExpr
    | EnumTypeExpr
    | ListTypeExpr
    | SetTypeExpr
    | MapTypeExpr
    | RecordTypeExpr
    | NamedTypeExpr
    | OptionalTypeExpr
    | UnionTypeExpr
)

# ----------------------------------------------------------------- expressions


@attrs.frozen
class DurationLit:
    amount: int
    unit: str  # "days", "months" or "years"


@attrs.frozen
class Literal:
    """A constant written in the policy: ``3``, ``2.5``, ``1998-07-01``, ``"text"``."""

    kind: str  # int, decimal, money, duration, date, datetime, time, text, bool, null
    value: object
    span: Span


@attrs.frozen
class Name:
    name: str
    span: Span


@attrs.frozen
class RuleRef:
    rule_id: str
    span: Span


@attrs.frozen
class SetLit:
    items: tuple[Expr, ...]
    span: Span


@attrs.frozen
class ListLit:
    items: tuple[Expr, ...]
    span: Span


@attrs.frozen
class RecordLit:
    entries: tuple[tuple[str, Expr], ...]
    span: Span


@attrs.frozen
class Call:
    function: str
    args: tuple[Expr, ...]
    span: Span


@attrs.frozen
class Quantifier:
    kind: str  # any, all, count
    variable: str
    collection: Expr
    condition: Expr
    span: Span


@attrs.frozen
class Binary:
    op: str  # + - * / | &
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class BoolOp:
    op: str  # and, or
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Not:
    operand: Expr
    span: Span


@attrs.frozen
class Compare:
    operands: tuple[Expr, ...]
    ops: tuple[str, ...]  # = != < <= > >=
    span: Span


@attrs.frozen
class Member:
    item: Expr
    collection: Expr
    negated: bool
    span: Span


@attrs.frozen
class IsTest:
    operand: Expr
    test: str  # null, empty
    negated: bool
    span: Span


@attrs.frozen
class If:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@attrs.frozen
class Index:
    target: Expr
    key: Expr
    span: Span


@attrs.frozen
class FieldGet:
    target: Expr
    name: str
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
)

# ----------------------------------------------------------------- declarations


@attrs.frozen
class RuleIdRef:
    """A rule ID written in a ``by`` or ``exception to`` clause."""

    rule_id: str
    span: Span


@attrs.frozen
class FactorRef:
    """A factor in a ``weigh`` clause: a declared factor's name or a quoted text."""

    name: str | None
    text: str | None
    span: Span


@attrs.frozen
class PolicyDecl:
    name: str
    title: Labels | None
    version: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    evaluation_date: Expr | None
    notes: tuple[Labels, ...]
    span: Span


@attrs.frozen
class ImportDecl:
    path: str
    span: Span


@attrs.frozen
class SourceDecl:
    key: str
    short: str
    title: str | None
    file: str | None
    url: str | None
    date: dt.date | None
    span: Span


@attrs.frozen
class TypeDecl:
    name: str
    type: TypeExpr
    labels: Labels | None
    span: Span


@attrs.frozen
class FactDecl:
    name: str
    type: TypeExpr
    labels: Labels | None
    assessment: bool
    personal: bool
    provenance: str | None
    note: Labels | None
    span: Span


@attrs.frozen
class ParameterDecl:
    name: str
    type: TypeExpr
    default: Expr
    labels: Labels | None
    provenance: str | None
    note: Labels | None
    span: Span


@attrs.frozen
class LetDecl:
    name: str
    type: TypeExpr | None
    expr: Expr
    by: tuple[RuleIdRef, ...]
    span: Span


@attrs.frozen
class FactorDecl:
    name: str
    labels: Labels
    span: Span


@attrs.frozen
class Row:
    """One alternative of a ``first match`` table, or of a ``collect`` list."""

    value: Expr
    condition: Expr | None  # None: ``otherwise`` (first match) or always (collect)
    weigh: tuple[FactorRef, ...]
    by: tuple[RuleIdRef, ...]
    span: Span


@attrs.frozen
class ExprBody:
    expr: Expr
    weigh: tuple[FactorRef, ...]
    by: tuple[RuleIdRef, ...]
    span: Span


@attrs.frozen
class FirstMatchBody:
    rows: tuple[Row, ...]
    span: Span


@attrs.frozen
class CollectBody:
    rows: tuple[Row, ...]
    span: Span


@attrs.frozen
class DefaultBody:
    """A decision concluded by rules (``then d = v``), with a value when none applies."""

    expr: Expr
    by: tuple[RuleIdRef, ...]
    span: Span


DecisionBody = ExprBody | FirstMatchBody | CollectBody | DefaultBody


@attrs.frozen
class DecisionDecl:
    name: str
    type: TypeExpr
    labels: Labels | None
    body: DecisionBody | None
    span: Span
    provenance: str | None = None
    note: Labels | None = None


@attrs.frozen
class Citation:
    source: str
    locator: str | None
    line_from: int | None
    line_to: int | None
    span: Span


@attrs.frozen
class SetConclusion:
    decision: str
    value: Expr
    span: Span


@attrs.frozen
class AddConclusion:
    decision: str
    item: Expr
    span: Span


Conclusion = SetConclusion | AddConclusion


@attrs.frozen
class RuleDecl:
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


@attrs.frozen
class ConstraintDecl:
    name: str
    title: str | None
    condition: Expr | None
    require: Expr
    message: Labels | None
    span: Span


@attrs.frozen
class WarningDecl:
    name: str
    labels: Labels
    condition: Expr | None
    span: Span


@attrs.frozen
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
    | FactorDecl
    | DecisionDecl
    | RuleDecl
    | ConstraintDecl
    | WarningDecl | HandoffDecl
)


@attrs.frozen
class Module:
    """One parsed ``.pol`` file."""

    path: str
    declarations: tuple[Declaration, ...]
    span: Span

    @property
    def header(self) -> PolicyDecl | None:
        for d in self.declarations:
            if isinstance(d, PolicyDecl):
                return d
        return None

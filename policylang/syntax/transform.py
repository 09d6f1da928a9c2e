"""Build our own AST from Lark's parse tree: the only code that knows the grammar's rule names.

:class:`ToAst` has one method per rule (or alias) of ``grammar.lark``; each returns an
:mod:`policylang.syntax.ast` node with the span of the text it came from. Nothing downstream of
:mod:`policylang.syntax.parser` sees a Lark tree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lark import Token, Transformer, Tree, v_args

from policylang.base.errors import Diagnostic, PolicySyntaxError
from policylang.base.labels import Labels
from policylang.base.numbers import CONTEXT, DIGITS, decimal_problem, whole_problem
from policylang.base.span import Source, Span, point
from policylang.syntax import ast

if TYPE_CHECKING:
    from policylang.syntax.layout import Mark


class _Tagged(tuple):  # type: ignore[type-arg]
    """A clause result that is told apart from others by its class."""


class _By(_Tagged):
    pass


class _Weigh(_Tagged):
    pass


def _cover(first: Span, last: Span) -> Span:
    """The span from the start of ``first`` to the end of ``last``."""
    return Span(first.source, first.line, first.column, last.end_line, last.end_column)


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


@v_args(meta=True)
class ToAst(Transformer):  # type: ignore[type-arg]
    """Builds :mod:`policylang.syntax.ast` nodes from Lark's parse tree."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        # ``v_args`` makes a new wrapper of a rule's method (with functools.update_wrapper)
        # each time the method is looked up, which was half the time of a transform: look
        # each one up once, for this transform.
        for name, member in vars(ToAst).items():
            if hasattr(member, "visit_wrapper"):
                setattr(self, name, getattr(self, name))

    def span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return point(self.source, 1, 1)
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def tspan(self, token: Token) -> Span:
        return Span(
            self.source,
            token.line or 1,
            token.column or 1,
            token.end_line or token.line or 1,
            token.end_column or (token.column or 1) + len(token),
        )

    # -- file and header ---------------------------------------------------

    def start(self, meta: Any, children: list[Any]) -> ast.Module:
        return ast.Module(self.source.path, tuple(children), self.span(meta))

    def policy_decl(self, meta: Any, children: list[Any]) -> ast.PolicyDecl:
        name, *clauses = children
        fields: dict[str, Any] = {
            "title": None,
            "version": None,
            "valid_from": None,
            "valid_until": None,
            "evaluation_date": None,
        }
        notes = []
        for kind, value in clauses:
            if kind == "note":
                notes.append(value)
            elif kind == "validity":
                fields["valid_from"], until = value
                if until is not None:
                    fields["valid_until"] = until
            else:
                fields[kind] = value
        return ast.PolicyDecl(name=name, notes=tuple(notes), span=self.span(meta), **fields)

    def path_name(self, meta: Any, children: list[Token]) -> str:
        return "/".join(str(c) for c in children)

    def header_title(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("title", children[0])

    def header_title_for(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("person_title", (str(children[0]), children[1], self.span(meta)))

    def header_version(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("version", _unquote(children[0]))

    def header_validity(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        start, end = children
        return ("validity", (self._date(start), self._date(end) if end is not None else None))

    def header_until(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("valid_until", self._date(children[0]))

    def header_evaluation_date(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("evaluation_date", children[0])

    def header_note(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("note", children[0])

    def header_next_steps(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("next_steps", children[0])

    def header_complaint(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("complaint", children[0])

    def import_decl(self, meta: Any, children: list[Token]) -> ast.ImportDecl:
        return ast.ImportDecl(_unquote(children[0]), self.span(meta))

    def source_decl(self, meta: Any, children: list[Any]) -> ast.SourceDecl:
        key, short, *clauses = children
        fields: dict[str, Any] = {"title": None, "file": None, "url": None, "date": None, "cited_as": None}
        for kind, value in clauses:
            fields[kind] = value
        return ast.SourceDecl(str(key), _unquote(short), span=self.span(meta), key_span=self.tspan(key), **fields)

    def source_title(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("title", _unquote(children[0]))

    def source_file(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("file", _unquote(children[0]))

    def source_url(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("url", _unquote(children[0]))

    def source_date(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("date", self._date(children[0]))

    def source_name(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("cited_as", children[0])

    # -- vocabulary ----------------------------------------------------------

    def type_decl(self, meta: Any, children: list[Any]) -> ast.TypeDecl:
        name, type_, *rest = children
        return ast.TypeDecl(str(name), type_, rest[0] if rest else None, self.span(meta), self.tspan(name))

    def fact_decl(self, meta: Any, children: list[Any]) -> ast.FactDecl:
        name, type_, *rest = children
        labels = None
        flags: dict[str, Any] = {
            "assessment": False,
            "personal": False,
            "sensitive": False,
            "provenance": None,
            "note": None,
            "default": None,
        }
        for item in rest:
            if isinstance(item, Labels):
                labels = item
            else:
                kind, value = item
                flags[kind] = value
        return ast.FactDecl(str(name), type_, labels, span=self.span(meta), name_span=self.tspan(name), **flags)

    def fact_assessment(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("assessment", True)

    def fact_personal(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("personal", True)

    def fact_sensitive(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("sensitive", True)

    def fact_provenance(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("provenance", str(children[0]))

    def fact_note(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("note", children[0])

    def fact_default(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("default", children[0])

    def parameter_decl(self, meta: Any, children: list[Any]) -> ast.ParameterDecl:
        name, type_, default, *rest = children
        labels = None
        flags: dict[str, Any] = {"provenance": None, "note": None}
        for item in rest:
            if isinstance(item, Labels):
                labels = item
            else:
                kind, value = item
                flags[kind] = value
        return ast.ParameterDecl(
            str(name), type_, default, labels, span=self.span(meta), name_span=self.tspan(name), **flags
        )

    def _parameter_flags(self, rest: list[Any]) -> tuple[Labels | None, dict[str, Any], list[ast.DatedValue]]:
        labels = None
        flags: dict[str, Any] = {"provenance": None, "note": None}
        dated: list[ast.DatedValue] = []
        for item in rest:
            if isinstance(item, Labels):
                labels = item
            elif isinstance(item, ast.DatedValue):
                dated.append(item)
            else:
                kind, value = item
                flags[kind] = value
        return labels, flags, dated

    def parameter_dated(self, meta: Any, children: list[Any]) -> ast.ParameterDecl:
        name, type_, *rest = children
        labels, flags, dated = self._parameter_flags(rest)
        return ast.ParameterDecl(
            str(name),
            type_,
            None,
            labels,
            span=self.span(meta),
            name_span=self.tspan(name),
            dated=tuple(dated),
            **flags,
        )

    def parameter_file(self, meta: Any, children: list[Any]) -> ast.ParameterDecl:
        name, type_, *rest = children
        path = next(c for c in rest if isinstance(c, Token) and c.type == "STRING")
        labels, flags, _ = self._parameter_flags([c for c in rest if c is not path])
        return ast.ParameterDecl(
            str(name),
            type_,
            None,
            labels,
            span=self.span(meta),
            name_span=self.tspan(name),
            file=_unquote(path),
            file_span=self.tspan(path),
            **flags,
        )

    def dated_value(self, meta: Any, children: list[Any]) -> ast.DatedValue:
        return ast.DatedValue(self._date(children[0]), children[1], self.span(meta))

    parameter_provenance = fact_provenance
    parameter_note = fact_note

    def let_decl(self, meta: Any, children: list[Any]) -> ast.LetDecl:
        name, type_, expr, *rest = children
        by = rest[0] if rest else _By()
        return ast.LetDecl(str(name), type_, expr, tuple(by), self.span(meta), self.tspan(name))

    def function_decl(self, meta: Any, children: list[Any]) -> ast.FunctionDecl:
        name, *rest = children
        params = tuple(p for p in rest if isinstance(p, ast.FunctionParam))
        rest = [r for r in rest if r is not None and not isinstance(r, ast.FunctionParam)]
        type_, *clauses, body = rest
        labels = None
        citations: tuple[ast.Citation, ...] = ()
        note = None
        for item in clauses:
            if isinstance(item, Labels):
                labels = item
            elif item[0] == "citations":
                citations += tuple(item[1])
            else:
                note = item[1]
        span, name_span = self.span(meta), self.tspan(name)
        return ast.FunctionDecl(str(name), params, type_, labels, citations, note, body, span, name_span)

    def function_param(self, meta: Any, children: list[Any]) -> ast.FunctionParam:
        return ast.FunctionParam(str(children[0]), children[1], self.span(meta))

    def function_cites(self, meta: Any, children: list[ast.Citation]) -> tuple[str, Any]:
        return ("citations", children)

    def function_note(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("note", children[0])

    def function_body(self, meta: Any, children: list[Any]) -> ast.Expr:
        return children[0]  # type: ignore[no-any-return]

    def factor_decl(self, meta: Any, children: list[Any]) -> ast.FactorDecl:
        return ast.FactorDecl(str(children[0]), children[1], self.span(meta), self.tspan(children[0]))

    # -- decisions -----------------------------------------------------------

    def decision_decl(self, meta: Any, children: list[Any]) -> ast.DecisionDecl:
        name, type_, *rest = children
        labels = None
        body = None
        flags: dict[str, Any] = {"provenance": None, "note": None}
        for item in rest:
            if isinstance(item, Labels):
                labels = item
            elif isinstance(item, tuple) and not isinstance(item, _Tagged):
                kind, value = item
                if kind == "audience":
                    flags["audience"], flags["audience_span"] = value
                else:
                    flags[kind] = value
            else:
                body = item
        span, name_span = self.span(meta), self.tspan(name)
        return ast.DecisionDecl(str(name), type_, labels, body, span=span, name_span=name_span, **flags)

    decision_provenance = fact_provenance
    decision_note = fact_note

    def decision_for(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("audience", (str(children[0]), self.span(meta)))

    def _clauses(self, items: list[Any]) -> tuple[tuple[ast.FactorRef, ...], tuple[ast.RuleIdRef, ...]]:
        weigh: tuple[ast.FactorRef, ...] = ()
        by: tuple[ast.RuleIdRef, ...] = ()
        for item in items:
            if isinstance(item, _Weigh):
                weigh = tuple(item)
            elif isinstance(item, _By):
                by = tuple(item)
        return weigh, by

    def body_expr(self, meta: Any, children: list[Any]) -> ast.ExprBody:
        expr, *rest = children
        weigh, by = self._clauses(rest)
        return ast.ExprBody(expr, weigh, by, self.span(meta))

    def body_first_match(self, meta: Any, children: list[Any]) -> ast.FirstMatchBody:
        return ast.FirstMatchBody(tuple(children), self.span(meta))

    def body_collect(self, meta: Any, children: list[Any]) -> ast.CollectBody:
        return ast.CollectBody(tuple(children), self.span(meta))

    def body_default(self, meta: Any, children: list[Any]) -> ast.DefaultBody:
        expr, *rest = children
        _, by = self._clauses(rest)
        return ast.DefaultBody(expr, by, self.span(meta))

    def row_when(self, meta: Any, children: list[Any]) -> ast.Row:
        value, condition, *rest = children
        weigh, by = self._clauses(rest)
        return ast.Row(value, condition, weigh, by, self.span(meta))

    def row_otherwise(self, meta: Any, children: list[Any]) -> ast.Row:
        value, *rest = children
        weigh, by = self._clauses(rest)
        return ast.Row(value, None, weigh, by, self.span(meta))

    def collect_row(self, meta: Any, children: list[Any]) -> ast.Row:
        value, condition, *rest = children
        weigh, by = self._clauses(rest)
        return ast.Row(value, condition, weigh, by, self.span(meta))

    def by_clause(self, meta: Any, children: list[Token]) -> _By:
        return _By(ast.RuleIdRef(str(t), self.tspan(t)) for t in children)

    def weigh_clause(self, meta: Any, children: list[ast.FactorRef]) -> _Weigh:
        return _Weigh(children)

    def factor_name(self, meta: Any, children: list[Token]) -> ast.FactorRef:
        return ast.FactorRef(str(children[0]), None, self.tspan(children[0]))

    def factor_text(self, meta: Any, children: list[Token]) -> ast.FactorRef:
        return ast.FactorRef(None, _unquote(children[0]), self.tspan(children[0]))

    # -- rules ---------------------------------------------------------------

    def rule_decl(self, meta: Any, children: list[Any]) -> ast.RuleDecl:
        rule_id, *rest = children
        title = None
        titles = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest.pop(0))
            if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":  # "dansk" / "English"
                titles = Labels(title, _unquote(rest.pop(0)))
        fields: dict[str, Any] = {
            "citations": (),
            "force": None,
            "provenance": None,
            "inferred": False,
            "quote": None,
            "exception_to": (),
            "condition": None,
            "conclusion": None,
            "weigh": (),
            "explain": None,
            "note": None,
        }
        for kind, value in rest:
            if kind in ("citations", "exception_to", "weigh"):
                fields[kind] = fields[kind] + tuple(value)
            else:
                fields[kind] = value
        return ast.RuleDecl(
            rule_id=str(rule_id),
            title=title,
            span=self.span(meta),
            id_span=self.tspan(rule_id),
            titles=titles,
            **fields,
        )

    def rule_cites(self, meta: Any, children: list[ast.Citation]) -> tuple[str, Any]:
        return ("citations", children)

    def rule_force(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("force", str(children[0]))

    def rule_provenance(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("provenance", str(children[0]))

    def rule_inferred(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("inferred", True)

    def rule_quote(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("quote", _unquote(children[0]))

    def rule_exception(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("exception_to", [ast.RuleIdRef(str(t), self.tspan(t)) for t in children])

    def rule_when(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("condition", children[0])

    def rule_then_set(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        name, value = children
        return ("conclusion", ast.SetConclusion(str(name), value, self.span(meta), self.tspan(name)))

    def rule_then_add(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        item, name = children
        return ("conclusion", ast.AddConclusion(str(name), item, self.span(meta), self.tspan(name)))

    def rule_weigh(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("weigh", children[0])

    def rule_explain(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("explain", children[0])

    def rule_note(self, meta: Any, children: list[Any]) -> tuple[str, Any]:
        return ("note", children[0])

    def citation(self, meta: Any, children: list[Any]) -> ast.Citation:
        source, *rest = children
        locator = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            locator = _unquote(rest.pop(0))
        line_from, line_to = ([*rest, None, None])[:2]
        return ast.Citation(
            str(source),
            locator,
            self._whole(line_from) if line_from is not None else None,
            self._whole(line_to) if line_to is not None else None,
            self.span(meta),
            self.tspan(source),
        )

    function_citation = citation

    def constraint_decl(self, meta: Any, children: list[Any]) -> ast.ConstraintDecl:
        name, *rest = children
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest.pop(0))
        condition, require, message = rest
        return ast.ConstraintDecl(str(name), title, condition, require, message, self.span(meta), self.tspan(name))

    def handoff_decl(self, meta: Any, children: list[Any]) -> ast.HandoffDecl:
        target, condition, by, note = children
        return ast.HandoffDecl(target, condition, tuple(by or ()), note, self.span(meta))

    def warning_decl(self, meta: Any, children: list[Any]) -> ast.WarningDecl:
        name, labels, condition = children
        return ast.WarningDecl(str(name), labels, condition, self.span(meta), self.tspan(name))

    # -- labels and types ------------------------------------------------------

    def labels_pair(self, meta: Any, children: list[Token]) -> Labels:
        da = _unquote(children[0])
        en = _unquote(children[1]) if len(children) > 1 else None
        return Labels(da, en)

    def labels_da(self, meta: Any, children: list[Any]) -> Labels:
        da, en = children
        return Labels(_unquote(da), _unquote(en) if en is not None else None)

    def labels_en(self, meta: Any, children: list[Token]) -> Labels:
        return Labels(None, _unquote(children[0]))

    def type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return children[0]  # type: ignore[no-any-return]

    def union_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.UnionTypeExpr(tuple(children), self.span(meta))

    def optional_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.OptionalTypeExpr(children[0], self.span(meta))

    def _prim(name: str) -> Callable[[Any, Any, list[Any]], ast.TypeExpr]:  # type: ignore[misc]
        def build(self: ToAst, meta: Any, children: list[Any]) -> ast.TypeExpr:
            return ast.PrimTypeExpr(name, self.span(meta))

        return build

    bool_type = _prim("bool")
    int_type = _prim("int")
    decimal_type = _prim("decimal")

    def money_type(self, meta: Any, children: list[Token]) -> ast.TypeExpr:
        return ast.PrimTypeExpr("money", self.span(meta), str(children[0]) if children else None)

    text_type = _prim("text")
    date_type = _prim("date")
    datetime_type = _prim("datetime")
    time_type = _prim("time")
    duration_type = _prim("duration")
    rule_type = _prim("rule")
    condition_type = _prim("condition")

    def enum_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.EnumTypeExpr(tuple(children[0]), False, self.span(meta))

    def ordered_enum_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.EnumTypeExpr(tuple(children[0]), True, self.span(meta))

    def enum_members(self, meta: Any, children: list[ast.EnumMember]) -> list[ast.EnumMember]:
        return children

    def enum_member(self, meta: Any, children: list[Any]) -> ast.EnumMember:
        name, *rest = children
        fields = rest.pop(0) if rest and isinstance(rest[0], tuple) else None
        return ast.EnumMember(str(name), rest[0] if rest else None, self.span(meta), fields)

    def enum_fields(self, meta: Any, children: list[ast.FieldExpr]) -> tuple[ast.FieldExpr, ...]:
        return tuple(children)

    def list_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.ListTypeExpr(children[0], self.span(meta))

    def set_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.SetTypeExpr(children[0], self.span(meta))

    def map_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.MapTypeExpr(children[0], children[1], self.span(meta))

    def scale_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.ScaleTypeExpr(children[0], self.span(meta))

    def record_type(self, meta: Any, children: list[Any]) -> ast.TypeExpr:
        return ast.RecordTypeExpr(tuple(children), self.span(meta))

    def field(self, meta: Any, children: list[Any]) -> ast.FieldExpr:
        labels = children[2] if len(children) > 2 else None
        return ast.FieldExpr(str(children[0]), children[1], self.span(meta), labels)

    def named_type(self, meta: Any, children: list[Token]) -> ast.TypeExpr:
        return ast.NamedTypeExpr(str(children[0]), self.span(meta))

    # -- expressions -----------------------------------------------------------

    def if_expr(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.If(children[0], children[1], children[2], self.span(meta))

    def or_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return self._chain("or", children, self.span(meta))

    def and_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return self._chain("and", children, self.span(meta))

    def _chain(self, op: str, items: list[ast.Expr], span: Span) -> ast.Expr:
        """``a and b and c ...`` as a balanced tree of ``BoolOp``, as deep as the logarithm of its length.

        ``and`` and ``or`` are associative (also with unknowns), and the checker flattens the
        tree into one n-ary condition, so the shape does not matter, but the depth does.
        """
        if len(items) == 1:
            return items[0]
        middle = len(items) // 2
        left = self._chain(op, items[:middle], _cover(items[0].span, items[middle - 1].span))
        right = self._chain(op, items[middle:], _cover(items[middle].span, items[-1].span))
        return ast.BoolOp(op, left, right, span)

    def not_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Not(children[0], self.span(meta))

    _OPS = {"≤": "<=", "≥": ">=", "≠": "!=", "∪": "|", "∩": "&"}

    def compare(self, meta: Any, children: list[Any]) -> ast.Expr:
        operands = tuple(children[0::2])
        ops = tuple(self._OPS.get(str(t), str(t)) for t in children[1::2])
        return ast.Compare(operands, ops, self.span(meta))

    def in_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Member(children[0], children[1], False, self.span(meta))

    def not_in_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Member(children[0], children[2], True, self.span(meta))

    def is_null(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.IsTest(children[0], "null", False, self.span(meta))

    def is_not_null(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.IsTest(children[0], "null", True, self.span(meta))

    def is_empty(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.IsTest(children[0], "empty", False, self.span(meta))

    def is_not_empty(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.IsTest(children[0], "empty", True, self.span(meta))

    def binary(self, meta: Any, children: list[Any]) -> ast.Expr:
        left, op, right = children
        return ast.Binary(self._OPS.get(str(op), str(op)), left, right, self.span(meta))

    def index(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Index(children[0], children[2], self.span(meta))

    def field_access(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.FieldGet(children[0], str(children[1]), self.span(meta))

    def at_date(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.At(children[0], children[1], self.span(meta))

    def name(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Name(str(children[0]), self.span(meta))

    def rule_ref(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.RuleRef(str(children[0]), self.span(meta))

    def int_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Literal("int", self._whole(children[0]), self.span(meta))

    def decimal_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Literal("decimal", self._decimal(children[0]), self.span(meta))

    def money_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        value = ast.MoneyLit(self._decimal(children[0]), str(children[1]))
        return ast.Literal("money", value, self.span(meta))

    def duration_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        amount, unit = children
        unit_name = str(unit) if str(unit).endswith("s") else f"{unit}s"
        value = ast.DurationLit(self._whole(amount), unit_name)
        return ast.Literal("duration", value, self.span(meta))

    def _whole(self, token: Token) -> int:
        """A whole number as written (digits, ``_`` between them), within the range of ``int``."""
        problem = whole_problem(str(token))
        if problem:
            raise self._bad_literal(token, "whole number", f"a whole number of 64 bits: this one is {problem}")
        return int(str(token).replace("_", ""))

    def _decimal(self, token: Token) -> Decimal:
        """A decimal number as written, within the range and precision of ``decimal``."""
        value = Decimal(str(token).replace("_", ""))
        problem = decimal_problem(value)
        if problem:
            raise self._bad_literal(token, "decimal number", f"a decimal of the language: this one is {problem}")
        if not value or len(value.as_tuple().digits) > DIGITS:  # 0.000...0, 1.000...0: the same value, made small
            value = CONTEXT.plus(value)
        return value

    def _date(self, token: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(token))
        except ValueError:
            raise self._bad_literal(token, "date", "a real calendar date such as `1998-07-01`") from None

    def _bad_literal(self, token: Token, kind: str, expected: str) -> PolicySyntaxError:
        span = self.tspan(token)
        shown = str(token) if len(token) <= 40 else f"{str(token)[:20]}...{str(token)[-10:]}"
        d = Diagnostic("pol-bad-literal", f"`{shown}` is not a valid {kind}", span, hint=f"write {expected}")
        return PolicySyntaxError(f"{span}: `{shown}` is not a valid {kind}", [d])

    def date_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Literal("date", self._date(children[0]), self.span(meta))

    def datetime_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        token = children[0]
        try:
            value = dt.datetime.fromisoformat(str(token).replace("Z", "+00:00"))
        except ValueError:
            raise self._bad_literal(token, "date and time", "`2025-03-15T23:00:00+01:00`") from None
        return ast.Literal("datetime", value, self.span(meta))

    def time_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        token = children[0]
        try:
            value = dt.time.fromisoformat(str(token))
        except ValueError:
            raise self._bad_literal(token, "time of day", "a time such as `09:00`") from None
        return ast.Literal("time", value, self.span(meta))

    def text_lit(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Literal("text", _unquote(children[0]), self.span(meta))

    def true_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Literal("bool", True, self.span(meta))

    def false_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Literal("bool", False, self.span(meta))

    def null_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Literal("null", None, self.span(meta))

    def empty_set(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.SetLit((), self.span(meta))

    empty_braces = empty_set

    def call(self, meta: Any, children: list[Any]) -> ast.Expr:
        name, *args = children
        return ast.Call(str(name), tuple(a for a in args if a is not None), self.span(meta))

    def quantifier(self, meta: Any, children: list[Any]) -> ast.Expr:
        kind, var, collection, condition = children
        return ast.Quantifier(str(kind), str(var), collection, condition, self.span(meta))

    def set_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.SetLit(tuple(children), self.span(meta))

    def list_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.ListLit(tuple(c for c in children if c is not None), self.span(meta))

    def record_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.RecordLit(tuple(children), self.span(meta))

    def record_entry(self, meta: Any, children: list[Any]) -> tuple[str, ast.Expr]:
        return (str(children[0]), children[1])

    def match_expr(self, meta: Any, children: list[Any]) -> ast.Expr:
        subject, *arms = children
        return ast.Match(subject, tuple(arms), self.span(meta))

    def match_arm(self, meta: Any, children: list[Any]) -> ast.MatchArm:
        case, binding, body = children if len(children) == 3 else (children[0], None, children[1])
        return ast.MatchArm(str(case), str(binding) if binding is not None else None, body, self.span(meta))

    def match_otherwise(self, meta: Any, children: list[Any]) -> ast.MatchArm:
        return ast.MatchArm(None, None, children[0], self.span(meta))

    def scale_lit(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.ScaleLit(tuple(children), self.span(meta))

    def scale_entry(self, meta: Any, children: list[Any]) -> tuple[ast.Expr, ast.Expr]:
        return (children[0], children[1])


# ----------------------------------------------------------------- layout marks

# The rules whose text begins a clause of a declaration (keyword and all), a table, or a row.
_CLAUSES = frozenset(
    {
        "header_title",
        "header_version",
        "header_validity",
        "header_until",
        "header_evaluation_date",
        "header_note",
        "header_next_steps",
        "header_title_for",
        "header_complaint",
        "source_title",
        "source_file",
        "source_url",
        "source_date",
        "source_name",
        "fact_assessment",
        "fact_personal",
        "fact_sensitive",
        "fact_provenance",
        "fact_default",
        "fact_note",
        "parameter_provenance",
        "parameter_note",
        "function_cites",
        "function_note",
        "function_body",
        "dated_value",
        "decision_provenance",
        "decision_note",
        "decision_for",
        "body_expr",
        "body_default",
        "rule_cites",
        "rule_force",
        "rule_provenance",
        "rule_inferred",
        "rule_quote",
        "rule_exception",
        "rule_when",
        "rule_then_set",
        "rule_then_add",
        "rule_weigh",
        "rule_explain",
        "rule_note",
        "by_clause",
        "weigh_clause",
    }
)
_TABLES = frozenset({"body_first_match", "body_collect"})
_ROWS = frozenset({"row_when", "row_otherwise", "collect_row"})
_LABELLED = frozenset(
    {
        "type_decl",
        "fact_decl",
        "parameter_decl",
        "parameter_dated",
        "parameter_file",
        "function_decl",
        "factor_decl",
        "decision_decl",
        "warning_decl",
    }
)
_LABELS = frozenset({"labels_pair", "labels_da", "labels_en"})


def layout_marks(tree: Tree) -> list[Mark]:  # type: ignore[type-arg]
    """Where each declaration, clause, table and table row of a parse tree begins and ends.

    A declaration's labels on a line of their own count as a clause.
    """
    from policylang.syntax.layout import Mark  # for the formatter and the editor; a load needs no layout

    marks: list[Mark] = []

    def mark(kind: str, t: Tree) -> None:  # type: ignore[type-arg]
        m = t.meta
        if not getattr(m, "empty", True):
            marks.append(Mark(kind, m.line, m.column, m.end_line, m.end_column))

    for child in tree.children:
        if isinstance(child, Tree):
            mark("declaration", child)
    for t in tree.iter_subtrees():
        if t.data in _ROWS:
            mark("row", t)
        elif t.data in _TABLES:
            mark("table", t)
        elif t.data in _CLAUSES:
            mark("clause", t)
        if t.data in _LABELLED:
            for child in t.children:
                if isinstance(child, Tree) and child.data in _LABELS:
                    mark("clause", child)
    return marks

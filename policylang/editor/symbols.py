"""Where each name of a policy is declared and where it is used: the index behind navigation and rename.

A symbol is keyed by its namespace and name: ``("value", "age")`` for a fact, parameter,
``let`` value or decision (one namespace), ``("rule", "RES-HELP-02")``, ``("type", ...)``,
``("source", ...)`` and ``("factor", ...)``. Declarations come from the syntax trees (each
declaration's name has its own span); uses in expressions from the checked program, whose
references the checker resolved (a bound variable or an enum value is not mistaken for a
fact); uses outside expressions (``by`` and ``exception to`` clauses, types, citations,
``weigh`` and the decision a rule concludes) from the syntax trees.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence

import attrs

from policylang.base.span import Span
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.syntax import ast

Key = tuple[str, str]

KINDS = {ast.FactDecl: "fact", ast.ParameterDecl: "parameter", ast.LetDecl: "let", ast.DecisionDecl: "decision"}


@attrs.frozen
class Occurrence:
    """One place a symbol's name is written: its declaration or a use."""

    key: Key
    span: Span
    definition: bool = False

    @property
    def start(self) -> tuple[str, int, int]:
        return (self.span.file, self.span.line, self.span.column)


@attrs.frozen
class Declared:
    """A symbol's declaration: its kind (``fact``, ``rule`` ...), the whole declaration and where its name is."""

    key: Key
    kind: str
    node: ast.Declaration
    name_span: Span


class SymbolIndex:
    """Every declaration and use of every name in a policy's files."""

    def __init__(self, occurrences: Sequence[Occurrence], declared: dict[Key, Declared]) -> None:
        unique = {(o.key, o.start, o.span.end_line, o.span.end_column): o for o in occurrences}
        self.occurrences = sorted(unique.values(), key=lambda o: o.start)
        self.declared = declared
        self._starts = [o.start for o in self.occurrences]

    def at(self, path: str, line: int, column: int) -> Occurrence | None:
        """The occurrence at a 1-based place (or just after it, where a cursor ends a word)."""
        i = bisect.bisect_right(self._starts, (path, line, column))
        for o in reversed(self.occurrences[max(0, i - 3) : i]):
            s = o.span
            if s.file == path and (s.line, s.column) <= (line, column) <= (s.end_line, s.end_column):
                return o
        return None

    def uses(self, key: Key) -> list[Occurrence]:
        """Every occurrence of ``key``, its declaration included."""
        return [o for o in self.occurrences if o.key == key]

    def names(self, namespace: str) -> list[Declared]:
        """The declarations of one namespace, in file order."""
        return [d for k, d in self.declared.items() if k[0] == namespace]


def build_index(modules: Sequence[ast.Module], program: ir.Program | None) -> SymbolIndex:
    """The index of a policy's ``modules`` (and of its checked ``program``, where there is one)."""
    occurrences: list[Occurrence] = []
    declared: dict[Key, Declared] = {}
    for module in modules:
        for d in module.declarations:
            found = declaration(d)
            if found is not None:
                occurrences.append(Occurrence(found.key, found.name_span, True))
                declared.setdefault(found.key, found)
            occurrences.extend(_syntactic_uses(d))
    if program is not None:
        occurrences.extend(_expression_uses(program))
    return SymbolIndex(occurrences, declared)


def declaration(d: ast.Declaration) -> Declared | None:
    """What a declaration declares, or ``None`` (``policy``, ``import``, ``handoff``)."""
    if isinstance(d, ast.FactDecl | ast.ParameterDecl | ast.LetDecl | ast.DecisionDecl):
        return Declared(("value", d.name), KINDS[type(d)], d, d.name_span or d.span)
    if isinstance(d, ast.RuleDecl):
        return Declared(("rule", d.rule_id), "rule", d, d.id_span)
    if isinstance(d, ast.TypeDecl):
        return Declared(("type", d.name), "type", d, d.name_span or d.span)
    if isinstance(d, ast.SourceDecl):
        return Declared(("source", d.key), "source", d, d.key_span or d.span)
    if isinstance(d, ast.FactorDecl):
        return Declared(("factor", d.name), "factor", d, d.name_span or d.span)
    if isinstance(d, ast.ConstraintDecl):
        return Declared(("constraint", d.name), "constraint", d, d.name_span or d.span)
    if isinstance(d, ast.WarningDecl):
        return Declared(("warning", d.name), "warning", d, d.name_span or d.span)
    return None


# ----------------------------------------------------------------- uses outside expressions


def _syntactic_uses(d: ast.Declaration) -> Iterator[Occurrence]:
    for r in _rule_refs(d):
        yield Occurrence(("rule", r.rule_id), r.span)
    for t in _type_exprs(d):
        for named in _named_types(t):
            if named.name not in T.BUILTIN_TYPES:
                yield Occurrence(("type", named.name), named.span)
    for f in _factor_refs(d):
        if f.name is not None:
            yield Occurrence(("factor", f.name), f.span)
    if isinstance(d, ast.RuleDecl):
        for c in d.citations:
            if c.source_span is not None:
                yield Occurrence(("source", c.source), c.source_span)
        if d.conclusion is not None and d.conclusion.decision_span is not None:
            yield Occurrence(("value", d.conclusion.decision), d.conclusion.decision_span)


def _rule_refs(d: ast.Declaration) -> Iterator[ast.RuleIdRef]:
    if isinstance(d, ast.LetDecl | ast.HandoffDecl):
        yield from d.by
    elif isinstance(d, ast.RuleDecl):
        yield from d.exception_to
    elif isinstance(d, ast.DecisionDecl) and d.body is not None:
        body = d.body
        if isinstance(body, ast.ExprBody | ast.DefaultBody):
            yield from body.by
        else:
            for row in body.rows:
                yield from row.by


def _factor_refs(d: ast.Declaration) -> Iterator[ast.FactorRef]:
    if isinstance(d, ast.RuleDecl):
        yield from d.weigh
    elif isinstance(d, ast.DecisionDecl) and d.body is not None:
        body = d.body
        if isinstance(body, ast.ExprBody):
            yield from body.weigh
        elif isinstance(body, ast.FirstMatchBody | ast.CollectBody):
            for row in body.rows:
                yield from row.weigh


def _type_exprs(d: ast.Declaration) -> Iterator[ast.TypeExpr]:
    declared = ast.TypeDecl | ast.FactDecl | ast.ParameterDecl | ast.DecisionDecl | ast.LetDecl
    t = d.type if isinstance(d, declared) else None
    if t is not None:
        yield t


def _named_types(t: ast.TypeExpr) -> Iterator[ast.NamedTypeExpr]:
    if isinstance(t, ast.NamedTypeExpr):
        yield t
    elif isinstance(t, ast.ListTypeExpr | ast.SetTypeExpr):
        yield from _named_types(t.element)
    elif isinstance(t, ast.MapTypeExpr):
        yield from _named_types(t.key)
        yield from _named_types(t.value)
    elif isinstance(t, ast.RecordTypeExpr):
        for f in t.fields:
            yield from _named_types(f.type)
    elif isinstance(t, ast.OptionalTypeExpr):
        yield from _named_types(t.inner)
    elif isinstance(t, ast.UnionTypeExpr):
        for o in t.options:
            yield from _named_types(o)


# ----------------------------------------------------------------- uses in expressions


def _expression_uses(program: ir.Program) -> Iterator[Occurrence]:
    for e in ir.expressions(program):
        for node in ir.walk(e):
            if isinstance(node, ir.Ref) and node.kind != "local":
                yield Occurrence(("value", node.name), node.span)
            elif isinstance(node, ir.Const) and node.type == T.RULE and isinstance(node.value, str):
                yield Occurrence(("rule", node.value), node.span)

"""Check the functions a policy declares: their names, parameters, purity, recursion and bodies.

A function is checked when it is first called (or at the end, if it never is), so that a call
can be put together from the checked body of the function it calls. A function whose body is
being checked when it is called again calls itself, directly or through others: that is
``pol-recursion``, reported at the call with the circle of calls it closes.
"""

from __future__ import annotations

from typing import Protocol

from policylang.base.errors import Replacement
from policylang.base.span import Span
from policylang.base.suggest import did_you_mean
from policylang.check.expressions import ExprChecker, Lookup
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.builtins import BUILTINS
from policylang.syntax import ast
from policylang.syntax.keywords import QUANTIFIERS


class FunctionScope(Protocol):
    """What the function checker needs of the policy's checker."""

    sources: dict[str, ir.SourceInfo]
    values: dict[str, ast.Declaration]

    def error(
        self, code: str, message: str, span: Span | None, hint: str | None = None, fix: Replacement | None = None
    ) -> None:
        """Report an error."""

    def resolve_type(self, t: ast.TypeExpr, name: str = "") -> T.Type:
        """The type a type expression names."""

    def checker(self, context: str = "", allowed: frozenset[str] | None = None) -> ExprChecker:
        """An expression checker over the declarations."""


class FunctionsChecker:
    """Builds the :class:`~policylang.ir.program.FunctionInfo` of each declared function for the checker ``b``."""

    def __init__(self, b: FunctionScope) -> None:
        self.b = b
        self.decls: dict[str, ast.FunctionDecl] = {}
        self.done: dict[str, ir.FunctionInfo] = {}
        self.calling: list[str] = []  # the functions whose bodies are being checked, outermost first

    def register(self, d: ast.FunctionDecl) -> None:
        """Take a ``function`` declaration; a second one of the same name is an error."""
        if d.name in self.decls:
            first = self.decls[d.name]
            self.b.error(
                "pol-duplicate-name",
                f"the function `{d.name}` is declared twice",
                d.name_span,
                hint=f"first declared at {first.span}",
            )
            return
        if d.name in BUILTINS or d.name in QUANTIFIERS:
            self.b.error(
                "pol-function-name",
                f"`{d.name}` is a built-in function: a function of the policy cannot take its name",
                d.name_span,
                hint=f"choose another name, such as `{d.name}_of`",
            )
        self.decls[d.name] = d

    def names(self) -> list[str]:
        """The names of the declared functions."""
        return list(self.decls)

    def all(self) -> dict[str, ir.FunctionInfo]:
        """Every declared function, checked."""
        for name, d in self.decls.items():
            other = self.b.values.get(name)
            if other is not None:
                kind = type(other).__name__.removesuffix("Decl").lower()
                self.b.error(
                    "pol-function-name",
                    f"`{name}` names both a function and a {kind}",
                    d.name_span,
                    hint=f"give the function its own name, such as `{name}_of` (the {kind} is at {other.span})",
                )
            self.info(name, d.name_span)
        return {name: self.done[name] for name in self.decls if name in self.done}

    def info(self, name: str, span: Span) -> ir.FunctionInfo | None:
        """The checked function ``name`` (called at ``span``), or ``None`` where no function has that name."""
        found = self.done.get(name)
        if found is not None:
            return found
        d = self.decls.get(name)
        if d is None:
            return None
        if name in self.calling:
            circle = [*self.calling[self.calling.index(name) :], name]
            if len(circle) == 2:
                message = f"the function `{name}` calls itself"
            else:
                message = "the functions call each other in a circle: " + " → ".join(f"`{n}`" for n in circle)
            self.b.error(
                "pol-recursion",
                message,
                span,
                hint="a function may not call itself, directly or through others: compute the value another way "
                "(over a list: `sum(x in xs: ...)`, `map(...)`)",
            )
            return self._signature(d, ir.Const(None, T.ERROR, span))
        self.calling.append(name)
        try:
            info = self._check(d)
        finally:
            self.calling.pop()
        self.done[name] = info
        return info

    def _signature(self, d: ast.FunctionDecl, body: ir.Expr) -> ir.FunctionInfo:
        params = tuple((p.name, self.b.resolve_type(p.type)) for p in d.params)
        citations = tuple(self._citation(c, report=False) for c in d.citations)
        return ir.FunctionInfo(d.name, params, self.b.resolve_type(d.type), body, d.labels, citations, d.note, d.span)

    def _check(self, d: ast.FunctionDecl) -> ir.FunctionInfo:
        seen: set[str] = set()
        for p in d.params:
            if p.name in seen:
                self.b.error("pol-duplicate-name", f"the parameter `{p.name}` of `{d.name}` is listed twice", p.span)
            seen.add(p.name)
        params = tuple((p.name, self.b.resolve_type(p.type)) for p in d.params)
        result = self.b.resolve_type(d.type)
        checker = self.b.checker(f" (in the function `{d.name}`)", allowed=frozenset({"parameter"}))
        checker.pure = d.name
        checker.lookup = self._pure_lookup(checker.lookup)
        checker.locals.append(dict(params))
        body = checker.value(d.body, result, f"the result of `{d.name}`")
        citations = tuple(self._citation(c, report=True) for c in d.citations)
        return ir.FunctionInfo(d.name, params, result, body, d.labels, citations, d.note, d.span)

    def _pure_lookup(self, lookup: Lookup) -> Lookup:
        """``lookup``, with a ``condition`` parameter (an expression over facts) as a kind of its own."""

        def pure(name: str) -> tuple[str, T.Type] | None:
            found = lookup(name)
            decl = self.b.values.get(name)
            if found is not None and isinstance(decl, ast.ParameterDecl):
                if isinstance(decl.type, ast.PrimTypeExpr) and decl.type.name == "condition":
                    return "condition", found[1]
            return found

        return pure

    def _citation(self, c: ast.Citation, *, report: bool) -> ir.CitationInfo:
        source = self.b.sources.get(c.source)
        if source is None and report:  # once, when the function itself is checked
            hint, fix = did_you_mean(c.source, self.b.sources)
            known = ", ".join(f"`{k}`" for k in self.b.sources)
            fallback = f"the declared sources are {known}" if known else 'declare it with `source KEY "name"`'
            self.b.error("pol-unknown-source", f"unknown source `{c.source}`", c.span, hint=hint or fallback, fix=fix)
        return ir.CitationInfo(source, c.source, c.locator, c.line_from, c.line_to, c.span)

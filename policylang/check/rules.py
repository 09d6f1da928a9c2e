"""Check rules and decisions: citations, conclusions, exceptions, and the rows of each decision.

Part of the checker (:mod:`policylang.check.declarations`): :class:`RulesChecker` turns the ``rule``
and ``decision`` declarations into :class:`policylang.ir.program.RuleInfo` and
:class:`policylang.ir.program.DecisionInfo`, reporting problems through the checker that owns it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import attrs

from policylang.base.errors import Replacement
from policylang.base.span import Span
from policylang.base.suggest import did_you_mean
from policylang.check.expressions import ExprChecker
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.syntax import ast


class Declarations(Protocol):
    """What the rules checker needs from the checker that owns it (:mod:`policylang.check.declarations`)."""

    values: dict[str, Any]
    sources: dict[str, ir.SourceInfo]
    rule_decls: dict[str, ast.RuleDecl]

    def error(
        self, code: str, message: str, span: Span | None, hint: str | None = None, fix: Replacement | None = None
    ) -> None:
        """Report an error (``fix``: the hint as a fix a tool can apply)."""

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        """Report a warning."""

    def provenance(self, value: str | None, span: Span) -> None:
        """Report a ``provenance`` that is not a known one."""

    def lookup(self, name: str) -> tuple[str, T.Type] | None:
        """The kind and type of a declared value, or ``None``."""

    def checker(self, context: str = "", allowed: frozenset[str] | None = None) -> ExprChecker:
        """An expression checker over the declarations."""

    def of(self, cls: type) -> list[Any]:
        """Every declaration of the class ``cls``, in file order."""

    def rule_refs(self, refs: Iterable[ast.RuleIdRef]) -> tuple[str, ...]:
        """The rule IDs of ``refs``, reporting unknown ones."""

    def factors(self, refs: Iterable[ast.FactorRef]) -> tuple[ir.FactorInfo, ...]:
        """The factors ``refs`` name, reporting unknown ones."""


FORCES = ("lov", "skal", "bør", "kan", "praksis")
AUDIENCES = ("staff", "person")  # `decision d: T for staff|person`


class RulesChecker:
    """Builds the rules and the decisions of one policy for the checker ``b``."""

    def __init__(self, b: Declarations) -> None:
        self.b = b

    # -- rules -----------------------------------------------------------------

    def rules(self) -> dict[str, ir.RuleInfo]:
        result = {}
        for rid, d in self.b.rule_decls.items():
            citations = []
            for c in d.citations:
                source = self.b.sources.get(c.source)
                if source is None:
                    known = ", ".join(f"`{k}`" for k in self.b.sources)
                    fallback = f"the declared sources are {known}" if known else 'declare it with `source KEY "name"`'
                    hint, fix = did_you_mean(c.source, self.b.sources)
                    self.b.error(
                        "pol-unknown-source", f"unknown source `{c.source}`", c.span, hint=hint or fallback, fix=fix
                    )
                citations.append(ir.CitationInfo(source, c.source, c.locator, c.line_from, c.line_to, c.span))
            if not d.citations:
                self.b.warn(
                    "pol-missing-citation",
                    f"the rule `{rid}` cites no source",
                    d.id_span,
                    hint='add `cites SOURCE "pkt. ..."` so explanations can show the legal basis',
                )
            if d.force and d.force not in FORCES:
                hint, fix = did_you_mean(d.force, FORCES)
                self.b.error(
                    "pol-force",
                    f"unknown normative force `{d.force}`",
                    d.span,
                    hint=hint or "use one of " + ", ".join(FORCES),
                    fix=fix,
                )
            self.b.provenance(d.provenance, d.span)
            exceptions = self.b.rule_refs(d.exception_to)
            condition = self.b.checker(f" (in rule `{rid}`)").condition(d.condition) if d.condition else None
            conclusion = self.conclusion(d)
            result[rid] = ir.RuleInfo(
                rule_id=rid,
                title=d.title,
                citations=tuple(citations),
                force=d.force,
                provenance=d.provenance,
                inferred=d.inferred,
                quote=d.quote,
                exception_to=exceptions,
                condition=condition,
                conclusion=conclusion,
                factors=self.b.factors(d.weigh),
                explain=d.explain,
                note=d.note,
                span=d.span,
                titles=d.titles,
            )
        return result

    def conclusion(self, d: ast.RuleDecl) -> ir.ConclusionInfo | None:
        c = d.conclusion
        if c is None:
            if d.exception_to:
                self.b.error(
                    "pol-bad-exception",
                    f"the rule `{d.rule_id}` is an exception but concludes nothing",
                    d.id_span,
                    hint="add `then DECISION = VALUE` or `then add ITEM to DECISION`",
                )
            return None
        target = self.b.values.get(c.decision)
        if not isinstance(target, ast.DecisionDecl):
            decisions = [n for n, v in self.b.values.items() if isinstance(v, ast.DecisionDecl)]
            hint, fix = did_you_mean(c.decision, decisions)
            self.b.error("pol-unknown-name", f"`{c.decision}` is not a decision", c.span, hint=hint, fix=fix)
            return None
        decision_type = self.b.lookup(c.decision)
        assert decision_type is not None
        checker = self.b.checker(f" (in rule `{d.rule_id}`)")
        if isinstance(c, ast.SetConclusion):
            value = checker.value_when(c.value, d.condition, decision_type[1], f"a value of `{c.decision}`")
            return ir.ConclusionInfo("set", c.decision, value, c.span)
        element = T.element_type(decision_type[1])
        if element is None:
            self.b.error(
                "pol-type",
                f"`add` needs a list or set decision; `{c.decision}` is {T.describe(decision_type[1])}",
                c.span,
            )
            return None
        item = checker.value_when(c.item, d.condition, element, f"an element of `{c.decision}`")
        return ir.ConclusionInfo("add", c.decision, item, c.span)

    # -- decisions -------------------------------------------------------------

    def decisions(self, rules: dict[str, ir.RuleInfo], offset: int) -> dict[str, ir.DecisionInfo]:
        by_decision: dict[str, list[ir.RuleInfo]] = {}
        for r in rules.values():
            if r.conclusion is not None:
                by_decision.setdefault(r.conclusion.decision, []).append(r)
            for target in r.exception_to:
                other = rules.get(target)
                if other is None:
                    continue
                same = other.conclusion and r.conclusion and other.conclusion.decision == r.conclusion.decision
                if not same:
                    self.b.error(
                        "pol-bad-exception",
                        f"`{r.rule_id}` is an exception to `{target}`, but they do not conclude the same decision",
                        r.span,
                    )
        result = {}
        for i, d in enumerate(self.b.of(ast.DecisionDecl)):
            info = self.decision(d, by_decision.get(d.name, []), offset + i)
            if info is not None:
                result[d.name] = info
        return result

    def decision(self, d: ast.DecisionDecl, concluding: list[ir.RuleInfo], slot: int) -> ir.DecisionInfo | None:
        found = self.b.lookup(d.name)
        assert found is not None
        type_ = found[1]
        checker = self.b.checker(f" (in decision `{d.name}`)")
        body = d.body
        element = T.element_type(type_)
        sets = [r for r in concluding if r.conclusion and r.conclusion.kind == "set"]
        adds = [r for r in concluding if r.conclusion and r.conclusion.kind == "add"]
        rows: list[ir.RowInfo] = []
        default = None
        if isinstance(body, ast.ExprBody | ast.FirstMatchBody) and concluding:
            self.b.error(
                "pol-conclusion-conflict",
                f"`{d.name}` is defined by its own body, so the rule `{concluding[0].rule_id}` cannot also conclude it",
                concluding[0].span,
                hint=f"add the rule as a row of `{d.name}` instead",
            )
        if sets and (adds or isinstance(body, ast.CollectBody)):
            self.b.error(
                "pol-conclusion-conflict",
                f"`{d.name}` is built by `add`, so `{sets[0].rule_id}` cannot set it",
                sets[0].span,
            )
        if isinstance(body, ast.ExprBody):
            value = checker.value(body.expr, type_, f"`{d.name}`")
            rows.append(ir.RowInfo(value, None, self.b.factors(body.weigh), self.b.rule_refs(body.by), body.span))
            kind = "expr"
        elif isinstance(body, ast.FirstMatchBody):
            kind = "first_match"
            for i, row in enumerate(body.rows):
                if row.condition is None and i != len(body.rows) - 1:
                    self.b.error(
                        "pol-unreachable",
                        "rows after `otherwise` can never apply",
                        body.rows[i + 1].span,
                        hint="move the `otherwise` row to the end",
                    )
                rows.append(self.row(row, checker, type_, f"a value of `{d.name}`"))
        elif isinstance(body, ast.CollectBody) or adds:
            kind = "collect"
            if element is None:
                self.b.error(
                    "pol-type", f"`collect` builds a list or set, but `{d.name}` is {T.describe(type_)}", d.span
                )
                return None
            if isinstance(body, ast.CollectBody):
                rows.extend(self.row(r, checker, element, f"an element of `{d.name}`") for r in body.rows)
            rows.extend(self.rule_rows(adds))
        else:
            kind = "rules"
            rows.extend(self.rule_rows(sets))
            if isinstance(body, ast.DefaultBody):
                value = checker.value(body.expr, type_, f"the default of `{d.name}`")
                default = ir.RowInfo(value, None, (), self.b.rule_refs(body.by), body.span)
            elif not sets:
                self.b.error(
                    "pol-undecided",
                    f"nothing decides `{d.name}`",
                    d.span,
                    hint=f"give it a body (`= ...`, `first match`, `collect`) or rules with `then {d.name} = ...`",
                )
        self.b.provenance(d.provenance, d.span)
        if d.audience is not None and d.audience not in AUDIENCES:
            hint, fix = did_you_mean(d.audience, AUDIENCES)
            self.b.error(
                "pol-audience",
                f"`for {d.audience}`: a decision is `for staff` (never shown to citizens) or `for person` "
                "(addressed to the person concerned)",
                d.audience_span or d.span,
                hint=hint,
                fix=fix,
            )
        numbered = tuple(attrs.evolve(r, id=f"{d.name}/{n}") for n, r in enumerate(rows, 1))
        if default is not None:
            default = attrs.evolve(default, id=f"{d.name}/default")
        audience = d.audience if d.audience in AUDIENCES else None
        return ir.DecisionInfo(
            d.name, type_, d.labels, kind, numbered, default, d.span, slot, d.provenance, d.note, audience
        )

    def row(self, row: ast.Row, checker: ExprChecker, expected: T.Type, what: str) -> ir.RowInfo:
        value = checker.value_when(row.value, row.condition, expected, what)
        condition = checker.condition(row.condition) if row.condition is not None else None
        return ir.RowInfo(value, condition, self.b.factors(row.weigh), self.b.rule_refs(row.by), row.span)

    def rule_rows(self, rules: list[ir.RuleInfo]) -> list[ir.RowInfo]:
        index = {r.rule_id: i for i, r in enumerate(rules)}
        overriders: dict[int, list[int]] = {}
        for i, r in enumerate(rules):
            for target in r.exception_to:
                if target in index:
                    overriders.setdefault(index[target], []).append(i)
        self.exception_cycles(rules, overriders)
        rows = []
        for i, r in enumerate(rules):
            assert r.conclusion is not None
            rows.append(
                ir.RowInfo(
                    r.conclusion.value, r.condition, r.factors, (r.rule_id,), r.span, tuple(overriders.get(i, ()))
                )
            )
        return rows

    def exception_cycles(self, rules: list[ir.RuleInfo], overriders: dict[int, list[int]]) -> None:
        """Report rules that are exceptions to each other in a circle: none of them could win."""
        state: dict[int, int] = {}  # 1 = on the current path, 2 = done
        for start in range(len(rules)):  # depth first, without recursion: a chain may be long
            if start in state:
                continue
            state[start] = 1
            path = [start]
            stack = [iter(overriders.get(start, ()))]
            while stack:
                for j in stack[-1]:
                    if state.get(j) == 1:
                        circle = [*path[path.index(j) :], j]
                        names = " -> ".join(f"`{rules[k].rule_id}`" for k in circle)
                        self.b.error(
                            "pol-cycle",
                            f"these rules are exceptions to each other in a circle: {names}",
                            rules[j].span,
                            hint="an exception must not, through others, override itself",
                        )
                    elif state.get(j) is None:
                        state[j] = 1
                        path.append(j)
                        stack.append(iter(overriders.get(j, ())))
                        break
                else:
                    state[path.pop()] = 2
                    stack.pop()

"""Check a policy: resolve names and types across its modules and build the Program.

Every problem found is collected as a :class:`Diagnostic` (never raised), so that a
policy author sees all of them at once, sorted by place. The result is a
:class:`policylang.ir.program.Program` when there are no errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from policylang.base.errors import Diagnostic, PolicyCheckError, Replacement, sort_diagnostics
from policylang.base.labels import Labels
from policylang.base.span import Span
from policylang.base.suggest import did_you_mean
from policylang.check.expressions import ExprChecker, currency_diagnostic, money_type
from policylang.check.functions import FunctionsChecker
from policylang.check.labels import label_problems
from policylang.check.plan import evaluation_plan
from policylang.check.rules import RulesChecker
from policylang.check.templates import template_problems
from policylang.check.unicode import unicode_diagnostics
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.syntax import ast

RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "then",
        "else",
        "true",
        "false",
        "null",
        "when",
        "otherwise",
        "by",
        "weigh",
        "add",
        "to",
        "any",
        "all",
    ]
)
PROVENANCES = ("doc", "doc_practice", "doc_implied", "model", "placeholder")
NAMESPACE_KINDS = {
    ast.FactDecl: "fact",
    ast.ParameterDecl: "parameter",
    ast.LetDecl: "let",
    ast.DecisionDecl: "decision",
}


# The header's `next steps` and `complaint` become these parameters: a municipality sets its own texts
# (`parameters={"COMPLAINT": {"da": "...", "en": "..."}}`).
CITIZEN_TEXTS = ("NEXT_STEPS", "COMPLAINT")
BILINGUAL = T.RecordType((("da", T.OptionalType(T.TEXT)), ("en", T.OptionalType(T.TEXT))), "bilingual text")


def source_hash(texts: Iterable[str]) -> str:
    """The content hash of a policy's files (imports first), which names its manifest.

    >>> source_hash(["policy a"])[:15]
    'sha256:005c9c72'
    """
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def check_modules(
    modules: Sequence[ast.Module], *, require_header: bool = True
) -> tuple[ir.Program | None, list[Diagnostic]]:
    """Check a policy made of ``modules`` (imports first, the policy itself last)."""
    program, diagnostics = check_program(modules, require_header=require_header)
    if any(d.severity == "error" for d in diagnostics):
        return None, diagnostics
    return program, diagnostics


def check_program(modules: Sequence[ast.Module], *, require_header: bool = True) -> tuple[ir.Program, list[Diagnostic]]:
    """Check as :func:`check_modules` does, but give the program even where there are errors.

    For tools that read a policy while it is being written (the editor's language
    server): what could not be resolved has the error type, and everything else is there.
    A program with errors must not be compiled or evaluated.
    """
    builder = ProgramBuilder(modules, require_header)
    program = builder.build()
    builder.diagnostics.extend(unicode_diagnostics(modules))
    if not any(d.severity == "error" for d in builder.diagnostics):
        builder.diagnostics.extend(template_problems(program))
        builder.diagnostics.extend(label_problems(program))
    return program, sort_diagnostics(builder.diagnostics)


class ProgramBuilder:
    """Resolves the declarations of a policy's modules into a :class:`~policylang.ir.program.Program`."""

    def __init__(self, modules: Sequence[ast.Module], require_header: bool = True) -> None:
        self.modules = modules
        self.require_header = require_header
        self.main = modules[-1]
        self.diagnostics: list[Diagnostic] = []
        self.values: dict[str, Any] = {}  # name -> declaration (facts, parameters, lets, decisions)
        self.type_decls: dict[str, ast.TypeDecl] = {}
        self.types: dict[str, T.Type] = dict(T.BUILTIN_TYPES)
        self.sources: dict[str, ir.SourceInfo] = {}
        self.factor_decls: dict[str, ast.FactorDecl] = {}
        self.rule_decls: dict[str, ast.RuleDecl] = {}
        self.constraint_decls: list[ast.ConstraintDecl] = []
        self.warning_decls: list[ast.WarningDecl] = []
        self.handoff_decls: list[ast.HandoffDecl] = []
        self.handoffs: tuple[ir.HandoffInfo, ...] = ()
        self.order: dict[str, int] = {}
        self.value_types: dict[str, T.Type] = {}
        self.let_irs: dict[str, ir.Expr] = {}
        self.in_progress: set[str] = set()
        self.resolving_types: set[str] = set()
        self.rules_checker = RulesChecker(self)
        self.functions_checker = FunctionsChecker(self)
        self.dated: frozenset[str] = frozenset()  # the parameters with dated values
        self.evaluation_date: ir.Expr | None = None  # the header's, once checked

    # -- reporting -------------------------------------------------------------

    def error(
        self, code: str, message: str, span: Span | None, hint: str | None = None, fix: Replacement | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, "error", hint, fix))

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, "warning", hint))

    def report(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)

    def provenance(self, value: str | None, span: Span) -> None:
        """Report a ``provenance`` that is not one of :data:`PROVENANCES`."""
        if value and value not in PROVENANCES:
            hint, fix = did_you_mean(value, PROVENANCES)
            self.error(
                "pol-provenance",
                f"unknown provenance `{value}`",
                span,
                hint=hint or "use one of " + ", ".join(PROVENANCES),
                fix=fix,
            )

    # -- the whole -------------------------------------------------------------

    def build(self) -> ir.Program:
        self.register()
        self.dated = frozenset(
            d.name for d in self.values.values() if isinstance(d, ast.ParameterDecl) and d.default is None
        )
        header = self.header()
        self.evaluation_date = header.evaluation_date
        for name in self.type_decls:
            self.named_type(name, self.type_decls[name].span)
        facts = self.facts()
        parameters = self.parameters(len(facts))
        for name, decl in self.values.items():
            if isinstance(decl, ast.LetDecl):
                self.let_type(name)
        functions = self.functions_checker.all()
        rules = self.rules_checker.rules()
        lets = self.lets(len(facts) + len(parameters))
        decisions = self.rules_checker.decisions(rules, len(facts) + len(parameters) + len(lets))
        constraints = self.constraints(lets)
        warnings = tuple(
            ir.WarningInfo(w.name, w.labels, self.checker().condition(w.condition) if w.condition else None, w.span)
            for w in self.warning_decls
        )
        factors = {n: ir.FactorInfo(n, d.labels) for n, d in self.factor_decls.items()}
        handoffs = tuple(
            ir.HandoffInfo(
                h.target,
                self.checker(f" (in the handoff to `{h.target}`)").condition(h.condition) if h.condition else None,
                self.rule_refs(h.by),
                h.note,
                h.span,
            )
            for h in self.handoff_decls
        )
        self.handoffs = handoffs
        plan = self.plan(parameters, lets, decisions, rules, warnings)
        self.unused(facts, parameters, lets, decisions, rules, constraints, warnings, header)
        return ir.Program(
            header=header,
            sources=self.sources,
            types=self.types,
            facts=facts,
            parameters=parameters,
            lets=lets,
            decisions=decisions,
            rules=rules,
            factors=factors,
            constraints=constraints,
            warnings=warnings,
            plan=plan,
            slots=len(facts) + len(parameters) + len(lets) + len(decisions),
            files=tuple(m.path for m in self.modules),
            handoffs=handoffs,
            source_hash=source_hash(self.source_texts()),
            functions=functions,
        )

    # -- declarations ----------------------------------------------------------

    def register(self) -> None:
        headers = [m.header for m in self.modules if m is self.main and m.header is not None]
        if not headers and self.require_header:
            self.error(
                "pol-missing-header",
                "a policy file needs a `policy NAME` header",
                self.main.span,
                hint="start the file with, for example, `policy demo/my_policy`",
            )
        for module in self.modules:
            for d in module.declarations:
                self._register(d)

    def _register(self, d: ast.Declaration) -> None:
        kind = NAMESPACE_KINDS.get(type(d))
        if kind is not None:
            name = d.name  # type: ignore[union-attr]
            if name in self.values:
                first = self.values[name]
                self.error(
                    "pol-duplicate-name", f"`{name}` is declared twice", d.span, hint=f"first declared at {first.span}"
                )
                return
            if name in RESERVED:
                self.error(
                    "pol-reserved-name",
                    f"`{name}` is a keyword and cannot name a {kind}",
                    d.span,
                    hint=f"choose another name, such as `{name}_value`",
                )
            self.values[name] = d
            self.order[name] = len(self.order)
        elif isinstance(d, ast.TypeDecl):
            if d.name in self.type_decls or d.name in T.PRIMITIVES or d.name in T.BUILTIN_TYPES:
                self.error("pol-duplicate-name", f"the type `{d.name}` is declared twice", d.span)
            else:
                self.type_decls[d.name] = d
        elif isinstance(d, ast.SourceDecl):
            if d.key in self.sources:
                self.error(
                    "pol-duplicate-name",
                    f"the source `{d.key}` is declared twice",
                    d.span,
                    hint=f"first declared at {self.sources[d.key].span}",
                )
            else:
                self.sources[d.key] = ir.SourceInfo(d.key, d.short, d.title, d.file, d.url, d.date, d.span, d.cited_as)
        elif isinstance(d, ast.FactorDecl):
            if d.name in self.factor_decls:
                self.error("pol-duplicate-name", f"the factor `{d.name}` is declared twice", d.span)
            else:
                self.factor_decls[d.name] = d
        elif isinstance(d, ast.RuleDecl):
            if d.rule_id in self.rule_decls:
                self.error(
                    "pol-duplicate-rule",
                    f"the rule ID `{d.rule_id}` is used twice",
                    d.id_span,
                    hint=f"first used at {self.rule_decls[d.rule_id].id_span}",
                )
            else:
                self.rule_decls[d.rule_id] = d
        elif isinstance(d, ast.FunctionDecl):
            self.functions_checker.register(d)
        elif isinstance(d, ast.ConstraintDecl):
            self.constraint_decls.append(d)
        elif isinstance(d, ast.WarningDecl):
            self.warning_decls.append(d)
        elif isinstance(d, ast.HandoffDecl):
            self.handoff_decls.append(d)

    def source_texts(self) -> list[str]:
        """The text of every file the policy is made of: its modules, then the parameter files they read."""
        texts = [m.span.source.text for m in self.modules]
        for m in self.modules:
            for d in m.declarations:
                if isinstance(d, ast.ParameterDecl) and d.file_data is not None:
                    from policylang.syntax.paramfile import ParameterFile  # only for a policy with parameter files

                    if isinstance(d.file_data, ParameterFile):
                        texts.append(d.file_data.source.text)
        return texts

    def header(self) -> ir.HeaderInfo:
        h = self.main.header
        if h is None:
            stem = self.main.path.rsplit("/", 1)[-1].removesuffix(".pol")
            return ir.HeaderInfo(stem, None, None, None, None, None, (), None)
        evaluation_date = None
        if h.evaluation_date is not None:
            evaluation_date = self.checker(" (in the evaluation date)").check(h.evaluation_date)
            if T.strip_optional(evaluation_date.type) not in (T.DATE, T.DATETIME, T.ERROR):
                self.error("pol-type", "the evaluation date must be a date or datetime", h.evaluation_date.span)
        if h.valid_from and h.valid_until and h.valid_until < h.valid_from:
            self.error("pol-validity", "the validity period ends before it starts", h.span)
        person_title = None
        if h.person_title is not None:
            audience, person_title, span = h.person_title
            if audience != "person":
                hint, fix = did_you_mean(audience, ("person",))
                self.error(
                    "pol-audience",
                    f"`title for {audience}`: a title can be given for `person`, the person concerned",
                    span,
                    hint=hint or "write `title for person`",
                    fix=fix,
                )
        return ir.HeaderInfo(
            h.name,
            h.title,
            h.version,
            h.valid_from,
            h.valid_until,
            evaluation_date,
            h.notes,
            h.span,
            h.next_steps,
            h.complaint,
            person_title,
        )

    # -- types -----------------------------------------------------------------

    def named_type(self, name: str, span: Span) -> T.Type:
        if name in self.types:
            return self.types[name]
        decl = self.type_decls.get(name)
        if decl is None:
            candidates = list(self.type_decls) + list(T.PRIMITIVES) + list(T.BUILTIN_TYPES)
            hint, fix = did_you_mean(name, candidates)
            self.error("pol-unknown-type", f"unknown type `{name}`", span, hint=hint, fix=fix)
            return T.ERROR
        if name in self.resolving_types:
            self.error("pol-cycle", f"the type `{name}` is defined in terms of itself", decl.span)
            return T.ERROR
        self.resolving_types.add(name)
        resolved = self.resolve_type(decl.type, name)
        self.resolving_types.discard(name)
        self.types[name] = resolved
        return resolved

    def resolve_type(self, t: ast.TypeExpr, name: str = "") -> T.Type:
        if isinstance(t, ast.PrimTypeExpr):
            if t.name == "condition":
                return T.ConditionType()
            if t.name == "money":
                unknown = currency_diagnostic(t.unit, t.span) if t.unit else None
                if unknown is not None:
                    self.report(unknown)
                    return T.MONEY  # no currency: reported once, not again
                return money_type(t.unit)
            return T.PRIMITIVES[t.name]
        if isinstance(t, ast.NamedTypeExpr):
            return self.named_type(t.name, t.span)
        if isinstance(t, ast.OptionalTypeExpr):
            return T.optional(self.resolve_type(t.inner, name))
        if isinstance(t, ast.UnionTypeExpr):
            return T.UnionType(tuple(self.resolve_type(o) for o in t.options))
        if isinstance(t, ast.ListTypeExpr):
            return T.ListType(self.resolve_type(t.element))
        if isinstance(t, ast.SetTypeExpr):
            element = self.resolve_type(t.element)
            problem = T.set_element_problem(element)
            if problem:
                self.error("pol-type", problem, t.span)
                return T.ERROR
            return T.SetType(element)
        if isinstance(t, ast.MapTypeExpr):
            key = self.resolve_type(t.key)
            if not isinstance(key, T.EnumType | T.Prim) or key in (T.ERROR,):
                self.error("pol-type", "a map's keys must be an enum or a simple type", t.key.span)
            return T.MapType(key, self.resolve_type(t.value))
        if isinstance(t, ast.ScaleTypeExpr):
            threshold = self.resolve_type(t.threshold)
            if threshold not in (*T.NUMERIC, T.ERROR):
                self.error(
                    "pol-scale",
                    f"a scale's thresholds are amounts or numbers, not {T.describe(threshold)}",
                    t.threshold.span,
                    hint="for example `scale of money EUR`, `scale of decimal` or `scale of int`",
                )
                return T.ERROR
            return T.ScaleType(threshold)
        if isinstance(t, ast.RecordTypeExpr):
            fields = []
            seen = set()
            for f in t.fields:
                if f.name in seen:
                    self.error("pol-duplicate-field", f"the field `{f.name}` is declared twice", f.span)
                seen.add(f.name)
                fields.append((f.name, self.resolve_type(f.type)))
            field_labels = tuple((f.name, f.labels) for f in t.fields if f.labels is not None)
            return T.RecordType(tuple(fields), name or None, field_labels)
        assert isinstance(t, ast.EnumTypeExpr)
        members = []
        for m in t.members:
            if m.name in members:
                self.error("pol-duplicate-member", f"the value `{m.name}` is listed twice", m.span)
            else:
                members.append(m.name)
        labels = tuple((m.name, m.labels) for m in t.members)
        cases = tuple(
            (m.name, self.case_fields(m, name)) for m in t.members if m.fields is not None and m.name in members
        )
        return T.EnumType(name, tuple(members), t.ordered, labels, cases)

    def case_fields(self, member: ast.EnumMember, enum: str) -> T.RecordType:
        """The fields a member of a tagged enum carries, as a record type named ``enum.member``."""
        fields = []
        seen = set()
        for f in member.fields or ():
            if f.name in seen:
                self.error("pol-duplicate-field", f"the field `{f.name}` is declared twice", f.span)
                continue
            seen.add(f.name)
            fields.append((f.name, self.resolve_type(f.type)))
        field_labels = tuple((f.name, f.labels) for f in member.fields or () if f.labels is not None)
        return T.RecordType(tuple(fields), f"{enum}.{member.name}" if enum else member.name, field_labels)

    # -- scope -----------------------------------------------------------------

    def lookup(self, name: str) -> tuple[str, T.Type] | None:
        decl = self.values.get(name)
        if decl is None:
            return None
        kind = NAMESPACE_KINDS[type(decl)]
        if kind == "let":
            return kind, self.let_type(name)
        if name in self.value_types:
            t = self.value_types[name]
            return kind, T.BOOL if isinstance(t, T.ConditionType) else t
        resolved = self.resolve_type(decl.type, "")
        self.value_types[name] = resolved
        return kind, T.BOOL if isinstance(resolved, T.ConditionType) else resolved

    def checker(self, context: str = "", allowed: frozenset[str] | None = None) -> ExprChecker:
        return ExprChecker(
            self.lookup,
            lambda: self.values.keys(),
            lambda: self.rule_decls.keys(),
            self.report,
            allowed=allowed if allowed is not None else frozenset({"fact", "parameter", "let", "decision"}),
            context=context,
            functions=self.functions_checker.info,
            function_names=self.functions_checker.names,
            dated=self.dated,
            evaluation_date=self.evaluation_date,
        )

    def let_type(self, name: str) -> T.Type:
        if name in self.value_types:
            return self.value_types[name]
        decl = self.values[name]
        assert isinstance(decl, ast.LetDecl)
        if name in self.in_progress:
            return T.ERROR  # a cycle; reported by the plan
        self.in_progress.add(name)
        checker = self.checker()
        if decl.type is not None:
            declared = self.resolve_type(decl.type)
            expr = checker.value(decl.expr, declared, f"`{name}`")
            type_ = declared
        else:
            expr = checker.check(decl.expr)
            type_ = expr.type
        self.in_progress.discard(name)
        self.let_irs[name] = expr
        self.value_types[name] = type_
        return type_

    # -- facts, parameters, lets -------------------------------------------------

    def of(self, cls: type) -> list[Any]:
        return [d for d in self.values.values() if isinstance(d, cls)]

    def facts(self) -> dict[str, ir.FactInfo]:
        result = {}
        for slot, d in enumerate(self.of(ast.FactDecl)):
            type_ = self.lookup(d.name)
            assert type_ is not None
            if isinstance(type_[1], T.ConditionType):
                self.error("pol-type", "only a parameter can be a `condition`", d.span)
            self.provenance(d.provenance, d.span)
            result[d.name] = ir.FactInfo(
                d.name,
                type_[1],
                d.labels,
                d.assessment,
                d.personal or d.sensitive,  # a sensitive fact is personal too
                d.provenance,
                d.note,
                d.span,
                slot,
                d.sensitive,
                self.fact_default(d, type_[1]) if d.default is not None else None,
            )
        return result

    def fact_default(self, d: ast.FactDecl, declared: T.Type) -> ir.Expr:
        """A fact's ``default``: a constant of the fact's type (``pol-fact-default`` if it is not)."""
        assert d.default is not None
        checker = self.checker(f" (in the default of fact `{d.name}`)", allowed=frozenset())
        expr = checker.check(d.default, declared)
        if expr.type != T.ERROR and not T.assignable(expr.type, declared):
            self.error(
                "pol-fact-default",
                f"the default of `{d.name}` must be {T.describe(declared)}, but this is {T.describe(expr.type)}",
                d.default.span,
                hint=f"write a value of the fact's type after `default`, such as `default {_example(declared)}`",
            )
        return expr

    def parameters(self, offset: int) -> dict[str, ir.ParamInfo]:
        result = {}
        for i, d in enumerate(self.of(ast.ParameterDecl)):
            declared = self.resolve_type(d.type)
            if d.default is None:
                default = self.dated_values(d, declared)
            elif isinstance(declared, T.ConditionType):
                default = self.checker(f" (in parameter `{d.name}`)").condition(d.default)
            else:
                checker = self.checker(f" (in parameter `{d.name}`)", allowed=frozenset())
                default = checker.value(d.default, declared, f"the value of `{d.name}`")
            self.provenance(d.provenance, d.span)
            result[d.name] = ir.ParamInfo(d.name, declared, default, d.labels, d.provenance, d.note, d.span, offset + i)
        h = self.main.header
        if h is not None:  # the texts a citizen reads at the end, which a municipality sets as parameters
            for name, text, caption in (
                (CITIZEN_TEXTS[0], h.next_steps, Labels("Hvad der sker nu", "What happens next")),
                (CITIZEN_TEXTS[1], h.complaint, Labels("Sådan klager du", "How to complain")),
            ):
                if text is not None and name not in result:
                    items = (ir.Const(text.da, T.TEXT, h.span), ir.Const(text.en, T.TEXT, h.span))
                    default = ir.MakeIR("record", items, ("da", "en"), BILINGUAL, h.span)
                    slot = offset + len(result)
                    result[name] = ir.ParamInfo(name, BILINGUAL, default, caption, None, None, h.span, slot)
        return result

    def dated_values(self, d: ast.ParameterDecl, declared: T.Type) -> ir.Expr:
        """A dated parameter's values: its ``from DATE = expr`` lines, or its parameter file's."""
        if isinstance(declared, T.ConditionType):
            self.error("pol-type", "a `condition` parameter cannot have dated values", d.span)
            return ir.Const(None, T.ERROR, d.span)
        if d.file is not None:
            return self.parameter_file(d, declared)
        checker = self.checker(f" (in parameter `{d.name}`)", allowed=frozenset())
        items = tuple(checker.value(v.expr, declared, f"the value of `{d.name}`") for v in d.dated)
        for before, after in itertools.pairwise(d.dated):
            if not before.start < after.start:
                self.error(
                    "pol-parameter-dates",
                    f"the dates of `{d.name}` must increase: {after.start} does not come after {before.start}",
                    after.span,
                    hint="write the dated values from the earliest to the latest, each date once",
                )
        return ir.DatedIR(tuple(v.start for v in d.dated), items, declared, d.span)

    def parameter_file(self, d: ast.ParameterDecl, declared: T.Type) -> ir.Expr:
        """A parameter's values from its parameter file (read by the loader), checked where they are written."""
        from policylang.syntax.paramfile import ParameterFile, literal  # imported by a policy with parameter files only

        data = d.file_data
        if not isinstance(data, ParameterFile):
            self.error("pol-parameter-file", f"the parameter file of `{d.name}` was not read", d.file_span or d.span)
            return ir.Const(None, T.ERROR, d.span)
        base = T.strip_optional(declared)
        is_scale = isinstance(base, T.ScaleType)
        where = data.span or d.span
        if data.is_scale != is_scale:
            found = "a scale (`brackets`)" if data.is_scale else "dated values (`values`)"
            self.error(
                "pol-parameter-file",
                f"`{d.name}` is {T.describe(declared)}, but its parameter file holds {found}",
                d.file_span or d.span,
            )
            return ir.Const(None, T.ERROR, d.span)
        currency, unit = T.currency_of(declared), data.currency()
        if currency and unit and currency != unit:
            self.error(
                "pol-currency",
                f"`{d.name}` is in {currency}, but its parameter file says its unit is currency-{unit}",
                where,
                hint=f"declare it as in the file (`money {unit}`), or convert the file's amounts",
            )
        value_type = base.threshold if isinstance(base, T.ScaleType) else base
        kind = value_type.name if isinstance(value_type, T.Prim) else ""
        checker = self.checker(f" (in parameter `{d.name}`)", allowed=frozenset())
        what = f"the value of `{d.name}`"
        starts: list[dt.date] = []
        items: list[ir.Expr] = []
        try:  # a number out of range in the file is reported where it is written
            if not is_scale:
                for start, value in data.values:
                    starts.append(start)
                    if value.kind == "data":
                        hint = "a scale's file has `brackets`, each with a dated `threshold` and `rate`"
                        self.error("pol-parameter-file", "a parameter file's value is a single value", value.span, hint)
                        items.append(ir.Const(None, T.ERROR, value.span))
                    elif value.kind == "null":
                        items.append(ir.Const(None, T.NULL, value.span))  # no value from this date on
                    else:
                        items.append(checker.value(literal(value, kind, currency), declared, what))
            for start in data.scale_dates():
                entries = [(literal(t, kind, currency), literal(r, "decimal")) for t, r in data.brackets_on(start)]
                starts.append(start)
                if entries:
                    items.append(checker.value(ast.ScaleLit(tuple(entries), where), declared, what))
                else:
                    items.append(ir.Const(None, T.NULL, where))
        except PolicyCheckError as e:
            self.diagnostics.extend(e.diagnostics)
            return ir.Const(None, T.ERROR, d.span)
        if not starts:
            self.error("pol-parameter-file", f"the parameter file of `{d.name}` gives it no value", where)
        return ir.DatedIR(tuple(starts), tuple(items), declared, d.span, file=data.source.path)

    def lets(self, offset: int) -> dict[str, ir.LetInfo]:
        result = {}
        for i, d in enumerate(self.of(ast.LetDecl)):
            rules = self.rule_refs(d.by)
            result[d.name] = ir.LetInfo(d.name, self.let_type(d.name), self.let_irs[d.name], rules, d.span, offset + i)
        return result

    def rule_refs(self, refs: Iterable[ast.RuleIdRef]) -> tuple[str, ...]:
        for r in refs:
            if r.rule_id not in self.rule_decls:
                hint, fix = did_you_mean(r.rule_id, self.rule_decls)
                self.error(
                    "pol-unknown-rule",
                    f"unknown rule `{r.rule_id}`",
                    r.span,
                    hint=hint or "declare it with `rule ID cites ...`",
                    fix=fix,
                )
        return tuple(r.rule_id for r in refs)

    def factors(self, refs: Iterable[ast.FactorRef]) -> tuple[ir.FactorInfo, ...]:
        result = []
        for f in refs:
            if f.text is not None:
                result.append(ir.FactorInfo(None, Labels(f.text, f.text)))
            elif f.name in self.factor_decls:
                result.append(ir.FactorInfo(f.name, self.factor_decls[f.name].labels))
            else:
                assert f.name is not None
                hint, fix = did_you_mean(f.name, self.factor_decls)
                self.error(
                    "pol-unknown-factor",
                    f"unknown factor `{f.name}`",
                    f.span,
                    hint=hint or 'declare it with `factor NAME "da" / "en"`',
                    fix=fix,
                )
                result.append(ir.FactorInfo(f.name, Labels(f.name, f.name)))
        return tuple(result)

    # -- constraints -----------------------------------------------------------

    def constraints(self, lets: dict[str, ir.LetInfo]) -> tuple[ir.ConstraintInfo, ...]:
        result = []
        for c in self.constraint_decls:
            checker = self.checker(f" (in constraint `{c.name}`)")
            condition = checker.condition(c.condition) if c.condition else None
            require = checker.condition(c.require)
            facts: list[str] = []
            for e in (condition, require):
                for name in self.fact_names(e, lets):
                    if name not in facts:
                        facts.append(name)
            for e in (condition, require):
                for ref in ir.refs(e):
                    if ref.kind == "decision":
                        self.error(
                            "pol-constraint-decision",
                            f"a constraint checks facts; it cannot refer to the decision `{ref.name}`",
                            ref.span,
                        )
            result.append(ir.ConstraintInfo(c.name, c.title, condition, require, c.message, tuple(facts), c.span))
        return tuple(result)

    def fact_names(self, e: ir.Expr | None, lets: dict[str, ir.LetInfo], seen: set[str] | None = None) -> list[str]:
        seen = seen if seen is not None else set()
        names: list[str] = []
        for ref in ir.refs(e):
            if ref.kind == "fact" and ref.name not in names:
                names.append(ref.name)
            elif ref.kind == "let" and ref.name in lets and ref.name not in seen:
                seen.add(ref.name)
                names.extend(n for n in self.fact_names(lets[ref.name].expr, lets, seen) if n not in names)
        return names

    # -- evaluation plan ---------------------------------------------------------

    def plan(
        self,
        parameters: dict[str, ir.ParamInfo],
        lets: dict[str, ir.LetInfo],
        decisions: dict[str, ir.DecisionInfo],
        rules: dict[str, ir.RuleInfo],
        warnings: tuple[ir.WarningInfo, ...],
    ) -> tuple[ir.PlanStep, ...]:
        files = tuple(m.path for m in self.modules)
        steps, cycle = evaluation_plan(parameters, lets, decisions, rules, warnings, files)
        if cycle is not None:
            text = " -> ".join(f"`{name}`" for _, name in cycle.path)
            self.error(
                "pol-cycle",
                f"these depend on each other in a circle: {text}",
                cycle.span,
                hint="a value cannot be computed from itself; break the circle",
            )
        return steps

    # -- unused declarations -----------------------------------------------------

    def unused(
        self,
        facts: dict[str, ir.FactInfo],
        parameters: dict[str, ir.ParamInfo],
        lets: dict[str, ir.LetInfo],
        decisions: dict[str, ir.DecisionInfo],
        rules: dict[str, ir.RuleInfo],
        constraints: tuple[ir.ConstraintInfo, ...],
        warnings: tuple[ir.WarningInfo, ...],
        header: ir.HeaderInfo,
    ) -> None:
        exprs: list[ir.Expr | None] = [header.evaluation_date]
        exprs += [p.default for p in parameters.values()]
        exprs += [let.expr for let in lets.values()]
        for d in decisions.values():
            for row in (*d.rows, *([d.default] if d.default else [])):
                exprs += [row.value, row.condition]
        exprs += [r.condition for r in rules.values()]
        exprs += [c.condition for c in constraints] + [c.require for c in constraints]
        exprs += [w.condition for w in warnings]
        exprs += [h.condition for h in self.handoffs]
        exprs += [f.body for f in self.functions_checker.done.values()]  # what a function reads is used
        used = {(ref.kind, ref.name) for e in exprs for ref in ir.refs(e)}
        called = {n.function.name for e in exprs if e is not None for n in ir.walk(e) if isinstance(n, ir.FnCallIR)}
        if self.main.header is None:
            return  # a module of shared definitions: its importers use them
        if any(d.severity == "error" for d in self.diagnostics):
            return  # a use may be hidden behind an error; report unused names once it is fixed
        mine = self.main.path
        for f in facts.values():
            if f.span.file == mine and ("fact", f.name) not in used:
                self.warn(
                    "pol-unused-fact",
                    f"the fact `{f.name}` is declared but never used",
                    f.span,
                    hint="remove it, or use it in a rule",
                )
        for p in parameters.values():
            if p.span.file == mine and ("parameter", p.name) not in used and p.name not in CITIZEN_TEXTS:
                self.warn("pol-unused-parameter", f"the parameter `{p.name}` is declared but never used", p.span)
        for let in lets.values():
            if let.span.file == mine and ("let", let.name) not in used:
                self.warn("pol-unused-let", f"the `let` value `{let.name}` is never used", let.span)
        for function in self.functions_checker.done.values():
            if function.span.file == mine and function.name not in called:
                message = f"the function `{function.name}` is declared but never called"
                self.warn("pol-unused-function", message, function.span)


def _example(t: T.Type) -> str:
    """A constant of type ``t`` as a policy writes it, for a hint.

    >>> _example(T.INT), _example(T.optional(T.BOOL))
    ('0', 'null')
    """
    if T.is_optional(t):
        return "null"
    if isinstance(t, T.EnumType) and t.members:
        return t.members[0]
    if isinstance(t, T.ListType):
        return "[]"
    examples: dict[T.Type, str] = {
        T.BOOL: "false",
        T.INT: "0",
        T.DECIMAL: "0.0",
        T.MONEY: "0 DKK",
        T.TEXT: '""',
        T.DATE: "2024-01-01",
    }
    return examples.get(t, "...")

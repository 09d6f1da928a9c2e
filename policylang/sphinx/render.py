"""A policy as documentation: the docutils nodes :mod:`policylang.sphinx.directive` renders.

:class:`PolicyRenderer` builds, from a checked policy and optionally the run of its cases,
sections of plain docutils nodes (tables, field and definition lists, literal text): the
sources and validity, value sets, facts, parameters, ``let`` values, decisions with their
rows, every rule with its citations, quote and the rows that cite it, and the coverage.
Conditions and values are shown as the policy's own source text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from docutils import nodes  # type: ignore[import-untyped]
from sphinx import addnodes

from policylang.base.labels import Labels
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Scale, encode
from policylang.policy.policy import Policy
from policylang.sphinx.cases import CaseRun

# ----------------------------------------------------------------- small node builders


def _labels(labels: Labels | None) -> str:
    """``"dansk / English"``, or the one language given."""
    if labels is None:
        return ""
    if labels.da and labels.en and labels.da != labels.en:
        return f"{labels.da} / {labels.en}"
    return labels.da or labels.en or ""


def _code(text: str) -> Any:
    """Source text as an inline literal, on one line."""
    return nodes.literal(text=" ".join(text.split()))


def paragraph(*parts: Any) -> Any:
    """A paragraph of texts and inline nodes."""
    para = nodes.paragraph()
    for part in parts:
        para += nodes.Text(part) if isinstance(part, str) else part
    return para


def _cell(content: Any) -> Any:
    entry = nodes.entry()
    items = content if isinstance(content, list) else [content]
    for item in items:
        if isinstance(item, str | nodes.Inline):
            entry += paragraph(item)
        elif item is not None:
            entry += item
    return entry


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> Any:
    """A table with a header row; a cell is text, an inline node, a body node or a list of them."""
    table = nodes.table(classes=["policylang-table", "colwidths-given"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    header_row = nodes.row()
    for h in headers:
        header_row += _cell(h)
    head += header_row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for c in cells:
            row += _cell(c)
        body += row
    return table


def _fields(items: Iterable[tuple[str, Any]]) -> Any:
    field_list = nodes.field_list()
    for name, value in items:
        if value is None or value == "" or value == []:
            continue
        field = nodes.field()
        field += nodes.field_name(text=name)
        body = nodes.field_body()
        for item in value if isinstance(value, list) else [value]:
            body += paragraph(item) if isinstance(item, str | nodes.Inline) else item
        field += body
        field_list += field
    return field_list


def _bullets(items: Iterable[Any]) -> Any:
    bullets = nodes.bullet_list()
    for item in items:
        li = nodes.list_item()
        li += paragraph(*item) if isinstance(item, tuple) else (paragraph(item) if isinstance(item, str) else item)
        bullets += li
    return bullets


def _section(ids: str, title: str) -> Any:
    section = nodes.section(ids=[ids])
    section += nodes.title(text=title)
    return section


def _quote(text: str) -> Any:
    quote = nodes.block_quote(classes=["policylang-quote"])
    quote += paragraph(f"»{text}«")
    return quote


# ----------------------------------------------------------------- types and values


def _inner_enum(t: T.Type) -> T.EnumType | None:
    """An anonymous enum inside ``t`` (``enum {...}?``, ``list of enum {...}``), if any."""
    t = T.strip_optional(t)
    if isinstance(t, T.ListType | T.SetType):
        t = T.strip_optional(t.element)
    if isinstance(t, T.UnionType):
        for option in t.options:
            found = _inner_enum(option)
            if found is not None:
                return found
        return None
    if isinstance(t, T.EnumType) and (not t.name or t.name.startswith("<")):
        return t
    return None


def _type_text(t: T.Type) -> str:
    """A type as written, with anonymous enums shortened to ``enum`` (their values are listed)."""
    if isinstance(t, T.EnumType) and (not t.name or t.name.startswith("<")):
        return "ordered enum" if t.ordered else "enum"
    if isinstance(t, T.OptionalType):
        return _type_text(t.inner) + "?"
    if isinstance(t, T.ListType):
        return "list of " + _type_text(t.element)
    if isinstance(t, T.SetType):
        return "set of " + _type_text(t.element)
    if isinstance(t, T.UnionType):
        return " or ".join(_type_text(o) for o in t.options)
    return T.describe(t)


def _default_cell(default: ir.Expr) -> list[Any]:
    """A parameter's default as written; a dated parameter's values by the date each is in force from."""
    if not isinstance(default, ir.DatedIR):
        return [_code(default.span.text)]
    items: list[Any] = []
    for i, (start, item) in enumerate(zip(default.starts, default.items, strict=True)):
        if isinstance(item, ir.Const) and item.value is None:  # a null: no value from this date on
            before = f" (its last value applied until {start - dt.timedelta(days=1)})" if i else ""
            items.append((f"from {start}: ", nodes.emphasis(text="no value"), before))
            continue
        if default.file is not None and isinstance(item, ir.Const):
            shown = _literal(item.value, default.type)
        else:
            shown = item.span.text
        items.append((f"from {start}: ", _code(shown)))
    found = _bullets(items)
    return [paragraph("from file ", nodes.literal(text=default.file)), found] if default.file else [found]


def _literal(value: Any, t: T.Type) -> str:
    """A value read from a parameter file as the policy language writes it: ``200 EUR``, ``scale { ... }``.

    >>> from decimal import Decimal
    >>> from policylang.ir.values import Scale
    >>> _literal(Decimal(200), T.money("EUR")), _literal(Decimal("0.15"), T.DECIMAL)
    ('200 EUR', '0.15')
    >>> _literal(Scale((Decimal(0), Decimal(6000)), (Decimal("0.02"), Decimal("0.06"))), T.ScaleType(T.money("EUR")))
    'scale { 0 EUR: 0.02, 6000 EUR: 0.06 }'
    """
    currency = T.currency_of(t)
    if isinstance(value, Scale):
        unit = f" {currency}" if currency else ""
        pairs = zip(value.thresholds, value.rates, strict=True)
        return "scale { " + ", ".join(f"{_digits(low)}{unit}: {_digits(rate)}" for low, rate in pairs) + " }"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return f"{_digits(value)} {currency}" if currency else _digits(value)
    return json.dumps(encode(value, t), ensure_ascii=False)


def _digits(value: Decimal | int) -> str:
    """A number's digits, without trailing zeros after the point or an exponent: ``12000``, ``0.1``."""
    return str(value) if isinstance(value, int) else f"{value.normalize():f}"


def _enum_values(t: T.EnumType) -> Any:
    items = []
    for member in t.members:
        label = _labels(t.label(member))
        fields = t.fields_of(member)  # a tagged value's fields: salary { amount: money }
        written = member + (
            " { " + ", ".join(f"{n}: {T.describe(ft)}" for n, ft in fields.fields) + " }" if fields else ""
        )
        items.append((nodes.literal(text=written), f" — {label}") if label else (nodes.literal(text=written),))
    return _bullets(items)


def _type_cell(t: T.Type) -> list[Any]:
    content: list[Any] = [nodes.literal(text=_type_text(t))]
    enum = _inner_enum(t)
    if enum is not None:
        content.append(_enum_values(enum))
    return content


# ----------------------------------------------------------------- the policy renderer


class PolicyRenderer:
    """Builds the docutils nodes for one policy; ``anchor`` prefixes every id it makes."""

    def __init__(
        self, policy: Policy, anchor: str, cases: CaseRun | None, display_path: str, *, toc: bool = True
    ) -> None:
        self.policy = policy
        self.program = policy.program
        self.anchor = anchor
        self.cases = cases
        self.display_path = display_path
        self.toc = toc
        self.citing = self._citing_rows()

    def section(self, ids: str, title: str) -> Any:
        """A part of the rendering: a section of the page, or (``toc=False``) a block under a rubric.

        A rubric looks like a heading but is not one, so the page's table of contents leaves it out.
        """
        if self.toc:
            return _section(ids, title)
        block = nodes.container(ids=[ids], classes=["policylang-part"])
        block += nodes.rubric(text=title)
        return block

    def id(self, *parts: str) -> str:
        """A page-unique id for a part of this policy."""
        made: str = nodes.make_id("-".join((self.anchor, *parts)))
        return made

    def rule_id(self, rule_id: str) -> str:
        """The id of a rule's entry."""
        return self.id("rule", rule_id)

    def render(self) -> list[Any]:
        """All sections, in reading order."""
        parts = [
            self.overview(),
            self.value_sets(),
            self.facts(),
            self.parameters(),
            self.derived(),
            self.functions(),
            self.decisions(),
            self.rules(),
            self.coverage(),
        ]
        return [p for p in parts if p is not None]

    # -- overview --------------------------------------------------------------

    def overview(self) -> Any:
        """The section on the policy's header, sources, handoffs and warnings."""
        header = self.program.header
        section = self.section(self.id("overview"), "Sources and validity")
        files = [Path(f).name for f in self.program.files[:-1]]
        validity = f"from {header.valid_from}" if header.valid_from else "no start date"
        validity += f" until {header.valid_until}" if header.valid_until else ", no end date"
        section += _fields(
            [
                ("Policy", nodes.literal(text=self.program.name)),
                ("Title", _labels(header.title)),
                ("Title for the person", _labels(header.person_title) if header.person_title else None),
                ("File", nodes.literal(text=self.display_path)),
                ("Imports", ", ".join(files)),
                ("Version", header.version or ""),
                ("Valid", validity),
                (
                    "Evaluation date",
                    _code(header.evaluation_date.span.text) if header.evaluation_date is not None else "",
                ),
                ("Notes", [_labels(n) for n in header.notes]),
                ("Next steps", _labels(header.next_steps)),
                ("Complaint", _labels(header.complaint)),
            ]
        )
        sources = sorted(self.program.sources.values(), key=lambda s: s.key)
        section += paragraph("The sources the rules cite:")
        section += table(
            ["Key", "Cited as", "Title", "File and date"],
            [
                (
                    nodes.literal(text=s.key),
                    [s.short, *([f"for citizens: {_labels(s.cited_as)}"] if s.cited_as else [])],
                    s.title or "",
                    ", ".join(x for x in (s.file, s.url, str(s.date) if s.date else None) if x),
                )
                for s in sources
            ],
            [8, 14, 50, 28],
        )
        handoffs = getattr(self.program, "handoffs", ())
        if handoffs:
            section += paragraph("Other policies this one hands a person over to:")
            section += _bullets(self._handoff(h) for h in handoffs)
        if self.program.warnings:
            section += paragraph("Warnings the result carries:")
            section += _bullets(
                (
                    nodes.literal(text=w.name),
                    f": {_labels(w.labels)}",
                    *((" (when ", _code(w.condition.span.text), ")") if w.condition is not None else (" (always)",)),
                )
                for w in self.program.warnings
            )
        return section

    def _handoff(self, handoff: Any) -> Any:
        ref = addnodes.pending_xref(
            "", refdomain="policylang", reftype="policy", reftarget=handoff.target, refwarn=False
        )
        ref += nodes.literal(text=handoff.target)
        parts: list[Any] = [ref]
        if handoff.condition is not None:
            parts += [" when ", _code(handoff.condition.span.text)]
        links = self._rule_links(handoff.rules)
        if links:
            parts += [" (", *links[0].children, ")"]
        if handoff.note is not None:
            parts.append(f": {_labels(handoff.note)}")
        return paragraph(*parts)

    # -- vocabulary ------------------------------------------------------------

    def value_sets(self) -> Any:
        """The named types (value sets with their labels, records), or ``None``."""
        named = [(n, t) for n, t in self.program.types.items() if n not in T.BUILTIN_TYPES]
        if not named:
            return None
        section = self.section(self.id("value-sets"), "Value sets")
        items = nodes.definition_list(classes=["policylang-list"])
        for name, t in named:
            item = nodes.definition_list_item()
            item += nodes.term("", "", nodes.literal(text=name))
            body = nodes.definition()
            if isinstance(t, T.EnumType):
                body += paragraph("ordered enum, least first:" if t.ordered else "enum:")
                body += _enum_values(t)
            elif isinstance(t, T.RecordType):
                body += paragraph("record:")
                fields = nodes.bullet_list()
                for field, ft in t.fields:
                    li = nodes.list_item()
                    li += paragraph(nodes.literal(text=f"{field}: {_type_text(ft)}"))
                    enum = _inner_enum(ft)
                    if enum is not None:
                        li += _enum_values(enum)
                    fields += li
                body += fields
            else:
                body += paragraph(nodes.literal(text=_type_text(t)))
            item += body
            items += item
        section += items
        return section

    def facts(self) -> Any:
        """The table of facts, and the constraints on fact sets."""
        section = self.section(self.id("facts"), "Facts")
        defaulted = any(f.default is not None for f in self.program.facts.values())
        section += paragraph(
            "The facts a fact set may give. An absent fact is unknown, "
            + ("unless it has a default, which is then assumed; " if defaulted else "never defaulted; "),
            nodes.literal(text="?"),
            " marks a fact that may be null (known to have no value).",
        )
        rows = []
        for fact in self.program.facts.values():
            marks = []
            if fact.assessment:
                marks.append("assessment (a caseworker's documented judgement)")
            if fact.sensitive:
                marks.append("sensitive (never shown to a citizen, nor what would reveal it)")
            elif fact.personal:
                marks.append("personal (its value is not shown to a citizen)")
            if fact.provenance:
                marks.append(f"provenance: {fact.provenance}")
            if fact.default is not None:
                marks.append(f"default: {' '.join(fact.default.span.text.split())} (assumed when not given)")
            about: list[Any] = [_labels(fact.labels)] if fact.labels else []
            if marks:
                about.append(paragraph(nodes.emphasis(text=", ".join(marks))))
            if fact.note is not None:
                about.append(_labels(fact.note))
            rows.append(([nodes.literal(text=fact.name)], _type_cell(fact.type), about))
        section += table(["Fact", "Type and values", "Label and notes"], rows, [28, 36, 36])
        if self.program.constraints:
            section += paragraph("Input validation: a fact set that breaks one of these is rejected.")
            section += _bullets(self._constraint(c) for c in self.program.constraints)
        return section

    def _constraint(self, c: ir.ConstraintInfo) -> Any:
        parts: list[Any] = [nodes.literal(text=c.name)]
        if c.title:
            parts.append(f" ({c.title})")
        parts.append(": ")
        if c.condition is not None:
            parts += ["when ", _code(c.condition.span.text), ", "]
        parts += ["require ", _code(c.require.span.text)]
        return paragraph(*parts)

    def parameters(self) -> Any:
        """The table of parameters, or ``None`` when the policy has none."""
        if not self.program.parameters:
            return None
        section = self.section(self.id("parameters"), "Parameters")
        section += paragraph(
            "Values a deploying authority may set without editing the policy "
            "(see the parameters page of this documentation)."
        )
        rows = []
        for p in self.program.parameters.values():
            about: list[Any] = [_labels(p.labels)] if p.labels else []
            if p.provenance:
                about.append(paragraph(nodes.emphasis(text=f"provenance: {p.provenance}")))
            if p.note is not None:
                about.append(_labels(p.note))
            type_text = "condition" if p.is_condition else _type_text(p.type)
            header = p.span == self.program.header.span  # next steps, complaint: texts the header gives
            rows.append(
                (
                    [nodes.literal(text=p.name), paragraph(nodes.literal(text=type_text))],
                    ["the policy's header"] if header else _default_cell(p.default),
                    about,
                )
            )
        section += table(["Parameter and type", "Default", "About"], rows, [26, 40, 34])
        return section

    def derived(self) -> Any:
        """The table of ``let`` values, or ``None`` when the policy has none."""
        if not self.program.lets:
            return None
        section = self.section(self.id("derived"), "Let values")
        rows = [
            ([nodes.literal(text=let.name)], [_code(let.expr.span.text)], self._rule_links(let.rules))
            for let in self.program.lets.values()
        ]
        section += table(["Name", "Expression", "Rules"], rows, [22, 58, 20])
        return section

    def functions(self) -> Any:
        """The table of the functions the policy declares, or ``None`` when it has none."""
        functions = getattr(self.program, "functions", {})
        if not functions:
            return None
        section = self.section(self.id("functions"), "Functions")
        rows = []
        for f in functions.values():
            params = ", ".join(f"{n}: {_type_text(t)}" for n, t in f.params)
            about: list[Any] = [_labels(f.labels)] if f.labels else []
            if f.citations:
                about.append(paragraph(f"cites {f.citation}"))
            if f.note is not None:
                about.append(_labels(f.note))
            rows.append(
                (
                    [paragraph(nodes.literal(text=f"{f.name}({params}): {_type_text(f.type)}"))],
                    [_code(f.body.span.text)],
                    about,
                )
            )
        section += table(["Function", "Body", "About"], rows, [34, 36, 30])
        return section

    # -- decisions -------------------------------------------------------------

    def decisions(self) -> Any:
        """Every decision with its labels, type and rows."""
        section = self.section(self.id("decisions"), "Decisions")
        kinds = {
            "expr": "an expression",
            "first_match": "first match: the first row whose condition holds gives the value",
            "collect": "collect: every row whose condition holds adds its item",
            "rules": "concluded by rules (an applicable exception removes the rule it is an exception to)",
        }
        items = nodes.definition_list(classes=["policylang-list"])
        for d in self.program.decisions.values():
            item = nodes.definition_list_item()
            term = nodes.term("", "", nodes.literal(text=d.name), ids=[self.id("decision", d.name)])
            if d.labels is not None:
                term += nodes.Text(f" — {_labels(d.labels)}")
            item += term
            body = nodes.definition()
            fields: list[tuple[str, Any]] = [("Type", _type_cell(d.type))]
            if d.kind == "expr" and len(d.rows) == 1:
                fields += [
                    ("Value", paragraph(_code(d.rows[0].value.span.text))),
                    ("Rules", self._rule_links(d.rows[0].rules)),
                ]
            else:
                fields.append(("Decided by", kinds.get(d.kind, d.kind)))
            audience = {"staff": "staff only, never shown to a citizen", "person": "the person concerned"}
            fields += [
                ("For", audience.get(d.audience or "", "")),
                ("Provenance", d.provenance or ""),
                ("Note", _labels(d.note)),
            ]
            body += _fields(fields)
            if d.kind != "expr" or len(d.rows) != 1:
                body += self._rowstable(d)
            item += body
            items += item
        section += items
        return section

    def _rowstable(self, d: ir.DecisionInfo) -> Any:
        rows = []
        for row in (*d.rows, *([d.default] if d.default else [])):
            is_default = row is d.default
            if is_default:
                condition: list[Any] = ["default (no rule applies)"]
            elif row.condition is None:
                condition = ["always" if d.kind in ("expr", "collect") else "otherwise"]
            else:
                condition = [_code(row.condition.span.text)]
            weigh = ", ".join(f.code or _labels(f.labels) for f in row.factors)
            if weigh:
                condition.append(paragraph("weigh: ", weigh))
            rows.append(([_code(row.value.span.text)], condition, self._rule_links(row.rules)))
        headers = ["Item" if d.kind == "collect" else "Value", "When", "Rules"]
        return table(headers, rows, [30, 50, 20])

    # -- rules -----------------------------------------------------------------

    def _citing_rows(self) -> dict[str, list[Any]]:
        """For each rule ID, the decision rows and ``let`` values that cite it with ``by``.

        Rows with the same condition are shown together: ``when C: a = x, b = y``.
        """
        grouped: dict[str, dict[str, list[Any]]] = {}
        for d in self.program.decisions.values():
            for row in (*d.rows, *([d.default] if d.default else [])):
                own = d.kind == "rules" and row is not d.default
                if row is d.default:
                    when = "by default"
                elif row.condition is None:
                    when = "always" if d.kind in ("expr", "collect") else "otherwise"
                else:
                    when = " ".join(row.condition.span.text.split())
                verb = " ∋ " if d.kind == "collect" else " = "
                for rid in row.rules:
                    if own and self.program.rules[rid].conclusion is not None:
                        continue  # the rule's own conclusion: shown with the rule
                    grouped.setdefault(rid, {}).setdefault(when, []).append(
                        (nodes.literal(text=d.name), verb, _code(row.value.span.text))
                    )
        for let in self.program.lets.values():
            for rid in let.rules:
                grouped.setdefault(rid, {}).setdefault("always", []).append(
                    ("let value ", nodes.literal(text=let.name), " = ", _code(let.expr.span.text))
                )
        citing: dict[str, list[Any]] = {}
        for rid, by_condition in grouped.items():
            for when, uses in by_condition.items():
                head: list[Any] = (
                    [when.capitalize(), ": "]
                    if when in ("always", "otherwise", "by default")
                    else ["When ", _code(when), ": "]
                )
                parts: list[Any] = []
                for i, use in enumerate(uses):
                    parts += ([", "] if i else []) + list(use)
                citing.setdefault(rid, []).append(paragraph(*head, *parts))
        return citing

    def _rule_links(self, rule_ids: Iterable[str]) -> list[Any]:
        para = nodes.paragraph()
        for i, rid in enumerate(rule_ids):
            if i:
                para += nodes.Text(", ")
            ref = nodes.reference("", "", internal=True, refid=self.rule_id(rid))
            ref += nodes.literal(text=rid)
            para += ref
        return [para] if len(para) else []

    def rules(self) -> Any:
        """Every rule with its citations, force, quote, condition, citing rows and coverage."""
        section = self.section(self.id("rules"), "Rules")
        section += paragraph(
            "Every rule of the law the policy encodes, in the order of the policy file, with the "
            "decision rows that cite it."
            + (" Coverage counts the cases in which the rule decided something." if self.cases else "")
        )
        items = nodes.definition_list(classes=["policylang-list"])
        for rule in self.program.rules.values():
            items += self._rule(rule)
        section += items
        return section

    def _rule(self, rule: ir.RuleInfo) -> Any:
        item = nodes.definition_list_item()
        term = nodes.term("", "", nodes.literal(text=rule.rule_id), ids=[self.rule_id(rule.rule_id)])
        title = _labels(rule.titles) or rule.title
        if title:
            term += nodes.Text(f" — {title}")
        item += term
        body = nodes.definition()
        provenance = rule.provenance or ""
        if rule.inferred:
            provenance = (provenance + "; " if provenance else "") + "INFERRED (a reading the source does not state)"
        fields: list[tuple[str, Any]] = [
            ("Cites", [c.text for c in rule.citations] if rule.citations else "(no citation)"),
            ("Force", rule.force or ""),
            ("Provenance", provenance),
            ("Quote", _quote(rule.quote) if rule.quote else ""),
        ]
        if rule.exception_to:
            fields.append(("Exception to", self._rule_links(rule.exception_to)))
        if rule.condition is not None:
            label = "Applies when" if rule.conclusion is None else "When"
            fields.append((label, paragraph(_code(rule.condition.span.text))))
        if rule.conclusion is not None:
            c = rule.conclusion
            text = (
                f"add {c.value.span.text} to {c.decision}" if c.kind == "add" else f"{c.decision} = {c.value.span.text}"
            )
            fields.append(("Then", paragraph(_code(text))))
        if rule.factors:
            fields.append(("Weigh", ", ".join(f.code or _labels(f.labels) for f in rule.factors)))
        if rule.explain is not None:
            fields.append(("Explanation", _labels(rule.explain)))
        fields.append(("Note", _labels(rule.note)))
        fields.append(("Cited by", self.citing.get(rule.rule_id, [])))
        if self.cases is not None:
            fields.append(("Coverage", self._rule_coverage(rule.rule_id)))
        body += _fields(fields)
        item += body
        return item

    def _rule_coverage(self, rule_id: str) -> str:
        cases = self.by_rule_cases(rule_id)
        if not cases:
            return "no case exercised this rule"
        shown = ", ".join(cases[:8]) + (f" and {len(cases) - 8} more" if len(cases) > 8 else "")
        return f"{len(cases)} case{'s' if len(cases) != 1 else ''}: {shown}"

    def by_rule_cases(self, rule_id: str) -> list[str]:
        """The IDs of the cases in which ``rule_id`` decided something."""
        return self.cases.by_rule.get(rule_id, []) if self.cases else []

    # -- coverage --------------------------------------------------------------

    def coverage(self) -> Any:
        """The cases run at build time and the rules they exercised, or ``None`` without cases."""
        if self.cases is None:
            return None
        run = self.cases
        section = self.section(self.id("coverage"), "Test coverage")
        where = f"``{run.folder.name}``" if run.folder else "the case folder"
        passed = len(run.outcomes) - len(run.failed)
        section += paragraph(
            f"{len(run.outcomes)} cases from {where.strip('`')} ran when this page was built: "
            f"{passed} passed, {len(run.failed)} failed. A rule counts as exercised when it "
            "decided something in at least one case (a row it backs fired or gave the default, "
            "or its informational note applied), as ",
            nodes.literal(text="policylang test --coverage"),
            " counts it.",
        )
        row = run.row
        if row is None:
            return section
        section += paragraph(f"Rules exercised: {row['exercised']} of {row['rules']} ({row['percent']}%).")
        section += table(
            ["Section of the source", "Rules", "Exercised"],
            [(s, str(c["rules"]), str(c["exercised"])) for s, c in row["sections"].items()],
            [60, 20, 20],
        )
        if row["unexercised"]:
            section += paragraph("Rules no case exercised: ")
            section += paragraph(*self._rule_links(row["unexercised"]))
        else:
            section += paragraph("Every rule was exercised by at least one case.")
        return section

"""What the editor shows when the pointer rests on a name: Markdown built from the checked program.

A fact shows its type, labels and provenance; a rule its title, citation, force and the
Danish quote; a decision its value set; a ``let`` value, a parameter, a type, a source and
a factor what they are; a built-in function its signature and documentation; an enum
value the enum it belongs to and its labels.
"""

from __future__ import annotations

import re

from policylang.base.labels import Labels
from policylang.base.span import Span
from policylang.editor.symbols import Declared, Occurrence
from policylang.editor.workspace import Analysis
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.builtins import BUILTINS
from policylang.syntax import ast

_WORD = re.compile(r"[\w-]+")


def hover(analysis: Analysis, path: str, line: int, column: int) -> tuple[str, Span | None] | None:
    """The Markdown for the place ``line``:``column`` (1-based) of ``path``, and the span it is about."""
    found = analysis.index.at(path, line, column)
    if found is not None:
        text = describe_symbol(analysis, found)
        if text is not None:
            return text, found.span
    word = word_at(analysis.text(path), line, column)
    if word is None:
        return None
    name, _, span_end = word
    text_line = analysis.text(path).split("\n")[line - 1]
    functions = analysis.program.functions if analysis.program is not None else {}
    if name in functions and text_line[span_end - 1 : span_end] == "(":
        return describe_function(functions[name]), None
    if name in BUILTINS and text_line[span_end - 1 : span_end] == "(":
        b = BUILTINS[name]
        return f"```\n{b.signature}\n```\n\n{b.doc}", None
    members = enum_members(analysis.program, name) if analysis.program is not None else []
    if members:
        return "\n\n---\n\n".join(describe_member(name, t) for t in members), None
    return None


def word_at(text: str, line: int, column: int) -> tuple[str, int, int] | None:
    """The name (or rule ID) at ``line``:``column`` and the columns where it starts and ends."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    for m in _WORD.finditer(lines[line - 1]):
        if m.start() + 1 <= column <= m.end() + 1:
            return m.group().strip("-"), m.start() + 1, m.end() + 1
    return None


def describe_symbol(analysis: Analysis, occurrence: Occurrence) -> str | None:
    """The Markdown for the symbol an occurrence names, or ``None`` where it is not declared."""
    declared = analysis.index.declared.get(occurrence.key)
    if declared is None:
        return None
    program = analysis.program
    name = occurrence.key[1]
    where = _where(analysis, declared)
    if program is not None:
        if declared.kind == "fact" and name in program.facts:
            return _fact(program.facts[name]) + where
        if declared.kind == "decision" and name in program.decisions:
            return _decision(program.decisions[name]) + where
        if declared.kind == "rule" and name in program.rules:
            return _rule(program.rules[name]) + where
        if declared.kind == "parameter" and name in program.parameters:
            return _parameter(program.parameters[name]) + where
        if declared.kind == "let" and name in program.lets:
            return _let(program.lets[name], declared) + where
        if declared.kind == "type" and name in program.types:
            return _type(name, program.types[name], declared) + where
        if declared.kind == "source" and name in program.sources:
            return _source(program.sources[name]) + where
        if declared.kind == "function" and name in program.functions:
            return describe_function(program.functions[name]) + where
    return _from_syntax(declared) + where


def _where(analysis: Analysis, declared: Declared) -> str:
    span = declared.name_span
    if span.file == analysis.path:
        return ""
    return f"\n\n*declared in* `{span.file.rsplit('/', 1)[-1]}:{span.line}`"


def _labels(labels: Labels | None) -> str:
    if labels is None:
        return ""
    parts = [x for x in (labels.da, labels.en) if x]
    return " / ".join(parts)


def _values(t: T.Type) -> str:
    """The value set of a type, one enum value a line with its labels."""
    base = T.strip_optional(t)
    if isinstance(base, T.ListType | T.SetType):
        base = T.strip_optional(base.element)
    if isinstance(base, T.UnionType):
        base = base.option(T.EnumType) or base
    if not isinstance(base, T.EnumType):
        return ""
    lines = []
    for member in base.members:
        label = _labels(base.label(member))
        lines.append(f"- `{member}`" + (f" — {label}" if label else ""))
    return "\n\n" + ("values (in order):" if base.ordered else "values:") + "\n" + "\n".join(lines)


def _fact(f: ir.FactInfo) -> str:
    marks = [m for m, on in (("assessment", f.assessment), ("personal", f.personal)) if on]
    if f.provenance:
        marks.append(f"provenance `{f.provenance}`")
    if f.default is not None:
        marks.append(f"default `{' '.join(f.default.span.text.split())}` (assumed when not given)")
    text = _card(f"**fact** `{f.name}`: `{T.describe(f.type)}`", f.labels, ", ".join(marks), note=f.note)
    return text + _values(f.type)


def _card(head: str, labels: Labels | None, *parts: str, note: Labels | None) -> str:
    """A declaration's hover: its head line, its labels, the ``parts`` that are not empty, its note."""
    text = head
    if labels:
        text += f"\n\n{_labels(labels)}"
    for part in parts:
        if part:
            text += f"\n\n{part}"
    if note:
        text += f"\n\n*note:* {_labels(note)}"
    return text


def _provenance(provenance: str | None) -> str:
    return f"provenance `{provenance}`" if provenance else ""


def _decision(d: ir.DecisionInfo) -> str:
    text = _card(f"**decision** `{d.name}`: `{T.describe(d.type)}`", d.labels, _provenance(d.provenance), note=d.note)
    return text + _values(d.type)


def _rule(r: ir.RuleInfo) -> str:
    title = _labels(r.titles) or r.title  # both languages where both are written
    text = f"**rule** `{r.rule_id}`" + (f" — {title}" if title else "")
    facts = []
    if r.citation:
        facts.append(f"*cites* {r.citation}")
    if r.force:
        facts.append(f"*force* `{r.force}`")
    if r.provenance:
        facts.append(f"*provenance* `{r.provenance}`")
    if r.inferred:
        facts.append("*inferred*")
    if r.exception_to:
        facts.append("*exception to* " + ", ".join(f"`{e}`" for e in r.exception_to))
    if facts:
        text += "\n\n" + " · ".join(facts)
    if r.quote:
        text += f"\n\n> »{r.quote}«"
    if r.note:
        text += f"\n\n*note:* {_labels(r.note)}"
    return text


def _parameter(p: ir.ParamInfo) -> str:
    head = f"**parameter** `{p.name}`: `{T.describe(p.type)}` = `{p.default.span.text}`"
    return _card(head, p.labels, _provenance(p.provenance), note=p.note)


def function_signature(f: ir.FunctionInfo) -> str:
    """``name(p: T, ...): T``, as the function is declared."""
    params = ", ".join(f"{n}: {T.describe(t)}" for n, t in f.params)
    return f"{f.name}({params}): {T.describe(f.type)}"


def describe_function(f: ir.FunctionInfo) -> str:
    """The Markdown for a function of the policy: its signature, labels, body, citations and note."""
    body = f"```pol\n= {f.body.span.text}\n```" if f.body.span.text else ""
    cites = f"*cites* {f.citation}" if f.citations else ""
    return _card(f"**function** `{function_signature(f)}`", f.labels, body, cites, note=f.note)


def _let(let: ir.LetInfo, declared: Declared) -> str:
    node = declared.node
    expression = node.expr.span.text if isinstance(node, ast.LetDecl) else ""
    text = f"**let** `{let.name}`: `{T.describe(let.type)}`"
    if expression:
        text += f"\n\n```pol\n{expression}\n```"
    if let.rules:
        text += "\n\n*by* " + ", ".join(f"`{r}`" for r in let.rules)
    return text + _values(let.type)


def _type(name: str, t: T.Type, declared: Declared) -> str:
    node = declared.node
    labels = _labels(node.labels) if isinstance(node, ast.TypeDecl) else ""
    shown = T.describe(t) if not isinstance(t, T.EnumType) else ("ordered enum" if t.ordered else "enum")
    if isinstance(t, T.RecordType):
        shown = "record { " + ", ".join(f"{n}: {T.describe(ft)}" for n, ft in t.fields) + " }"
    text = f"**type** `{name}` = `{shown}`"
    if labels:
        text += f"\n\n{labels}"
    return text + _values(t)


def _source(s: ir.SourceInfo) -> str:
    text = f"**source** `{s.key}` — {s.short}"
    for label, value in (("title", s.title), ("file", s.file), ("url", s.url), ("date", s.date)):
        if value:
            text += f"\n\n*{label}:* {value}"
    return text


def _from_syntax(declared: Declared) -> str:
    """What the syntax tree says of a declaration the checker could not resolve (or of a factor)."""
    node = declared.node
    kind, name = declared.kind, declared.key[1]
    if isinstance(node, ast.FactorDecl):
        return f"**factor** `{name}`\n\n{_labels(node.labels)}"
    if isinstance(node, ast.RuleDecl):
        title = _labels(node.titles) or node.title
        text = f"**rule** `{name}`" + (f" — {title}" if title else "")
        if node.force:
            text += f"\n\n*force* `{node.force}`"
        if node.quote:
            text += f"\n\n> »{node.quote}«"
        return text
    if isinstance(node, ast.ConstraintDecl):
        return f"**constraint** `{name}`" + (f" — {node.title}" if node.title else "")
    if isinstance(node, ast.WarningDecl):
        return f"**warning** `{name}`\n\n{_labels(node.labels)}"
    return f"**{kind}** `{name}`\n\n```pol\n{node.span.text}\n```"


def enum_members(program: ir.Program, name: str) -> list[T.EnumType]:
    """The enums of a program that have the value ``name`` (each once)."""
    found: list[T.EnumType] = []
    for t in _program_types(program):
        for inner in _enums_in(t):
            if name in inner.members and inner not in found:
                found.append(inner)
    return found


def _program_types(program: ir.Program) -> list[T.Type]:
    return [
        *program.types.values(),
        *(f.type for f in program.facts.values()),
        *(d.type for d in program.decisions.values()),
        *(p.type for p in program.parameters.values()),
        *(v.type for v in program.lets.values()),
    ]


def _enums_in(t: T.Type) -> list[T.EnumType]:
    t = T.strip_optional(t)
    if isinstance(t, T.EnumType):
        return [t]
    if isinstance(t, T.ListType | T.SetType):
        return _enums_in(t.element)
    if isinstance(t, T.MapType):
        return _enums_in(t.key) + _enums_in(t.value)
    if isinstance(t, T.UnionType):
        return [e for o in t.options for e in _enums_in(o)]
    if isinstance(t, T.RecordType):
        return [e for _, ft in t.fields for e in _enums_in(ft)]
    return []


def describe_member(name: str, t: T.EnumType) -> str:
    """An enum value: the enum it belongs to and its labels."""
    label = _labels(t.label(name))
    fields = t.fields_of(name)
    carried = " { " + ", ".join(f"{n}: {T.describe(ft)}" for n, ft in fields.fields) + " }" if fields else ""
    text = f"**value** `{name}{carried}` of `{T.describe(t)}`"
    return text + (f"\n\n{label}" if label else "")

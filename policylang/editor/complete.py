"""What the editor offers to complete at the cursor: names, enum values, rule IDs, keywords, functions.

The text being typed rarely parses, so the place is read from the words before the cursor
(``by`` and ``exception to`` want rule IDs, ``cites`` a source, ``weigh`` a factor, a
``:`` in a declaration a type, ``status =`` or ``status in {`` a value of the fact's enum,
the first word of a row of a decision's ``first match`` table a value of the decision),
and the names from the latest version of the policy that did check
(:meth:`policylang.editor.workspace.Workspace.last_good`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from policylang.base.labels import Labels
from policylang.check.declarations import PROVENANCES
from policylang.check.rules import FORCES
from policylang.editor.hover import describe_function, function_signature
from policylang.editor.symbols import Declared
from policylang.editor.workspace import Analysis
from policylang.ir import types as T
from policylang.ir.builtins import BUILTINS
from policylang.syntax import keywords

EXPRESSION_WORDS = (*keywords.OPERATORS, *keywords.CONSTANTS)
CLAUSE_WORDS = {
    "rule": (
        "cites",
        "force",
        "provenance",
        "inferred",
        "quote",
        "exception to",
        "when",
        "then",
        "weigh",
        "explain",
        "note",
    ),
    "fact": ("assessment", "personal", "sensitive", "provenance", "default", "note"),
    "decision": ("provenance", "note", "for staff", "for person", "first match", "collect", "default"),
    "parameter": ("provenance", "note"),
    "constraint": ("when", "require", "message"),
    "policy": ("title", "version", "valid from", "valid until", "evaluation date", "note", "next steps", "complaint"),
    "source": ("title", "file", "url", "date", "name"),
    "handoff": ("when", "by", "note"),
    "warning": ("when",),
}
TYPE_WORDS = ("enum { }", "ordered enum { }", "record { }", "list of", "set of", "map of")


@attrs.frozen
class Candidate:
    """One completion: what to insert, what kind of thing it is, and what to show beside it."""

    label: str
    kind: str  # fact, parameter, let, decision, rule, type, source, factor, value, function, keyword
    detail: str | None = None
    documentation: str | None = None
    insert: str | None = None  # when it differs from the label (``age(``)


def complete(text: str, line: int, column: int, analysis: Analysis | None) -> tuple[int, list[Candidate]]:
    """The column where the word being completed starts, and the candidates for it (1-based ``line``:``column``)."""
    lines = text.split("\n")
    current = lines[line - 1] if 1 <= line <= len(lines) else ""
    prefix = current[: column - 1]
    word = re.search(r"[\w-]*$", prefix)
    typed = word.group() if word else ""
    if typed and not re.match(r"[A-Z][A-Z0-9]*(-|$)", typed):  # a rule ID has dashes; a name does not
        typed = re.search(r"\w*$", prefix).group()  # type: ignore[union-attr]
    before = prefix[: len(prefix) - len(typed)]
    start = column - len(typed)
    found = list(_candidates(before, lines, line, analysis))
    shown = [c for c in found if c.label.lower().startswith(typed.lower())] if typed else found
    return start, _unique(shown)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    result = []
    for c in candidates:
        if c.label not in seen:
            seen.add(c.label)
            result.append(c)
    return result


def _candidates(before: str, lines: list[str], line: int, analysis: Analysis | None) -> Iterable[Candidate]:
    tail = before.rstrip()
    if re.search(r"\b(by|exception\s+to)$", tail) or re.search(
        r"\b(by|exception\s+to)\s+[A-Z][A-Z0-9-]*(\s*,\s*[A-Z][A-Z0-9-]*)*\s*,$", tail
    ):
        return _rules(analysis)
    if re.search(r"\bcites$", tail) or re.search(r"\bcites\s+\w+.*,$", tail):
        return _declared(analysis, "source", "source")
    if re.search(r"\bweigh$", tail) or re.search(r'\bweigh\s+[\w",\s]*,$', tail):
        return _declared(analysis, "factor", "factor")
    if re.search(r"\bforce$", tail):
        return [Candidate(f, "keyword", "normative force") for f in FORCES]
    if re.search(r"\bprovenance$", tail):
        return [Candidate(p, "keyword", "provenance") for p in PROVENANCES]
    if re.search(r"^\s*then$", tail) or re.search(r"\badd\b.*\bto$", tail):
        return _values(analysis, {"decision"})
    if (
        re.search(r"^\s*(fact|parameter|decision|let)\s+\w+\s*:$", tail)
        or re.search(r"^\s*type\s+\w+\s*=$", tail)
        or re.search(r"\b(list|set|map)\s+of$", tail)
        or re.search(r"\bmap\s+of\s+\S+\s+to$", tail)
    ):
        return _types(analysis)
    enum = _enum_expected(tail, lines, line, analysis)
    if enum and tail:  # an enum's value, or a name of the same enum
        wanted = enum[0].detail
        alike = [c for c in _values(analysis, {"fact", "parameter", "let", "decision"}) if _same_enum(c, wanted)]
        return [*enum, *alike]
    if not tail:
        if before:  # an indented line: a clause, or a row of a table
            kind = _enclosing(lines, line)
            words = CLAUSE_WORDS.get(kind[0], ()) if kind else ()
            return [*enum, *(Candidate(w, "keyword") for w in words), *_expression(analysis)]
        return [Candidate(w, "keyword", "declaration") for w in keywords.DECLARATIONS]
    return [*enum, *_expression(analysis)]


def _rules(analysis: Analysis | None) -> list[Candidate]:
    if analysis is None:
        return []
    result = []
    for d in analysis.index.names("rule"):
        rule = analysis.program.rules.get(d.key[1]) if analysis.program else None
        detail = rule.title if rule is not None else None
        documentation = f"{rule.citation}\n\n»{rule.quote}«" if rule is not None and rule.quote else None
        result.append(Candidate(d.key[1], "rule", detail, documentation))
    return result


def _declared(analysis: Analysis | None, namespace: str, kind: str) -> list[Candidate]:
    if analysis is None:
        return []
    return [Candidate(d.key[1], kind, _detail(analysis, d)) for d in analysis.index.names(namespace)]


def _detail(analysis: Analysis, d: Declared) -> str | None:
    program = analysis.program
    name = d.key[1]
    if program is None:
        return d.kind
    for table in (program.facts, program.parameters, program.lets, program.decisions):
        info = table.get(name)
        if info is not None:
            return f"{d.kind}: {T.describe(info.type)}"
    if d.kind == "source" and name in program.sources:
        return program.sources[name].short
    if d.kind == "factor" and name in program.factors:
        return _label(program.factors[name].labels)
    return d.kind


def _label(labels: Labels | None) -> str | None:
    return labels.get("da") if labels is not None else None


def _values(analysis: Analysis | None, kinds: set[str]) -> list[Candidate]:
    if analysis is None:
        return []
    return [
        Candidate(d.key[1], d.kind, _detail(analysis, d), _label(getattr(d.node, "labels", None)))
        for d in analysis.index.names("value")
        if d.kind in kinds
    ]


def _types(analysis: Analysis | None) -> list[Candidate]:
    result = [Candidate(name, "type", "built-in type") for name in (*T.PRIMITIVES, "weekday")]
    result += [Candidate(w, "keyword", "type") for w in TYPE_WORDS]
    if analysis is not None:
        result += [Candidate(d.key[1], "type", "type") for d in analysis.index.names("type")]
    return result


def _expression(analysis: Analysis | None) -> list[Candidate]:
    result = _values(analysis, {"fact", "parameter", "let", "decision"})
    program = analysis.program if analysis is not None else None
    for f in program.functions.values() if program is not None else ():
        result.append(Candidate(f.name, "function", function_signature(f), describe_function(f), insert=f"{f.name}("))
    for name, b in sorted(BUILTINS.items()):
        result.append(Candidate(name, "function", b.signature, b.doc, insert=f"{name}("))
    result += [
        Candidate(
            f"{q}(",
            "keyword",
            f"aggregate: {q}(x in xs: value)" if q in keywords.AGGREGATES else "quantifier: any(x in xs: condition)",
        )
        for q in keywords.QUANTIFIERS
    ]
    result += [Candidate(w, "keyword") for w in EXPRESSION_WORDS]
    return result


def _same_enum(c: Candidate, described: str | None) -> bool:
    """Whether a name's detail (``fact: stay_status``) names the enum described as ``described``."""
    return described is not None and c.detail is not None and c.detail.split(": ", 1)[-1].rstrip("?") == described


def _members(t: T.Type | None) -> list[Candidate]:
    if t is None:
        return []
    base = T.strip_optional(t)
    if isinstance(base, T.ListType | T.SetType):
        base = T.strip_optional(base.element)
    if isinstance(base, T.UnionType):
        option = base.option(T.EnumType)
        base = option if option is not None else base
    if not isinstance(base, T.EnumType):
        return []
    return [Candidate(m, "value", T.describe(base), _label(base.label(m))) for m in base.members]


def _type_of(analysis: Analysis | None, name: str) -> T.Type | None:
    if analysis is None or analysis.program is None:
        return None
    program = analysis.program
    for table in (program.facts, program.parameters, program.lets, program.decisions):
        info = table.get(name)
        if info is not None:
            return info.type
    return None


def _enum_expected(tail: str, lines: list[str], line: int, analysis: Analysis | None) -> list[Candidate]:
    """The values of the enum expected here: after ``x =``, in ``x in {``, ``then d =``, or as a row's value."""
    m = re.search(r"\bthen\s+(\w+)\s*=$", tail) or re.search(r"(\w+)\s*(?:=|!=|≠)$", tail)
    if m:
        return _members(_type_of(analysis, m.group(1)))
    m = re.search(r"(\w+)\s+(?:not\s+)?in\s*\{[^}]*$", tail)
    if m:
        found = _type_of(analysis, m.group(1))
        return _members(found)
    if tail.strip() in ("", "add"):
        enclosing = _enclosing(lines, line)
        if enclosing and enclosing[0] == "decision" and enclosing[2]:
            return _members(_type_of(analysis, enclosing[1]))
    return []


def _enclosing(lines: list[str], line: int) -> tuple[str, str, bool] | None:
    """The declaration the line ``line`` is in: its keyword, its name, and whether a table has begun."""
    table = False
    for text in reversed(lines[: line - 1]):
        if re.match(r"\s+(first\s+match|collect)\b", text) or re.search(r"\b(first\s+match|collect)\s*$", text):
            table = True
        m = re.match(r"(\w+)\s+([\w-]+)", text)
        if m and m.group(1) in keywords.DECLARATIONS:
            return m.group(1), m.group(2), table
    return None

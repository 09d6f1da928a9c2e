"""Check that a bilingual policy gives every text a reader meets in both languages.

A policy whose title is written in Danish and English (``title "..." / "..."``) declares
that it explains itself in both. Then every decision, every value a decision can take,
every field of a record a decision gives, every fact and every value of an enum fact
(questions show them), and every rule's title needs a Danish and an English label; every
rule that decides something a citizen is told needs an ``explain`` text in both; and
the policy says what happens next and how to complain (``next steps``, ``complaint``).
Each gap is a ``pol-missing-label`` warning at the declaration that lacks the text.
"""

from __future__ import annotations

from collections.abc import Iterator

from policylang.base.errors import Diagnostic
from policylang.base.labels import Labels
from policylang.base.span import Span
from policylang.ir import program as ir
from policylang.ir import types as T

CODE = "pol-missing-label"


def label_problems(program: ir.Program) -> list[Diagnostic]:
    """The texts a renderer would need that a bilingual policy does not give (none for a one-language one)."""
    title = program.header.title
    if not _both(title):
        return []
    return list(_problems(program))


def _both(labels: Labels | None) -> bool:
    return labels is not None and bool(labels.da) and bool(labels.en)


def _missing(labels: Labels | None) -> str:
    if labels is None or (not labels.da and not labels.en):
        return "in Danish and English"
    return "in English" if labels.da else "in Danish"


def _warn(message: str, span: Span | None, hint: str) -> Diagnostic:
    return Diagnostic(CODE, message, span, "warning", hint)


def _problems(p: ir.Program) -> Iterator[Diagnostic]:
    header = p.header
    for key, labels, clause in (
        ("next_steps", header.next_steps, "next steps"),
        ("complaint", header.complaint, "complaint"),
        ("person_title", header.person_title, "title for person"),
    ):
        if key == "person_title" and labels is None:
            continue  # optional: the title is read where there is none
        if not _both(labels):
            yield _warn(
                f"the policy says {_missing(labels)} what a citizen is told under `{clause}`",
                header.span,
                f'add `{clause} "..." / "..."` to the policy header ({key.replace("_", " ")}, in plain language)',
            )
    for d in p.decisions.values():
        if not _both(d.labels):
            yield _warn(
                f"the decision `{d.name}` has no label {_missing(d.labels)}",
                d.span,
                f'write it after the type: `decision {d.name}: ... "dansk" / "English"`',
            )
        yield from _values(d.type, f"the decision `{d.name}`", d.span)
    for f in p.facts.values():
        if not _both(f.labels):
            yield _warn(
                f"the fact `{f.name}` has no label {_missing(f.labels)}",
                f.span,
                f'write it after the type: `fact {f.name}: ... "dansk" / "English"`',
            )
        yield from _values(f.type, f"the fact `{f.name}`", f.span, records=False)
    told = _told_to_citizens(p)
    for rule in p.rules.values():
        if not _both(rule.titles):
            yield _warn(
                f"the rule `{rule.rule_id}` has no title in Danish and English",
                rule.span,
                f'write both after its ID: `rule {rule.rule_id} "dansk titel" / "English title"`',
            )
        if rule.rule_id in told and not _both(rule.explain):
            yield _warn(
                f"the rule `{rule.rule_id}` decides something a citizen is told, but says why {_missing(rule.explain)}",
                rule.span,
                'add `explain "..." / "..."`: the reason in plain words, to the person (»du«/"you")',
            )


def _values(t: T.Type, what: str, span: Span, *, records: bool = True) -> Iterator[Diagnostic]:
    """Every value of an enum, and (``records``) every field of a record, ``t`` holds without labels in both."""
    inner = T.strip_optional(t)
    if isinstance(inner, T.ListType | T.SetType):
        inner = T.strip_optional(inner.element)
    if isinstance(inner, T.EnumType):
        missing = [m for m in inner.members if not _both(inner.label(m))]
        if missing:
            shown = ", ".join(f"`{m}`" for m in missing[:6]) + (", ..." if len(missing) > 6 else "")
            yield _warn(
                f"{what} can be {shown}, with no label in Danish and English",
                span,
                'label each value where the enum is declared: `enum { value "dansk" / "English", ... }`',
            )
    elif isinstance(inner, T.RecordType) and records:
        missing = [name for name, _ in inner.fields if not _both(inner.label(name))]
        if missing:
            shown = ", ".join(f"`{m}`" for m in missing)
            yield _warn(
                f"{what} gives a record whose fields {shown} have no label in Danish and English",
                span,
                'label each field where the record is declared: `record { field: T "dansk" / "English", ... }`',
            )


def _told_to_citizens(p: ir.Program) -> set[str]:
    """The rules that decide a decision a citizen may be told (not ``for staff``)."""
    found: set[str] = set()
    for d in p.decisions.values():
        if d.audience == "staff":
            continue
        rows = (*d.rows, d.default) if d.default is not None else d.rows
        for row in rows:
            found.update(row.rules)
    return found

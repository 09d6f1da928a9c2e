"""Render an explanation as plain text for the terminal.

For each decision: its value, the rule that decided it with its citation, normative force,
the source's own words and the explanation text, and the values it read. Undetermined
decisions list the facts that would decide them, and the next questions to ask come with
their Danish and English labels; discretion lists the factors to weigh. With ``why_not``,
each decision also lists the rows that did not apply and what would have to be different.
What to show is decided by :func:`policylang.explain`; this module only formats it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from policylang.engine.result import Result
from policylang.explanation.model import Decision, Explanation, Handoff, Rule, Step
from policylang.explanation.render.common import (
    display,
    explanation_of,
    holds_text,
    inputs_text,
    label_of,
    needs_text,
    otherwise,
    outcome_text,
    settled_word,
    title_line,
)
from policylang.explanation.words import word


def render_text(
    result: Result,
    *,
    lang: str = "en",
    width: int = 100,
    policy: Any = None,
    audience: str = "caseworker",
    decisions: Sequence[str] | None = None,
    why_not: bool = False,
) -> str:
    """The result as a person reads it in a terminal.

    ``policy``, if given, is the policy evaluated (the result carries its program, so it is optional).

    >>> import policylang
    >>> r = policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
    >>> print(render_text(r).splitlines()[0])
    Policy examples/benefit - Winter help (example)
    """
    e = explanation_of(result, policy, lang=lang, audience=audience, decisions=decisions, why_not=why_not)
    return format_text(e, width=width)


def format_text(e: Explanation, *, width: int = 100) -> str:
    """An explanation as plain text, wrapped at ``width`` columns."""
    out = _Writer(e.lang, width)
    version = f" ({word(e.lang, 'version')} {e.version})" if e.version and e.audience == "auditor" else ""
    out.line(title_line(e) + version)
    for w in e.warnings:
        out.line(f"{word(e.lang, 'warning')}: {w}")
    decided = [d for d in e.decisions if d.status == "decided"]
    if decided:
        out.line("")
        out.line(f"{word(e.lang, 'decisions')}:")
        for d in decided:
            _decision(out, d, e)
    undetermined = [d for d in e.decisions if d.status == "undetermined"]
    if undetermined:
        out.line("")
        out.line(f"{word(e.lang, 'undetermined_long')}:")
        for d in undetermined:
            facts = ", ".join(f.name for f in d.missing)
            out.line(f"  {label_of(d.label or '', d.name)}: {facts}")
            _details(out, d, e)
    no_rule = [d for d in e.decisions if d.status == "no_rule"]
    if no_rule:
        out.line("")
        out.line(f"{word(e.lang, 'no_rule')}:")
        for d in no_rule:
            out.line(f"  {label_of(d.label or '', d.name)}")
            _details(out, d, e)
    if e.handoffs:
        out.line("")
        out.line(f"{word(e.lang, 'handoffs')}:")
        for h in e.handoffs:
            _handoff(out, h, e.lang)
    if e.questions:
        out.line("")
        out.line(f"{word(e.lang, 'next_questions')}:")
        for n, q in enumerate(e.questions, 1):
            labels = " / ".join(x for x in (q.da, q.en) if x)
            out.wrap(f"{n}. {q.fact}" + (f" ({labels})" if labels else ""), 2, 5)
            out.wrap(f"{word(e.lang, 'settles')}: {', '.join(q.settles)}", 5, 7)
    if e.notes:
        out.line("")
        out.line(f"{word(e.lang, 'also_relevant')}:")
        for note in e.notes:
            out.line(f"  {note.rule.rule_id} ({note.rule.citation})")
            if note.rule.explain:
                out.wrap(note.rule.explain, 6, 6)
            if note.rule.note:
                out.wrap(f"{word(e.lang, 'note')}: {note.rule.note}", 6, 6)
    if e.derived:
        out.line("")
        out.line(f"{word(e.lang, 'derived')}:")
        for x in e.derived:
            out.wrap(f"{x.name} = {display(x.shown)}  <- {x.expression}  [{x.span}]", 2, 6)
    if e.parameters:
        out.line("")
        out.line(f"{word(e.lang, 'parameters')}:")
        for p in e.parameters:
            flag = f" ({word(e.lang, 'overridden')})" if p.overridden else ""
            out.wrap(
                f"{p.name} = {display(p.shown)}{flag}; {word(e.lang, 'default_value')} {p.default}  [{p.span}]", 2, 6
            )
    return "\n".join(out.lines)


class _Writer:
    def __init__(self, lang: str, width: int) -> None:
        self.lang = lang
        self.width = max(40, width)
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(text)

    def wrap(self, text: str, indent: int, hanging: int) -> None:
        self.lines.extend(
            textwrap.wrap(
                text,
                width=self.width,
                initial_indent=" " * indent,
                subsequent_indent=" " * hanging,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [" " * indent]
        )


def _decision(out: _Writer, d: Decision, e: Explanation) -> None:
    assert d.value is not None
    out.line(f"  {label_of(d.label or '', d.name)} = {display(d.value)}")
    if d.settled is not None:
        facts = ", ".join(f.name for f in d.settled.facts)
        out.wrap(
            f"{word(e.lang, settled_word(d.settled))} {facts} ({d.settled.cases} {word(e.lang, 'combinations')})", 6, 8
        )
        for rule in d.settled.rules:
            _rule(out, rule, e.lang)
    for step in d.steps:
        _step(out, step, d, e)
    _details(out, d, e)


def _step(out: _Writer, step: Step, d: Decision, e: Explanation) -> None:
    lang = e.lang
    if d.kind == "collect" and step.value is not None:
        out.wrap(f"+ {display(step.value)}", 6, 8)
    if step.condition is not None:
        out.wrap(f"{word(lang, 'when')} {step.condition}", 6, 8)
    if step.outcome == "default":
        out.line(f"      ({word(lang, 'default')})")
    for rule in step.rules:
        _rule(out, rule, lang)
    if step.inputs:
        out.wrap(f"{word(lang, 'using')}: {inputs_text(step.inputs)}", 6, 8)
    if step.factors:
        out.wrap(f"{word(lang, 'weigh')}: {', '.join(step.factors)}", 6, 8)
    if step.span:
        out.line(f"      [{step.span}]")


def _rule(out: _Writer, rule: Rule, lang: str) -> None:
    force = f" [{rule.force}]" if rule.force else ""
    marks = [m for m in (rule.provenance, word(lang, "inferred") if rule.inferred else None) if m]
    extra = f" ({', '.join(marks)})" if marks else ""
    span = f"  [{rule.span}]" if rule.span else ""
    out.wrap(f"{word(lang, 'by')} {rule.rule_id}: {rule.citation}{force}{extra}{span}", 6, 9)
    if rule.quote:
        out.wrap(f"\u00bb{rule.quote}\u00ab", 9, 10)
    if rule.explain:
        out.wrap(rule.explain, 9, 9)
    if rule.note:
        out.wrap(f"{word(lang, 'note')}: {rule.note}", 9, 9)


def _handoff(out: _Writer, h: Handoff, lang: str) -> None:
    if h.status == "applies":
        out.line(f"  {h.policy}")
    else:
        facts = ", ".join(f.name for f in h.missing)
        out.wrap(f"{h.policy} ({word(lang, 'handoff_undetermined')}: {facts})", 2, 6)
    for rule in h.rules:
        _rule(out, rule, lang)
    if h.note:
        out.wrap(h.note, 6, 6)
    if h.inputs:
        out.wrap(f"{word(lang, 'using')}: {inputs_text(h.inputs)}", 6, 8)


def _details(out: _Writer, d: Decision, e: Explanation) -> None:
    lang = e.lang
    if d.note:
        out.wrap(f"{word(lang, 'note')}: {d.note}", 6, 8)
    shown = {i.name for s in d.steps for i in s.inputs}
    if d.facts and not {f.name for f in d.facts} <= shown:
        out.wrap(f"{word(lang, 'facts')}: {inputs_text(d.facts)}", 6, 8)
    if d.open and (e.why_not or d.status != "decided"):
        out.line(f"      {word(lang, 'open').lower()}:")
        for step in d.open:
            _alternative(out, step, lang)
    reached = [s for s in d.alternatives if s.outcome != "not_reached"]
    unreached = [s for s in d.alternatives if s.outcome == "not_reached"]
    if reached:
        out.line(f"      {word(lang, 'why_not').lower()}:")
        for step in reached:
            _alternative(out, step, lang)
    if unreached:
        out.wrap(f"{word(lang, 'not_reached').lower()}:", 6, 8)
        for step in unreached:
            _alternative(out, step, lang)


def _alternative(out: _Writer, step: Step, lang: str) -> None:
    value = display(step.value) if step.value is not None else ""
    condition = f" {word(lang, 'when')} {step.condition}" if step.condition else otherwise(lang, step)
    rules = f" [{', '.join(r.rule_id for r in step.rules)}]" if step.rules else ""
    if step.outcome == "not_reached":
        out.wrap(f"- {value}{condition}{rules}", 8, 10)
        return
    out.wrap(f"- {value}{condition}{rules}: {outcome_text(lang, step)}", 8, 10)
    if step.failing:
        out.wrap(f"{needs_text(lang, step)}:", 10, 12)
        for part in step.failing:
            values = f": {inputs_text(part.inputs)}" if part.inputs else ""
            out.wrap(f"{part.condition} ({holds_text(lang, part.holds)}){values}", 12, 14)
    elif step.inputs and step.outcome != "overridden":
        out.wrap(f"{word(lang, 'using')}: {inputs_text(step.inputs)}", 10, 12)

"""Render an explanation as plain text for the terminal.

First a summary a person reads at a glance (:func:`format_summary`): one line per
decision with its label, its value and the rule that decided it with a short citation,
then the undetermined decisions with the facts they wait for, then the warnings. Then,
for each decision, the detail: the rule that decided it with its citation, normative
force, the source's own words and the explanation text, and the values it read;
discretion lists the factors to weigh; with ``why_not``, the part of each other row's
condition that does not hold. The facts used are listed once, at the end. Colour (ANSI)
is added only when asked for. What to show is decided by :func:`policylang.explain`; this
module only formats it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from policylang.engine.result import Result
from policylang.explanation.model import Decision, Explanation, FunctionCall, Handoff, Input, Rule, Step
from policylang.explanation.render.common import (
    citizen_reasons,
    display,
    explanation_of,
    headline,
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
    color: bool = False,
) -> str:
    """The result as a person reads it in a terminal: the summary, then the detail.

    ``policy``, if given, is the policy evaluated (the result carries its program, so it is optional).

    >>> import policylang
    >>> r = policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
    >>> print(render_text(r).splitlines()[0])
    Policy examples/benefit - Winter help (example)
    """
    e = explanation_of(result, policy, lang=lang, audience=audience, decisions=decisions, why_not=why_not)
    return format_text(e, width=width, color=color)


def format_summary(e: Explanation, *, width: int = 100, color: bool = False) -> str:
    """The summary of an explanation: decisions at a glance, what they wait for, the warnings.

    >>> import policylang
    >>> r = policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
    >>> print(format_summary(policylang.explain(r)).splitlines()[4])
      Adult          yes         EX-AGE Eksempelloven § 1
    """
    out = _Writer(e.lang, width, color)
    if e.audience == "citizen":
        _citizen(out, e, detail=False)
    else:
        _summary(out, e)
    return "\n".join(out.lines)


def format_text(e: Explanation, *, width: int = 100, color: bool = False) -> str:
    """An explanation as plain text, wrapped at ``width`` columns: the summary, then the detail."""
    out = _Writer(e.lang, width, color)
    if e.audience == "citizen":
        _citizen(out, e, detail=True)
        return "\n".join(out.lines)
    _summary(out, e)
    _detail(out, e)
    return "\n".join(out.lines)


def _citizen(out: _Writer, e: Explanation, *, detail: bool) -> None:
    """A citizen's explanation: what was decided, why in words, the legal basis, what happens next, how to complain."""
    lang = e.lang
    if e.title:
        out.line(out.bold(e.title))
    for w in e.warnings:
        out.wrap(w, 0, 0, out.warn)
    decided = [d for d in e.decisions if d.status == "decided" and d.value is not None]
    if decided:
        out.line("")
        out.line(out.bold(word(lang, "citizen_decided")))
        for d in decided:
            assert d.value is not None
            out.wrap(f"{d.label or d.name}: {d.value.text}", 2, 4)
    open_ = [d for d in e.decisions if d.status != "decided"]
    if open_:
        out.line("")
        out.line(out.bold(word(lang, "citizen_open")))
        for d in open_:
            needs = ", ".join(f.label(lang) or f.name for f in d.missing) or word(lang, "citizen_more")
            out.wrap(f"{d.label or d.name}: {word(lang, 'citizen_needs').lower()} {needs}", 2, 4)
    if e.assumed:
        out.line("")
        out.line(out.bold(word(lang, "citizen_assumed")))
        out.wrap(word(lang, "citizen_assumed_text"), 2, 2)
        for i in e.assumed:
            out.wrap(f"{i.label or i.name}: {i.shown.text}", 2, 4)
    if detail:
        reasons = citizen_reasons(e)
        if reasons:
            out.line("")
            out.line(out.bold(word(lang, "citizen_why")))
            for reason in reasons:
                out.wrap(headline(reason), 2, 4)
                for text in reason.texts:
                    out.wrap(text, 4, 4)
                if reason.basis:
                    out.wrap(f"{word(lang, 'citizen_basis')}: {reason.basis}", 4, 6)
        if e.notes:
            out.line("")
            out.line(out.bold(word(lang, "also_relevant")))
            for note in e.notes:
                text = " ".join(
                    x for x in (note.rule.explain, f"({note.rule.citation})" if note.rule.citation else "") if x
                )
                if text:
                    out.wrap(text, 2, 4)
    if e.questions:
        out.line("")
        out.line(out.bold(word(lang, "citizen_questions")))
        for q in e.questions:
            out.wrap(f"- {(q.da if lang == 'da' else q.en) or q.da or q.en or q.fact}", 2, 4)
    for key, closing in (("citizen_next", e.next_steps), ("citizen_complaint", e.complaint)):
        if closing:
            out.line("")
            out.line(out.bold(word(lang, key)))
            out.wrap(closing, 2, 2)


def format_detail(e: Explanation, *, width: int = 100, color: bool = False) -> str:
    """The detail of an explanation alone: how each decision was reached, and the facts used."""
    out = _Writer(e.lang, width, color)
    _detail(out, e, heading=False)
    return "\n".join(out.lines).strip("\n")


def facts_used(e: Explanation) -> list[Input]:
    """The facts the explanation's decisions used, once each, in the order first used."""
    found: dict[str, Input] = {}
    for d in e.decisions:
        for i in d.facts:
            found.setdefault(i.name, i)
    return list(found.values())


def _summary(out: _Writer, e: Explanation) -> None:
    lang, codes = e.lang, e.audience != "citizen"
    version = f" ({word(lang, 'version')} {e.version})" if e.version and e.audience == "auditor" else ""
    out.line(out.bold(title_line(e) + version))
    for w in e.warnings:
        out.wrap(f"{word(lang, 'warning')}: {w}", 0, 2, out.warn)
    names = {d.name: d.label or d.name for d in e.decisions}
    shown = {d.name: _value_text(d) for d in e.decisions}
    left = min(max((len(n) for n in names.values()), default=0), 32)
    middle = min(max((len(v) for v in shown.values()), default=0), 20)
    decided = [d for d in e.decisions if d.status == "decided"]
    if decided:
        out.line("")
        out.line(out.bold(f"{word(lang, 'decided')}:"))
        for d in decided:
            out.columns(names[d.name], left, shown[d.name], middle, _basis(d, codes))
    undetermined = [d for d in e.decisions if d.status == "undetermined"]
    if undetermined:
        out.line("")
        out.line(out.bold(f"{word(lang, 'undetermined_long')}:"))
        for d in undetermined:
            facts = ", ".join(_fact_name(f.name, f.label(lang), codes) for f in d.missing)
            out.wrap(f"{names[d.name].ljust(left)}  {word(lang, 'waits_for')}: {facts}", 2, left + 4, out.open_)
    no_rule = [d for d in e.decisions if d.status == "no_rule"]
    if no_rule:
        out.line("")
        out.line(out.bold(f"{word(lang, 'no_rule')}:"))
        for d in no_rule:
            out.line("  " + out.bad(names[d.name]))
    if e.assumed:
        out.line("")
        out.line(out.bold(f"{word(lang, 'assumed_heading')}:"))
        for i in e.assumed:
            out.wrap(f"{_fact_name(i.name, i.label, codes)} = {display(i.shown)}", 2, 4)
    if e.notes:
        out.line("")
        out.line(out.bold(f"{word(lang, 'also_relevant')}:"))
        for note in e.notes:
            head = f"{note.rule.rule_id} " if codes else ""
            out.wrap(f"{head}{note.rule.short or note.rule.citation}", 2, 6, out.code)
    if e.handoffs:
        out.line("")
        out.line(out.bold(f"{word(lang, 'handoffs')}:"))
        for h in e.handoffs:
            rules = ", ".join(r.rule_id for r in h.rules) if codes else ""
            state = "" if h.status == "applies" else f" ({word(lang, 'handoff_undetermined')})"
            out.wrap(f"{h.policy}{state}" + (f"  {rules}" if rules else ""), 2, 6)


def _value_text(d: Decision) -> str:
    if d.status == "decided" and d.value is not None:
        return d.value.text
    return ""


def _basis(d: Decision, codes: bool) -> str:
    """The rules that decided a decision, with the first one's short citation: ``RES-HELP-02 aktivloven § 3``."""
    rules: dict[str, Rule] = {}
    for step in d.steps:
        for r in step.rules:
            rules.setdefault(r.rule_id, r)
    if d.settled is not None:
        for r in d.settled.rules:
            rules.setdefault(r.rule_id, r)
    if not rules:
        return ""
    first = next(iter(rules.values()))
    ids = ", ".join(rules) if codes else ""
    return f"{ids} {first.short}".strip() if first.short else ids


def _fact_name(name: str, label: str | None, codes: bool) -> str:
    if not codes:
        return label or name
    return f"{name} ({label})" if label and label != name else name


def _detail(out: _Writer, e: Explanation, heading: bool = True) -> None:
    lang = e.lang
    if heading:
        out.line("")
        out.line(out.bold(f"{word(lang, 'details')}:"))
    for d in e.decisions:
        if d.status == "decided":
            _decision(out, d, e)
        elif d.status == "undetermined":
            facts = ", ".join(f.name for f in d.missing)
            out.line(f"  {label_of(d.label or '', d.name)}: {word(lang, 'undetermined').lower()} ({facts})")
            _details(out, d, e)
        else:
            out.line(f"  {label_of(d.label or '', d.name)}: {word(lang, 'no_rule_short')}")
            _details(out, d, e)
    if e.handoffs:
        out.line("")
        out.line(f"{word(lang, 'handoffs')}:")
        for h in e.handoffs:
            _handoff(out, h, lang)
    if e.questions:
        out.line("")
        out.line(f"{word(lang, 'next_questions')}:")
        for n, q in enumerate(e.questions, 1):
            label = q.da if lang == "da" else q.en
            out.wrap(f"{n}. {q.fact}" + (f" ({label})" if label else ""), 2, 5)
            out.wrap(f"{word(lang, 'settles')}: {', '.join(q.settles)}", 5, 7)
    if e.notes:
        out.line("")
        out.line(f"{word(lang, 'also_relevant')}:")
        for note in e.notes:
            out.line(f"  {note.rule.rule_id} ({note.rule.citation})")
            if note.rule.explain:
                out.wrap(note.rule.explain, 6, 6)
            if note.rule.note:
                out.wrap(f"{word(lang, 'note')}: {note.rule.note}", 6, 6)
    if e.derived:
        out.line("")
        out.line(f"{word(lang, 'derived')}:")
        for x in e.derived:
            out.wrap(f"{x.name} = {display(x.shown)}  <- {x.expression}  [{x.span}]", 2, 6)
    if e.parameters:
        out.line("")
        out.line(f"{word(lang, 'parameters')}:")
        for p in e.parameters:
            flag = f" ({word(lang, 'overridden')})" if p.overridden else ""
            out.wrap(
                f"{p.name} = {display(p.shown)}{flag}; {word(lang, 'default_value')} {p.default}  [{p.span}]", 2, 6
            )
    used = facts_used(e)
    if used:
        out.line("")
        out.line(f"{word(lang, 'facts_used')}:")
        out.wrap(inputs_text(used, lang), 2, 4)


_STYLES = {"bold": "1", "good": "32", "open_": "33", "bad": "31", "warn": "33", "code": "36", "dim": "2"}


class _Writer:
    def __init__(self, lang: str, width: int, color: bool = False) -> None:
        self.lang = lang
        self.width = max(40, width)
        self.color = color
        self.lines: list[str] = []
        self.cited: set[str] = set()  # rules whose card (citation, quote, text) is already shown

    def _style(self, name: str, text: str) -> str:
        return f"\x1b[{_STYLES[name]}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._style("bold", text)

    def good(self, text: str) -> str:
        return self._style("good", text)

    def open_(self, text: str) -> str:
        return self._style("open_", text)

    def bad(self, text: str) -> str:
        return self._style("bad", text)

    def warn(self, text: str) -> str:
        return self._style("warn", text)

    def code(self, text: str) -> str:
        return self._style("code", text)

    def line(self, text: str) -> None:
        self.lines.append(text)

    def wrap(self, text: str, indent: int, hanging: int, style: Any = None) -> None:
        lines = textwrap.wrap(
            text,
            width=self.width,
            initial_indent=" " * indent,
            subsequent_indent=" " * hanging,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [" " * indent]
        if style is not None:
            lines = [line[: len(line) - len(line.lstrip())] + style(line.lstrip()) for line in lines]
        self.lines.extend(lines)

    def columns(self, label: str, left: int, value: str, middle: int, tail: str) -> None:
        """``label`` and ``value`` in columns, then ``tail`` (dimmed) where it fits, else on the next line."""
        head = f"  {label.ljust(left)}  "
        padded = value.ljust(middle) if tail else value
        if tail and len(head) + len(padded) + 2 + len(tail) <= self.width:
            self.lines.append(f"{head}{self.good(padded)}  {self.code(tail)}")
            return
        if len(head) + len(value) <= self.width:
            self.lines.append(f"{head}{self.good(value)}")
        else:  # a long value (a list) wraps under itself
            lines = textwrap.wrap(value, self.width - len(head), break_long_words=False, break_on_hyphens=False)
            self.lines.append(head + self.good(lines[0]))
            self.lines.extend(" " * len(head) + self.good(line) for line in lines[1:])
        if tail:
            self.wrap(tail, 6, 8, self.code)


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
    if d.calls:
        out.line(f"      {word(e.lang, 'calls').lower()}:")
        _calls(out, d.calls, e.lang, 8)
    _details(out, d, e)


CALLS_SHOWN = 12
"""At most this many calls of a decision (and of a call) are listed; the rest are counted."""


def _calls(out: _Writer, calls: Sequence[FunctionCall], lang: str, indent: int) -> None:
    """The calls of the policy's functions: ``name(parameter = value, ...) = result  [citation]``."""
    for call in calls[:CALLS_SHOWN]:
        arguments = ", ".join(f"{name} = {display(shown)}" for name, shown in call.arguments)
        label = f" ({call.label})" if call.label else ""
        cited = f"  [{call.citation}]" if call.citation else ""
        out.wrap(f"- {call.function}({arguments}) = {display(call.result)}{label}{cited}", indent, indent + 2)
        _calls(out, call.calls, lang, indent + 2)
    if len(calls) > CALLS_SHOWN:
        out.line(f"{' ' * indent}... {len(calls) - CALLS_SHOWN} {word(lang, 'more_calls')}")


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
        out.wrap(f"{word(lang, 'using')}: {inputs_text(step.inputs, lang)}", 6, 8)
    if step.factors:
        out.wrap(f"{word(lang, 'weigh')}: {', '.join(step.factors)}", 6, 8)
    if step.span:
        out.line(f"      [{step.span}]")


def _rule(out: _Writer, rule: Rule, lang: str) -> None:
    if rule.rule_id in out.cited:  # its card is above: the ID and the short citation say which
        out.wrap(f"{word(lang, 'by')} {rule.rule_id}: {rule.short or rule.citation} ({word(lang, 'see_above')})", 6, 9)
        return
    out.cited.add(rule.rule_id)
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
        out.wrap(f"{word(lang, 'using')}: {inputs_text(h.inputs, lang)}", 6, 8)


def _details(out: _Writer, d: Decision, e: Explanation) -> None:
    lang = e.lang
    if d.note:
        out.wrap(f"{word(lang, 'note')}: {d.note}", 6, 8)
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
        rules = ", ".join(dict.fromkeys(r.rule_id for step in unreached for r in step.rules))
        count = f"{len(unreached)} {word(lang, 'rows')}"
        out.wrap(f"{word(lang, 'not_reached').lower()}: {count}" + (f" [{rules}]" if rules else ""), 6, 8)


def _alternative(out: _Writer, step: Step, lang: str) -> None:
    """One other row, on one (wrapped) line: its value and rules, and the part of its condition that fails."""
    value = display(step.value) if step.value is not None else ""
    rules = f" [{', '.join(r.rule_id for r in step.rules)}]" if step.rules else ""
    if step.outcome == "not_reached":
        condition = f" {word(lang, 'when')} {step.condition}" if step.condition else otherwise(lang, step)
        out.wrap(f"- {value}{condition}{rules}", 8, 10)
        return
    if step.failing:
        parts = "; ".join(
            f"{part.condition} ({holds_text(lang, part.holds)}"
            + (f": {inputs_text(part.inputs, lang)}" if part.inputs else "")
            + ")"
            for part in step.failing
        )
        out.wrap(f"- {value}{rules}: {needs_text(lang, step)} {parts}", 8, 10)
        return
    condition = f" {word(lang, 'when')} {step.condition}" if step.condition else otherwise(lang, step)
    out.wrap(f"- {value}{condition}{rules}: {outcome_text(lang, step)}", 8, 10)
    if step.inputs and step.outcome != "overridden":
        out.wrap(f"{word(lang, 'using')}: {inputs_text(step.inputs, lang)}", 10, 12)

"""Render an explanation as Markdown (CommonMark), for case files, tickets and documentation.

Every text that comes from a policy or a fact set is escaped: punctuation that Markdown
would read as markup (``*``, ``_``, ``[``, ``<``, ``&``...) is backslash-escaped, so no
value can turn into a link, emphasis or raw HTML; source text (conditions, fact names,
values) goes into code spans. What to show is decided by :func:`policylang.explain`.

>>> md("a *b* <i>")
'a \\\\*b\\\\* \\\\<i\\\\>'
>>> code("x `y`")
'`` x `y` ``'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from policylang.engine.result import Result
from policylang.explanation.model import EXPRESSION, Decision, Explanation, FunctionCall, Input, Rule, Shown, Step
from policylang.explanation.render.common import (
    assumed_mark,
    citizen_reasons,
    explanation_of,
    headline,
    holds_text,
    needs_text,
    otherwise,
    outcome_text,
    settled_word,
)
from policylang.explanation.words import word

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&~])")
_LEADING = re.compile(r"^([-+=]|\d+(?=[.)]))")
_PIPE = re.compile(r"(?<!\\)\|")  # a pipe that would end a table cell, in a code span too


def md(text: str) -> str:
    """Plain text made safe for Markdown: one line, markup characters escaped, and a
    leading list or heading marker escaped so that the text never starts a block."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _LEADING.sub(lambda m: "\\" + m.group(1) if not m.group(1).isdigit() else m.group(1) + "\\", escaped)


def code(text: str) -> str:
    """A code span that shows ``text`` exactly, whatever backticks it holds."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(
    result: Result,
    *,
    policy: Any = None,
    lang: str = "en",
    audience: str = "caseworker",
    decisions: Sequence[str] | None = None,
    why_not: bool = False,
) -> str:
    """The result's explanation as Markdown (the result carries its program; ``policy`` is optional)."""
    e = explanation_of(result, policy, lang=lang, audience=audience, decisions=decisions, why_not=why_not)
    return format_markdown(e)


def format_markdown(e: Explanation) -> str:
    """An explanation as a Markdown document."""
    if e.audience == "citizen":
        return _citizen(e)
    lang = e.lang
    out: list[str] = [f"# {md(e.title or e.policy)}", ""]
    meta = f"{md(word(lang, 'policy'))} {code(e.policy)}"
    if e.version and e.audience == "auditor":
        meta += f", {md(word(lang, 'version'))} {code(e.version)}"
    out += [meta, ""]
    for w in e.warnings:
        out += [f"> **{md(word(lang, 'warning'))}:** {md(w)}", ""]
    out += _summary(e)
    if e.assumed:
        out += [f"## {md(word(lang, 'assumed_heading'))}", ""]
        out += [f"- {md(i.label) + ' ' if i.label else ''}{code(i.name)} = {_value(i.shown)}" for i in e.assumed]
        out.append("")
    cited: set[str] = set()
    for d in e.decisions:
        _decision(out, d, e, cited)
    if e.handoffs:
        out += [f"## {md(word(lang, 'handoffs'))}", ""]
        for h in e.handoffs:
            head = f"- {code(h.policy)}"
            if h.status != "applies":
                head += (
                    f" \u2014 {md(word(lang, 'handoff_undetermined'))}: {', '.join(code(f.name) for f in h.missing)}"
                )
            out.append(head)
            for rule in h.rules:
                out += ["", *_rule(rule, lang, "  - ", cited)]
            if h.note:
                out += ["", f"  {md(h.note)}"]
            if h.inputs:
                out += ["", f"  {md(word(lang, 'using')).capitalize()}: {_inputs(h.inputs, lang)}"]
        out.append("")
    if e.questions:
        out += [f"## {md(word(lang, 'next_questions'))}", ""]
        for n, q in enumerate(e.questions, 1):
            labels = " / ".join(md(x) for x in (q.da, q.en) if x)
            out.append(f"{n}. {code(q.fact)}" + (f" {labels}" if labels else ""))
            out.append(f"   \u2014 {md(word(lang, 'settles'))}: {', '.join(code(s) for s in q.settles)}")
            if q.options:
                answers = ", ".join(f"{code(_json(o.value))} {md(o.label(lang))}" for o in q.options)
                out.append(f"   \u2014 {md(word(lang, 'answers'))}: {answers}")
        out.append("")
    if e.notes:
        out += [f"## {md(word(lang, 'also_relevant'))}", ""]
        for note in e.notes:
            out.extend(_rule(note.rule, lang, "- "))
        out.append("")
    if e.derived:
        out += [f"## {md(word(lang, 'derived'))}", ""]
        for x in e.derived:
            out.append(f"- {code(x.name)} = {_value(x.shown)} \u2190 {code(x.expression)} ({code(x.span or '')})")
        out.append("")
    if e.parameters:
        out += [f"## {md(word(lang, 'parameters'))}", ""]
        for p in e.parameters:
            flag = f" **{md(word(lang, 'overridden'))}**" if p.overridden else ""
            label = f" {md(p.label)}" if p.label else ""
            out.append(
                f"- {code(p.name)}{label} = {_value(p.shown)}{flag}; "
                f"{md(word(lang, 'default_value'))} {code(p.default)} ({code(p.span or '')})"
            )
        out.append("")
    used: dict[str, Input] = {}
    for d in e.decisions:
        for i in d.facts:
            used.setdefault(i.name, i)
    if used:
        out += [f"## {md(word(lang, 'facts_used'))}", ""]
        out += [
            f"- {md(i.label) + ' ' if i.label else ''}{code(i.name)} = {_value(i.shown)}{_mark(i, lang)}"
            for i in used.values()
        ]
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _summary(e: Explanation) -> list[str]:
    """A table of every decision at a glance: its value and the rules that decided it."""
    lang, codes = e.lang, e.audience != "citizen"
    rows = [
        f"| {md(word(lang, 'decision'))} | {md(word(lang, 'value'))} | {md(word(lang, 'legal_basis'))} |",
        "| --- | --- | --- |",
    ]
    for d in e.decisions:
        if d.status == "decided" and d.value is not None:
            value = _value(d.value) if codes else md(d.value.text)
        elif d.status == "undetermined":
            value = f"*{md(word(lang, 'undetermined'))}*: " + ", ".join(code(f.name) for f in d.missing)
        else:
            value = f"*{md(word(lang, 'no_rule_short'))}*"
        rules: dict[str, Rule] = {}
        for step in d.steps:
            for r in step.rules:
                rules.setdefault(r.rule_id, r)
        basis = "; ".join(f"{md(r.rule_id)} {md(r.short)}" if codes else md(r.short) for r in rules.values())
        cells = (md(d.label or d.name), value, basis)
        rows.append("| " + " | ".join(_PIPE.sub(r"\\|", cell) for cell in cells) + " |")
    return [*rows, ""]


def _json(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _calls(calls: Sequence[FunctionCall], indent: str) -> list[str]:
    """The calls of the policy's functions as a nested list: ``name(parameter = value) = result``."""
    lines = []
    for call in calls:
        arguments = ", ".join(f"{code(name)} = {_value(shown)}" for name, shown in call.arguments)
        label = f" ({md(call.label)})" if call.label else ""
        cited = f", {md(call.citation)}" if call.citation else ""
        lines.append(f"{indent}- {code(call.function)}({arguments}) = {_value(call.result)}{label}{cited}")
        lines.extend(_calls(call.calls, indent + "  "))
    return lines


def _value(shown: Shown) -> str:
    if shown.state == EXPRESSION:
        return code(shown.code)
    if not shown.known:
        return f"*{md(shown.text)}*"
    if shown.text == shown.code:
        return code(shown.code) if shown.code else code('""')
    return f"{md(shown.text)} ({code(shown.code)})"


def _mark(i: Input, lang: str | None) -> str:
    """`` (assumed)`` after the value of a fact whose default was used."""
    mark = assumed_mark(i, lang)
    return f" {md(mark.strip())}" if mark else ""


def _inputs(inputs: Iterable[Input], lang: str | None = None) -> str:
    return "; ".join(
        f"{md(i.label) + ' ' if i.label else ''}{code(i.name)} = {_value(i.shown)}{_mark(i, lang)}" for i in inputs
    )


def _rule(rule: Rule, lang: str, bullet: str, cited: set[str] | None = None) -> list[str]:
    if cited is not None and rule.rule_id in cited:  # its card is above
        return [f"{bullet}**{md(rule.rule_id)}** {md(rule.short or rule.citation)} ({md(word(lang, 'see_above'))})"]
    if cited is not None:
        cited.add(rule.rule_id)
    head = f"**{md(rule.rule_id)}** {md(rule.citation)}"
    if rule.force:
        head += f" ({md(rule.force)})"
    if rule.title:
        head += f" \u2014 *{md(rule.title)}*"
    marks = [m for m in (rule.provenance, word(lang, "inferred") if rule.inferred else None) if m]
    if marks:
        head += f" \\[{md(', '.join(marks))}\\]"
    if rule.span:
        head += f" {code(rule.span)}"
    pad = " " * len(bullet)
    lines = [f"{bullet}{head}"]
    if rule.quote:
        lines += ["", f"{pad}> \u00bb{md(rule.quote)}\u00ab"]
    if rule.explain:
        lines += ["", f"{pad}{md(rule.explain)}"]
    if rule.note:
        lines += ["", f"{pad}*{md(word(lang, 'note'))}:* {md(rule.note)}"]
    return lines


def _decision(out: list[str], d: Decision, e: Explanation, cited: set[str]) -> None:
    lang = e.lang
    title = md(d.label) if d.label else code(d.name)
    if d.status == "decided" and d.value is not None:
        out += [f"## {title}: {_value(d.value)}", ""]
    elif d.status == "undetermined":
        out += [f"## {title}: *{md(word(lang, 'undetermined'))}*", ""]
    else:
        out += [f"## {title}: *{md(word(lang, 'no_rule'))}*", ""]
    meta = code(d.name)
    if d.span:
        meta += f" {code(d.span)}"
    out += [meta, ""]
    if d.missing:
        facts = "; ".join(f"{md(f.label(lang) or '')} {code(f.name)}".strip() for f in d.missing)
        out += [f"{md(word(lang, 'waits_for')).capitalize()}: {facts}", ""]
    if d.settled is not None:
        facts = "; ".join(f"{md(f.label(lang) or '')} {code(f.name)}".strip() for f in d.settled.facts)
        cases = f"({d.settled.cases} {md(word(lang, 'combinations'))})"
        out += [f"{md(word(lang, settled_word(d.settled))).capitalize()} {facts} {cases}", ""]
        for rule in d.settled.rules:
            out.extend(_rule(rule, lang, "- ", cited))
        out.append("")
    for step in d.steps:
        out.extend(_step(step, d, lang, cited))
        out.append("")
    if d.calls:
        out += [f"**{md(word(lang, 'calls'))}:**", ""]
        out.extend(_calls(d.calls, ""))
        out.append("")
    if d.note:
        out += [f"*{md(word(lang, 'note'))}:* {md(d.note)}", ""]
    if d.open:
        out += [f"**{md(word(lang, 'open'))}:**", ""]
        for step in d.open:
            out.extend(_alternative(step, lang))
        out.append("")
    reached = [s for s in d.alternatives if s.outcome != "not_reached"]
    unreached = [s for s in d.alternatives if s.outcome == "not_reached"]
    if reached:
        out += [f"**{md(word(lang, 'why_not'))}:**", ""]
        for step in reached:
            out.extend(_alternative(step, lang))
        out.append("")
    if unreached:
        rules = ", ".join(dict.fromkeys(md(r.rule_id) for step in unreached for r in step.rules))
        count = f"{len(unreached)} {md(word(lang, 'rows'))}"
        out += [f"*{md(word(lang, 'not_reached'))}:* {count}" + (f" ({rules})" if rules else ""), ""]


def _step(step: Step, d: Decision, lang: str, cited: set[str]) -> list[str]:
    head = []
    if d.kind == "collect" and step.value is not None:
        head.append(f"\\+ {_value(step.value)}")
    if step.condition is not None:
        head.append(f"{md(word(lang, 'when'))} {code(step.condition)}")
    if step.outcome == "default":
        head.append(f"*{md(word(lang, 'default'))}*")
    if not head:
        head.append(md(word(lang, "decided_by" if step.rules else "fired")))
    if step.span:
        head.append(code(step.span))
    lines = [f"- {' '.join(head)}"]
    for rule in step.rules:
        lines.extend(_rule(rule, lang, "  - ", cited))
    pad = "  "
    if step.inputs:
        lines += ["", f"{pad}{md(word(lang, 'using')).capitalize()}: {_inputs(step.inputs, lang)}"]
    if step.factors:
        lines += ["", f"{pad}{md(word(lang, 'factors'))}: {', '.join(md(f) for f in step.factors)}"]
    return lines


def _alternative(step: Step, lang: str) -> list[str]:
    value = _value(step.value) if step.value is not None else ""
    when = f" {md(word(lang, 'when'))} {code(step.condition)}" if step.condition else otherwise(lang, step, md)
    rules = f" ({', '.join(md(r.rule_id) for r in step.rules)})" if step.rules else ""
    if step.outcome == "not_reached":
        return [f"- {value}{when}{rules}"]
    lines = [f"- {value}{when}{rules}: {md(outcome_text(lang, step))}"]
    if step.failing:
        lines.append(f"  - {md(needs_text(lang, step))}:")
        for part in step.failing:
            values = f": {_inputs(part.inputs, lang)}" if part.inputs else ""
            lines.append(f"    - {code(part.condition)} ({md(holds_text(lang, part.holds))}){values}")
    elif step.inputs and step.outcome != "overridden":
        lines.append(f"  - {md(word(lang, 'using'))}: {_inputs(step.inputs, lang)}")
    return lines


def _citizen(e: Explanation) -> str:
    """A citizen's explanation: what was decided, why in words, the legal basis, what happens next, how to complain."""
    lang = e.lang
    out: list[str] = [f"# {md(e.title or '')}", ""] if e.title else []
    for w in e.warnings:
        out += [f"> {md(w)}", ""]
    decided = [d for d in e.decisions if d.status == "decided" and d.value is not None]
    if decided:
        out += [f"## {md(word(lang, 'citizen_decided'))}", ""]
        for d in decided:
            assert d.value is not None
            out.append(f"- **{md(d.label or d.name)}:** {md(d.value.text)}")
        out.append("")
    open_ = [d for d in e.decisions if d.status != "decided"]
    if open_:
        out += [f"## {md(word(lang, 'citizen_open'))}", ""]
        for d in open_:
            needs = ", ".join(md(f.label(lang) or f.name) for f in d.missing) or md(word(lang, "citizen_more"))
            out.append(f"- **{md(d.label or d.name)}:** {md(word(lang, 'citizen_needs').lower())} {needs}")
        out.append("")
    if e.assumed:
        out += [f"## {md(word(lang, 'citizen_assumed'))}", "", md(word(lang, "citizen_assumed_text")), ""]
        out += [f"- **{md(i.label or i.name)}:** {md(i.shown.text)}" for i in e.assumed]
        out.append("")
    reasons = citizen_reasons(e)
    if reasons:
        out += [f"## {md(word(lang, 'citizen_why'))}", ""]
        for reason in reasons:
            out += [f"### {md(headline(reason))}", ""]
            for text in reason.texts:
                out += [md(text), ""]
            if reason.basis:
                out += [f"*{md(word(lang, 'citizen_basis'))}:* {md(reason.basis)}", ""]
    if e.questions:
        out += [f"## {md(word(lang, 'citizen_questions'))}", ""]
        out += [f"- {md((q.da if lang == 'da' else q.en) or q.da or q.en or q.fact)}" for q in e.questions]
        out.append("")
    for key, closing in (("citizen_next", e.next_steps), ("citizen_complaint", e.complaint)):
        if closing:
            out += [f"## {md(word(lang, key))}", "", md(closing), ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"

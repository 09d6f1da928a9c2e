"""Render an explanation as a self-contained HTML fragment an application can put in its pages.

The fragment is one ``<div class="policylang-explanation">`` with its own ``<style>``:

* self-contained: no scripts, no external fonts, images or style sheets; its ``id``
  attributes (anchors of decisions and rule cards) start with a prefix made from the
  explanation itself (or given), so two fragments can sit on one page;
* at a glance: a summary table of the decisions comes first; each rule's card (its
  citation, the source's words, the explanation text) is shown once, and later
  references to the rule link to it; the facts used are listed once, at the end;
* scoped: every style rule starts with the root's class ``plx``, so the fragment does not restyle
  the page it is put in;
* safe: every text from the policy, the fact set or the result goes through
  :func:`html.escape`, attribute values included;
* readable without styles: decisions are headings, rules are paragraphs with a
  ``<cite>`` and a ``<blockquote lang="da">`` of the source's own words, and the detail
  (conditions, the values read, the facts used, why not something else) sits in
  ``<details>``/``<summary>`` elements that open on a click.

What to show is decided by :func:`policylang.explain`; this module only formats it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from policylang.engine.result import Result
from policylang.explanation.model import (
    EXPLANATION_FORMAT,
    EXPRESSION,
    Decision,
    Explanation,
    FunctionCall,
    Input,
    Rule,
    Shown,
    Step,
)
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

ROOT = "policylang-explanation"
SCOPE = "plx"  # the root's second class: every style rule starts with it

STYLE = (
    """
.R{--plx-ink:#1d2430;--plx-muted:#5b6472;--plx-line:#d5dae1;--plx-soft:#f4f6f8;--plx-accent:#1f5fa8;
  --plx-good:#1e6b3a;--plx-warn:#8a5a00;--plx-bad:#9b2c2c;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  font-size:15px;line-height:1.5;color:var(--plx-ink);background:#fff;text-align:left;
  max-width:60rem;box-sizing:border-box;padding:1rem 1.25rem;border:1px solid var(--plx-line);border-radius:8px}
.R *{box-sizing:border-box}
.R h2,.R h3,.R h4,.R p,.R ul,.R ol,.R blockquote,.R table{margin:0 0 .5rem 0;padding:0}
.R h2{font-size:1.35rem;font-weight:650;line-height:1.25}
.R h3{font-size:1.1rem;font-weight:650;line-height:1.3;display:flex;flex-wrap:wrap;gap:.25rem .6rem;
  align-items:baseline}
.R h4{font-size:.95rem;font-weight:650;margin-top:.75rem}
.R code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;
  background:var(--plx-soft);border-radius:4px;padding:.05em .3em;overflow-wrap:anywhere}
.R .plx-meta{color:var(--plx-muted);font-size:.9rem}
.R .plx-warning{border-left:4px solid var(--plx-warn);background:#fff8e6;padding:.4rem .75rem}
.R .plx-decision{border-top:1px solid var(--plx-line);padding-top:.75rem;margin-top:.75rem}
.R .plx-value{font-weight:700;color:var(--plx-accent)}
.R .plx-undetermined .plx-value{color:var(--plx-warn)}
.R .plx-no_rule .plx-value{color:var(--plx-bad)}
.R .plx-withheld{font-style:italic;color:var(--plx-muted);font-weight:400}
.R .plx-steps{list-style:none}
.R .plx-steps>li{margin:.35rem 0 .6rem 0}
.R .plx-rule{margin:.2rem 0 .4rem 0}
.R .plx-rule-id{font-weight:650}
.R cite{font-style:normal}
.R .plx-force{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--plx-muted);
  border:1px solid var(--plx-line);border-radius:999px;padding:0 .45rem}
.R blockquote{border-left:3px solid var(--plx-accent);background:var(--plx-soft);padding:.35rem .75rem;
  font-style:italic}
.R .plx-explain{font-weight:500}
.R .plx-note{color:var(--plx-muted);font-size:.9rem}
.R details{margin:.4rem 0 .2rem 0}
.R summary{cursor:pointer;color:var(--plx-accent);font-weight:600;width:max-content;max-width:100%}
.R details>div{border-left:2px solid var(--plx-line);padding:.25rem 0 .25rem .9rem;margin:.3rem 0 0 .2rem}
.R table{border-collapse:collapse;width:100%;font-size:.92rem}
.R th,.R td{border-bottom:1px solid var(--plx-line);padding:.25rem .5rem .25rem 0;text-align:left;
  vertical-align:top;font-weight:400}
.R th{color:var(--plx-muted)}
.R .plx-alternatives{padding-left:1.1rem}
.R .plx-alternatives li{margin:.3rem 0}
.R .plx-failing{padding-left:1.1rem;list-style:disc}
.R .plx-questions ol{padding-left:1.4rem}
.R .plx-steps>li ul{padding-left:1.2rem}
.R .plx-questions,.R .plx-notes,.R .plx-audit{border-top:1px solid var(--plx-line);padding-top:.75rem;margin-top:.75rem}
.R .plx-question-labels{color:var(--plx-muted)}
.R .plx-summary{margin:.5rem 0 1rem 0}
.R .plx-summary td:first-child a{color:inherit}
.R .plx-summary .plx-open{color:var(--plx-warn);font-weight:600}
.R .plx-rule-ref{margin:.2rem 0}
.R .plx-rule-ref a{color:var(--plx-accent)}
.R .plx-facts{border-top:1px solid var(--plx-line);padding-top:.75rem;margin-top:.75rem}
""".replace(".R", f".{SCOPE}")
    .replace("\n  ", "")
    .strip()
)


def esc(text: Any) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def render_html(
    result: Result,
    *,
    policy: Any = None,
    lang: str = "en",
    audience: str = "caseworker",
    decisions: Sequence[str] | None = None,
    why_not: bool = False,
) -> str:
    """The result's explanation as an HTML fragment (the result carries its program; ``policy`` is optional)."""
    e = explanation_of(result, policy, lang=lang, audience=audience, decisions=decisions, why_not=why_not)
    return format_html(e)


def format_html(e: Explanation, *, id_prefix: str | None = None) -> str:
    """An explanation as a self-contained, escaped HTML fragment.

    ``id_prefix`` starts every ``id`` in the fragment (by default a short hash of the
    explanation, so that fragments of different explanations on one page do not clash).

    >>> from policylang.explanation.model import Explanation
    >>> fragment = format_html(Explanation("p", "<b>", "en", "citizen", False, ()))
    >>> "&lt;b&gt;" in fragment and "<b>" not in fragment
    True
    """
    lang = e.lang
    if e.audience == "citizen":
        return _citizen(e)
    cards = _Cards(id_prefix or _prefix(e), lang)
    out: list[str] = [
        f'<div class="{ROOT} {SCOPE} plx-audience-{esc(e.audience)}" lang="{esc(lang)}" '
        f'data-format="{esc(EXPLANATION_FORMAT)}" data-policy="{esc(e.policy)}">',
        f"<style>{STYLE}</style>",
        '<header class="plx-header">',
        f'<h2 class="plx-title">{esc(e.title or e.policy)}</h2>',
    ]
    meta = f"{esc(word(lang, 'policy'))} <code>{esc(e.policy)}</code>"
    if e.version and e.audience == "auditor":
        meta += f" &middot; {esc(word(lang, 'version'))} <code>{esc(e.version)}</code>"
    out.append(f'<p class="plx-meta">{meta}</p>')
    out.append("</header>")
    for w in e.warnings:
        out.append(f'<p class="plx-warning" role="note">{esc(w)}</p>')
    out.extend(_summary(e, cards))
    if e.assumed:
        out.append('<section class="plx-assumed">')
        out.append(f"<h3>{esc(word(lang, 'assumed_heading'))}</h3>")
        out.append(_inputs_table(e.assumed, True))
        out.append("</section>")
    for d in e.decisions:
        _decision(out, d, e, cards)
    if e.handoffs:
        codes = e.audience != "citizen"
        out.append('<section class="plx-handoffs">')
        out.append(f"<h3>{esc(word(lang, 'handoffs'))}</h3><ul>")
        for h in e.handoffs:
            out.append(f'<li class="plx-handoff plx-{esc(h.status)}"><code>{esc(h.policy)}</code>')
            if h.status != "applies":
                missing = ", ".join(f"<code>{esc(f.name)}</code>" for f in h.missing)
                out.append(f"({esc(word(lang, 'handoff_undetermined'))}: {missing})")
            for rule in h.rules:
                out.extend(cards.rule(rule))
            if h.note:
                out.append(f'<p class="plx-note">{esc(h.note)}</p>')
            if h.inputs:
                out.append(f"<p>{esc(word(lang, 'using').capitalize())}: {_inputs_inline(h.inputs, codes, lang)}</p>")
            out.append("</li>")
        out.append("</ul></section>")
    if e.questions:
        out.append('<section class="plx-questions">')
        out.append(f"<h3>{esc(word(lang, 'next_questions'))}</h3><ol>")
        for q in e.questions:
            labels = " / ".join(esc(x) for x in (q.da, q.en) if x)
            settles = ", ".join(f"<code>{esc(s)}</code>" for s in q.settles)
            out.append(
                f"<li><strong>{esc(q.label(lang))}</strong> <code>{esc(q.fact)}</code> "
                f'<span class="plx-question-labels">({labels})</span><br>'
                f"{esc(word(lang, 'settles'))}: {settles}"
            )
            if q.options:
                answers = ", ".join(esc(o.label(lang)) for o in q.options)
                out.append(f"<br>{esc(word(lang, 'answers'))}: {answers}")
            out.append("</li>")
        out.append("</ol></section>")
    if e.notes:
        out.append('<section class="plx-notes">')
        out.append(f"<h3>{esc(word(lang, 'also_relevant'))}</h3>")
        for note in e.notes:
            out.extend(cards.rule(note.rule))
        out.append("</section>")
    if e.derived or e.parameters:
        out.append('<section class="plx-audit">')
        if e.derived:
            out.append(f"<h3>{esc(word(lang, 'derived'))}</h3><table>")
            for x in e.derived:
                out.append(
                    f"<tr><th><code>{esc(x.name)}</code></th><td>{_value(x.shown)}</td>"
                    f"<td><code>{esc(x.expression)}</code></td><td><code>{esc(x.span or '')}</code></td></tr>"
                )
            out.append("</table>")
        if e.parameters:
            out.append(f"<h3>{esc(word(lang, 'parameters'))}</h3><table>")
            for p in e.parameters:
                flag = f" <strong>{esc(word(lang, 'overridden'))}</strong>" if p.overridden else ""
                out.append(
                    f"<tr><th><code>{esc(p.name)}</code> {esc(p.label or '')}</th><td>{_value(p.shown)}{flag}</td>"
                    f"<td>{esc(word(lang, 'default_value'))} <code>{esc(p.default)}</code></td>"
                    f"<td><code>{esc(p.span or '')}</code></td></tr>"
                )
            out.append("</table>")
        out.append("</section>")
    used: dict[str, Input] = {}
    for d in e.decisions:
        for i in d.facts:
            used.setdefault(i.name, i)
    if used:
        out.append('<section class="plx-facts">')
        out.append(f"<h3>{esc(word(lang, 'facts_used'))}</h3>")
        out.append(_inputs_table(used.values(), e.audience != "citizen", lang))
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out) + "\n"


def _prefix(e: Explanation) -> str:
    """A short prefix for the fragment's ids, from what the explanation is of."""
    import hashlib

    key = "|".join(
        [e.policy, e.lang, e.audience, *(f"{d.name}={d.value.code if d.value else d.status}" for d in e.decisions)]
    )
    return "p" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:6]


class _Cards:
    """The rule cards of one fragment: each rule's card once, and links to it after that."""

    def __init__(self, prefix: str, lang: str) -> None:
        self.prefix = prefix
        self.lang = lang
        self.shown: set[str] = set()

    def anchor(self, kind: str, name: str) -> str:
        return f"{self.prefix}-{kind}-{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)}"

    def rule(self, rule: Rule) -> list[str]:
        if rule.rule_id in self.shown:
            cite = f" <cite>{esc(rule.short or rule.citation)}</cite>"
            return [
                f'<p class="plx-rule-ref"><a href="#{esc(self.anchor("r", rule.rule_id))}">'
                f'<span class="plx-rule-id">{esc(rule.rule_id)}</span></a>{cite}</p>'
            ]
        self.shown.add(rule.rule_id)
        return _rule(rule, self.lang, self.anchor("r", rule.rule_id))


def _summary(e: Explanation, cards: _Cards) -> list[str]:
    """The summary table: every decision, its value, and the rules that decided it."""
    lang, codes = e.lang, e.audience != "citizen"
    out = [
        '<table class="plx-summary">',
        f"<thead><tr><th>{esc(word(lang, 'decision'))}</th><th>{esc(word(lang, 'value'))}</th>"
        f"<th>{esc(word(lang, 'legal_basis'))}</th></tr></thead><tbody>",
    ]
    for d in e.decisions:
        if d.status == "decided" and d.value is not None:
            value = _value(d.value, codes) if not d.value.known or codes else esc(d.value.text)
            cell = '<td class="plx-value">'
        else:
            value = esc(word(lang, "undetermined" if d.status == "undetermined" else "no_rule_short"))
            cell = '<td class="plx-open">'
        rules: dict[str, Rule] = {}
        for step in d.steps:
            for r in step.rules:
                rules.setdefault(r.rule_id, r)
        basis = "; ".join(
            (f"{esc(r.rule_id)} " if codes else "") + f"<cite>{esc(r.short or r.citation)}</cite>"
            for r in rules.values()
        )
        label = f'<a href="#{esc(cards.anchor("d", d.name))}">{esc(d.label or d.name)}</a>'
        out.append(f"<tr><td>{label}</td>{cell}{value}</td><td>{basis}</td></tr>")
    out.append("</tbody></table>")
    return out


def _calls(calls: Sequence[FunctionCall]) -> list[str]:
    """The calls of the policy's functions as a nested list (for staff: a citizen's explanation has none)."""
    out = ['<ul class="plx-calls">']
    for call in calls:
        arguments = ", ".join(f"<code>{esc(name)}</code> = {_value(shown)}" for name, shown in call.arguments)
        label = f" ({esc(call.label)})" if call.label else ""
        cited = f" <cite>{esc(call.citation)}</cite>" if call.citation else ""
        out.append(f"<li><code>{esc(call.function)}</code>({arguments}) = {_value(call.result)}{label}{cited}")
        if call.calls:
            out.extend(_calls(call.calls))
        out.append("</li>")
    out.append("</ul>")
    return out


def _value(shown: Shown, codes: bool = True) -> str:
    """A value: its label, and (unless ``codes`` is false) how a fact file writes it."""
    if shown.state == EXPRESSION:
        return f"<code>{esc(shown.code)}</code>"
    if not shown.known:
        return f'<span class="plx-withheld">{esc(shown.text)}</span>'
    if shown.text == shown.code:
        return f"<code>{esc(shown.code)}</code>" if shown.code != "" else '<code>""</code>'
    if not codes:
        return esc(shown.text)
    return f"{esc(shown.text)} <code>{esc(shown.code)}</code>"


def _inputs_table(inputs: Iterable[Input], codes: bool, lang: str | None = None) -> str:
    rows = []
    for i in inputs:
        if codes:
            head = f"<th>{esc(i.label or '')}</th><td><code>{esc(i.name)}</code></td>"
        else:
            head = f"<th>{esc(i.label)}</th>" if i.label else f"<th><code>{esc(i.name)}</code></th>"
        rows.append(f"<tr>{head}<td>{_value(i.shown, codes)}{_assumed(i, lang)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _assumed(i: Input, lang: str | None) -> str:
    """`` <em>(assumed)</em>`` after the value of a fact whose default was used."""
    mark = assumed_mark(i, lang).strip()
    return f' <em class="plx-assumed">{esc(mark)}</em>' if mark else ""


def _inputs_inline(inputs: Iterable[Input], codes: bool, lang: str | None = None) -> str:
    return "; ".join(
        f"{esc(i.label) if i.label and not codes else f'<code>{esc(i.name)}</code>'} = {_value(i.shown, codes)}"
        f"{_assumed(i, lang)}"
        for i in inputs
    )


def _rule(rule: Rule, lang: str, anchor: str | None = None) -> list[str]:
    head = [f'<span class="plx-rule-id">{esc(rule.rule_id)}</span>', f"<cite>{esc(rule.citation)}</cite>"]
    if rule.force:
        head.append(f'<span class="plx-force">{esc(rule.force)}</span>')
    if rule.title:
        head.append(esc(rule.title))
    marks = [m for m in (rule.provenance, word(lang, "inferred") if rule.inferred else None) if m]
    if marks:
        head.append(f'<span class="plx-meta">[{esc(", ".join(marks))}]</span>')
    if rule.span:
        head.append(f"<code>{esc(rule.span)}</code>")
    where = f' id="{esc(anchor)}"' if anchor else ""
    lines = [f'<div class="plx-rule"{where}>', f"<p>{' '.join(head)}</p>"]
    if rule.explain:
        lines.append(f'<p class="plx-explain">{esc(rule.explain)}</p>')
    if rule.quote:
        lines.append(f'<blockquote lang="da">{esc(rule.quote)}</blockquote>')
    if rule.note:
        lines.append(f'<p class="plx-note">{esc(word(lang, "note"))}: {esc(rule.note)}</p>')
    lines.append("</div>")
    return lines


def _decision(out: list[str], d: Decision, e: Explanation, cards: _Cards) -> None:
    lang = e.lang
    codes = e.audience != "citizen"  # a citizen reads labels; names and codes are for staff
    anchor = esc(cards.anchor("d", d.name))
    out.append(f'<section class="plx-decision plx-{esc(d.status)}" id="{anchor}" data-decision="{esc(d.name)}">')
    if d.status == "decided" and d.value is not None:
        value = f'<span class="plx-value">{_value(d.value) if not d.value.known else esc(d.value.text)}</span>'
    else:
        status = word(lang, "undetermined" if d.status == "undetermined" else "no_rule")
        value = f'<span class="plx-value">{esc(status)}</span>'
    out.append(f"<h3>{esc(d.label or d.name)} {value}</h3>")
    # the decision's name and where it is written (its value's code is in the summary's row)
    meta = f"<code>{esc(d.name)}</code>" + (f" <code>{esc(d.span)}</code>" if d.span else "")
    if codes:
        out.append(f'<p class="plx-meta">{meta}</p>')
    if d.missing:
        facts = ", ".join(f"{esc(f.label(lang) or f.name)} <code>{esc(f.name)}</code>" for f in d.missing)
        out.append(f"<p>{esc(word(lang, 'waits_for')).capitalize()}: {facts}</p>")
    if d.settled is not None:
        facts = ", ".join(f"{esc(f.label(lang) or f.name)} <code>{esc(f.name)}</code>" for f in d.settled.facts)
        out.append(
            f'<p class="plx-settled">{esc(word(lang, settled_word(d.settled)).capitalize())} {facts} '
            f"({d.settled.cases} {esc(word(lang, 'combinations'))})</p>"
        )
        for rule in d.settled.rules:
            out.extend(cards.rule(rule))
    items = []
    for step in d.steps:  # a step that shows nothing (a row without rules) is no item of the list
        item = []
        if d.kind == "collect" and step.value is not None:
            item.append(f"<p>+ {_value(step.value, codes)}</p>")
        for rule in step.rules:
            item.extend(cards.rule(rule))
        if step.factors:
            factors = "".join(f"<li>{esc(f)}</li>" for f in step.factors)
            item.append(f"<p>{esc(word(lang, 'factors'))}:</p><ul>{factors}</ul>")
        if item:
            items.extend(["<li>", *item, "</li>"])
    if items:
        out.extend(['<ol class="plx-steps">', *items, "</ol>"])
    if d.note:
        out.append(f'<p class="plx-note">{esc(word(lang, "note"))}: {esc(d.note)}</p>')
    details = _details(d, lang, codes)
    if details:  # no disclosure that opens on nothing
        out.extend(
            ["<details>", f"<summary>{esc(word(lang, 'details'))}</summary>", "<div>", *details, "</div></details>"]
        )
    out.append("</section>")


def _details(d: Decision, lang: str, codes: bool) -> list[str]:
    """What a decision's "Details" disclosure holds: conditions, facts used, calls, open and other rows."""
    out: list[str] = []
    for step in d.steps:
        if step.condition is not None or step.inputs:
            heading = word(lang, "condition") if step.condition is not None else word(lang, "using").capitalize()
            out.append(f"<h4>{esc(heading)}</h4>")
            if step.condition is not None:
                out.append(f"<p><code>{esc(step.condition)}</code> ({esc(holds_text(lang, step.holds))})</p>")
            elif step.outcome == "default":
                out.append(f"<p>{esc(word(lang, 'default'))}</p>")
            if step.span:
                out.append(f'<p class="plx-meta"><code>{esc(step.span)}</code></p>')
            if step.inputs:
                using = _inputs_inline(step.inputs, codes, lang)
                out.append(f"<p>{esc(word(lang, 'using').capitalize())}: {using}</p>")
    if d.calls:
        out.append(f"<h4>{esc(word(lang, 'calls'))}</h4>")
        out.extend(_calls(d.calls))
    if d.open:
        out.append(f"<h4>{esc(word(lang, 'open'))}</h4>")
        out.extend(_alternatives(d.open, lang, codes))
    if d.alternatives:
        reached = [s for s in d.alternatives if s.outcome != "not_reached"]
        unreached = [s for s in d.alternatives if s.outcome == "not_reached"]
        out.append(f"<h4>{esc(word(lang, 'why_not'))}</h4>")
        if reached:
            out.extend(_alternatives(reached, lang, codes))
        if unreached:
            rules = ", ".join(dict.fromkeys(esc(r.rule_id) for step in unreached for r in step.rules))
            count = f"{len(unreached)} {esc(word(lang, 'rows'))}"
            out.append(
                f'<p class="plx-meta">{esc(word(lang, "not_reached"))}: {count}'
                + (f" ({rules})" if rules else "")
                + "</p>"
            )
    return out


def _alternatives(steps: Iterable[Step], lang: str, codes: bool) -> list[str]:
    lines = ['<ul class="plx-alternatives">']
    for step in steps:
        value = _value(step.value, codes) if step.value is not None else ""
        when = (
            f" {esc(word(lang, 'when'))} <code>{esc(step.condition)}</code>"
            if step.condition
            else otherwise(lang, step, esc)
        )
        rules = f" ({', '.join(esc(r.rule_id) for r in step.rules)})" if step.rules else ""
        what = "" if step.outcome == "not_reached" else f": {esc(outcome_text(lang, step))}"
        lines.append(f"<li>{value}{when}{rules}{what}")
        if step.failing:
            lines.append(f"<br>{esc(needs_text(lang, step))}:")
            lines.append('<ul class="plx-failing">')
            for part in step.failing:
                values = f": {_inputs_inline(part.inputs, codes, lang)}" if part.inputs else ""
                holds = esc(holds_text(lang, part.holds))
                lines.append(f"<li><code>{esc(part.condition)}</code> ({holds}){values}</li>")
            lines.append("</ul>")
        elif step.inputs and step.outcome not in ("overridden", "not_reached"):
            lines.append(f"<br>{esc(word(lang, 'using'))}: {_inputs_inline(step.inputs, codes, lang)}")
        lines.append("</li>")
    lines.append("</ul>")
    return lines


def _citizen(e: Explanation) -> str:
    """A citizen's explanation: what was decided, why in words, the legal basis, what happens next, how to complain."""
    lang = e.lang
    out: list[str] = [
        f'<div class="{ROOT} {SCOPE} plx-audience-citizen" lang="{esc(lang)}" '
        f'data-format="{esc(EXPLANATION_FORMAT)}" data-policy="{esc(e.policy)}">',
        f"<style>{STYLE}</style>",
    ]
    if e.title:
        out.append(f'<header class="plx-header"><h2 class="plx-title">{esc(e.title)}</h2></header>')
    for w in e.warnings:
        out.append(f'<p class="plx-warning" role="note">{esc(w)}</p>')
    decided = [d for d in e.decisions if d.status == "decided" and d.value is not None]
    if decided:
        out.append(f'<section><h3>{esc(word(lang, "citizen_decided"))}</h3><table class="plx-summary"><tbody>')
        for d in decided:
            assert d.value is not None
            out.append(
                f'<tr class="plx-decided"><th>{esc(d.label or d.name)}</th>'
                f'<td><span class="plx-value">{esc(d.value.text)}</span></td></tr>'
            )
        out.append("</tbody></table></section>")
    open_ = [d for d in e.decisions if d.status != "decided"]
    if open_:
        out.append(f"<section><h3>{esc(word(lang, 'citizen_open'))}</h3><ul>")
        for d in open_:
            needs = ", ".join(esc(f.label(lang) or f.name) for f in d.missing) or esc(word(lang, "citizen_more"))
            lead = esc(word(lang, "citizen_needs").lower())
            out.append(f"<li><strong>{esc(d.label or d.name)}:</strong> {lead} {needs}</li>")
        out.append("</ul></section>")
    if e.assumed:
        out.append(f'<section class="plx-assumed"><h3>{esc(word(lang, "citizen_assumed"))}</h3>')
        out.append(f"<p>{esc(word(lang, 'citizen_assumed_text'))}</p>")
        out.append(_inputs_table(e.assumed, False))
        out.append("</section>")
    reasons = citizen_reasons(e)
    if reasons:
        out.append(f"<section><h3>{esc(word(lang, 'citizen_why'))}</h3>")
        for reason in reasons:
            out.append('<section class="plx-decision plx-decided">')
            out.append(f"<h4>{esc(headline(reason))}</h4>")
            for text in reason.texts:
                out.append(f'<p class="plx-explain">{esc(text)}</p>')
            if reason.basis:
                basis = esc(reason.basis)
                out.append(f'<p class="plx-meta">{esc(word(lang, "citizen_basis"))}: <cite>{basis}</cite></p>')
            out.append("</section>")
        out.append("</section>")
    if e.questions:
        out.append(f'<section class="plx-questions"><h3>{esc(word(lang, "citizen_questions"))}</h3><ul>')
        for q in e.questions:
            out.append(f"<li>{esc((q.da if lang == 'da' else q.en) or q.da or q.en or q.fact)}</li>")
        out.append("</ul></section>")
    for key, closing in (("citizen_next", e.next_steps), ("citizen_complaint", e.complaint)):
        if closing:
            out.append(f'<section class="plx-notes"><h3>{esc(word(lang, key))}</h3><p>{esc(closing)}</p></section>')
    out.append("</div>")
    return "\n".join(out) + "\n"

"""Render a result and its trace as plain text for the terminal.

For each decision: its value, the rule that decided it with its citation, normative force
and the source's own words, and the facts it read. Undetermined decisions list the facts
that would decide them; discretion lists the factors to weigh.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from policylang.result import Result
from policylang.trace import TraceNode


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _label(labels: Any, lang: str) -> str | None:
    if labels is None:
        return None
    text: str | None = labels.get(lang)
    return text


def render_text(result: Result, *, lang: str = "en", width: int = 100, policy: Any = None) -> str:
    """The result as a person reads it in a terminal.

    >>> import policylang
    >>> r = policylang.load("examples/benefit").evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
    >>> print(render_text(r).splitlines()[0])
    Policy examples/benefit
    """
    lines = [f"Policy {result.policy}"]
    if policy is not None and policy.program.header.title:
        title = _label(policy.program.header.title, lang)
        if title:
            lines[0] += f" - {title}"
    for w in result.warnings:
        text = (w.da if lang == "da" and w.da else w.en) or w.code
        lines.append(f"warning: {text}")
    decisions = {n.data["name"]: n for n in result.trace if n.kind == "decision"}
    lines.append("")
    lines.append("Decisions:")
    for name, value in result.decisions.items():
        lines.append(f"  {name} = {_value(value)}")
        node = decisions.get(name)
        if node is not None:
            lines.extend(_explain(node, width, lang))
        for entry in result.factors.get(name, []):
            factors = ", ".join((f.get(lang) or f.get("en") or f.get("code") or "") for f in entry["factors"])
            lines.append(f"      weigh: {factors}")
    if result.undetermined:
        lines.append("")
        lines.append("Undetermined (these facts would decide them):")
        for name, facts in result.undetermined.items():
            lines.append(f"  {name}: {', '.join(facts)}")
    if result.no_rule:
        lines.append("")
        lines.append("No rule applies:")
        for name in result.no_rule:
            lines.append(f"  {name}")
    if result.missing:
        lines.append("")
        lines.append("Missing facts, most useful first: " + ", ".join(result.missing))
    notes = [n for n in result.trace if n.kind == "note"]
    if notes:
        lines.append("")
        lines.append("Also relevant:")
        for n in notes:
            lines.append(f"  {n.data['rule_id']} ({n.data.get('citation', '')})")
    return "\n".join(lines)


def _explain(node: TraceNode, width: int, lang: str) -> list[str]:
    lines: list[str] = []
    for row in node.children:
        if row.kind != "row" or row.data.get("outcome") not in ("fired", "default"):
            continue
        rules = [c for c in row.children if c.kind == "rule"]
        inputs = [c for c in row.children if c.kind == "input"]
        if row.data.get("condition"):
            lines.append(f"      when {row.data['condition']}")
        for rule in rules:
            force = f" [{rule.data['force']}]" if rule.data.get("force") else ""
            lines.append(f"      by {rule.data['rule_id']}: {rule.data.get('citation', '')}{force}")
            quote = rule.data.get("quote")
            if quote:
                wrapped = textwrap.wrap(f"\u00bb{quote}\u00ab", width=max(40, width - 10))
                lines.extend(f"         {part}" for part in wrapped)
            for key in ("explain", "note"):
                text = _label(rule.data.get(key), lang)
                if text:
                    lines.extend(f"         {part}" for part in textwrap.wrap(text, width=max(40, width - 10)))
        if inputs:
            shown = ", ".join(
                f"{i.data['name']} = {'unknown' if i.data.get('unknown') else _value(i.data.get('value'))}"
                for i in inputs
            )
            for part in textwrap.wrap(f"facts: {shown}", width=max(40, width - 6)):
                lines.append(f"      {part}")
    return lines

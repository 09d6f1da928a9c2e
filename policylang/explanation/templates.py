"""Explanation templates: a rule's ``explain da "..." en "..."`` text with ``{name}`` placeholders.

A template may name a value the step it explains read (a fact, parameter, derived value
or decision among the row's inputs) as ``{name}``, and the step's own value as
``{value}``; ``{{`` and ``}}`` are literal braces. Placeholders are filled with the value
as the reader sees it (labels of enum values, ``yes``/``ja``), and with the word for
*withheld* where the audience may not see a personal value. Filling is plain text
substitution: nothing in a template is evaluated, and every renderer escapes the result.

>>> fill("Du er {age} år; {{ikke et felt}}", {"age": "34"})
'Du er 34 år; {ikke et felt}'
>>> placeholders("{income} er over {LOW_INCOME}")
['income', 'LOW_INCOME']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from policylang.base.errors import Diagnostic
from policylang.ir import program as ir

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
VALUE = "value"


def placeholders(template: str) -> list[str]:
    """The names a template refers to, in order, once each."""
    seen: dict[str, None] = {}
    for m in _TOKEN.finditer(template):
        if m.group(1):
            seen.setdefault(m.group(1), None)
    return list(seen)


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with each ``{name}`` replaced by ``values[name]`` (left as written if absent)."""

    def replace(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values.get(m.group(1), token)

    return _TOKEN.sub(replace, template)


def _rows_citing(program: ir.Program, rule_id: str) -> Iterator[tuple[ir.Expr | None, ir.Expr | None]]:
    """(condition, value) of every step that cites ``rule_id``."""
    for d in program.decisions.values():
        for row in (*d.rows, d.default) if d.default is not None else d.rows:
            if rule_id in row.rules:
                yield row.condition, row.value
    for let in program.lets.values():
        if rule_id in let.rules:
            yield None, let.expr
    rule = program.rules.get(rule_id)
    if rule is not None and rule.informational:
        yield rule.condition, None


def template_problems(program: ir.Program) -> list[Diagnostic]:
    """Placeholders that name something a step citing the rule does not read.

    Each is a ``pol-explain-placeholder`` error at the rule, with the names it may use.
    """
    problems: list[Diagnostic] = []
    for rule in program.rules.values():
        if rule.explain is None:
            continue
        available: set[str] | None = None
        for condition, value in _rows_citing(program, rule.rule_id):
            names = {r.name for e in (condition, value) for r in ir.refs(e)}
            available = names if available is None else available & names
        usable = (available or set()) | {VALUE}
        for text in (rule.explain.da, rule.explain.en):
            for name in placeholders(text or ""):
                if name not in usable:
                    shown = ", ".join(f"{{{n}}}" for n in sorted(usable))
                    problems.append(
                        Diagnostic(
                            "pol-explain-placeholder",
                            f"the explanation of `{rule.rule_id}` refers to `{{{name}}}`, "
                            "which the steps citing the rule do not read",
                            rule.span,
                            hint=f"a template may use {shown}; write {{{{ and }}}} for literal braces",
                        )
                    )
    return problems

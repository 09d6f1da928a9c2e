"""Check explanation templates: a rule's ``explain`` text may name only what the steps citing it read.

A template (``explain da "..." en "..."``) names values as ``{name}``: a fact, parameter,
``let`` value or decision among the inputs of every step that cites the rule, or the
step's own ``{value}``. :func:`template_problems` reports any other name;
:mod:`policylang.explanation.templates` fills the templates in.

>>> placeholders("{income} er over {LOW_INCOME}")
['income', 'LOW_INCOME']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policylang.base.errors import Diagnostic
from policylang.ir import program as ir

TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
VALUE = "value"


def placeholders(template: str) -> list[str]:
    """The names a template refers to, in order, once each."""
    seen: dict[str, None] = {}
    for m in TOKEN.finditer(template):
        if m.group(1):
            seen.setdefault(m.group(1), None)
    return list(seen)


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

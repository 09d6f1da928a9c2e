"""Explanation templates: a rule's ``explain da "..." en "..."`` text with ``{name}`` placeholders.

A template may name a value the step it explains read (a fact, parameter, ``let`` value
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
from collections.abc import Mapping

from policylang.check.templates import TOKEN, VALUE, placeholders


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with each ``{name}`` replaced by ``values[name]`` (left as written if absent)."""

    def replace(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values.get(m.group(1), token)

    return TOKEN.sub(replace, template)


__all__ = ["VALUE", "fill", "placeholders"]

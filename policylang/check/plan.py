"""The evaluation plan: the order in which ``let`` values, decisions, notes and warnings run.

Each step runs after everything it refers to; among steps that are ready, the one
declared first runs first, so traces read in the order of the policy text. A circle of
references has no order and is reported with its path.
"""

from __future__ import annotations

import heapq

import attrs

from policylang.base.span import Span
from policylang.ir import program as ir

Key = tuple[str, str]


@attrs.frozen
class Cycle:
    """References that go round in a circle, in order, the first repeated at the end."""

    path: tuple[Key, ...]
    span: Span


def evaluation_plan(
    parameters: dict[str, ir.ParamInfo],
    lets: dict[str, ir.LetInfo],
    decisions: dict[str, ir.DecisionInfo],
    rules: dict[str, ir.RuleInfo],
    warnings: tuple[ir.WarningInfo, ...],
    files: tuple[str, ...],
) -> tuple[tuple[ir.PlanStep, ...], Cycle | None]:
    """The steps in a valid order, and the first circle found (if any)."""
    file_index = {f: i for i, f in enumerate(files)}

    def position(span: Span) -> tuple[int, int, int]:
        return (file_index.get(span.file, len(file_index)), span.line, span.column)

    nodes: dict[Key, tuple[tuple[int, int, int], list[ir.Expr | None], Span]] = {}
    for p in parameters.values():
        if p.is_condition:
            nodes[("parameter", p.name)] = (position(p.span), [p.default], p.span)
    for let in lets.values():
        nodes[("let", let.name)] = (position(let.span), [let.expr], let.span)
    for d in decisions.values():
        exprs: list[ir.Expr | None] = []
        for row in (*d.rows, *([d.default] if d.default else [])):
            exprs += [row.value, row.condition]
        nodes[("decision", d.name)] = (position(d.span), exprs, d.span)
    for r in rules.values():
        if r.informational:
            nodes[("note", r.rule_id)] = (position(r.span), [r.condition], r.span)
    for w in warnings:
        nodes[("warning", w.name)] = (position(w.span), [w.condition], w.span)
    deps: dict[Key, set[Key]] = {}
    for key, (_, exprs, _) in nodes.items():
        deps[key] = {(ref.kind, ref.name) for e in exprs for ref in ir.refs(e) if (ref.kind, ref.name) in nodes}
    waiting = {k: len(v) for k, v in deps.items()}
    users: dict[Key, list[Key]] = {}
    for k, v in deps.items():
        for target in v:
            users.setdefault(target, []).append(k)
    ready = [(nodes[k][0], k) for k, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    steps = []
    while ready:
        _, key = heapq.heappop(ready)
        steps.append(ir.PlanStep(*key))
        for user in users.get(key, []):
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (nodes[user][0], user))
    cycle = None
    if len(steps) < len(nodes):
        stuck = {k for k, n in waiting.items() if n > 0}
        cycle = _cycle(stuck, deps, {k: v[0] for k, v in nodes.items()}, {k: v[2] for k, v in nodes.items()})
    return tuple(steps), cycle


def _cycle(
    stuck: set[Key], deps: dict[Key, set[Key]], order: dict[Key, tuple[int, int, int]], spans: dict[Key, Span]
) -> Cycle:
    start = min(stuck, key=lambda k: order[k])
    path = [start]
    current = start
    while True:
        following = sorted((d for d in deps[current] if d in stuck), key=lambda k: order[k])
        if not following:
            break
        current = following[0]
        if current in path:
            path = [*path[path.index(current) :], current]
            break
        path.append(current)
    return Cycle(tuple(path), spans[path[0]])

"""Settle undetermined decisions by trying every value of the facts they wait for.

The engine's three-valued logic reads each condition on its own: a decision waits for an
unknown fact as soon as one of its rows reads it, even where every value the fact could
take leads to the same result (two rows whose conditions are correlated, or a comparison
with an undetermined decision none of whose possible values matches). With
``Policy.evaluate(facts, exhaustive=True)`` such decisions are settled by cases: for each
undetermined decision whose missing facts are booleans, enums or optional ones, with at
most :data:`LIMIT` combinations of values, the policy is evaluated on every combination
the constraints accept; where every one decides the decision, and all alike, that is its
value. The rules that decided it in the combinations are its reasons, and the trace says
which facts it was settled over and how many combinations were tried
(:meth:`policylang.trace.build.TraceBuilder.mark_settled`).

A combination that raises an error (a conflict between rules) settles nothing: the facts
could then lead to an error, which is no value.

One evaluation settles at most :attr:`Limits.exhaustive_cases
<policylang.base.limits.Limits.exhaustive_cases>` combinations in all (a policy of
hundreds of decisions could otherwise evaluate itself hundreds of thousands of times);
the decisions left over stay undetermined, and :func:`settle` says that it stopped early,
which the result reports as the warning ``exhaustive_incomplete``. The budget counts
combinations, not seconds, so the result is the same on every machine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from policylang.base.errors import FactError, PolicyError
from policylang.engine.result import DecisionView
from policylang.engine.steps import RuntimeRow
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, same_value


class Evaluator(Protocol):
    """What settling needs of the engine (:class:`~policylang.engine.evaluate.Engine`)."""

    @property
    def program(self) -> ir.Program:
        """The program evaluated."""

    @property
    def views(self) -> Sequence[DecisionView]:
        """The decisions."""

    @property
    def fact_order(self) -> Mapping[str, int]:
        """Each fact's position in the policy."""

    @property
    def slots(self) -> Mapping[tuple[str, str], int]:
        """The slot of each value."""

    def load_facts(self, facts: Mapping[str, Any], ignore_unknown: bool = False) -> list[Any]:
        """Decode a fact set."""

    def check_constraints(self, v: list[Any]) -> None:
        """Raise for a broken constraint."""

    def run(self, v: list[Any], tracer: Any = None) -> dict[str, list[RuntimeRow]]:
        """Run the plan."""


LIMIT = 256  # combinations of values tried for one decision, at the most


@attrs.frozen
class Settled:
    """A decision settled by cases: its value, the rows behind it, the facts tried, how many combinations."""

    value: Any
    rows: tuple[RuntimeRow, ...]
    facts: tuple[str, ...]
    cases: int


def domain(t: T.Type) -> list[Any] | None:
    """Every value a fact of type ``t`` can take (as in a fact file), or ``None`` where there are too many.

    >>> domain(T.OptionalType(T.BOOL))
    [None, True, False]
    """
    if isinstance(t, T.OptionalType):
        inner = domain(t.inner)
        return None if inner is None else [None, *inner]
    if t == T.BOOL:
        return [True, False]
    if isinstance(t, T.EnumType):
        return None if t.tagged else list(t.members)  # a member that carries fields has more values than one
    return None


def settle(
    engine: Evaluator,
    facts: Mapping[str, Any],
    v: list[Any],
    ignore_unknown: bool,
    limit: int = LIMIT,
    budget: int | None = None,
) -> dict[str, Settled]:
    """The undetermined decisions of the evaluation ``v`` of ``facts`` that every completion decides alike.

    At most ``limit`` combinations for one decision and ``budget`` in all; :func:`settle_within`
    also says whether the budget stopped it.
    """
    return settle_within(engine, facts, v, ignore_unknown, limit, budget)[0]


def settle_within(
    engine: Evaluator,
    facts: Mapping[str, Any],
    v: list[Any],
    ignore_unknown: bool,
    limit: int = LIMIT,
    budget: int | None = None,
) -> tuple[dict[str, Settled], bool]:
    """:func:`settle`, and whether it stopped early because ``budget`` combinations were spent."""
    waiting: dict[tuple[str, ...], list[str]] = {}  # the facts a decision waits for -> the decisions
    for name, slot, _, _ in engine.views:
        value = v[slot]
        if type(value) is Unknown and value.facts:
            key = tuple(sorted(value.facts, key=lambda f: engine.fact_order.get(f, 0)))
            waiting.setdefault(key, []).append(name)
    settled: dict[str, Settled] = {}
    left = budget if budget is not None else math.inf
    stopped = False
    for missing, names in waiting.items():
        domains = [domain(engine.program.facts[f].type) for f in missing]
        if any(d is None for d in domains):
            continue
        cases = math.prod(len(d or ()) for d in domains)
        if cases > limit:
            continue
        if cases > left:
            stopped = True
            continue
        left -= cases
        outcomes = _outcomes(engine, facts, missing, domains, ignore_unknown)
        if not outcomes:  # no combination is a possible fact set, or one leads to an error
            continue
        for name in names:
            slot = engine.slots[("decision", name)]
            values = [w[slot] for w, _ in outcomes]
            first = values[0]
            if any(type(x) is Unknown for x in values) or not all(same_value(first, x) for x in values[1:]):
                continue
            rows: dict[int, RuntimeRow] = {}
            for _, fired in outcomes:
                for row in fired.get(name, ()):
                    rows.setdefault(id(row), row)
            settled[name] = Settled(first, tuple(rows.values()), missing, len(outcomes))
    return settled, stopped


def _outcomes(
    engine: Evaluator,
    facts: Mapping[str, Any],
    missing: tuple[str, ...],
    domains: list[list[Any] | None],
    ignore_unknown: bool,
) -> list[tuple[list[Any], dict[str, list[RuntimeRow]]]]:
    """The evaluations of every combination the constraints accept; none if one raises an error."""
    outcomes = []
    for combination in itertools.product(*(d or () for d in domains)):
        completed = {**facts, **dict(zip(missing, combination, strict=True))}
        try:
            w = engine.load_facts(completed, ignore_unknown)
            engine.check_constraints(w)
        except FactError:  # the constraints reject this combination: it is no possible fact set
            continue
        try:
            fired = engine.run(w, None)
        except PolicyError:
            return []
        outcomes.append((w, fired))
    return outcomes

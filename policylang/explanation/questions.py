"""What to ask next: the unknown facts that would settle the most undetermined decisions.

An interview can be driven by the policy: evaluate what is known, ask the first question,
add the answer, and repeat until nothing is missing.

>>> import policylang
>>> first = policylang.next_questions("examples/benefit", {"as_of": "2024-05-01", "savings": 0})[0]
>>> first.fact, first.da, first.en
('date_of_birth', 'Fødselsdato', 'Date of birth')
>>> first.settles
('adult', 'eligible', 'reminders')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policylang.engine.result import Result
from policylang.explanation.model import Option, Question, check_decisions
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.policy.policy import Policy


def _options(t: T.Type) -> tuple[Option, ...]:
    inner = T.strip_optional(t)
    if inner == T.BOOL:
        return (Option(True, "ja", "yes"), Option(False, "nej", "no"))
    if isinstance(inner, T.EnumType) and inner.tagged:
        return ()  # a member that carries fields is no answer on its own: the fact is given as a value
    if isinstance(inner, T.EnumType):
        options = []
        for m in inner.members:
            labels = inner.label(m)
            options.append(Option(m, labels.da if labels else None, labels.en if labels else None))
        return tuple(options)
    return ()


def question(program: ir.Program, fact: str, settles: Iterable[str]) -> Question:
    """The question that asks for ``fact``."""
    info = program.facts[fact]
    labels = info.labels
    return Question(
        fact=fact,
        da=labels.da if labels else None,
        en=labels.en if labels else None,
        type=T.describe(info.type),
        settles=tuple(settles),
        options=_options(info.type),
        optional=T.is_optional(info.type),
    )


def questions_for(result: Result, program: ir.Program, decisions: Iterable[str] | None = None) -> list[Question]:
    """The questions a result leaves open, most useful first.

    ``result.missing`` ranks the facts by how many undetermined decisions wait for them;
    with ``decisions``, only facts that one of those decisions waits for are asked.
    """
    wanted = set(decisions) if decisions is not None else None
    undetermined = {d: facts for d, facts in result.undetermined.items() if wanted is None or d in wanted}
    found = []
    for fact in result.missing:
        settles = [d for d, facts in undetermined.items() if fact in facts]
        if settles and fact in program.facts:
            found.append(question(program, fact, settles))
    return found


def next_questions(
    policy: Policy | str,
    facts: Mapping[str, Any] | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    decisions: Iterable[str] | None = None,
    limit: int | None = None,
    ignore_unknown_facts: bool = False,
    exhaustive: bool = False,
) -> list[Question]:
    """The next questions to ask for the decisions ``facts`` leave undetermined.

    Each :class:`~policylang.explanation.model.Question` names a fact, its Danish and English
    labels, its type, the possible answers of an enum or truth value, and the
    undetermined decisions the answer could settle; the fact that could settle the most
    comes first. ``policy`` is a loaded policy or a name or path to load; ``decisions``
    limits the questions to what those decisions wait for; an empty list means every
    decision is decided. ``exhaustive=True`` first settles what every answer would decide
    alike (``Policy.evaluate(..., exhaustive=True)``), so that no question is asked whose
    answer changes nothing.
    """
    if isinstance(policy, str):
        from policylang.policy.loader import load

        policy = load(policy)
    check_decisions(policy, decisions)
    result = policy.evaluate(
        facts or {},
        trace=False,
        parameters=parameters,
        ignore_unknown_facts=ignore_unknown_facts,
        exhaustive=exhaustive,
    )
    found = questions_for(result, policy.program, decisions)
    return found if limit is None else found[:limit]

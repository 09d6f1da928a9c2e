"""Run the real engine on concrete fact sets and note what happened.

An :class:`Observer` evaluates a policy on a fact set (a random one, or one the solver
found) and records what the run shows: which conditions were true or false, which row of
each ``first match`` table applied, which decisions no row decided, which rules took
effect and which disagreed. Everything recorded here really happens for some fact set the
policy accepts, so it settles "can ..." questions without the solver; the solver is asked
only what no run has shown yet. The same runs confirm, and then shrink, the examples the
findings quote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policylang.base.errors import ConflictError, PolicyError
from policylang.engine.evaluate import Engine
from policylang.engine.steps import DecisionStep, LetStep
from policylang.ir import program as ir
from policylang.ir.values import Unknown, same_value

Facts = dict[str, Any]
Key = tuple[Any, ...]


class Observer:
    """Evaluates one program on fact sets and keeps what the evaluations show."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.engine = engine = Engine(program)
        self.steps = engine.steps
        self.decision_steps = dict(engine.decision_steps)
        self.let_steps = engine.let_steps
        self.compiled: dict[int, tuple[ir.Expr, Callable[[list[Any]], Any]]] = {}
        self.rule_conditions = {
            r.rule_id: engine.compile(r.condition) for r in program.rules.values() if r.condition is not None
        }
        self.warning_conditions = {w.info.name: w.condition for w in engine.warning_steps if w.condition is not None}
        self.true: set[Key] = set()
        self.false: set[Key] = set()
        self.reached: set[tuple[str, int]] = set()
        self.active: set[tuple[str, int]] = set()
        self.watching = dict(self.decision_steps)  # decisions some runs may still show something new about
        self.gaps: dict[str, Facts] = {}
        self.conflicts: dict[tuple[str, int, int], Facts] = {}
        self.facts: Facts = {}  # the fact set being run
        self.runs = 0

    # -- one run ---------------------------------------------------------------------

    def load(self, facts: Facts) -> tuple[list[Any], list[str], set[str], set[str]] | None:
        """Decode ``facts`` and check the constraints.

        Returns the slots, the constraints broken, those that applied and those met
        (``require`` true), or ``None`` if a value does not fit its fact.
        """
        engine = self.engine
        try:
            v = engine.load_facts(facts, False)
        except PolicyError:
            return None
        v.extend([None] * max(0, engine.size - len(v)))
        try:
            engine.run_constraint_lets(v)
        except PolicyError:
            return None
        broken: list[str] = []
        applied: set[str] = set()
        met: set[str] = set()
        for check in engine.constraint_checks:
            if check.condition is not None and check.condition(v) is not True:
                continue
            applied.add(check.info.name)
            outcome = check.require(v)
            if outcome is False:
                broken.append(check.info.name)
            elif outcome is True:
                met.add(check.info.name)
        return v, broken, applied, met

    def run_steps(self, v: list[Any], until: str | None = None) -> Any:
        """Run the plan (up to the decision ``until``); a failing step leaves its value unknown."""
        for step in self.steps:
            if until is not None and getattr(step, "name", None) == until and step is self.decision_steps.get(until):
                return step
            try:
                step.run(v)
            except ConflictError:
                assert isinstance(step, DecisionStep), "only decisions conflict"
                self._conflicts(step, v)
                v[step.slot] = Unknown()
            except PolicyError:
                if isinstance(step, DecisionStep | LetStep):
                    v[step.slot] = Unknown()
        return None

    def observe(self, facts: Facts) -> bool:
        """Evaluate ``facts`` and record what happens; ``False`` if the policy rejects them."""
        loaded = self.load(facts)
        if loaded is None:
            return False
        v, broken, applied, met = loaded
        self.runs += 1
        if len(broken) == 1:
            self.true.add(("broken", broken[0]))
            self.true.add(("applies", broken[0]))
        if broken:
            return False
        self.true.update(("applies", name) for name in applied)
        self.true.update(("met", name) for name in met)
        self.facts = facts
        self.run_steps(v)
        for name, step in self.watching.items():
            self._decision(name, step, v, facts)
        if self.runs % 16 == 0:
            self.watching = {n: s for n, s in self.watching.items() if not self._seen_all(n, s)}
        for rid, fn in self.rule_conditions.items():
            self._condition(("rule", rid), fn(v))
        for wname, fn in self.warning_conditions.items():
            self._condition(("warning", wname), fn(v))
        return True

    @property
    def progress(self) -> int:
        """How much the runs have shown so far (grows with every new observation)."""
        return len(self.true) + len(self.false) + len(self.reached) + len(self.active) + len(self.gaps)

    def _seen_all(self, name: str, step: Any) -> bool:
        """Whether runs have shown every row of a decision true, false and (first match) applying."""
        kind = step.info.kind
        if kind == "expr":
            return True
        for i, row in enumerate(step.rows):
            if row.condition is not None and (("row", name, i) not in self.true or ("row", name, i) not in self.false):
                return False
            if kind == "first_match" and (name, i) not in self.reached:
                return False
            if kind != "first_match" and (name, i) not in self.active:
                return False
        return (
            kind == "collect"
            or name in self.gaps
            or step.info.default is not None
            or (kind == "first_match" and step.rows[-1].condition is None)
        )

    def _condition(self, key: Key, value: Any) -> None:
        if value is True:
            self.true.add(key)
        elif value is False or value is None:
            self.false.add(key)

    def _decision(self, name: str, step: Any, v: list[Any], facts: Facts) -> None:
        kind = step.info.kind
        if kind == "expr":
            return
        results = [True if r.condition is None else r.condition(v) for r in step.rows]
        for i, c in enumerate(results):
            self._condition(("row", name, i), c)
        if kind == "first_match":
            for i, c in enumerate(results):
                if c is True:
                    self.reached.add((name, i))
                    break
                if type(c) is Unknown:
                    break
        value = v[step.slot]
        if type(value) is Unknown and not value.facts and value.blocked == frozenset({name}):
            self.gaps.setdefault(name, dict(facts))
        if kind in ("rules", "collect") and step.has_exceptions:
            active, _ = step.active(v)
            for i, a in enumerate(active):
                if a is True:
                    self.active.add((name, i))
        elif kind in ("rules", "collect"):
            for i, c in enumerate(results):
                if c is True:
                    self.active.add((name, i))

    def _conflicts(self, step: Any, v: list[Any]) -> None:
        active, _ = step.active(v)
        chosen = [(i, step.rows[i].value(v)) for i, a in enumerate(active) if a is True]
        for x, (i, a) in enumerate(chosen):
            for j, b in chosen[x + 1 :]:
                if type(a) is not Unknown and type(b) is not Unknown and not same_value(a, b):
                    self.conflicts.setdefault((step.name, i, j), dict(self.facts))

    def value(self, e: ir.Expr, facts: Facts) -> Any:
        """The value of ``e`` for a partial fact set (decisions unknown); ``Unknown`` on any error."""
        engine = self.engine
        cached = self.compiled.get(id(e))
        if cached is None or cached[0] is not e:
            cached = self.compiled[id(e)] = (e, engine.compile(e))
        fn = cached[1]
        try:
            v = engine.load_facts(facts, False)
        except PolicyError:
            return Unknown()
        v.extend([None] * max(0, engine.size - len(v)))
        for step in self.decision_steps.values():
            v[step.slot] = Unknown()
        for let in self.let_steps:
            try:
                let.run(v)
            except PolicyError:
                v[let.slot] = Unknown()
        try:
            return fn(v)
        except PolicyError:
            return Unknown()

    # -- confirming a finding ------------------------------------------------------------

    def no_rule(self, decision: str, facts: Facts) -> bool:
        """Whether no row or rule of ``decision`` applies to ``facts`` (and nothing else is missing)."""
        loaded = self.load(facts)
        if loaded is None or loaded[1]:
            return False
        v = loaded[0]
        step = self.run_steps(v, until=decision)
        if step is None:
            return False
        try:
            step.run(v)
        except PolicyError:
            return False
        value = v[step.slot]
        return type(value) is Unknown and not value.facts and value.blocked == frozenset({decision})

    def conflict(self, decision: str, first: int, second: int, facts: Facts) -> bool:
        """Whether rows ``first`` and ``second`` of ``decision`` both take effect and disagree."""
        loaded = self.load(facts)
        if loaded is None or loaded[1]:
            return False
        v = loaded[0]
        self.facts = facts
        step = self.run_steps(v, until=decision)
        if step is None:
            return False
        active, _ = step.active(v)
        if active[first] is not True or active[second] is not True:
            return False
        a, b = step.rows[first].value(v), step.rows[second].value(v)
        return type(a) is not Unknown and type(b) is not Unknown and not same_value(a, b)

    @staticmethod
    def shrink(facts: Facts, holds: Callable[[Facts], bool]) -> Facts:
        """Leave out (make unknown) every fact the finding does not need."""
        current = dict(facts)
        for name in list(facts):
            trial = {k: x for k, x in current.items() if k != name}
            if holds(trial):
                current = trial
        return current

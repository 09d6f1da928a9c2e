"""Run a compiled policy on a fact set: the engine that validates facts and runs the plan.

An :class:`Engine` holds a policy compiled for one set of parameter values: the fact
decoders, the constraints, and the plan's steps (:mod:`policylang.engine.steps`, where the
semantics of decisions and unknown facts live). :meth:`Engine.evaluate` is one whole
evaluation, with its trace, warnings, handoffs and settling; a loaded
:class:`~policylang.Policy` keeps one engine per set of parameters and hands its
evaluations to it.

The engine's interface to the other phases (the batch backend, the logic analyses, the
explanations) is read-only and is what this class documents as public: the program it
runs, the slots of its values, its steps, decoding facts into values, checking the
constraints, running the steps, compiling one more expression, and a place for those
phases to keep what they derive from the engine (:meth:`Engine.memo`). Everything else is
private to the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import attrs

from policylang.base.errors import FactError, ParameterError
from policylang.base.limits import DEFAULT, Limits
from policylang.base.numbers import INT_MAX, INT_MIN
from policylang.base.suggest import suggest
from policylang.engine.compile import Compiler, Fn
from policylang.engine.facts import BadValue, Decoder, bad_fact, decoder, show, show_name
from policylang.engine.result import DecisionView, Result, ResultShape, ResultWarning, ValueView
from policylang.engine.settle import Settled, settle_within
from policylang.engine.steps import DecisionStep, LetStep, NoteStep, RuntimeRow, WarningStep
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.core import lower
from policylang.ir.values import Unknown, encode, encoder
from policylang.trace.build import SettledDecision, TraceBuilder
from policylang.trace.events import Tracer
from policylang.trace.nodes import TraceNode

Step = DecisionStep | LetStep | NoteStep
Fired = dict[str, list[RuntimeRow]]
Built = TypeVar("Built")


@attrs.frozen
class ConstraintCheck:
    """A constraint of the policy, compiled: when it applies, and what it requires."""

    info: ir.ConstraintInfo
    condition: Fn | None
    require: Fn


class EngineSource(Protocol):
    """Anything that gives an engine for a set of parameter values: a loaded :class:`~policylang.Policy`."""

    @property
    def name(self) -> str:
        """The policy's name."""

    def engine(self, parameters: Mapping[str, Any] | None = None) -> Engine:
        """The engine for these parameter values."""


class Engine:
    """A policy compiled for evaluation, with one set of parameter values.

    Read-only interface: :attr:`program`, :attr:`declared`, :attr:`parameters`,
    :attr:`slots`, :attr:`size`, :attr:`fact_order`, :attr:`steps`,
    :attr:`decision_steps`, :attr:`let_steps`, :attr:`warning_steps`,
    :attr:`constraint_checks`, :attr:`views`, :attr:`defaults`; :meth:`assumed`,
    :meth:`initial_values`, :meth:`parameter_value`,
    :meth:`load_facts`, :meth:`run_constraint_lets`, :meth:`check_constraints`,
    :meth:`run`, :meth:`compile`, :meth:`evaluate` and :meth:`memo`.
    """

    def __init__(
        self, program: ir.Program, parameters: Mapping[str, Any] | None = None, limits: Limits = DEFAULT
    ) -> None:
        self._declared = program  # as written: the defaults the trace shows next to an override
        self._limits = limits
        self._slots = ir.slot_table(program)
        self._compiler = Compiler(self._slots, program.slots)
        values, overridden, conditions = self._parameters(program, parameters or {})
        self._overridden = MappingProxyType(overridden)
        if conditions:
            program = _replace_conditions(program, conditions, limits)
        self._program = program
        self._parameter_values = {p.name: value for p, value in values}
        self._decoders: dict[str, tuple[int, type | None, frozenset[str] | None, Decoder]] = {}
        rule_ids = frozenset(program.rules)
        for f in program.facts.values():
            self._decoders[f.name] = (f.slot, *_fast_check(f.type), decoder(f.type, rule_ids, limits))
        self._fact_order = MappingProxyType({name: i for i, name in enumerate(program.facts)})
        self._steps = tuple(self._step(s) for s in program.plan if s.kind != "warning")
        warnings = {w.name: w for w in program.warnings}
        self._warning_steps = tuple(self._warning(warnings[s.name]) for s in program.plan if s.kind == "warning")
        self._decision_steps = MappingProxyType({s.name: s for s in self._steps if isinstance(s, DecisionStep)})
        self._let_steps = tuple(s for s in self._steps if isinstance(s, LetStep))
        self._untraced = [run for run in map(_untraced, self._steps) if run is not None]
        self._handoffs = tuple(
            (h, self._compiler.expr(h.condition) if h.condition is not None else None) for h in program.handoffs
        )
        self._views = tuple(DecisionView(d.name, d.slot, d.kind, encoder(d.type)) for d in program.decisions.values())
        self._shape = ResultShape(
            program,
            self._views,
            self._fact_order,
            self._overridden,
            facts=tuple(ValueView(f.name, f.slot, encoder(f.type)) for f in program.facts.values()),
            lets=tuple(ValueView(x.name, x.slot, encoder(x.type)) for x in program.lets.values()),
            parameter_values=tuple(
                ValueView(
                    x.name,
                    x.slot,
                    _dated_encoder(x.type) if x.is_dated else encoder(T.BOOL if x.is_condition else x.type),
                )
                for x in program.parameters.values()
            ),
            declared=self._declared,
        )
        self._constraints = tuple(
            ConstraintCheck(
                c, self._compiler.expr(c.condition) if c.condition else None, self._compiler.expr(c.require)
            )
            for c in program.constraints
        )
        self._constraint_lets = self._lets_of_constraints()
        header = program.header
        self._evaluation_date = self._compiler.expr(header.evaluation_date) if header.evaluation_date else None
        self._dated = tuple((x.name, x.slot, x.type) for x in program.parameters.values() if x.is_dated)
        self._may_warn = bool(self._warning_steps) or self._evaluation_date is not None
        template: list[Any] = [None] * self._compiler.size
        for f in program.facts.values():
            template[f.slot] = Unknown(frozenset({f.name}))
        self._defaults = MappingProxyType(
            {
                f.name: self._compiler.expr(f.default)([None] * (program.slots + 64))
                for f in program.facts.values()
                if f.default is not None
            }
        )
        for name, value in self._defaults.items():
            template[self._slots[("fact", name)]] = value
        for p, value in values:
            template[p.slot] = value
        self._template = template
        self._memo: dict[str, Any] = {}
        self._tracing: TraceBuilder | None = None
        self._calling_lets = frozenset(s.name for s in self._let_steps if _calls_functions(s.info))

    # -- the read-only interface ---------------------------------------------------

    @property
    def program(self) -> ir.Program:
        """The checked program this engine runs (``condition`` parameters replaced where set)."""
        return self._program

    @property
    def limits(self) -> Limits:
        """The limits the facts and parameters this engine reads are held to."""
        return self._limits

    @property
    def declared(self) -> ir.Program:
        """The program as the policy declares it, before any parameter is set."""
        return self._declared

    @property
    def parameters(self) -> Mapping[str, Any]:
        """The parameters set for this engine, as they were given."""
        return self._overridden

    @property
    def slots(self) -> Mapping[tuple[str, str], int]:
        """The slot of every fact, parameter, ``let`` value and decision, by (kind, name)."""
        return MappingProxyType(self._slots)

    @property
    def size(self) -> int:
        """How many slots a list of values needs (it grows when :meth:`compile` binds variables)."""
        return self._compiler.size

    @property
    def fact_order(self) -> Mapping[str, int]:
        """Each fact's position in the policy's declarations."""
        return self._fact_order

    @property
    def steps(self) -> tuple[Step, ...]:
        """The plan's steps, in the order they run."""
        return self._steps

    @property
    def decision_steps(self) -> Mapping[str, DecisionStep]:
        """The step of each decision, by name."""
        return self._decision_steps

    @property
    def let_steps(self) -> tuple[LetStep, ...]:
        """The steps of ``let`` values and ``condition`` parameters, in the order they run."""
        return self._let_steps

    @property
    def warning_steps(self) -> tuple[WarningStep, ...]:
        """The declared warnings."""
        return self._warning_steps

    @property
    def constraint_checks(self) -> tuple[ConstraintCheck, ...]:
        """The constraints a fact set must meet."""
        return self._constraints

    @property
    def views(self) -> tuple[DecisionView, ...]:
        """What a result needs to know about each decision."""
        return self._views

    @property
    def defaults(self) -> Mapping[str, Any]:
        """The value of each fact that declares a ``default``, which an absent fact takes."""
        return self._defaults

    def assumed(self, facts: Mapping[str, Any]) -> tuple[str, ...]:
        """The facts with a ``default`` that ``facts`` does not give, in declaration order: their values are assumed."""
        return tuple(name for name in self._defaults if name not in facts)

    def initial_values(self) -> list[Any]:
        """Fresh values: every fact unknown (or its default), every parameter set, room for :attr:`size` slots."""
        values = self._template.copy()
        if len(values) < self._compiler.size:
            values.extend([None] * (self._compiler.size - len(values)))
        return values

    def parameter_value(self, name: str) -> Any:
        """The value of a plain (not ``condition``) parameter, as set or by default."""
        return self._parameter_values[name]

    def compile(self, e: ir.Expr) -> Fn:
        """``e`` compiled over this engine's slots (a condition the analyses or explanations evaluate)."""
        return self._compiler.expr(e)

    def memo(self, key: str, build: Callable[[], Built]) -> Built:
        """What another phase derives from this engine (a batch backend), built once and kept with it."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]  # type: ignore[no-any-return]

    # -- setup -----------------------------------------------------------------

    def _parameters(
        self, program: ir.Program, overrides: Mapping[str, Any]
    ) -> tuple[list[tuple[ir.ParamInfo, Any]], dict[str, Any], dict[str, Any]]:
        from policylang.engine.parameters import decode_parameter

        if not isinstance(overrides, Mapping):
            raise ParameterError(
                f"parameters must be a mapping from parameter names to values, not {show(overrides)}",
                code="pol-parameter",
            )
        named = [n for n in overrides if not isinstance(n, str)]
        if named:
            raise ParameterError(
                f"a parameter's name must be a text, not {show(named[0])}", value=named[0], code="pol-unknown-parameter"
            )
        unknown = [n for n in overrides if n not in program.parameters]
        if unknown:
            name = unknown[0]
            raise ParameterError(
                f"this policy has no parameter `{name}`",
                facts=[name],
                hint=suggest(name, program.parameters),
                code="pol-unknown-parameter",
            )
        values = []
        overridden: dict[str, Any] = {}
        for p in program.parameters.values():
            if p.is_condition:
                continue
            if p.name in overrides:
                value = decode_parameter(p, overrides[p.name], self._limits)
                overridden[p.name] = overrides[p.name]
            else:
                value = self._compiler.expr(p.default)([None] * (program.slots + 64))
            values.append((p, value))
        conditions = {n: v for n, v in overrides.items() if program.parameters[n].is_condition}
        overridden.update(conditions)
        return values, overridden, conditions

    def _row(self, row: ir.RowInfo) -> RuntimeRow:
        condition = self._compiler.expr(row.condition) if row.condition is not None else None
        return RuntimeRow(row, self._compiler.expr(row.value), condition)

    def _step(self, step: ir.PlanStep) -> Step:
        p = self._program
        if step.kind == "decision":
            core = lower(p.decisions[step.name])
            rows = tuple(self._row(c.row) for c in core.candidates)
            default = self._row(core.default.row) if core.default else None
            return DecisionStep(core, rows, default)
        if step.kind == "let":
            let = p.lets[step.name]
            return LetStep(let, self._row(ir.RowInfo(let.expr, None, (), let.rules, let.span)))
        if step.kind == "parameter":
            param = p.parameters[step.name]
            return LetStep(param, self._row(ir.RowInfo(param.default, None, (), (), param.span)))
        rule = p.rules[step.name]
        assert rule.condition is not None, "only informational rules with a condition are notes"
        return NoteStep(rule, self._compiler.expr(rule.condition))

    def _warning(self, warning: ir.WarningInfo) -> WarningStep:
        return WarningStep(warning, self._compiler.expr(warning.condition) if warning.condition else None)

    def _lets_of_constraints(self) -> tuple[LetStep, ...]:
        needed: set[str] = set()
        pending = [
            ref.name
            for c in self._program.constraints
            for e in (c.condition, c.require)
            for ref in ir.refs(e)
            if ref.kind == "let"
        ]
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            pending.extend(ref.name for ref in ir.refs(self._program.lets[name].expr) if ref.kind == "let")
        return tuple(s for s in self._let_steps if s.info.name in needed)

    # -- running ---------------------------------------------------------------

    def load_facts(self, facts: Mapping[str, Any], ignore_unknown: bool = False) -> list[Any]:
        """Validate and decode ``facts`` into a fresh list of values (:meth:`initial_values` filled in)."""
        if type(facts) is not dict and not isinstance(facts, Mapping):
            raise FactError(
                f"a fact set must be an object mapping fact names to values, not {show(facts)}", code="pol-fact-set"
            )
        v = self._template.copy()
        decoders = self._decoders
        for name, raw in facts.items():
            entry = decoders.get(name)
            if entry is None:
                if ignore_unknown:
                    continue
                raise self._fact_errors(facts, ignore_unknown)
            slot, fast_type, members, decode = entry
            # the common types are accepted as they are; anything else (and every error) goes through `decode`
            if (
                type(raw) is fast_type
                and (members is None or raw in members)
                and (fast_type is not int or INT_MIN <= raw <= INT_MAX)  # type: ignore[operator]
            ):
                v[slot] = raw
                continue
            try:
                v[slot] = decode(raw)
            except BadValue:
                raise self._fact_errors(facts, ignore_unknown) from None
        if len(v) < self._compiler.size:
            v.extend([None] * (self._compiler.size - len(v)))
        return v

    def _fact_errors(self, facts: Mapping[str, Any], ignore_unknown: bool) -> FactError:
        """Every bad fact of ``facts``, as the first one's error with the others in ``also``.

        Bad facts come in the policy's order of declaration, unknown names last.
        """
        found: list[FactError] = []
        for name, raw in facts.items():
            entry = self._decoders.get(name)
            if entry is None:
                if not ignore_unknown:
                    found.append(
                        FactError(
                            f"unknown fact `{show_name(name)}`: "
                            f"the policy `{self._program.name}` declares no such fact",
                            facts=[name],
                            value=raw,
                            hint=suggest(str(name), self._decoders),
                            code="pol-unknown-fact",
                        )
                    )
                continue
            try:
                entry[3](raw)
            except BadValue as e:
                found.append(bad_fact(name, raw, e))
        assert found, "called only after a fact failed to decode"
        # the policy's order, not the fact set's: a table's columns (batch) need not keep a row's keys in order
        order = self._fact_order
        found.sort(key=lambda e: (0, order[e.facts[0]]) if e.facts[0] in order else (1, 0))
        first = found[0]
        first.also = found[1:]
        return first

    def run_constraint_lets(self, v: list[Any]) -> None:
        """Compute the ``let`` values the constraints read."""
        for step in self._constraint_lets:
            step.run(v)

    def check_constraints(self, v: list[Any]) -> None:
        """Raise a :class:`~policylang.FactError` for the first constraint the values break."""
        if not self._constraints:
            return
        self.run_constraint_lets(v)
        for check in self._constraints:
            if check.condition is not None and check.condition(v) is not True:
                continue
            if check.require(v) is False:
                c = check.info
                facts = ", ".join(
                    f"`{f}` = {show(encode(v[self._slots[('fact', f)]]))}"
                    for f in c.facts
                    if type(v[self._slots[("fact", f)]]) is not Unknown
                )
                message = c.message.get("en") if c.message else None
                text = message or c.title or f"the facts break the constraint `{c.name}`"
                raise FactError(
                    f"{text} ({facts})", facts=list(c.facts), code="pol-constraint", expected=c.require.span.text
                )

    def run(self, v: list[Any], tracer: Tracer | None = None) -> Fired:
        """Run the plan on the values ``v``; return, for each decision, the rows that decided it."""
        fired: Fired = {}
        if tracer is None:
            for run in self._untraced:
                run(v, fired)
            return fired
        log = self._compiler.call_slot
        v[log] = getattr(tracer, "call", None)  # the calls of functions, for a tracer that is told of them
        try:
            for step in self._steps:
                rows = step.run(v, tracer)
                if rows is not None:
                    fired[step.name] = rows
        finally:
            v[log] = None
        return fired

    def evaluate(
        self,
        facts: Mapping[str, Any],
        *,
        trace: bool = True,
        ignore_unknown_facts: bool = False,
        tracer: Tracer | None = None,
        exhaustive: bool = False,
    ) -> Result:
        """Evaluate ``facts``: the decisions, their reasons and the trace (see :meth:`policylang.Policy.evaluate`)."""
        v = self.load_facts(facts, ignore_unknown_facts)
        self.check_constraints(v)
        if tracer is not None:
            for name, value in self._overridden.items():
                tracer.parameter(name, value)
        fired = self.run(v, tracer)
        settled: dict[str, Settled] = {}
        stopped = False
        if exhaustive:
            settled, stopped = settle_within(self, facts, v, ignore_unknown_facts, budget=self._limits.exhaustive_cases)
        for name, found in settled.items():
            v[self._slots[("decision", name)]] = found.value
            fired[name] = list(found.rows)
        warnings = self._warnings(v, tracer) if self._may_warn else []
        if stopped:
            warnings.append(_incomplete(self._limits.exhaustive_cases))
        handoffs = self._check_handoffs(v, tracer) if self._handoffs else []
        build: Callable[[], list[TraceNode]] = list
        if trace and tracer is None:

            def build() -> list[TraceNode]:
                return self._trace_of(v, settled, fired)

        assumed = self.assumed(facts) if self._defaults else ()
        dated = self._dated_on_evaluation_date(v) if self._dated else None
        return Result(self._shape, v, fired, build, warnings, handoffs, assumed=assumed, dated=dated)

    def _dated_on_evaluation_date(self, v: list[Any]) -> dict[str, dict[str, Any]]:
        """Each dated parameter's value on the evaluation date, and the date it is in force from (for the record)."""
        day = self._evaluation_date(v) if self._evaluation_date is not None else None
        if isinstance(day, dt.datetime):
            day = day.date()
        if not isinstance(day, dt.date):
            return {}
        found = {}
        for name, slot, type_ in self._dated:
            chosen = v[slot].at(day)
            if chosen is not None:
                start = None if chosen[0] == dt.date.min else chosen[0].isoformat()
                found[name] = {"date": day.isoformat(), "from": start, "value": encode(chosen[1], type_)}
        return found

    def _trace_of(self, v: list[Any], settled: Mapping[str, Settled], fired: Fired | None = None) -> list[TraceNode]:
        """The trace of an evaluation whose final values are ``v``, made when it is first read.

        The decisions' steps run again with a tracer on a copy of the values: every value
        they read is final, so they report exactly what they did the first time, and an
        evaluation whose trace is never read pays nothing for it. ``let`` values are not
        computed again. A decision settled by cases runs as it did before settling. Where
        no value is unknown, every condition held or did not, so the rows that ``fired`` in
        the first run say what a decision would report (:meth:`DecisionStep.decided_by`),
        without its conditions computed again.
        """
        w = v.copy()
        tree = self._trace_builder().recorder()
        w[self._compiler.call_slot] = tree.call
        known = fired is not None and not settled and Unknown not in set(map(type, v))
        for step in self._steps:
            if isinstance(step, LetStep):
                if step.info.name in self._calling_lets:
                    step.value(w)  # again, for the trace of its calls of functions (the value is the same)
                tree.derived(step.info, w[step.slot])
                continue
            if known and isinstance(step, DecisionStep) and fired is not None and step.name in fired:
                found = step.decided_by(w, fired[step.name])
                if found is not None:
                    tree.reported(step.info, *found, w[step.slot])
                    continue
            step.run(w, tree)
        w[self._compiler.call_slot] = None
        if self._handoffs:
            self._check_handoffs(w, tree)
        roots = tree.roots
        if settled:
            marks = {
                name: SettledDecision(
                    found.value,
                    found.facts,
                    found.cases,
                    tuple(dict.fromkeys(rule for row in found.rows for rule in row.info.rules)),
                )
                for name, found in settled.items()
            }
            roots = self._trace_builder().mark_settled(roots, marks)
        return roots

    def _trace_builder(self) -> TraceBuilder:
        if self._tracing is None:
            self._tracing = TraceBuilder(self._program)
        return self._tracing

    def _warnings(self, v: list[Any], tracer: Tracer | None) -> list[ResultWarning]:
        warnings: list[ResultWarning] = []
        header = self._program.header
        if self._evaluation_date is not None:
            day = self._evaluation_date(v)
            if hasattr(day, "date") and callable(day.date):
                day = day.date()
            if type(day) is not Unknown and day is not None:
                if header.valid_from and day < header.valid_from:
                    warnings.append(
                        ResultWarning(
                            "before_validity",
                            f"The policy applies from {header.valid_from}; the evaluation date {day} is earlier.",
                            f"Politikken gælder fra {header.valid_from}; vurderingsdatoen {day} ligger før.",
                        )
                    )
                if header.valid_until and day > header.valid_until:
                    warnings.append(
                        ResultWarning(
                            "after_validity",
                            f"The policy applies until {header.valid_until}; the evaluation date {day} is later.",
                            f"Politikken gælder til {header.valid_until}; vurderingsdatoen {day} ligger efter.",
                        )
                    )
        for step in self._warning_steps:
            if step.applies(v):
                labels = step.info.labels
                warnings.append(ResultWarning(step.info.name, labels.get("en") or "", labels.get("da")))
        if tracer is not None:
            for w in warnings:
                tracer.warning(w)
        return warnings

    def _check_handoffs(self, v: list[Any], tracer: Tracer | None) -> list[dict[str, Any]]:
        """The other policies this person should also be evaluated under, and why."""
        found: list[dict[str, Any]] = []
        for info, condition in self._handoffs:
            holds = True if condition is None else condition(v)
            if holds is not True and type(holds) is not Unknown:
                continue
            entry: dict[str, Any] = {"policy": info.target, "rules": list(info.rules)}
            if holds is True:
                entry["status"] = "applies"
            else:
                entry["status"] = "undetermined"
                entry["missing"] = sorted(holds.facts, key=lambda f: self._fact_order.get(f, 0))
            if info.note:
                entry["note"] = {"da": info.note.da, "en": info.note.en}
            found.append(entry)
            if tracer is not None:
                tracer.handoff(info, holds, entry)
        return found


def _calls_functions(info: ir.LetInfo | ir.ParamInfo) -> bool:
    """Whether computing a ``let`` value (or ``condition`` parameter) calls a function of the policy."""
    e = info.expr if isinstance(info, ir.LetInfo) else info.default
    return any(isinstance(x, ir.FnCallIR) for x in ir.walk(e))


def _incomplete(budget: int) -> ResultWarning:
    """The warning that exhaustive settling stopped at its budget, leaving decisions undetermined."""
    return ResultWarning(
        "exhaustive_incomplete",
        f"Trying every possible case stopped after {budget:,} combinations of facts; some decisions that "
        "more cases could have settled are still undetermined.",
        f"Gennemgangen af alle mulige tilfælde stoppede efter {budget:,} kombinationer af oplysninger; nogle "
        "afgørelser, som flere tilfælde kunne have afklaret, er derfor stadig uafklarede.",
    )


def _untraced(step: Step) -> Callable[[list[Any], Fired], None] | None:
    """The step as one lean function for evaluation without a tracer (notes need none)."""
    if isinstance(step, LetStep):
        slot, value = step.slot, step.value

        def let(v: list[Any], fired: Fired) -> None:
            v[slot] = value(v)

        return let
    if isinstance(step, DecisionStep):
        slot, name, method = step.slot, step.name, step.method

        def decide(v: list[Any], fired: Fired) -> None:
            v[slot], fired[name] = method(v, None)

        return decide
    return None


def _replace_conditions(program: ir.Program, overrides: Mapping[str, Any], limits: Limits) -> ir.Program:
    """The program with some ``condition`` parameters replaced, and its plan made anew."""
    from policylang.check.plan import evaluation_plan
    from policylang.engine.parameters import condition_override

    parameters = dict(program.parameters)
    for name, text in overrides.items():
        parameters[name] = attrs.evolve(
            parameters[name], default=condition_override(program, parameters[name], text, limits)
        )
    steps, cycle = evaluation_plan(
        parameters, program.lets, program.decisions, program.rules, program.warnings, program.files
    )
    if cycle is not None:
        path = " -> ".join(f"`{name}`" for _, name in cycle.path)
        names = [name for name in overrides if any(name == n for _, n in cycle.path)] or list(overrides)
        raise ParameterError(
            f"parameter `{names[0]}`: the new condition makes values depend on each other in a circle: {path}",
            facts=names,
            code="pol-parameter-cycle",
        )
    return attrs.evolve(program, parameters=parameters, plan=steps)


def _fast_check(t: T.Type) -> tuple[type | None, frozenset[str] | None]:
    """The Python type (and for enums the members) ``load_facts`` accepts without decoding.

    >>> _fast_check(T.BOOL), _fast_check(T.DATE)
    ((<class 'bool'>, None), (None, None))
    """
    if t == T.BOOL:
        return bool, None
    if t == T.INT:
        return int, None  # within 64 bits (checked where it is used)
    if isinstance(t, T.EnumType):
        return str, frozenset(m for m in t.members if t.fields_of(m) is None)
    return None, None


__all__: Sequence[str] = ("ConstraintCheck", "Engine", "EngineSource")


def _dated_encoder(type_: T.Type) -> Callable[[Any], Any]:
    """How a dated parameter's values are written: ``{"values": {DATE: VALUE, ...}}``, as a parameter file has them."""
    return lambda value: encode(value, type_)

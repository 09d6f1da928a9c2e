"""Run a compiled policy on a fact set: the engine that validates facts and runs the plan.

The :class:`Engine` holds a policy compiled for one set of parameter values: the fact
decoders, the constraints, and the plan's steps (:mod:`policylang.engine.steps`, where the
semantics of decisions and unknown facts live). Traces are recorded as events and built
into trees by :mod:`policylang.trace.build` when first read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from policylang.base.errors import FactError, ParameterError
from policylang.base.suggest import suggest
from policylang.engine.compile import Compiler, slot_table
from policylang.engine.facts import BadValue, Decoder, bad_fact, decoder, show
from policylang.engine.result import DecisionView
from policylang.engine.steps import DecisionStep, Input, LetStep, NoteStep, RuntimeRow, WarningStep
from policylang.ir import program as ir
from policylang.ir import types as T
from policylang.ir.values import Unknown, encode, encoder
from policylang.trace.build import rule_data
from policylang.trace.nodes import Tracer


class Engine:
    """A policy compiled for evaluation, with one set of parameter values."""

    def __init__(self, program: ir.Program, parameters: Mapping[str, Any] | None = None) -> None:
        self.program = program
        self.slots = slot_table(program)
        self.compiler = Compiler(self.slots, program.slots)
        self.parameter_values, self.overridden = self._parameters(parameters or {})
        self.declared = program  # as written: the defaults the trace shows next to an override
        if self.condition_overrides:
            self.program = program = _replace_conditions(program, self.condition_overrides)
        self.rule_ids = frozenset(program.rules)
        self.decoders: dict[str, tuple[int, type | None, frozenset[str] | None, Decoder]] = {
            f.name: (f.slot, *_fast_check(f.type), decoder(f.type, self.rule_ids)) for f in program.facts.values()
        }
        self.missing_template = [Unknown(frozenset({f.name})) for f in program.facts.values()]
        self.fact_order = {name: i for i, name in enumerate(program.facts)}
        self.steps = [self._step(s) for s in program.plan]
        self.warning_steps = [s for s in self.steps if isinstance(s, WarningStep)]
        self.may_warn = bool(self.warning_steps) or program.header.evaluation_date is not None
        self.untraced = [run for run in map(self._untraced, self.steps) if run is not None]
        self.handoffs = [
            (h, self._row(ir.RowInfo(ir.Const(True, T.BOOL, h.span), h.condition, (), h.rules, h.span)))
            for h in program.handoffs
        ]
        self.steps = [s for s in self.steps if not isinstance(s, WarningStep)]
        self.views = tuple(DecisionView(d.name, d.slot, d.kind, encoder(d.type)) for d in program.decisions.values())
        self.constraints = [
            (c, self.compiler.expr(c.condition) if c.condition else None, self.compiler.expr(c.require))
            for c in program.constraints
        ]
        self.constraint_lets = self._constraint_lets()
        header = program.header
        self.evaluation_date = self.compiler.expr(header.evaluation_date) if header.evaluation_date else None
        self.size = self.compiler.size
        self.template: list[Any] = [None] * self.size
        self.template[: len(self.missing_template)] = self.missing_template
        for slot, value in self.parameter_values:
            self.template[slot] = value

    # -- setup -----------------------------------------------------------------

    def _parameters(self, overrides: Mapping[str, Any]) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
        from policylang.engine.parameters import decode_parameter

        values = []
        overridden: dict[str, Any] = {}
        unknown = [n for n in overrides if n not in self.program.parameters]
        if unknown:
            name = unknown[0]
            raise ParameterError(
                f"this policy has no parameter `{name}`",
                facts=[name],
                hint=suggest(name, self.program.parameters),
                code="pol-unknown-parameter",
            )
        for p in self.program.parameters.values():
            if p.is_condition:
                continue
            if p.name in overrides:
                value = decode_parameter(p, overrides[p.name])
                overridden[p.name] = overrides[p.name]
            else:
                value = self.compiler.expr(p.default)([None] * (self.program.slots + 64))
            values.append((p.slot, value))
        self.condition_overrides = {
            n: v
            for n, v in overrides.items()
            if n in self.program.parameters and self.program.parameters[n].is_condition
        }
        overridden.update(self.condition_overrides)
        return values, overridden

    def _inputs(self, *exprs: ir.Expr | None) -> tuple[Input, ...]:
        seen: dict[tuple[str, str], Input] = {}
        for e in exprs:
            for ref in ir.refs(e):
                key = (ref.kind, ref.name)
                if key not in seen and key in self.slots:
                    seen[key] = Input(ref.kind, ref.name, self.slots[key], ref.type)
        return tuple(seen.values())

    def _row(self, row: ir.RowInfo) -> RuntimeRow:
        rule_nodes = tuple(rule_data(self.program.rules[r]) for r in row.rules if r in self.program.rules)
        return RuntimeRow(
            info=row,
            value=self.compiler.expr(row.value),
            condition=self.compiler.expr(row.condition) if row.condition is not None else None,
            rule_nodes=rule_nodes,
            inputs=self._inputs(row.condition, row.value),
            condition_text=row.condition.span.text if row.condition is not None else None,
        )

    def _step(self, step: ir.Step) -> Any:
        p = self.program
        if step.kind == "decision":
            d = p.decisions[step.name]
            rows = tuple(self._row(r) for r in d.rows)
            default = self._row(d.default) if d.default else None
            return DecisionStep(d, rows, default)
        if step.kind == "let":
            let = p.lets[step.name]
            row = ir.RowInfo(let.expr, None, (), let.rules, let.span)
            return LetStep(let, self._row(row))
        if step.kind == "parameter":
            param = p.parameters[step.name]
            row = ir.RowInfo(param.default, None, (), (), param.span)
            return LetStep(param, self._row(row), step.name in self.condition_overrides)
        if step.kind == "note":
            rule = p.rules[step.name]
            row = ir.RowInfo(
                ir.Const(True, T.BOOL, rule.span), rule.condition, rule.factors, (rule.rule_id,), rule.span
            )
            return NoteStep(rule, self._row(row))
        warning = next(w for w in p.warnings if w.name == step.name)
        row = ir.RowInfo(ir.Const(True, T.BOOL, warning.span), warning.condition, (), (), warning.span)
        return WarningStep(warning, self._row(row))

    def _constraint_lets(self) -> list[Any]:
        needed: set[str] = set()
        pending = [
            ref.name
            for c in self.program.constraints
            for e in (c.condition, c.require)
            for ref in ir.refs(e)
            if ref.kind == "let"
        ]
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            pending.extend(ref.name for ref in ir.refs(self.program.lets[name].expr) if ref.kind == "let")
        return [s for s in self.steps if isinstance(s, LetStep) and s.info.name in needed]

    # -- running ---------------------------------------------------------------

    def load_facts(self, facts: Mapping[str, Any], ignore_unknown: bool) -> list[Any]:
        """Validate and decode ``facts`` into a fresh slot list."""
        if type(facts) is not dict and not isinstance(facts, Mapping):
            raise FactError(
                f"a fact set must be an object mapping fact names to values, not {show(facts)}", code="pol-fact-set"
            )
        v = self.template.copy()
        decoders = self.decoders
        for name, raw in facts.items():
            entry = decoders.get(name)
            if entry is None:
                if ignore_unknown:
                    continue
                raise self._fact_errors(facts, ignore_unknown)
            slot, fast_type, members, decode = entry
            # the common types are accepted as they are; anything else (and every error) goes through `decode`
            if type(raw) is fast_type and (members is None or raw in members):
                v[slot] = raw
                continue
            try:
                v[slot] = decode(raw)
            except BadValue:
                raise self._fact_errors(facts, ignore_unknown) from None
        return v

    def _fact_errors(self, facts: Mapping[str, Any], ignore_unknown: bool) -> FactError:
        """Every bad fact of ``facts``, as the first one's error with the others in ``also``."""
        found: list[FactError] = []
        for name, raw in facts.items():
            entry = self.decoders.get(name)
            if entry is None:
                if not ignore_unknown:
                    found.append(
                        FactError(
                            f"unknown fact `{name}`: the policy `{self.program.name}` declares no such fact",
                            facts=[name],
                            value=raw,
                            hint=suggest(str(name), self.decoders),
                            code="pol-unknown-fact",
                        )
                    )
                continue
            try:
                entry[3](raw)
            except BadValue as e:
                found.append(bad_fact(name, raw, e))
        assert found, "called only after a fact failed to decode"
        first = found[0]
        first.also = found[1:]
        return first

    def check_constraints(self, v: list[Any]) -> None:
        for step in self.constraint_lets:
            step.run(v, None, self)
        for c, condition, require in self.constraints:
            if condition is not None and condition(v) is not True:
                continue
            if require(v) is False:
                facts = ", ".join(
                    f"`{f}` = {show(encode(v[self.slots[('fact', f)]]))}"
                    for f in c.facts
                    if type(v[self.slots[("fact", f)]]) is not Unknown
                )
                message = c.message.get("en") if c.message else None
                text = message or c.title or f"the facts break the constraint `{c.name}`"
                raise FactError(
                    f"{text} ({facts})", facts=list(c.facts), code="pol-constraint", expected=c.require.span.text
                )

    def run(self, v: list[Any], tracer: Tracer | None) -> dict[str, list[RuntimeRow]]:
        """Run the plan; return, for each decision, the rows that decided it."""
        fired: dict[str, list[RuntimeRow]] = {}
        if tracer is None:
            for run in self.untraced:
                run(v, fired)
            return fired
        for step in self.steps:
            rows = step.run(v, tracer, self)
            if rows is not None:
                fired[step.name] = rows
        return fired

    def _untraced(self, step: Any) -> Callable[[list[Any], dict[str, list[RuntimeRow]]], None] | None:
        """The step as one lean function for evaluation without a tracer (notes need none)."""
        if isinstance(step, LetStep):
            slot, value = step.slot, step.value

            def let(v: list[Any], fired: dict[str, list[RuntimeRow]]) -> None:
                v[slot] = value(v)

            return let
        if isinstance(step, DecisionStep):
            slot, name, method = step.slot, step.name, step.method

            def decide(v: list[Any], fired: dict[str, list[RuntimeRow]]) -> None:
                v[slot], fired[name] = method(v, None)

            return decide
        return None

    def trace_parameters(self, tracer: Tracer) -> None:
        for name, value in self.overridden.items():
            tracer.parameter(name, value)

    def check_handoffs(self, v: list[Any], tracer: Tracer | None) -> list[dict[str, Any]]:
        """The other policies this person should also be evaluated under, and why."""
        found: list[dict[str, Any]] = []
        for info, row in self.handoffs:
            holds = True if row.condition is None else row.condition(v)
            if holds is not True and type(holds) is not Unknown:
                continue
            entry: dict[str, Any] = {"policy": info.target, "rules": list(info.rules)}
            if holds is True:
                entry["status"] = "applies"
            else:
                entry["status"] = "undetermined"
                entry["missing"] = sorted(holds.facts, key=lambda f: self.fact_order.get(f, 0))
            if info.note:
                entry["note"] = {"da": info.note.da, "en": info.note.en}
            found.append(entry)
            if tracer is not None:
                tracer.handoff(info, row, entry)
        return found


def _replace_conditions(program: ir.Program, overrides: Mapping[str, Any]) -> ir.Program:
    """The program with some ``condition`` parameters replaced, and its plan made anew."""
    from policylang.check.plan import evaluation_plan
    from policylang.engine.parameters import condition_override

    parameters = dict(program.parameters)
    for name, text in overrides.items():
        parameters[name] = attrs.evolve(parameters[name], default=condition_override(program, parameters[name], text))
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
        return int, None
    if t == T.TEXT:
        return str, None
    if isinstance(t, T.EnumType):
        return str, frozenset(t.members)
    return None, None

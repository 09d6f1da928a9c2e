"""Run a compiled policy on a fact set: the semantics of decisions, rules and unknowns.

The engine executes the program's plan in order. Each decision is one of:

* ``expr``: a single expression;
* ``first_match``: the first row whose condition holds gives the value. A row whose
  condition is unknown makes the decision unknown, unless every value it could take agrees;
* ``collect``: every row (or ``add`` rule) whose condition holds adds its item, in order;
* ``rules``: Catala-style rules ``then d = v``; an applicable exception removes the rule it
  overrides; two applicable rules that disagree are a conflict; none gives the default
  or the reported state "no rule applies".

One implementation serves both traced and untraced evaluation; with no tracer the
tracing branches are skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from policylang import ir
from policylang import types as T
from policylang.compile import Compiler, Fn, slot_table
from policylang.errors import ConflictError, Diagnostic, FactError, ParameterError
from policylang.facts import BadValue, Decoder, bad_fact, decoder, show
from policylang.result import DecisionView
from policylang.trace import TraceNode, Tracer
from policylang.typecheck import suggest
from policylang.values import Unknown, encode, encoder, same_value

U = Unknown


@attrs.frozen
class Input:
    """A fact, parameter, derived value or decision a row reads, for the trace's ``input`` nodes."""

    kind: str
    name: str
    slot: int
    type: T.Type


@attrs.frozen
class RuntimeRow:
    """A row ready to run: compiled closures plus what its trace shows."""

    info: ir.RowInfo
    value: Fn
    condition: Fn | None
    rule_nodes: tuple[dict[str, Any], ...]
    inputs: tuple[Input, ...]
    condition_text: str | None


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
        self.missing_template = [U(frozenset({f.name})) for f in program.facts.values()]
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
        self.views = tuple(
            DecisionView(d.name, d.slot, d.kind, encoder(d.type)) for d in program.decisions.values()
        )
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
        from policylang.parameters import decode_parameter

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
        rule_nodes = tuple(_rule_data(self.program.rules[r]) for r in row.rules if r in self.program.rules)
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
                raise FactError(
                    f"unknown fact `{name}`: the policy `{self.program.name}` declares no such fact",
                    facts=[name],
                    value=raw,
                    hint=suggest(str(name), decoders),
                    code="pol-unknown-fact",
                )
            slot, fast_type, members, decode = entry
            # the common types are accepted as they are; anything else (and every error) goes through `decode`
            if type(raw) is fast_type and (members is None or raw in members):
                v[slot] = raw
                continue
            try:
                v[slot] = decode(raw)
            except BadValue as e:
                raise bad_fact(name, raw, e) from None
        return v

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
                    if type(v[self.slots[("fact", f)]]) is not U
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
                v[slot], fired[name] = method(v, None, self)

            return decide
        return None

    def trace_parameters(self, tracer: Tracer) -> None:
        for name, value in self.overridden.items():
            tracer.parameter(name, value)

    def trace_nodes(self, events: list[tuple[Any, ...]], v: list[Any]) -> list[TraceNode]:
        """Build the trace tree from a :class:`~policylang.trace.Recorder`'s events."""
        roots: list[TraceNode] = []
        stack: list[TraceNode] = []
        for event in events:
            kind = event[0]
            node: TraceNode | None
            if kind == "decided":
                stack.pop().data.update(event[1].status(event[2], self))
                continue
            if kind == "row":
                _, step, row, outcome, condition, value = event
                node = self.row_node(row, outcome, v, condition, value, step.value_type)
            elif kind == "decision":
                node = TraceNode("decision", dict(event[1].static), event[1].info.span)
            elif kind == "derived":
                node = event[1].node(event[2], v, self)
            elif kind == "note":
                node = event[1].node(v, self)
            elif kind == "warning":
                node = TraceNode("warning", event[1].to_dict())
            elif kind == "handoff":
                _, info, row, entry = event
                outcome = "fired" if entry["status"] == "applies" else "unknown"
                detail = self.row_node(row, outcome, v, True if outcome == "fired" else U(), None, T.BOOL)
                node = TraceNode("handoff", dict(entry), info.span, detail.children)
            else:
                node = self.parameter_node(event[1], event[2])
            (stack[-1].children if stack else roots).append(node)
            if kind == "decision":
                stack.append(node)
        return roots

    def check_handoffs(self, v: list[Any], tracer: Tracer | None) -> list[dict[str, Any]]:
        """The other policies this person should also be evaluated under, and why."""
        found: list[dict[str, Any]] = []
        for info, row in self.handoffs:
            holds = True if row.condition is None else row.condition(v)
            if holds is not True and type(holds) is not U:
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

    def parameter_node(self, name: str, value: Any) -> TraceNode:
        p = self.declared.parameters[name]
        shown = value if p.is_condition else encode(dict(self.parameter_values).get(p.slot, value), p.type)
        return TraceNode("parameter", {"name": name, "value": shown, "default": p.default.span.text}, p.span)

    def row_node(
        self,
        row: RuntimeRow,
        outcome: str,
        v: list[Any],
        condition: Any,
        value: Any = None,
        value_type: T.Type | None = None,
    ) -> TraceNode:
        data: dict[str, Any] = {"outcome": outcome}
        if outcome in ("fired", "unknown", "default") and type(value) is not U:
            data["value"] = encode(value, value_type)
        if row.condition_text is not None:
            data["condition"] = row.condition_text
            data["condition_value"] = "unknown" if type(condition) is U else bool(condition)
        node = TraceNode("row", data, row.info.span)
        for rule in row.rule_nodes:
            node.children.append(TraceNode("rule", {**rule, "outcome": outcome}, rule["_span"]))
            del node.children[-1].data["_span"]
        for inp in row.inputs:
            x = v[inp.slot]
            if type(x) is U:
                entry = {"name": inp.name, "source": inp.kind, "unknown": True}
            else:
                entry = {"name": inp.name, "source": inp.kind, "value": encode(x, inp.type)}
            node.children.append(TraceNode("input", entry))
        if outcome in ("fired", "default") and row.info.factors:
            node.children.append(TraceNode("factors", {"factors": [_factor(f) for f in row.info.factors]}))
        return node


def _replace_conditions(program: ir.Program, overrides: Mapping[str, Any]) -> ir.Program:
    """The program with some ``condition`` parameters replaced, and its plan made anew."""
    from policylang.parameters import condition_override
    from policylang.plan import evaluation_plan

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


def _factor(f: ir.FactorInfo) -> dict[str, Any]:
    return {"code": f.code, "da": f.labels.da, "en": f.labels.en}


def _rule_data(rule: ir.RuleInfo) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "citation": rule.citation,
        "citations": [c.to_dict() for c in rule.citations],
    }
    if rule.title:
        data["title"] = rule.title
    if rule.force:
        data["force"] = rule.force
    if rule.provenance:
        data["provenance"] = rule.provenance
    if rule.inferred:
        data["inferred"] = True
    if rule.quote:
        data["quote"] = rule.quote
    if rule.note:
        data["note"] = {"da": rule.note.da, "en": rule.note.en}
    if rule.explain:
        data["explain"] = {"da": rule.explain.da, "en": rule.explain.en}
    data["_span"] = rule.span
    return data


def _merge(a: Unknown | None, b: Any) -> Unknown:
    if a is None:
        return b if type(b) is U else U()
    return a.merge(b) if type(b) is U else a


class DecisionStep:
    """Computes one decision."""

    def __init__(self, info: ir.DecisionInfo, rows: tuple[RuntimeRow, ...], default: RuntimeRow | None) -> None:
        self.info = info
        self.rows = rows
        self.default = default
        self.slot = info.slot
        self.element = T.element_type(info.type)
        self.is_set = isinstance(T.strip_optional(info.type), T.SetType)
        self.name = info.name
        self.no_rule = U(frozenset(), frozenset({info.name}))
        self.static: dict[str, Any] = {"name": info.name}
        if info.provenance:
            self.static["provenance"] = info.provenance
        if info.note:
            self.static["note"] = {"da": info.note.da, "en": info.note.en}
        self.method = getattr(self, "_" + info.kind)
        self.has_exceptions = any(r.info.exceptions for r in rows)
        self.value_type = self.element if info.kind == "collect" else info.type
        self.fast_rows = tuple((r.condition, r.value, r) for r in rows)

    def run(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> list[RuntimeRow]:
        """Compute the decision into its slot; return the rows that decided it."""
        if tracer is None:
            value, fired = self.method(v, None, engine)
            v[self.slot] = value
            return fired  # type: ignore[no-any-return]
        tracer.decision(self)
        value, fired = self.method(v, tracer, engine)
        v[self.slot] = value
        tracer.decided(self, value)
        return fired  # type: ignore[no-any-return]

    def status(self, value: Any, engine: Engine) -> dict[str, Any]:
        """What the trace says about the decision's value."""
        if type(value) is not U:
            return {"status": "decided", "value": encode(value, self.info.type)}
        data: dict[str, Any] = {}
        if value.facts:
            data["status"] = "undetermined"
            data["missing"] = sorted(value.facts, key=lambda f: engine.fact_order.get(f, 0))
        else:
            data["status"] = "no_rule"
        if value.blocked - {self.info.name}:
            data["waiting_for"] = sorted(value.blocked - {self.info.name})
        return data

    def _trace(
        self,
        tracer: Tracer | None,
        engine: Engine,
        row: RuntimeRow,
        outcome: str,
        v: list[Any],
        condition: Any,
        value: Any = None,
        value_type: T.Type | None = None,
    ) -> None:
        if tracer is not None:
            tracer.row(self, row, outcome, condition, value)

    def _expr(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> tuple[Any, list[RuntimeRow]]:
        row = self.rows[0]
        value = row.value(v)
        if type(value) is U:
            if tracer is not None:
                self._trace(tracer, engine, row, "unknown", v, True, value)
            return value, []
        if tracer is not None:
            self._trace(tracer, engine, row, "fired", v, True, value)
        return value, [row]

    def _first_match(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> tuple[Any, list[RuntimeRow]]:
        pending: list[Any] | None = None
        unknown: Unknown | None = None
        for row in self.rows:
            c = True if row.condition is None else row.condition(v)
            if c is True:
                value = row.value(v)
                if tracer is not None:
                    self._trace(tracer, engine, row, "fired", v, c, value)
                if type(value) is U:
                    return _merge(unknown, value), []
                if pending is None or all(same_value(p, value) for p in pending):
                    return value, [row]
                for p in pending:
                    unknown = _merge(unknown, p)
                return _merge(unknown, U()), []
            if type(c) is U:
                value = row.value(v)
                if pending is None:
                    pending = []
                pending.append(value)
                unknown = _merge(unknown, c)
                if tracer is not None:
                    self._trace(tracer, engine, row, "unknown", v, c, value)
            elif tracer is not None:
                self._trace(tracer, engine, row, "not_applicable", v, c)
        if unknown is not None:
            for p in pending or ():
                unknown = _merge(unknown, p)
            return unknown, []
        return self.no_rule, []

    def _active(self, v: list[Any]) -> tuple[list[Any], list[Any]]:
        """Whether each row applies once exceptions are taken into account (Kleene)."""
        applies = [True if r.condition is None else r.condition(v) for r in self.rows]
        applies = [a if a is True or type(a) is U else False for a in applies]
        active: list[Any] = [None] * len(self.rows)

        def resolve(i: int, depth: int = 0) -> Any:
            if active[i] is not None:
                return active[i]
            result = applies[i]
            if result is not False and depth < len(self.rows):
                for e in self.rows[i].info.exceptions:
                    over = resolve(e, depth + 1)
                    if over is True:
                        result = False
                        break
                    if type(over) is U:
                        result = over if result is True else result.merge(over)
            active[i] = result
            return result

        return [resolve(i) for i in range(len(self.rows))], applies

    def _collect(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> tuple[Any, list[RuntimeRow]]:
        if tracer is None and not self.has_exceptions:
            return self._collect_fast(v)
        if self.has_exceptions:
            active, applies = self._active(v)
        else:
            active = [True if r.condition is None else r.condition(v) for r in self.rows]
            applies = active
        items: list[Any] = []
        fired: list[RuntimeRow] = []
        unknown: Unknown | None = None
        for row, a, raw in zip(self.rows, active, applies, strict=True):
            if a is True:
                item = row.value(v)
                if tracer is not None:
                    self._trace(tracer, engine, row, "fired", v, raw, item, self.element)
                if type(item) is U:
                    unknown = _merge(unknown, item)
                elif not any(same_value(item, x) for x in items):
                    items.append(item)
                    fired.append(row)
                else:
                    fired.append(row)
            elif type(a) is U:
                unknown = _merge(unknown, a)
                if tracer is not None:
                    self._trace(tracer, engine, row, "unknown", v, raw)
            elif tracer is not None:
                outcome = "overridden" if raw is True else "not_applicable"
                self._trace(tracer, engine, row, outcome, v, raw)
        if unknown is not None:
            return unknown, []
        return (frozenset(items) if self.is_set else tuple(items)), fired

    def _collect_fast(self, v: list[Any]) -> tuple[Any, list[RuntimeRow]]:
        """``_collect`` without exceptions or a tracer: the common case, kept lean."""
        items: list[Any] = []
        fired: list[RuntimeRow] = []
        unknown: Unknown | None = None
        for condition, value, row in self.fast_rows:
            a = True if condition is None else condition(v)
            if a is True:
                item = value(v)
                if type(item) is U:
                    unknown = _merge(unknown, item)
                    continue
                fired.append(row)
                if item not in items or not any(same_value(item, x) for x in items):
                    items.append(item)
            elif type(a) is U:
                unknown = a if unknown is None else unknown.merge(a)
        if unknown is not None:
            return unknown, []
        return (frozenset(items) if self.is_set else tuple(items)), fired

    def _rules(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> tuple[Any, list[RuntimeRow]]:
        active, applies = self._active(v)
        chosen: list[tuple[RuntimeRow, Any]] = []
        possible: list[Any] = []
        unknown: Unknown | None = None
        for row, a, raw in zip(self.rows, active, applies, strict=False):
            if a is True:
                value = row.value(v)
                self._trace(tracer, engine, row, "fired", v, raw, value)
                chosen.append((row, value))
            elif type(a) is U:
                value = row.value(v)
                possible.append(value)
                unknown = _merge(unknown, a)
                self._trace(tracer, engine, row, "unknown", v, raw, value)
            else:
                self._trace(tracer, engine, row, "overridden" if raw is True else "not_applicable", v, raw)
        known = [(r, x) for r, x in chosen if type(x) is not U]
        for (r1, x1), (r2, x2) in itertools.pairwise(known):
            if not same_value(x1, x2):
                raise self._conflict(r1, x1, r2, x2)
        for _, x in chosen:
            if type(x) is U:
                unknown = _merge(unknown, x)
        if chosen and unknown is None:
            return chosen[0][1], [r for r, _ in chosen]
        if chosen:
            value = chosen[0][1]
            if type(value) is not U and all(same_value(p, value) for p in possible):
                return value, [r for r, _ in chosen]
            for p in possible:
                unknown = _merge(unknown, p)
            return _merge(unknown, value), []
        if self.default is not None:
            default = self.default.value(v)
            if unknown is None or (type(default) is not U and all(same_value(p, default) for p in possible)):
                self._trace(tracer, engine, self.default, "default", v, True, default)
                return default, [self.default]
            for p in possible:
                unknown = _merge(unknown, p)
            return _merge(unknown, default), []
        if unknown is not None:
            return unknown.merge(self.no_rule), []
        return self.no_rule, []

    def _conflict(self, r1: RuntimeRow, x1: Any, r2: RuntimeRow, x2: Any) -> ConflictError:
        a = r1.info.rules[0] if r1.info.rules else "a rule"
        b = r2.info.rules[0] if r2.info.rules else "a rule"
        message = (
            f"conflict in `{self.info.name}`: `{a}` concludes {show(encode(x1))} and `{b}` concludes "
            f"{show(encode(x2))}, and neither is an exception to the other"
        )
        hint = "declare one of them `exception to` the other, or make their conditions exclusive"
        diagnostics = [
            Diagnostic("pol-conflict", message, r1.info.span, hint=hint),
            Diagnostic("pol-conflict", f"`{b}` is the other rule of the conflict", r2.info.span),
        ]
        return ConflictError(message, diagnostics)


class LetStep:
    """Computes one derived value (or a ``condition`` parameter)."""

    def __init__(self, info: ir.LetInfo | ir.ParamInfo, row: RuntimeRow, overridden: bool = False) -> None:
        self.info = info
        self.row = row
        self.slot = info.slot
        self.value = row.value
        self.type = T.BOOL if isinstance(info, ir.ParamInfo) else info.type
        self.expression = row.info.value.span.text
        self.overridden = overridden

    def run(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> None:
        value = self.value(v)
        v[self.slot] = value
        if tracer is not None:
            tracer.derived(self, value)
        return None

    def node(self, value: Any, v: list[Any], engine: Engine) -> TraceNode:
        """The trace node for this value."""
        data: dict[str, Any] = {"name": self.info.name, "expression": self.expression}
        if isinstance(self.info, ir.ParamInfo):
            data["parameter"] = True
            data["overridden"] = self.overridden
        if type(value) is U:
            data["unknown"] = True
            data["missing"] = sorted(value.facts, key=lambda f: engine.fact_order.get(f, 0))
            outcome = "unknown"
        else:
            data["value"] = encode(value, self.type)
            # a condition-like value that does not hold does not make its rule apply
            outcome = "not_applicable" if value is False or value is None else "fired"
        row = engine.row_node(self.row, outcome, v, True, value, self.type)
        return TraceNode("derived", data, self.info.span, row.children)


class NoteStep:
    """Cites an informational rule where its condition holds."""

    def __init__(self, info: ir.RuleInfo, row: RuntimeRow) -> None:
        self.info = info
        self.row = row

    def run(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> None:
        assert self.row.condition is not None
        if tracer is not None and self.row.condition(v) is True:
            tracer.note(self)
        return None

    def node(self, v: list[Any], engine: Engine) -> TraceNode:
        """The trace node citing this rule."""
        row = engine.row_node(self.row, "fired", v, True, True, T.BOOL)
        rule = row.children[0]
        return TraceNode("note", dict(rule.data), rule.span, row.children[1:])


class WarningStep:
    """Adds a declared warning where its condition holds."""

    def __init__(self, info: ir.WarningInfo, row: RuntimeRow) -> None:
        self.info = info
        self.row = row

    def applies(self, v: list[Any]) -> bool:
        return self.row.condition is None or self.row.condition(v) is True

    def run(self, v: list[Any], tracer: Tracer | None, engine: Engine) -> None:
        return None


def fact_order(program: ir.Program, names: Sequence[str]) -> list[str]:
    """Fact names in declaration order."""
    order = {n: i for i, n in enumerate(program.facts)}
    return sorted(names, key=lambda n: order.get(n, len(order)))

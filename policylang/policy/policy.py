"""A loaded policy: evaluate it on fact sets and get results with explanations.

>>> import policylang
>>> policy = policylang.load("examples/benefit")
>>> result = policy.evaluate({"as_of": "2024-05-01", "date_of_birth": "1990-01-01"})
>>> result.decisions["adult"]
True
>>> "income_band" in result.undetermined
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from policylang.base.errors import Diagnostic
from policylang.engine.evaluate import Engine
from policylang.engine.result import Result, Warning_
from policylang.engine.settle import mark_settled, settle
from policylang.ir import program as ir
from policylang.ir.values import Unknown
from policylang.trace.build import trace_nodes
from policylang.trace.nodes import Recorder, TraceNode, Tracer


class Policy:
    """A checked and compiled policy, ready to evaluate many fact sets."""

    def __init__(
        self,
        program: ir.Program,
        diagnostics: list[Diagnostic] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.program = program
        self.diagnostics = list(diagnostics or [])
        self._engines: dict[str, Engine] = {}
        self._default = Engine(program, parameters)

    @property
    def name(self) -> str:
        """The policy's name: ``residence/help_and_repatriation``."""
        return self.program.name

    @property
    def facts(self) -> dict[str, ir.FactInfo]:
        """The facts the policy declares, by name, in declaration order."""
        return self.program.facts

    @property
    def decisions(self) -> dict[str, ir.DecisionInfo]:
        """The decisions the policy makes, by name, in declaration order."""
        return self.program.decisions

    @property
    def rules(self) -> dict[str, ir.RuleInfo]:
        """The rules of the law the policy encodes, by rule ID, in file order."""
        return self.program.rules

    @property
    def parameters(self) -> dict[str, ir.ParamInfo]:
        """The parameters a deployment may set, by name."""
        return self.program.parameters

    def __repr__(self) -> str:
        return f"<Policy {self.name}>"

    def with_parameters(self, parameters: Mapping[str, Any]) -> Policy:
        """The same policy with some parameters set to other values."""
        return Policy(self.program, self.diagnostics, parameters)

    def _engine(self, parameters: Mapping[str, Any] | None) -> Engine:
        if not parameters:
            return self._default
        key = json.dumps(parameters, sort_keys=True, default=str)
        engine = self._engines.get(key)
        if engine is None:
            if len(self._engines) > 32:
                self._engines.clear()
            engine = self._engines[key] = Engine(self.program, parameters)
        return engine

    def evaluate(
        self,
        facts: Mapping[str, Any],
        *,
        trace: bool = True,
        parameters: Mapping[str, Any] | None = None,
        ignore_unknown_facts: bool = False,
        tracer: Tracer | None = None,
        exhaustive: bool = False,
    ) -> Result:
        """Evaluate the policy on ``facts`` and explain the result.

        Absent facts are unknown: decisions that need them are reported in
        ``undetermined`` with the facts that could decide them. ``trace=False`` skips
        recording the explanation; everything else is identical. ``parameters``
        overrides the policy's parameters for this evaluation; ``tracer`` receives the
        trace events instead of the default recorder. ``exhaustive=True`` settles an
        undetermined decision that every value of the (few, boolean or enum) facts it
        waits for decides alike (:mod:`policylang.engine.settle`).
        """
        engine = self._engine(parameters) if parameters else self._default
        v = engine.load_facts(facts, ignore_unknown_facts)
        if engine.constraints:
            engine.check_constraints(v)
        recorder: Tracer | None = tracer if tracer is not None else (Recorder() if trace else None)
        if recorder is not None and engine.overridden:
            engine.trace_parameters(recorder)
        fired = engine.run(v, recorder)
        settled = settle(engine, facts, v, ignore_unknown_facts) if exhaustive else {}
        for name, found in settled.items():
            v[engine.slots[("decision", name)]] = found.value
            fired[name] = list(found.rows)
        warnings = self._warnings(engine, v, recorder) if engine.may_warn else []
        handoffs = engine.check_handoffs(v, recorder) if engine.handoffs else []
        trace_builder: Callable[[], list[TraceNode]] = list
        if type(recorder) is Recorder:
            events = recorder.events
            trace_builder = lambda: mark_settled(trace_nodes(engine, events, v), settled, engine)  # noqa: E731
        return Result(self.name, engine, v, fired, trace_builder, warnings, handoffs)

    def evaluate_many(self, data: Any, **options: Any) -> Any:
        """Evaluate every row of a caseload at once; a Polars DataFrame, one row per input row.

        ``data`` is a Polars, pandas or Arrow table, a sequence of fact sets, or a path
        to a Parquet, CSV or JSON-lines file. The options and the result's columns are
        those of :func:`policylang.batch.evaluate_many` (needs ``policylang[batch]``).
        """
        from policylang.batch import evaluate_many

        return evaluate_many(self, data, **options)

    def _warnings(self, engine: Engine, v: list[Any], tracer: Tracer | None) -> list[Warning_]:
        warnings: list[Warning_] = []
        header = self.program.header
        if engine.evaluation_date is not None:
            day = engine.evaluation_date(v)
            if hasattr(day, "date") and callable(day.date):
                day = day.date()
            if type(day) is not Unknown and day is not None:
                if header.valid_from and day < header.valid_from:
                    warnings.append(
                        Warning_(
                            "before_validity",
                            f"The policy applies from {header.valid_from}; the evaluation date {day} is earlier.",
                            f"Politikken gælder fra {header.valid_from}; vurderingsdatoen {day} ligger før.",
                        )
                    )
                if header.valid_until and day > header.valid_until:
                    warnings.append(
                        Warning_(
                            "after_validity",
                            f"The policy applies until {header.valid_until}; the evaluation date {day} is later.",
                            f"Politikken gælder til {header.valid_until}; vurderingsdatoen {day} ligger efter.",
                        )
                    )
        for step in engine.warning_steps:
            if step.applies(v):
                labels = step.info.labels
                warnings.append(Warning_(step.info.name, labels.get("en") or "", labels.get("da")))
        if tracer is not None:
            for w in warnings:
                tracer.warning(w)
        return warnings

"""The reference path: every row through :meth:`Policy.evaluate`, one at a time.

This is the definition of what a batch evaluation returns; the vectorised backend is
tested against it and hands it the rows and decisions it does not compute itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from policylang.base.errors import PolicyError
from policylang.batch import columns as C
from policylang.batch.io import Table
from policylang.batch.options import Options
from policylang.engine.evaluate import Engine
from policylang.engine.result import Result
from policylang.engine.steps import DecisionStep, LetStep
from policylang.ir import program as ir
from policylang.ir.values import Unknown

Progress = Callable[[int], None]


def rank_missing(undetermined: Mapping[str, Sequence[str]], fact_order: Mapping[str, int]) -> list[str]:
    """The facts of ``undetermined``, those that would settle the most decisions first.

    The same ranking as :attr:`Result.missing`, over the decisions given.

    >>> rank_missing({"a": ["x", "y"], "b": ["y"]}, {"x": 0, "y": 1})
    ['y', 'x']
    """
    counts: dict[str, int] = {}
    for names in undetermined.values():
        for f in names:
            counts[f] = counts.get(f, 0) + 1
    return sorted(counts, key=lambda f: (-counts[f], fact_order.get(f, 0)))


class RowCollector:
    """Builds a result table from single results (or errors), one row at a time."""

    def __init__(self, program: ir.Program, options: Options, table: Table) -> None:
        self.program = program
        self.options = options
        self.table = table
        self.names = options.decisions
        self.encoders = [C.cell_encoder(program.decisions[d].type) for d in self.names]
        self.order = {name: i for i, name in enumerate(program.facts)}
        self.values: list[list[Any]] = [[] for _ in self.names]
        self.undetermined: list[dict[str, Any] | None] = []
        self.no_rule: list[dict[str, Any] | None] = []
        self.missing: list[list[str] | None] = []
        self.reasons: list[dict[str, Any] | None] = []
        self.errors: list[str | None] = []
        self.codes: list[str | None] = []

    def add(self, result: Result) -> None:
        values = result.values
        undetermined = result.undetermined
        no_rule = result.no_rule
        for i, name in enumerate(self.names):
            value = values.get(name)
            self.values[i].append(None if value is None else self.encoders[i](value))
        chosen_undetermined = {d: undetermined[d] for d in self.names if d in undetermined}
        self.undetermined.append({d: chosen_undetermined.get(d) for d in self.names})
        self.no_rule.append({d: no_rule.get(d) for d in self.names})
        self.missing.append(rank_missing(chosen_undetermined, self.order))
        if self.options.reasons:
            reasons = result.reasons
            self.reasons.append({d: reasons.get(d) for d in self.names})
        self.errors.append(None)
        self.codes.append(None)

    def add_error(self, error: PolicyError) -> None:
        for column in self.values:
            column.append(None)
        self.undetermined.append(None)
        self.no_rule.append(None)
        self.missing.append(None)
        if self.options.reasons:
            self.reasons.append(None)
        self.errors.append(error.message)
        self.codes.append(error.code)

    def frame(self) -> pl.DataFrame:
        ids = [(c, self.table.frame.schema[c]) for c in self.table.ids]
        schema = C.schema(self.program, self.names, ids, self.options.reasons)
        data: dict[str, Any] = {c: self.table.frame.get_column(c) for c in self.table.ids}
        data[C.ROW] = self.table.row_series()
        for name, column in zip(self.names, self.values, strict=True):
            data[name] = pl.Series(name, column, dtype=schema[name])
        data[C.UNDETERMINED] = self.undetermined
        data[C.NO_RULE] = self.no_rule
        data[C.MISSING] = self.missing
        if self.options.reasons:
            data[C.REASONS] = self.reasons
        data[C.ERROR] = self.errors
        data[C.ERROR_CODE] = self.codes
        series = [
            value if isinstance(value, pl.Series) else pl.Series(name, value, dtype=schema[name])
            for name, value in data.items()
        ]
        return pl.DataFrame(series, schema=schema)


def evaluate(
    engine: Engine,
    table: Table,
    options: Options,
    *,
    progress: Progress | None = None,
    fact_sets: Iterable[dict[str, Any]] | None = None,
) -> pl.DataFrame:
    """Evaluate every row of ``table`` with :meth:`Engine.evaluate`; see :mod:`policylang.batch.columns`."""
    collector = RowCollector(engine.program, options, table)
    step = 0
    for facts in table.fact_sets() if fact_sets is None else fact_sets:
        try:
            result = engine.evaluate(
                facts,
                trace=False,
                ignore_unknown_facts=options.ignore_unknown_facts,
                exhaustive=options.exhaustive,
            )
        except PolicyError as e:
            if options.on_error == "raise":
                raise
            collector.add_error(e)
        else:
            collector.add(result)
        step += 1
        if progress is not None and step % 1000 == 0:
            progress(1000)
    if progress is not None and step % 1000:
        progress(step % 1000)
    return collector.frame()


class PartialRunner:
    """Runs only the steps some decisions need, row by row, with the reference engine.

    The vectorised backend hands it the decisions it cannot compute: for each row it
    returns their values, the facts and decisions their unknowns wait for (as bit
    numbers, see :mod:`policylang.batch.vec`) and the rule IDs that decided them. A row
    whose facts are invalid, or whose evaluation raises, is marked for the full
    reference path.
    """

    def __init__(self, engine: Engine, decisions: Sequence[str], check_facts: bool) -> None:
        program = engine.program
        self.engine = engine
        self.decisions = list(decisions)
        self.check_facts = check_facts
        needed: set[tuple[str, str]] = set()
        pending = [("decision", d) for d in decisions]
        if check_facts:
            pending += [
                (ref.kind, ref.name)
                for c in program.constraints
                for e in (c.condition, c.require)
                for ref in ir.refs(e)
            ]
        while pending:
            key = pending.pop()
            if key in needed:
                continue
            needed.add(key)
            kind, name = key
            exprs: list[Any] = []
            if kind == "decision":
                info = program.decisions[name]
                for row in (*info.rows, *([info.default] if info.default else [])):
                    exprs += [row.value, row.condition]
            elif kind == "let":
                exprs.append(program.lets[name].expr)
            elif kind == "parameter" and program.parameters[name].is_condition:
                exprs.append(program.parameters[name].default)
            pending += [(ref.kind, ref.name) for e in exprs for ref in ir.refs(e)]
        self.steps: list[DecisionStep | LetStep] = [
            s
            for s in engine.steps
            if (isinstance(s, DecisionStep) and ("decision", s.info.name) in needed)
            or (isinstance(s, LetStep) and (("let", s.info.name) in needed or ("parameter", s.info.name) in needed))
        ]
        self.fact_bits = {name: i for i, name in enumerate(program.facts)}
        self.decision_bits = {name: len(self.fact_bits) + i for i, name in enumerate(program.decisions)}
        self.slots = [program.decisions[d].slot for d in self.decisions]

    def run(self, facts: dict[str, Any], ignore_unknown: bool) -> tuple[list[Any], list[int], list[list[str]]] | None:
        """Values, unknown bitmasks and rule IDs of the decisions; ``None`` where the row fails."""
        engine = self.engine
        try:
            v = engine.load_facts(facts, ignore_unknown)
            if self.check_facts:
                engine.check_constraints(v)
            fired: dict[str, Any] = {}
            for step in self.steps:
                rows = step.run(v)
                if rows is not None:
                    fired[step.info.name] = rows
        except PolicyError:
            return None
        values: list[Any] = []
        masks: list[int] = []
        reasons: list[list[str]] = []
        for name, slot in zip(self.decisions, self.slots, strict=True):
            value = v[slot]
            if type(value) is Unknown:
                bits = 0
                for f in value.facts:
                    bits |= 1 << self.fact_bits[f]
                for d in value.blocked:
                    bits |= 1 << self.decision_bits[d]
                values.append(None)
                masks.append(bits)
                reasons.append([])
                continue
            values.append(value)
            masks.append(0)
            ids: list[str] = []
            for row in fired.get(name, ()):
                for rid in row.info.rules:
                    if rid not in ids:
                        ids.append(rid)
            reasons.append(ids)
        return values, masks, reasons

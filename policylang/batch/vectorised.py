"""The vectorised backend: a whole batch of fact sets at once, as Polars expressions.

How a batch runs (:meth:`Backend.run`):

1. the fact columns are checked and decoded (:mod:`policylang.batch.vfacts`);
2. every ``let`` value and decision the backend can compute is compiled to Polars
   expressions (:mod:`policylang.batch.vexpr`, :mod:`policylang.batch.vsteps`), in the
   order of the policy's evaluation plan, and materialised level by level so that
   independent decisions run in parallel;
3. decisions it cannot compute (and everything that uses them) are computed row by row
   by the reference engine, running only the steps they need
   (:class:`policylang.batch.rowwise.PartialRunner`);
4. the result columns are assembled from the values and unknown masks;
5. rows with invalid facts, a broken constraint, or anything the backend flags as
   *trouble* (a rule conflict, a date out of range, a huge number) are evaluated again by
   the reference path (:func:`policylang.batch.rowwise.evaluate`), which gives the exact
   result or error message of a single evaluation.

So every row of the result is what :meth:`Policy.evaluate` gives for that row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from policylang.batch import columns as C
from policylang.batch import rowwise
from policylang.batch.io import Table
from policylang.batch.lookup import SMALL, by_pattern, gather, pattern_words
from policylang.batch.options import Options
from policylang.batch.vec import WORD, Mask, NotVectorisable, Vec, any_of, literal, vector_dtype
from policylang.batch.vexpr import ExprCompiler
from policylang.batch.vfacts import FactColumn, decode
from policylang.batch.vsteps import Decided, compile_decision
from policylang.engine.evaluate import Engine
from policylang.ir import program as ir
from policylang.ir import types as T

_FAILED = object()


class Compiled:
    """The expressions for one batch: per step its value, per decision its rows that fired."""

    def __init__(self, backend: Backend, facts: Mapping[str, FactColumn]) -> None:
        self.backend = backend
        program = backend.program
        self.facts = facts
        self.env: dict[tuple[str, str], Vec] = {}
        self.failed: dict[tuple[str, str], str] = {}
        self.decided: dict[str, Decided] = {}
        self.column_levels: dict[str, int] = {}
        self.columns: list[list[pl.Expr]] = []
        self.troubles: list[pl.Expr] = []
        self.violations: list[pl.Expr] = []
        self.check_constraints_by_rows = False
        for step in program.plan:
            if step.kind in ("let", "parameter", "decision"):
                self._step(step.kind, step.name)
        self._constraints()

    # -- the environment of names --------------------------------------------------

    def lookup(self, kind: str, name: str) -> Vec:
        if kind == "fact":
            return self._fact(name)
        if kind == "parameter" and not self.backend.program.parameters[name].is_condition:
            value = self.backend.engine.parameter_value(name)
            return Vec.const(value, self.backend.program.parameters[name].type)
        key = (kind, name)
        if key in self.failed:
            raise NotVectorisable(f"it uses `{name}`, which is not vectorised ({self.failed[key]})")
        return self.env[key]

    def _fact(self, name: str) -> Vec:
        info = self.backend.program.facts[name]
        dtype = vector_dtype(info.type)
        if dtype is None:
            raise NotVectorisable(f"the fact `{name}` is of type {T.describe(info.type)}")
        bit = self.backend.fact_bits[name]
        column = self.facts.get(name)
        defaults = self.backend.engine.defaults
        if name in defaults:  # a missing column, or an unknown cell, takes the fact's default
            default = defaults[name]
            if column is None:
                return Vec.const(default, info.type)
            if not column.possibly_unknown:
                return Vec(info.type, column.value, Mask(), nullable=column.nullable, enum_column=column.enum_column)
            value = pl.when(column.known).then(column.value).otherwise(literal(default, info.type))
            return Vec(info.type, value, Mask(), nullable=column.nullable or default is None)
        if column is None:
            return Vec(info.type, pl.lit(None, dtype=dtype), Mask.constant({bit}))
        mask = Mask.flag(bit, ~column.known) if column.possibly_unknown else Mask()
        nullable = column.nullable or column.possibly_unknown
        return Vec(info.type, column.value, mask, nullable=nullable, enum_column=column.enum_column)

    # -- compiling steps -------------------------------------------------------------

    def _step(self, kind: str, name: str) -> None:
        program = self.backend.program
        troubles: list[pl.Expr] = []
        key = (kind, name)
        label = f"{kind}:{name}"
        counter = iter(range(1_000_000))

        def share(vec: Vec, part: str) -> Vec:
            return self._materialise(f"{label}#{part}{next(counter)}", vec)

        compiler = ExprCompiler(self.backend.engine, self.lookup, troubles, share)
        try:
            if kind == "decision":
                info = program.decisions[name]
                decided = compile_decision(compiler, info, Mask.constant({self.backend.decision_bits[name]}))
                vec = decided.vec
                self.decided[name] = decided
            else:
                expr = program.lets[name].expr if kind == "let" else program.parameters[name].default
                vec = compiler.expr(expr)
                if T.strip_optional(vec.type) != T.BOOL and kind == "parameter":
                    vec = Vec(T.BOOL, vec.value(), vec.mask, nullable=vec.nullable)
            if not vec.is_static and vec.fields is None:
                vector_dtype(vec.type) or _raise(f"values of type {T.describe(vec.type)}")
        except NotVectorisable as e:
            self.failed[key] = str(e)
            return
        self.troubles.extend(troubles)
        self.env[key] = self._materialise(label, vec)

    def level_of(self, named: list[pl.Expr]) -> int:
        """The first level after every column the expressions read."""
        level = 0
        for e in named:
            for root in e.meta.root_names():
                if root in self.column_levels:
                    level = max(level, self.column_levels[root] + 1)
        return level

    def _place(self, named: list[pl.Expr]) -> None:
        """Add columns at the first level after every column they read."""
        level = self.level_of(named)
        while len(self.columns) <= level:
            self.columns.append([])
        self.columns[level].extend(named)
        for e in named:
            self.column_levels[e.meta.output_name()] = level

    def _materialise(self, name: str, vec: Vec) -> Vec:
        """Compute the value once, as columns, and refer to them from then on."""
        if vec.is_static or vec.fields is not None:
            return vec
        named = [vec.value().alias(f"@v:{name}")]
        words = {}
        for w, e in vec.mask.words:
            words[w] = f"@m{w}:{name}"
            named.append(e.alias(words[w]))
        self._place(named)
        parts = vec.parts
        if parts is not None:
            self._place([parts.any_true.alias(f"@any:{name}")])
            parts = type(parts)(parts.rows, pl.col(f"@any:{name}"))
        mask = Mask.columns(words, vec.mask.bits)
        return Vec(vec.type, pl.col(f"@v:{name}"), mask, nullable=vec.nullable, parts=parts)

    def _constraints(self) -> None:
        troubles: list[pl.Expr] = []
        compiler = ExprCompiler(self.backend.engine, self.lookup, troubles)
        try:
            for c in self.backend.program.constraints:
                condition = compiler.expr(c.condition) if c.condition is not None else None
                require = compiler.expr(c.require)
                holds = require.value().fill_null(True) if require.nullable else require.value()  # null: not broken
                broken = ~holds if require.known else require.mask.is_known() & ~holds
                if condition is not None:
                    broken = broken & condition.is_true()
                self.violations.append(broken)
        except NotVectorisable:
            self.check_constraints_by_rows = True
            self.violations = []
            return
        self.troubles.extend(troubles)


def _raise(message: str) -> Any:
    raise NotVectorisable(message)


class Backend:
    """The vectorised evaluation of one policy with one set of parameter values."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.program: ir.Program = self.engine.program
        self.fact_names = list(self.program.facts)
        self.fact_bits = {name: i for i, name in enumerate(self.fact_names)}
        self.decision_bits = {name: len(self.fact_bits) + i for i, name in enumerate(self.program.decisions)}
        self.bit_names = [*self.fact_names, *self.program.decisions]
        self._coverage: dict[str, str | None] | None = None
        self._compiled: dict[tuple[Any, ...], Compiled] = {}
        self._fact_columns: dict[tuple[Any, ...], FactColumn | None] = {}
        self._rows: tuple[tuple[int, int], pl.Series] | None = None
        self._queries: dict[tuple[Any, ...], tuple[list[list[pl.Expr]], list[pl.Expr]]] = {}
        self.stats: dict[str, int] = {}

    def coverage(self) -> dict[str, str | None]:
        """Per decision: ``None`` where it is vectorised, else why it is computed row by row."""
        if self._coverage is None:
            compiled = Compiled(self, {})
            self._coverage = {
                d: None if ("decision", d) in compiled.env else compiled.failed.get(("decision", d), "not compiled")
                for d in self.program.decisions
            }
        return self._coverage

    # -- running a batch -----------------------------------------------------------------

    def run(self, table: Table, options: Options) -> pl.DataFrame:
        """Evaluate every row of ``table``; see the module docstring."""
        if len(self._fact_columns) > 256:
            self._fact_columns.clear()
        added, facts, signature = decode(table, self.program, self._fact_columns, self.engine.limits)
        compiled = self._compiled.get(signature)
        if compiled is None:
            if len(self._compiled) > 8:
                self._compiled.clear()
                self._queries.clear()
            compiled = self._compiled[signature] = Compiled(self, facts)
        frame = table.frame.with_columns(added) if added else table.frame
        fallback = [d for d in options.decisions if ("decision", d) not in compiled.env]
        check_rows = compiled.check_constraints_by_rows
        if fallback or check_rows:
            series, extra = self._partial(table, options, fallback, check_rows)
            frame = frame.with_columns(series)
            levels, outputs = self._query(compiled, facts, extra, table, options, partial=True)
        else:  # the same query as for the last batch of this shape
            shape = (options.decisions, options.reasons, options.exhaustive)
            key = (signature, shape, table.ids, C.ROW in table.frame.columns)
            if key not in self._queries:
                if len(self._queries) > 64:
                    self._queries.clear()
                self._queries[key] = self._query(compiled, facts, {}, table, options)
            levels, outputs = self._queries[key]
        lazy = frame.lazy()
        for named in levels:
            lazy = lazy.with_columns(named)
        result = lazy.select(outputs).collect()
        if result.height != table.height and result.height == 1:  # every output a constant: one row, not each
            result = result.select(pl.all().gather([0] * table.height))
        redo = result.drop_in_place("@redo") if "@redo" in result.columns else None
        if C.ROW not in result.columns:  # made apart: inside the wide query it costs several times more
            result.insert_column(len(table.ids), self._row_numbers(table))
        if "@meta" in result.columns:  # some rows unknown: undetermined decisions and missing facts
            result = result.unnest("@meta").select(list(self._schema(table, options)))
        redone = int(redo.sum()) if redo is not None else 0
        self.stats = {"rows": result.height, "redone": redone, "row_decisions": len(fallback)}
        if redo is None or not redone:
            return result
        positions = redo.arg_true().to_list()
        again = rowwise.evaluate(self.engine, table.take(positions), options)
        kept = result.filter(~redo)
        return kept.merge_sorted(again, key=C.ROW) if kept.height else again

    def _row_numbers(self, table: Table) -> pl.Series:
        """``_row`` for the table: the last one made, where it fits (columns are immutable, so shared)."""
        key = (table.offset, table.height)
        if self._rows is None or self._rows[0] != key:
            self._rows = (key, table.row_series())
        return self._rows[1]

    def _query(
        self,
        compiled: Compiled,
        facts: Mapping[str, FactColumn],
        extra: dict[str, Vec],
        table: Table,
        options: Options,
        partial: bool = False,
    ) -> tuple[list[list[pl.Expr]], list[pl.Expr]]:
        """The columns to compute, level by level, and the result's columns (with ``@redo`` where rows may need it)."""
        problems = [f.invalid for f in facts.values() if f.invalid is not None]
        problems += [f.trouble for f in facts.values() if f.trouble is not None]
        problems += compiled.violations + compiled.troubles
        if partial:  # rows the reference engine could not compute its part of
            problems.append(pl.col("@partial_failed"))
        if options.exhaustive:  # an undetermined decision may be settled by cases: the reference path does that
            for d in options.decisions:
                vec = extra.get(d) or compiled.env[("decision", d)]
                if not vec.mask.known:
                    problems.append(vec.mask.unknown())
        levels = [list(level) for level in compiled.columns]
        outputs = self._outputs(compiled, extra, table, options)
        if problems:  # computed alongside the first values that it reads, not after them
            flag = any_of(problems).alias("@redo")
            level = compiled.level_of([flag])
            while len(levels) <= level:
                levels.append([])
            levels[level].append(flag)
            outputs.append(pl.col("@redo"))
        return levels, outputs

    def _partial(
        self, table: Table, options: Options, decisions: list[str], check_rows: bool
    ) -> tuple[list[pl.Series], dict[str, Vec]]:
        """The decisions the backend does not compute, from the reference engine row by row."""
        runner = rowwise.PartialRunner(self.engine, decisions, check_rows)
        values: list[list[Any]] = [[] for _ in decisions]
        masks: list[list[int]] = [[] for _ in decisions]
        reasons: list[list[list[str] | None]] = [[] for _ in decisions]
        failed: list[bool] = []
        encoders = [C.cell_encoder(self.program.decisions[d].type) for d in decisions]
        for facts in table.fact_sets():
            out = runner.run(facts, options.ignore_unknown_facts)
            failed.append(out is None)
            for i in range(len(decisions)):
                if out is None:
                    values[i].append(None)
                    masks[i].append(0)
                    reasons[i].append(None)
                else:
                    value = out[0][i]
                    values[i].append(None if value is None else encoders[i](value))
                    masks[i].append(out[1][i])
                    reasons[i].append(out[2][i])
        series = [pl.Series("@partial_failed", failed, dtype=pl.Boolean)]
        extra: dict[str, Vec] = {}
        words = (len(self.bit_names) + WORD - 1) // WORD
        for i, d in enumerate(decisions):
            info = self.program.decisions[d]
            series.append(pl.Series(f"@v:decision:{d}", values[i], dtype=C.output_dtype(info.type)))
            series.append(pl.Series(f"@r:decision:{d}", reasons[i], dtype=C.NAMES))
            seen = 0
            for m in masks[i]:
                seen |= m
            bits = frozenset(b for b in range(len(self.bit_names)) if seen >> b & 1)
            names = {}
            for w in range(words):
                if any(b // WORD == w for b in bits):
                    names[w] = f"@m{w}:decision:{d}"
                    part = [(m >> (w * WORD)) & ((1 << WORD) - 1) for m in masks[i]]
                    series.append(pl.Series(names[w], part, dtype=pl.UInt64))
            extra[d] = Vec(info.type, pl.col(f"@v:decision:{d}"), Mask.columns(names, bits))
        return series, extra

    # -- assembling the result ---------------------------------------------------------

    def _schema(self, table: Table, options: Options) -> dict[str, pl.DataType]:
        ids = [(c, table.frame.schema[c]) for c in table.ids]
        return C.schema(self.program, options.decisions, ids, options.reasons)

    def _outputs(self, compiled: Compiled, extra: dict[str, Vec], table: Table, options: Options) -> list[pl.Expr]:
        names = options.decisions
        outputs: list[pl.Expr] = [pl.col(c) for c in table.ids]
        if C.ROW in table.frame.columns:
            outputs.append(pl.col(C.ROW))
        masks: dict[str, Mask] = {}
        for d in names:
            dtype = C.output_dtype(self.program.decisions[d].type)
            vec = extra.get(d) or compiled.env[("decision", d)]
            masks[d] = vec.mask
            value = vec.value() if vec.mask.known else pl.when(vec.mask.is_known()).then(vec.value())
            outputs.append(value.cast(dtype).alias(d))
        meta = self._meta(masks, names)
        if meta is None:  # every row known: nothing undetermined, nothing missing
            outputs.append(pl.lit(None, dtype=C.decision_struct(names)).alias(C.UNDETERMINED))
            outputs.append(pl.lit(None, dtype=C.decision_struct(names)).alias(C.NO_RULE))
            outputs.append(pl.lit([], dtype=C.NAMES).alias(C.MISSING))
        else:
            outputs.append(meta.alias("@meta"))
        if options.reasons:
            reasons = []
            for d in names:
                m = masks[d]
                column = pl.col(f"@r:decision:{d}") if d in extra else _rule_list(compiled.decided[d])
                reasons.append((column if m.known else pl.when(m.is_known()).then(column)).alias(d))
            outputs.append(_struct(reasons, names).cast(C.decision_struct(names)).alias(C.REASONS))
        outputs.append(pl.lit(None, dtype=pl.String).alias(C.ERROR))
        outputs.append(pl.lit(None, dtype=pl.String).alias(C.ERROR_CODE))
        return outputs

    def _meta(self, masks: dict[str, Mask], names: tuple[str, ...]) -> pl.Expr | None:
        """``_undetermined``, ``_no_rule`` and ``_missing`` from the decisions' masks, as one struct."""
        dtype = pl.Struct(
            [
                pl.Field(C.UNDETERMINED, C.decision_struct(names)),
                pl.Field(C.NO_RULE, C.decision_struct(names)),
                pl.Field(C.MISSING, C.NAMES),
            ]
        )
        layout = [(d, w) for d in names for w, _ in masks[d].words]
        if not layout:
            return None
        fact_count = len(self.fact_names)
        bit_names = self.bit_names
        order = {name: i for i, name in enumerate(self.fact_names)}

        def value(words: tuple[Any, ...]) -> dict[str, Any]:
            bits = dict.fromkeys(names, 0)
            for (d, w), word in zip(layout, words, strict=True):
                bits[d] |= (word or 0) << (WORD * w)
            undetermined: dict[str, Any] = dict.fromkeys(names)
            no_rule: dict[str, Any] = dict.fromkeys(names)
            for d, b in bits.items():
                if not b:
                    continue
                facts = [bit_names[i] for i in range(fact_count) if b >> i & 1]
                if facts:
                    undetermined[d] = facts
                else:
                    no_rule[d] = sorted(bit_names[i] for i in range(fact_count, len(bit_names)) if b >> i & 1)
            chosen = {d: f for d, f in undetermined.items() if f}
            return {
                C.UNDETERMINED: undetermined,
                C.NO_RULE: no_rule,
                C.MISSING: rowwise.rank_missing(chosen, order),
            }

        return by_pattern([masks[d].word(w) for d, w in layout], value, dtype)


def _struct(fields: list[pl.Expr], names: tuple[str, ...]) -> pl.Expr:
    if not fields:
        return pl.lit(None, dtype=C.decision_struct(names))
    return pl.struct(fields)


def _rule_list(decided: Decided) -> pl.Expr:
    """The rule IDs of the rows that decided, each once, in order."""
    flags = [flag for flag, _ in decided.fired]
    rules = [r for _, r in decided.fired]

    def value(pattern: int) -> list[str]:
        ids: list[str] = []
        for i, row in enumerate(rules):
            if pattern >> i & 1:
                ids.extend(r for r in row if r not in ids)
        return ids

    if not any(rules):
        return pl.lit([], dtype=C.NAMES)
    if len(flags) <= SMALL:
        return gather(flags, value, C.NAMES)
    words = pattern_words(flags)
    return by_pattern(words, lambda ws: value(sum(w << (WORD * k) for k, w in enumerate(ws))), C.NAMES)

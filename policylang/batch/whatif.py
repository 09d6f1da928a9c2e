"""What-if: the same caseload under two versions of a policy, or two sets of parameters.

>>> import polars as pl, policylang
>>> policy = policylang.load("examples/benefit")
>>> caseload = pl.DataFrame({"as_of": ["2024-05-01"] * 3, "date_of_birth": ["1990-01-01", "2007-01-01", None]})
>>> older = policy  # a reform would be another policy file, or other parameters
>>> comparison = compare(policy, older, caseload, decisions=["adult"])
>>> comparison.changed_count
0

Each row falls in one bucket per decision on each side: its value, ``(undetermined)``,
``(no rule)`` or ``(error)`` (see :mod:`policylang.batch.summary`). A row *changes* when a
decision's bucket differs; :attr:`Comparison.transitions` counts the changes per decision
and pair of buckets (``true → false: 1,204``), and :meth:`Comparison.changes` lists the
rows that change with both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import polars as pl

from policylang.batch import columns as C
from policylang.batch import io
from policylang.batch.options import BatchOptionError
from policylang.batch.run import evaluate_many
from policylang.batch.summary import bucket, status
from policylang.engine.evaluate import EngineSource

ARROW = "→"


@attrs.frozen
class Comparison:
    """Two batch results over the same rows, and what changed between them."""

    before: pl.DataFrame
    after: pl.DataFrame
    decisions: tuple[str, ...]
    ids: tuple[str, ...]
    labels: tuple[str, str] = ("before", "after")

    @property
    def rows(self) -> int:
        return self.before.height

    def _changed_flags(self) -> pl.DataFrame:
        flags = {}
        for d in self.decisions:
            b_state = status(self.before, d)
            a_state = status(self.after, d)
            states = pl.DataFrame(
                {
                    "b": self.before.select(b_state).to_series(),
                    "a": self.after.select(a_state).to_series(),
                }
            )
            same_state = states.get_column("b") == states.get_column("a")
            same_value = self.before.get_column(d).eq_missing(self.after.get_column(d))
            flags[d] = ~(same_state & same_value)
        return pl.DataFrame(flags, schema={d: pl.Boolean for d in self.decisions}, height=self.rows)

    @property
    def changed_count(self) -> int:
        """How many rows change in at least one decision."""
        flags = self._changed_flags()
        if not self.decisions:
            return 0
        return int(flags.select(pl.any_horizontal(pl.all())).to_series().sum())

    @property
    def transitions(self) -> dict[str, dict[tuple[str, str], int]]:
        """Per decision, the number of rows for each change ``(before, after)``, the largest first."""
        result: dict[str, dict[tuple[str, str], int]] = {}
        for d in self.decisions:
            frame = pl.DataFrame(
                [
                    self.before.select(status(self.before, d)).to_series().alias("bs"),
                    self.before.get_column(d).alias("bv"),
                    self.after.select(status(self.after, d)).to_series().alias("as"),
                    self.after.get_column(d).alias("av"),
                ]
            )
            counts: dict[tuple[str, str], int] = {}
            for bs, bv, as_, av, n in frame.group_by("bs", "bv", "as", "av").len().iter_rows():
                key = (bucket(bs, bv), bucket(as_, av))
                if key[0] != key[1]:
                    counts[key] = counts.get(key, 0) + n
            result[d] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return result

    def changes(self) -> pl.DataFrame:
        """The rows that change: identity, ``_row``, ``_changed`` (the decisions), and both sides."""
        flags = self._changed_flags()
        before_label, after_label = self.labels
        columns: list[pl.Series] = [self.before.get_column(c) for c in (*self.ids, C.ROW)]
        names = pl.Series("_changed", [[]] * self.rows, dtype=C.NAMES)
        if self.decisions:
            names = flags.select(
                pl.concat_list([pl.when(pl.col(d)).then(pl.lit(d)) for d in self.decisions]).list.drop_nulls()
            ).to_series()
        columns.append(names.alias("_changed"))
        for d in self.decisions:
            columns.append(self.before.get_column(d).alias(f"{d}:{before_label}"))
            columns.append(self.after.get_column(d).alias(f"{d}:{after_label}"))
        frame = pl.DataFrame(columns)
        return frame.filter(pl.col("_changed").list.len() > 0)

    def report(self) -> str:
        """The transitions as text, one line per change, with thousands separators."""
        lines = [f"{self.rows:,} rows, {self.changed_count:,} of them change"]
        for d, counts in self.transitions.items():
            total = sum(counts.values())
            lines.append(f"{d}: {total:,} {'row changes' if total == 1 else 'rows change'}")
            width = max((len(f"{b} {ARROW} {a}") for b, a in counts), default=0)
            for (b, a), n in counts.items():
                lines.append(f"  {f'{b} {ARROW} {a}':<{width}}  {n:,}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "changed": self.changed_count,
            "transitions": {
                d: [{"before": b, "after": a, "rows": n} for (b, a), n in counts.items()]
                for d, counts in self.transitions.items()
            },
        }


def compare(
    before: EngineSource,
    after: EngineSource,
    data: Any,
    *,
    before_parameters: Mapping[str, Any] | None = None,
    after_parameters: Mapping[str, Any] | None = None,
    decisions: Iterable[str] | None = None,
    id_columns: Sequence[str] = (),
    nulls: str = "unknown",
    ignore_unknown_facts: bool = False,
    backend: str = "auto",
    labels: tuple[str, str] = ("before", "after"),
) -> Comparison:
    """Evaluate ``data`` with both policies (or one policy with two parameter sets) and compare.

    The decisions compared are those both versions have (or ``decisions``). A column that
    is a fact of only one version is ignored by the other.
    """
    old, new = before.engine(before_parameters).program, after.engine(after_parameters).program
    shared = [d for d in old.decisions if d in new.decisions]
    chosen = shared if decisions is None else [d for d in decisions if d in shared]
    missing = [d for d in (decisions or ()) if d not in shared]
    if missing:
        raise BatchOptionError(f"both versions must have the decision `{missing[0]}` to compare it")
    frame = data
    if not isinstance(data, pl.DataFrame):
        frame, index_columns = io.read_frame(data, old)
        id_columns = (*index_columns, *id_columns)
    results = []
    versions = ((before, before_parameters, old, new), (after, after_parameters, new, old))
    for policy, parameters, program, other in versions:
        only_other = [c for c in frame.columns if c in other.facts and c not in program.facts]
        only_other += [
            c for c in frame.columns if c.endswith(io.KNOWN_SUFFIX) and c.removesuffix(io.KNOWN_SUFFIX) in only_other
        ]
        results.append(
            evaluate_many(
                policy,
                frame.drop(only_other),
                parameters=parameters,
                decisions=chosen,
                id_columns=id_columns,
                nulls=nulls,
                ignore_unknown_facts=ignore_unknown_facts,
                backend=backend,
            )
        )
    return Comparison(results[0], results[1], tuple(chosen), tuple(id_columns), labels)

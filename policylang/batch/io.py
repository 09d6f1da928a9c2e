"""Read a caseload into a table of fact sets, one row per fact set, keeping row identity.

Accepted inputs: a Polars DataFrame or LazyFrame, a pandas DataFrame, an Arrow table or
record batch, a sequence of fact-set mappings, or a path to a Parquet (``.parquet``), CSV
(``.csv``) or JSON-lines (``.jsonl``, ``.ndjson``) file.

How a cell becomes a fact (the *null/unknown encoding*):

* a column named like a fact holds that fact; a missing column means the fact is unknown
  in every row;
* a null cell means the fact is **unknown** in that row (the fact is absent from the row's
  fact set), except where the table says otherwise:
* a Boolean companion column ``<fact>__known`` says per row whether the fact is known;
  where it is true and the cell is null, the fact is **null** (known to have no value,
  allowed only for optional facts); where it is false or null, the fact is unknown;
* ``nulls="null"`` reads every null of an optional fact as null instead of unknown;
* NaN in a table's column is read as null (pandas writes missing numbers as NaN); in a
  fact set (JSON lines, a sequence of mappings) it is a value, refused as in a single
  evaluation;
* in JSON lines (and sequences of mappings) an absent key is unknown and ``null`` is
  null, exactly as in a single fact set;
* CSV cells are text: for ``bool`` facts ``true``/``false``, for ``int`` facts whole
  numbers, for list, set and record facts JSON text are read as such; everything else is
  read as the text it is (dates as ``YYYY-MM-DD``) and checked like any fact value.

Columns named in ``id_columns`` are carried to the result unchanged; any other column that
is not a fact is an error (as an unknown fact is in a single evaluation) unless
``ignore_unknown_facts`` is set. Row order is kept; ``_row`` numbers the rows from 0.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from policylang.base.errors import FactError, PolicyError
from policylang.base.inputs import InputError, parse_json
from policylang.base.suggest import suggest
from policylang.batch.columns import META, ROW
from policylang.ir import program as ir
from policylang.ir import types as T

KNOWN_SUFFIX = "__known"
NULL_MODES = ("unknown", "null")


class BatchInputError(PolicyError):
    """A caseload cannot be read: a missing file, a bad format, a column that is no fact."""

    code = "pol-batch-input"


@attrs.frozen
class Table:
    """A caseload as a Polars frame: ``_row``, identity columns, facts and known masks."""

    frame: pl.DataFrame
    facts: tuple[str, ...]  # fact columns, in the input's column order
    known: Mapping[str, str]  # fact -> its ``<fact>__known`` column
    ids: tuple[str, ...]
    null_is_value: frozenset[str]  # optional facts whose null cells are known nulls
    offset: int = 0  # the ``_row`` of the first row, unless the frame has a ``_row`` column

    @property
    def height(self) -> int:
        return self.frame.height

    def slice(self, offset: int, length: int) -> Table:
        """Rows ``offset`` to ``offset + length`` (a view, not a copy)."""
        return attrs.evolve(self, frame=self.frame.slice(offset, length), offset=self.offset + offset)

    def take(self, rows: Sequence[int]) -> Table:
        """The rows at these positions of this table, in the order given."""
        numbers = self.row_series().gather(list(rows))
        frame = self.frame[list(rows)]
        return attrs.evolve(self, frame=frame.with_columns(numbers) if ROW not in frame.columns else frame)

    def row_series(self) -> pl.Series:
        """``_row``: the position of each row in the whole input."""
        if ROW in self.frame.columns:
            return self.frame.get_column(ROW)
        return pl.int_range(self.offset, self.offset + self.height, dtype=pl.Int64, eager=True).alias(ROW)

    def known_expr(self, fact: str) -> pl.Expr:
        """Whether the fact is known in each row (null cells of known facts are nulls)."""
        if fact in self.known:
            return pl.col(self.known[fact]).fill_null(False)
        if fact in self.null_is_value:
            return pl.lit(True)
        return pl.col(fact).is_not_null()

    def fact_sets(self) -> Iterator[dict[str, Any]]:
        """Each row as the fact set a single evaluation would get."""
        columns = [*self.facts, *(self.known[f] for f in self.facts if f in self.known)]
        plan = []
        for f in self.facts:
            if f in self.known:
                plan.append((f, 1, columns.index(self.known[f])))
            elif f in self.null_is_value:
                plan.append((f, 2, 0))
            else:
                plan.append((f, 0, 0))
        if not columns:
            for _ in range(self.height):
                yield {}
            return
        for values in self.frame.select(columns).iter_rows():
            facts: dict[str, Any] = {}
            for i, (name, how, k) in enumerate(plan):
                value = values[i]
                if how == 0:
                    if value is not None:
                        facts[name] = value
                elif how == 2 or values[k]:
                    facts[name] = value
            yield facts


def read(
    data: Any,
    program: ir.Program,
    *,
    id_columns: Sequence[str] = (),
    nulls: str = "unknown",
    ignore_unknown_facts: bool = False,
) -> Table:
    """Read ``data`` (see the module docstring) into a :class:`Table`."""
    if nulls not in NULL_MODES:
        raise BatchInputError(f"nulls must be one of {', '.join(NULL_MODES)}, not {nulls!r}")
    frame, index_columns = read_frame(data, program)
    ids = tuple(dict.fromkeys([*index_columns, *id_columns]))
    for name in ids:
        if name not in frame.columns:
            raise BatchInputError(f"the identity column `{name}` is not in the input", [])
        if name in META:
            raise BatchInputError(f"the identity column `{name}` has the name of a result column; rename it")
    for name in program.decisions:
        if name in META or name in ids:
            raise BatchInputError(f"the decision `{name}` has the name of a result or identity column")
    if ROW in frame.columns and frame.width > 1:  # a frame of no facts keeps its rows in `_row`
        frame = frame.drop(ROW)
    elif frame.width == 0 and frame.height == 0:
        frame = pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64)})
    facts: list[str] = []
    known: dict[str, str] = {}
    drop: list[str] = []
    for name in frame.columns:
        if name in ids or name == ROW:
            continue
        if name in program.facts:
            facts.append(name)
            continue
        base = name.removesuffix(KNOWN_SUFFIX)
        if name.endswith(KNOWN_SUFFIX) and base in program.facts:
            known[base] = name
            continue
        if ignore_unknown_facts:
            drop.append(name)
            continue
        raise FactError(
            f"unknown fact `{name}`: the policy `{program.name}` declares no such fact (a column of the input)",
            facts=[name],
            hint=suggest(name, program.facts)
            or "name identity columns with id_columns, or ignore such columns with ignore_unknown_facts",
            code="pol-unknown-fact",
        )
    known = {f: c for f, c in known.items() if f in facts}
    for c in known.values():
        dtype = frame.schema[c]
        if dtype != pl.Boolean:
            if dtype == pl.String:
                frame = frame.with_columns(_text_bool(pl.col(c)).alias(c))
            else:
                raise BatchInputError(f"the column `{c}` must hold true or false, not {dtype}")
    if drop:
        frame = frame.drop(drop)
    floats = [c for c, d in frame.schema.items() if d.is_float()]
    if floats:
        frame = frame.with_columns(pl.col(c).fill_nan(None) for c in floats)
    optional = frozenset(f for f in facts if T.is_optional(program.facts[f].type))
    return Table(frame, tuple(facts), known, ids, optional if nulls == "null" else frozenset())


# ---------------------------------------------------------------- input kinds


def read_frame(data: Any, program: ir.Program) -> tuple[pl.DataFrame, list[str]]:
    """The input as a Polars frame, and the columns that hold a pandas index."""
    if isinstance(data, pl.DataFrame):
        return data, []
    if isinstance(data, pl.LazyFrame):
        return data.collect(), []
    if isinstance(data, str | os.PathLike):
        return _read_file(Path(data), program), []
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow":
        frame = pl.from_arrow(data)
        assert isinstance(frame, pl.DataFrame)
        return frame, []
    if module == "pandas":
        return _from_pandas(data, program)
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return _from_mappings(data, program, "the fact sets"), []
    raise BatchInputError(
        f"cannot read a caseload from {type(data).__name__}: give a Polars, pandas or Arrow table, "
        "a list of fact sets, or a .parquet, .csv or .jsonl file"
    )


def _read_file(path: Path, program: ir.Program) -> pl.DataFrame:
    if not path.is_file():
        raise BatchInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix == ".csv":
            return _typed_csv(pl.read_csv(path, infer_schema=False), program)
        if suffix in (".jsonl", ".ndjson"):
            return _read_jsonl(path, program)
    except (OSError, pl.exceptions.PolarsError) as e:
        raise BatchInputError(f"{path}: cannot read the file ({str(e).splitlines()[0]})") from None
    raise BatchInputError(f"{path}: unknown format `{suffix}`; use .parquet, .csv or .jsonl")


def _read_jsonl(path: Path, program: ir.Program) -> pl.DataFrame:
    rows = []
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:  # read as a facts file is (base.inputs): exact decimals, NaN for the checks, no duplicate keys
                row = parse_json(line, f"{path}:{number}", "caseload")
            except InputError as e:
                where = e.diagnostics[0].span if e.diagnostics and e.diagnostics[0].span else None
                column = f":{where.column}" if where else ""
                detail = e.message.split("not valid JSON: ", 1)[-1]
                raise BatchInputError(f"{path}:{number}{column}: not valid JSON: {detail}") from None
            if not isinstance(row, dict):
                raise BatchInputError(f"{path}:{number}: a line must hold one fact set, a JSON object")
            rows.append(row)
    return _from_mappings(rows, program, str(path))


def _from_mappings(rows: Sequence[Any], program: ir.Program, what: str) -> pl.DataFrame:
    """Fact sets as columns: an absent key is unknown, a ``None`` is null."""
    names: dict[str, None] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise BatchInputError(f"{what}: item {i + 1} is not a mapping from fact names to values")
        names.update(dict.fromkeys(row))
    columns: list[pl.Series] = []
    for name in names:
        values = [_kept(row.get(name)) for row in rows]
        fact = program.facts.get(name)
        columns.append(_series(name, values, fact.type if fact else None))
        if any(name in row and row[name] is None for row in rows):
            columns.append(pl.Series(name + KNOWN_SUFFIX, [name in row for row in rows], dtype=pl.Boolean))
    if not columns:  # fact sets without facts: the rows are still there
        return pl.DataFrame({ROW: pl.Series(range(len(rows)), dtype=pl.Int64)})
    return pl.DataFrame(columns)


def _from_pandas(data: Any, program: ir.Program) -> tuple[pl.DataFrame, list[str]]:
    index = data.index
    default = type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1
    try:
        frame = pl.from_pandas(data, include_index=not default)
    except (TypeError, ValueError, pl.exceptions.PolarsError, ImportError):
        frame = pl.DataFrame(
            [_series(str(c), [_clean(v) for v in data[c].tolist()], _fact_type(program, str(c))) for c in data.columns]
        )
        if not default:
            frame = frame.insert_column(0, pl.Series(index.name or "index", index.tolist()))
    index_columns = [] if default else [c for c in frame.columns if c not in {str(c) for c in data.columns}]
    return frame, index_columns


def _fact_type(program: ir.Program, name: str) -> T.Type | None:
    fact = program.facts.get(name)
    return fact.type if fact else None


def _kept(value: Any) -> Any:
    """A value of a fact set as it is: a NaN stays a value (refused, as a single evaluation refuses it), not null."""
    if isinstance(value, float) and math.isnan(value):
        return Decimal("NaN")  # (a float NaN would be read as a missing number, as pandas writes one)
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _series(name: str, values: list[Any], fact_type: T.Type | None) -> pl.Series:
    """A typed column where the values allow one; otherwise a column of Python objects.

    Exact decimals stay Python objects (checked one by one, as a single evaluation does):
    Polars' own decimal type cannot hold every one (34 digits, 1E+99) and fails on some.
    """
    typed = fact_type is None or not _needs_objects(fact_type)
    if typed and not any(isinstance(v, Decimal) for v in values) and _one_kind(values):
        try:
            return pl.Series(name, values, strict=True)
        except (TypeError, ValueError, OverflowError, RuntimeError, pl.exceptions.PolarsError):
            pass
        except pl.exceptions.PanicException:  # a BaseException: Polars gave up on these values
            pass
    return pl.Series(name, values, dtype=pl.Object)


def _one_kind(values: list[Any]) -> bool:
    """Whether the values are of one kind, so that a typed column keeps each as it is.

    Polars would make ``[1.5, False]`` a column of numbers, turning ``False`` into ``0.0``
    (a bool is an int in Python), and mappings structs with each other's keys: such a
    column is kept as objects and each value is checked as a single evaluation checks it.
    """
    if any(isinstance(v, Mapping) for v in values):
        return False  # a struct column gives every mapping every key: {} would read as {"a": null}
    kinds = {bool if isinstance(v, bool) else float if isinstance(v, int | float) else type(v) for v in values}
    kinds.discard(type(None))
    return len(kinds) <= 1


def _needs_objects(t: T.Type) -> bool:
    """Types whose values a Polars type would change (maps gain keys, unions and tagged values mix types)."""
    t = T.strip_optional(t)
    if isinstance(t, T.MapType | T.UnionType | T.RecordType):
        return True
    if isinstance(t, T.EnumType) and t.tagged:  # {"salary": {...}} and "none" in one column: kept as they are
        return True
    if isinstance(t, T.ListType | T.SetType):
        return _needs_objects(t.element)
    return False


# ---------------------------------------------------------------- CSV text to values

_INT = re.compile(r"^[+-]?\d+$")


def _text_bool(e: pl.Expr) -> pl.Expr:
    lowered = e.str.to_lowercase()
    return pl.when(lowered == "true").then(True).when(lowered == "false").then(False).otherwise(None)


def _typed_csv(frame: pl.DataFrame, program: ir.Program) -> pl.DataFrame:
    """Read the text cells of fact columns as their facts' JSON values where the type says so."""
    columns = []
    for name in frame.columns:
        series = frame.get_column(name)
        fact = program.facts.get(name)
        if fact is None:
            columns.append(_csv_known(series, name, program))
            continue
        t = T.strip_optional(fact.type)
        if t == T.BOOL:
            columns.append(_convert(series, lambda s: s.lower() in ("true", "false"), lambda s: s.lower() == "true"))
        elif t == T.INT:
            columns.append(_convert(series, lambda s: bool(_INT.match(s)), int))
        elif isinstance(t, T.ListType | T.SetType | T.RecordType | T.MapType | T.UnionType):
            values = [_json_cell(v) for v in series.to_list()]
            columns.append(_series(name, values, fact.type))
        else:
            columns.append(series)
    return pl.DataFrame(columns)


def _csv_known(series: pl.Series, name: str, program: ir.Program) -> pl.Series:
    if name.endswith(KNOWN_SUFFIX) and name.removesuffix(KNOWN_SUFFIX) in program.facts:
        return _convert(series, lambda s: s.lower() in ("true", "false"), lambda s: s.lower() == "true")
    return series


def _convert(series: pl.Series, ok: Any, convert: Any) -> pl.Series:
    values = series.to_list()
    return _series(series.name, [convert(v) if v is not None and ok(v) else v for v in values], None)


def _json_cell(text: str | None) -> Any:
    if text is None:
        return None
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:  # as a facts file is read (a number of 5,000 digits is a value the fact's check refuses)
            return parse_json(stripped, "a CSV cell", "caseload")
        except PolicyError:
            return text
    return text

"""Population-scale evaluation: one policy over a whole caseload, as a table.

>>> import polars as pl, policylang
>>> policy = policylang.load("examples/benefit")
>>> table = pl.DataFrame({"as_of": ["2024-05-01", "2024-05-01"], "date_of_birth": ["1990-01-01", None]})
>>> out = policy.evaluate_many(table, decisions=["adult"])
>>> out.select("_row", "adult", "_missing").to_dicts()
[{'_row': 0, 'adult': True, '_missing': []}, {'_row': 1, 'adult': None, '_missing': ['date_of_birth']}]

The modules, one concern each: :mod:`~policylang.batch.io` reads caseloads (and says how
nulls and unknown facts are written); :mod:`~policylang.batch.columns` is the result's
shape; :mod:`~policylang.batch.rowwise` is the reference path (one
:meth:`~policylang.Policy.evaluate` per row); :mod:`~policylang.batch.vectorised` (with
``vec``, ``vexpr``, ``vsteps``, ``vfacts`` and ``lookup``) compiles a policy to Polars expressions;
:mod:`~policylang.batch.whatif` compares two versions; :mod:`~policylang.batch.dask`
runs over a Dask DataFrame; :mod:`~policylang.batch.summary` counts decision values.
"""

from policylang.batch.columns import ERROR, ERROR_CODE, MISSING, NO_RULE, REASONS, ROW, UNDETERMINED
from policylang.batch.io import KNOWN_SUFFIX, BatchInputError
from policylang.batch.options import BatchOptionError
from policylang.batch.run import coverage, evaluate_many, runner
from policylang.batch.summary import summarise
from policylang.batch.whatif import Comparison, compare

__all__ = [
    "ERROR",
    "ERROR_CODE",
    "KNOWN_SUFFIX",
    "MISSING",
    "NO_RULE",
    "REASONS",
    "ROW",
    "UNDETERMINED",
    "BatchInputError",
    "BatchOptionError",
    "Comparison",
    "compare",
    "coverage",
    "evaluate_many",
    "runner",
    "summarise",
]

"""Beyond one machine: evaluate a Dask DataFrame partition by partition.

Each partition (a pandas DataFrame) is evaluated on a worker with
:func:`policylang.batch.evaluate_many`, vectorised as on one machine; the result is a
Dask DataFrame with the input's index and divisions (the index is the row identity) and
the columns of :mod:`policylang.batch.columns`, except ``_row``. Nothing is computed until
you ask (``.compute()``, ``.to_parquet(...)``).

Point it at a real cluster by connecting a ``dask.distributed.Client`` before computing::

    from dask.distributed import Client
    import dask.dataframe as dd
    import policylang
    from policylang.batch.dask import evaluate_dask

    client = Client("tcp://scheduler.example:8786")       # the cluster's scheduler
    caseload = dd.read_parquet("s3://bucket/caseload/")   # storage every worker can read
    result = evaluate_dask("residence/help_and_repatriation", caseload)
    result.to_parquet("s3://bucket/results/")

Every worker needs policylang installed (``pip install policylang[batch]``). The policy is
given by bundled name or by a path every worker can read (each worker loads it, and loads
it again when its file changes), or as a loaded :class:`~policylang.Policy`, which is sent to the workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policylang.batch import columns as C
from policylang.batch.run import evaluate_many
from policylang.engine.evaluate import EngineSource


def _load(name: str) -> EngineSource:
    # The one import up the pipeline from a backend: a worker loads a policy given by name
    # itself instead of being sent it (tests/test_architecture.py). `load` keeps it compiled
    # until one of its files changes, so an edited policy is read again (no cache of our own).
    from policylang.policy.loader import load

    return load(name)


def _partition(frame: Any, policy: EngineSource | str, options: Mapping[str, Any]) -> Any:
    """Evaluate one pandas partition; the result keeps its index."""
    chosen = _load(policy) if isinstance(policy, str) else policy
    result = evaluate_many(chosen, frame.reset_index(drop=True), **options).drop(C.ROW)
    out = result.to_pandas(use_pyarrow_extension_array=True)
    out.index = frame.index
    return out


def evaluate_dask(
    policy: EngineSource | str,
    frame: Any,
    *,
    parameters: Mapping[str, Any] | None = None,
    decisions: Sequence[str] | None = None,
    reasons: bool = False,
    id_columns: Sequence[str] = (),
    nulls: str = "unknown",
    ignore_unknown_facts: bool = False,
    backend: str = "auto",
    exhaustive: bool = False,
) -> Any:
    """Evaluate every row of a Dask DataFrame; see the module docstring.

    Rows with invalid facts get ``_error`` as in :func:`~policylang.batch.evaluate_many`
    (stopping at the first error is not offered: partitions run independently).
    """
    options: dict[str, Any] = {
        "parameters": dict(parameters) if parameters else None,
        "decisions": list(decisions) if decisions is not None else None,
        "reasons": reasons,
        "exhaustive": exhaustive,
        "id_columns": list(id_columns),
        "nulls": nulls,
        "ignore_unknown_facts": ignore_unknown_facts,
        "backend": backend,
    }
    local = _load(policy) if isinstance(policy, str) else policy
    meta = _partition(frame._meta, local, options)
    return frame.map_partitions(_partition, policy, options, meta=meta, align_dataframes=False)

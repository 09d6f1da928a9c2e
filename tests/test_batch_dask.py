"""Dask: a caseload partition by partition on a real local cluster of worker processes.

The test starts its own cluster (two worker processes) and stops it; the result must equal
the one-machine result row for row, with the input's index as the row identity.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import policylang
from policylang.batch import evaluate_many

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

TEST_POLICY = Path(__file__).parent / "batch_policies" / "benefits.pol"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None, worker_dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def caseload() -> Any:
    rows = []
    for i in range(40):
        row: dict[str, Any] = {
            "age": 15 + i,
            "income": (i * 137) % 2600,
            "married": i % 3 == 0,
            "fraud": i % 7 == 0,
            "status": ["citizen", "resident", "visitor"][i % 3],
        }
        if i % 4 == 0:
            del row["married"]  # unknown in some rows
        if i == 13:
            row["status"] = "tourist"  # an invalid row
        rows.append(row)
    frame = pd.DataFrame(rows, index=[f"case-{i:02}" for i in range(40)])
    frame.index.name = "case"
    # typed columns: Dask turns columns of Python objects into text
    return frame.astype({"age": "Int64", "married": "boolean"})


def test_a_dask_dataframe_on_worker_processes(client: Any) -> None:
    from policylang.batch.dask import evaluate_dask

    frame = caseload()
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2 and all(w.get("nanny") for w in workers.values())  # separate processes
    partitions = dd.from_pandas(frame, npartitions=4)
    for policy in (policylang.load(TEST_POLICY), str(TEST_POLICY.resolve())):
        result = evaluate_dask(policy, partitions, reasons=True).compute()
        assert list(result.index) == list(frame.index)
        local = evaluate_many(policylang.load(TEST_POLICY), frame.reset_index(drop=True), reasons=True)
        for column in ("benefit", "band", "_error"):
            assert [None if pd.isna(v) else v for v in result[column]] == local.get_column(column).to_list()
        assert [None if pd.isna(v) else dict(v) for v in result["_undetermined"]] == local.get_column(
            "_undetermined"
        ).to_list()
    assert result.loc["case-13", "_error"].startswith('fact `status` is "tourist"')

"""Reading a few columns of many task instances, and the one-transaction claim of an attempt,
on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airstream.store import MetadataStore
from airstream.store.queries import DagQuery, TaskInstanceQuery
from airstream.store.records import (
    DagModel,
    DagRun,
    DagRunType,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
    XComEntry,
)

TIS = TaskInstanceState
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_run(store: MetadataStore) -> DagRun:
    run_id = DagRunType.MANUAL.generate_run_id(T0)
    run = DagRun(dag_id="etl", run_id=run_id, run_type=DagRunType.MANUAL, conf={"n": 1})
    store.create_dag_run(
        run,
        [
            TaskInstance(
                dag_id="etl",
                run_id=run_id,
                task_id=task_id,
                state=TIS.QUEUED,
                pool="loaders",
                pool_slots=2,
                hostname="worker-1",
                start_date=T0,
                rendered_fields={"sql": "select 1"},
            )
            for task_id in ("load", "extract")
        ],
    )
    return run


def test_a_partial_read_has_the_key_the_fields_asked_for_and_defaults(
    store: MetadataStore,
) -> None:
    run = make_run(store)
    full = store.list_run_tis("etl", run.run_id)
    partial = store.list_run_tis("etl", run.run_id, ("state", "pool", "rendered_fields"))
    assert [ti.task_id for ti in partial] == [ti.task_id for ti in full] == ["extract", "load"]
    for ti in partial:
        assert (ti.dag_id, ti.run_id, ti.map_index) == ("etl", run.run_id, -1)
        assert (ti.state, ti.pool) == (TIS.QUEUED, "loaders")
        assert ti.rendered_fields == {"sql": "select 1"}
        # Not read: the record's defaults, not the stored values.
        assert (ti.pool_slots, ti.hostname, ti.start_date) == (1, "", None)
    assert all((ti.pool_slots, ti.hostname) == (2, "worker-1") for ti in full)


def test_list_tis_with_fields_filters_and_orders_as_without(store: MetadataStore) -> None:
    run = make_run(store)
    store.update_ti_state(TaskInstanceKey("etl", run.run_id, "load"), TIS.RUNNING)
    query = TaskInstanceQuery(states=[TIS.RUNNING])
    partial = store.list_tis(query, fields=("state", "pool_slots"))
    assert [(ti.task_id, ti.state, ti.pool_slots) for ti in partial] == [("load", TIS.RUNNING, 2)]
    with pytest.raises(ValueError, match="no_such_column"):
        store.list_tis(query, fields=("no_such_column",))


def test_start_attempt_claims_counts_the_try_and_clears_the_previous_xcoms(
    store: MetadataStore,
) -> None:
    run = make_run(store)
    key = TaskInstanceKey("etl", run.run_id, "load")
    store.set_xcom(XComEntry("etl", run.run_id, "load", "return_value", 41))
    claimed = store.start_attempt(key, {"pid": 123, "hostname": "here", "start_date": T0})
    assert claimed is not None
    ti, claimed_run = claimed
    assert (ti.state, ti.try_number, ti.pid, ti.hostname) == (TIS.RUNNING, 1, 123, "here")
    assert (claimed_run.run_id, dict(claimed_run.conf)) == (run.run_id, {"n": 1})
    assert store.get_xcom("etl", run.run_id, "load") is None
    # Not queued any more: a second claim (another process) gets nothing.
    assert store.start_attempt(key, {"pid": 456}) is None
    assert store.get_ti(key).pid == 123  # type: ignore[union-attr]


def test_a_resumed_attempt_keeps_its_try_and_its_xcoms(store: MetadataStore) -> None:
    run = make_run(store)
    key = TaskInstanceKey("etl", run.run_id, "extract")
    store.update_ti(key, {"try_number": 3})
    store.set_xcom(XComEntry("etl", run.run_id, "extract", "cursor", "abc"))
    claimed = store.start_attempt(key, {"pid": 7}, resuming=True)
    assert claimed is not None and claimed[0].try_number == 3
    entry = store.get_xcom("etl", run.run_id, "extract", key="cursor")
    assert entry is not None and entry.value == "abc"


def test_list_dags_with_fields_skips_the_rest_and_the_tags(store: MetadataStore) -> None:
    store.upsert_dag(
        DagModel(dag_id="etl", fileloc="/dags/etl.py", owners="data", tags=("nightly",))
    )
    store.upsert_dag(DagModel(dag_id="ml", fileloc="/dags/ml.py", is_paused=True))
    (partial,) = store.list_dags(DagQuery(paused=False), fields=("fileloc",))
    assert (partial.dag_id, partial.fileloc) == ("etl", "/dags/etl.py")
    assert (partial.owners, partial.tags) == ("", ())  # not read: the defaults
    (full,) = store.list_dags(DagQuery(paused=False))
    assert (full.owners, full.tags) == ("data", ("nightly",))
    (tagged,) = store.list_dags(DagQuery(dag_ids=["etl"]), fields=("tags", "schedule"))
    assert tagged.tags == ("nightly",)
    with pytest.raises(ValueError, match="no DAG field"):
        store.list_dags(fields=("no_such_field",))


def test_list_dags_can_skip_one_schedule_but_for_some_ids(store: MetadataStore) -> None:
    for dag_id, schedule in [("hourly", "@hourly"), ("manual", "None"), ("idle", "None")]:
        store.upsert_dag(DagModel(dag_id=dag_id, fileloc=f"/dags/{dag_id}.py", schedule=schedule))
    store.upsert_dag(DagModel(dag_id="unknown", fileloc="/dags/unknown.py"))  # no summary

    def ids(query: DagQuery) -> list[str]:
        return [d.dag_id for d in store.list_dags(query, fields=("fileloc",))]

    assert ids(DagQuery(skip_schedule="None")) == ["hourly", "unknown"]
    assert ids(DagQuery(skip_schedule="None", except_dag_ids=["manual"])) == [
        "hourly",
        "manual",
        "unknown",
    ]
    assert ids(DagQuery()) == ["hourly", "idle", "manual", "unknown"]

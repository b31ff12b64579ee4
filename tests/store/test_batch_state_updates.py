"""The batched compare-and-set of task instance states, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from airstream.store import MetadataStore
from airstream.store.records import (
    DagRun,
    DagRunType,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
)

TIS = TaskInstanceState
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_run(store: MetadataStore) -> DagRun:
    run_id = DagRunType.MANUAL.generate_run_id(T0)
    return store.create_dag_run(DagRun(dag_id="etl", run_id=run_id, run_type=DagRunType.MANUAL))


def make_tis(store: MetadataStore, run: DagRun, *task_ids: str) -> None:
    store.create_tis([TaskInstance(dag_id="etl", run_id=run.run_id, task_id=t) for t in task_ids])


def test_update_tis_state_sets_each_pair_that_still_matches(store: MetadataStore) -> None:
    run = make_run(store)
    a, b, c = (TaskInstanceKey("etl", run.run_id, t) for t in ("a", "b", "c"))
    make_tis(store, run, "a", "b", "c")
    assert store.update_ti_state(a, TIS.SCHEDULED)
    assert store.update_ti_state(b, TIS.SCHEDULED)
    assert store.update_ti_state(b, TIS.RUNNING)  # moved on by someone else meanwhile

    changed = store.update_tis_state(
        [(a, TIS.SCHEDULED), (b, TIS.SCHEDULED), (c, TIS.NONE)], TIS.QUEUED, queued_dttm=T0
    )

    assert changed == [True, False, True]
    got = {ti.task_id: ti for ti in store.list_run_tis("etl", run.run_id)}
    assert (got["a"].state, got["a"].queued_dttm) == (TIS.QUEUED, T0)
    assert (got["b"].state, got["b"].queued_dttm) == (TIS.RUNNING, None)
    assert got["c"].state == TIS.QUEUED


def test_update_tis_state_with_nothing_to_do(store: MetadataStore) -> None:
    assert store.update_tis_state([], TIS.QUEUED) == []


def test_clearing_absent_xcoms_changes_nothing(store: MetadataStore) -> None:
    run = make_run(store)
    assert store.clear_xcoms("etl", run.run_id, "nothing", map_index=-1) == 0

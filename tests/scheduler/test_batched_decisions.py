"""The scheduler's decisions saved in batches: compare-and-set per instance still, so an
instance another process moved keeps its state, and a missing one is created."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from airstream.scheduler.shared_execution_store import PassExecutionStore
from airstream.store import open_store
from airstream.store import records as rec
from airstream.workflows.state import TaskInstanceState

TIS = rec.TaskInstanceState
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_a_batch_of_decisions_leaves_moved_instances_alone(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'airstream.db'}")
    try:
        store.create_dag_run(
            rec.DagRun("wide", "r1", state=rec.DagRunState.RUNNING, logical_date=T0),
            [rec.TaskInstance(dag_id="wide", run_id="r1", task_id=t) for t in ("a", "b", "c")],
        )
        shared = PassExecutionStore(store)
        tis = {ti.task_id: ti for ti in shared.list_task_instances("wide", "r1")}
        # Meanwhile someone else (a clear, the API) moves "b" on.
        store.update_ti_state(rec.TaskInstanceKey("wide", "r1", "b"), TIS.RUNNING)
        tis["a"].state = tis["b"].state = TaskInstanceState.SCHEDULED
        tis["c"].state = TaskInstanceState.SKIPPED
        tis["c"].start_date = tis["c"].end_date = T0
        new = shared.list_task_instances("wide", "r1")[0]
        new.task_id, new.state = "d", TaskInstanceState.SCHEDULED  # no row yet: created
        shared.save_task_instances([tis["a"], tis["b"], tis["c"], new])

        stored = {ti.task_id: ti for ti in store.list_run_tis("wide", "r1")}
        assert {k: ti.state for k, ti in stored.items()} == {
            "a": TIS.SCHEDULED,
            "b": TIS.RUNNING,  # theirs stands
            "c": TIS.SKIPPED,
            "d": TIS.SCHEDULED,
        }
        assert (stored["c"].start_date, stored["c"].end_date, stored["c"].duration) == (
            T0,
            T0,
            0.0,
        )
        # The pass's snapshot was dropped (something moved): it reads what is stored.
        again = {ti.task_id: ti.state for ti in shared.list_task_instances("wide", "r1")}
        assert again["b"] == TaskInstanceState.RUNNING
    finally:
        store.close()

"""Marking runs and task instances by hand (Airflow's "mark success / failed / queued").

- A run marked **success** gets every unfinished task instance marked success too.
- A run marked **failed** gets its running task instances failed and the other unfinished
  ones skipped, so that nothing of it runs any more.
- A run marked **queued** is handed back to the scheduler as it stands.

Each change is a compare-and-set on the state read just before, so a task instance that
moves meanwhile (its process finished it) keeps the state its process gave it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from airstream.store import MetadataStore
from airstream.store.records import (
    FINISHED_TI_STATES,
    DagRun,
    DagRunState,
    TaskInstance,
    TaskInstanceState,
)

TIS = TaskInstanceState


def mark_dag_run(store: MetadataStore, run: DagRun, state: DagRunState, now: datetime) -> None:
    """Set a run's state, and its unfinished task instances' as the module docstring says."""
    if state == DagRunState.QUEUED:
        store.set_dag_run_state(
            run.dag_id, run.run_id, state, queued_at=now, start_date=None, end_date=None
        )
        return
    for ti in store.list_run_tis(run.dag_id, run.run_id):
        if ti.state in FINISHED_TI_STATES:
            continue
        if state == DagRunState.SUCCESS:
            _set(store, ti, TIS.SUCCESS, now)
        else:
            _set(store, ti, TIS.FAILED if ti.state == TIS.RUNNING else TIS.SKIPPED, now)
    store.set_dag_run_state(
        run.dag_id, run.run_id, state, start_date=run.start_date or now, end_date=now
    )


def mark_task_instances(
    store: MetadataStore, tis: Iterable[TaskInstance], state: TaskInstanceState, now: datetime
) -> None:
    """Set each task instance's state (finished ones included, as Airflow allows)."""
    for ti in tis:
        if ti.state != state:
            _set(store, ti, state, now)


def _set(store: MetadataStore, ti: TaskInstance, state: TaskInstanceState, now: datetime) -> None:
    start = ti.start_date or now
    store.update_ti_state(
        ti.key,
        state,
        expected=ti.state,
        start_date=start,
        end_date=now,
        duration=(now - start).total_seconds(),
    )

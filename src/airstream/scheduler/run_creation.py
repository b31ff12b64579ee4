"""Creating DAG runs: which scheduled runs are due (pure, clock passed in), and storing them.

Dates follow Airflow 3: a timetable gives each run's data interval and ``run_after``; the
logical date is the interval's start; ``catchup`` (off by default) decides whether missed
intervals since ``start_date`` are run or only the latest one. A run is stored ``queued``
together with one task instance per task, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airstream.scheduler.shared_execution_store import task_row_fields
from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery, Page
from airstream.workflows.timetables import DagRunInfo, DataInterval

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

#: Run types whose data intervals the timetable continues from: the latest of them, so a
#: backfill of past dates leaves the schedule alone, and one reaching past the latest
#: scheduled run keeps the scheduler from creating those dates a second time.
AUTOMATED_RUN_TYPES = (rec.DagRunType.SCHEDULED, rec.DagRunType.BACKFILL)


def last_automated_interval(store: MetadataStore, dag_id: str) -> DataInterval | None:
    """The data interval of the DAG's latest scheduled (or backfill) run."""
    runs = store.list_dag_runs(
        DagRunQuery(dag_ids=[dag_id], run_types=AUTOMATED_RUN_TYPES),
        Page(limit=1, order_by="-data_interval_end"),
    )
    if not runs or runs[0].data_interval_start is None or runs[0].data_interval_end is None:
        return None
    return DataInterval(runs[0].data_interval_start, runs[0].data_interval_end)


def next_run_info(dag: DAG, last: DataInterval | None, now: datetime) -> DagRunInfo | None:
    """The timetable's next run after ``last`` (``None``: nothing more to schedule)."""
    return dag.timetable.next_dagrun_info(
        last_automated_data_interval=last,
        earliest=dag.start_date,
        latest=dag.end_date,
        catchup=dag.catchup,
        now=now,
    )


def due_runs(
    dag: DAG, last: DataInterval | None, now: datetime, limit: int
) -> tuple[list[DagRunInfo], DagRunInfo | None]:
    """Runs whose ``run_after`` has come (at most ``limit``), and the first one not yet due."""
    due: list[DagRunInfo] = []
    info = next_run_info(dag, last, now)
    while info is not None and info.run_after <= now and len(due) < limit:
        due.append(info)
        if info.data_interval == last:  # a timetable that repeats itself would loop forever
            break
        last = info.data_interval
        info = next_run_info(dag, last, now)
    return due, info


def new_task_instances(dag: DAG, run_id: str) -> list[rec.TaskInstance]:
    """One task instance with no state per task (mapped tasks: a placeholder, index -1)."""
    return [
        rec.TaskInstance(
            dag_id=dag.dag_id, run_id=run_id, task_id=task.task_id, **task_row_fields(task)
        )
        for task in dag.topological_sort()
    ]


def store_run(
    store: MetadataStore,
    dag: DAG,
    *,
    run_type: rec.DagRunType,
    logical_date: datetime | None,
    data_interval: DataInterval,
    run_after: datetime,
    triggered_by: rec.DagRunTriggeredBy,
    conf: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> rec.DagRun:
    """Store a queued run with its task instances."""
    run_id = run_id or run_type.generate_run_id(logical_date or run_after)
    run = rec.DagRun(
        dag_id=dag.dag_id,
        run_id=run_id,
        run_type=run_type,
        state=rec.DagRunState.QUEUED,
        logical_date=logical_date,
        data_interval_start=data_interval.start,
        data_interval_end=data_interval.end,
        run_after=run_after,
        conf=dict(conf or {}),
        triggered_by=triggered_by,
    )
    return store.create_dag_run(run, new_task_instances(dag, run_id))


def store_scheduled_run(store: MetadataStore, dag: DAG, info: DagRunInfo) -> rec.DagRun:
    """Store the run a timetable asked for."""
    return store_run(
        store,
        dag,
        run_type=rec.DagRunType.SCHEDULED,
        logical_date=info.logical_date,
        data_interval=info.data_interval,
        run_after=info.run_after,
        triggered_by=rec.DagRunTriggeredBy.TIMETABLE,
    )


def missing_task_instances(dag: DAG, run_id: str, existing: set[str]) -> list[rec.TaskInstance]:
    """Task instances a run lacks (created by another process without them, or new tasks)."""
    return [ti for ti in new_task_instances(dag, run_id) if ti.task_id not in existing]

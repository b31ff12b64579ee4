"""Clearing task instances so the scheduler runs them again (Airflow's ``clear`` semantics).

A cleared task instance loses its state (its finished try goes to the history first) and
gets its retries back (``max_tries = try_number + retries``); its XComs and sensor
reschedules are forgotten. One that is *running* is set to ``restarting`` instead: its
process is told to stop by the state change, and the scheduler re-runs it once it has gone.
A finished run of a cleared task instance goes back to ``queued`` (``clear_number`` + 1),
so the scheduler takes it up again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery, TaskInstanceQuery

TIS = rec.TaskInstanceState
FINISHED_RUN_STATES = frozenset({rec.DagRunState.SUCCESS, rec.DagRunState.FAILED})


@dataclass(frozen=True)
class ClearSelection:
    """Which task instances of a DAG to clear (Airflow's ``tasks clear`` options)."""

    task_regex: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    run_ids: Collection[str] | None = None
    only_failed: bool = False
    only_running: bool = False
    upstream: bool = False
    downstream: bool = False


def select_task_instances(
    store: MetadataStore, dag_id: str, selection: ClearSelection
) -> list[rec.TaskInstance]:
    """The task instances ``selection`` names, oldest run first."""
    runs = store.list_dag_runs(
        DagRunQuery(
            dag_ids=[dag_id],
            run_ids=selection.run_ids,
            logical_date_gte=selection.start,
            logical_date_lte=selection.end,
        )
    )
    if not runs:
        return []
    task_ids = _task_ids(store, dag_id, selection)
    states: list[rec.TaskInstanceState] | None = None
    if selection.only_failed:
        states = [TIS.FAILED, TIS.UPSTREAM_FAILED]
    if selection.only_running:
        states = [*(states or []), TIS.RUNNING]
    query = TaskInstanceQuery(
        dag_ids=[dag_id], run_ids=[r.run_id for r in runs], task_ids=task_ids, states=states
    )
    order = {run.run_id: index for index, run in enumerate(reversed(runs))}
    return sorted(store.list_tis(query), key=lambda ti: (order[ti.run_id], ti.task_id))


def _task_ids(store: MetadataStore, dag_id: str, selection: ClearSelection) -> list[str] | None:
    if selection.task_regex is None:
        return None
    tasks = _serialized_tasks(store, dag_id)
    pattern = re.compile(selection.task_regex)
    chosen = {task_id for task_id in tasks if pattern.search(task_id)}
    if selection.upstream:
        chosen |= _relatives(tasks, chosen, "upstream_task_ids")
    if selection.downstream:
        chosen |= _relatives(tasks, chosen, "downstream_task_ids")
    return sorted(chosen)


def _serialized_tasks(store: MetadataStore, dag_id: str) -> dict[str, dict[str, Any]]:
    serialized = store.get_serialized_dag(dag_id)
    if serialized is None:
        return {}
    return {task["task_id"]: task for task in serialized.data.get("tasks", [])}


def _relatives(tasks: dict[str, dict[str, Any]], start: set[str], direction: str) -> set[str]:
    found: set[str] = set()
    todo = list(start)
    while todo:
        for other in tasks.get(todo.pop(), {}).get(direction, []):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def clear_task_instances(
    store: MetadataStore,
    dag_id: str,
    selection: ClearSelection | None = None,
    *,
    now: datetime,
    run_ids: Collection[str] | None = None,
) -> list[rec.TaskInstance]:
    """Clear what ``selection`` names (or every task instance of ``run_ids``).

    Returns the task instances as they were before clearing.
    """
    if selection is None:
        selection = ClearSelection(run_ids=run_ids)
    tis = select_task_instances(store, dag_id, selection)
    retries = {k: int(v.get("retries", 0)) for k, v in _serialized_tasks(store, dag_id).items()}
    for ti in tis:
        _clear_one(store, ti, retries.get(ti.task_id))
    requeue_runs(store, dag_id, {ti.run_id for ti in tis}, now)
    return tis


def _clear_one(store: MetadataStore, ti: rec.TaskInstance, retries: int | None) -> None:
    if ti.try_number > 0:
        store.record_ti_try(ti.key)
    if ti.state == TIS.RUNNING and store.update_ti_state(ti.key, TIS.RESTARTING, TIS.RUNNING):
        return
    if retries is None:
        # The DAG's structure is gone (stale DAG): keep the retries the instance had.
        retries = max(0, ti.max_tries - ti.try_number)
    store.update_ti(
        ti.key,
        {
            "state": TIS.NONE,
            "max_tries": ti.try_number + retries,
            "start_date": None,
            "end_date": None,
            "duration": None,
            "external_executor_id": None,
            "next_method": None,
            "next_kwargs": None,
        },
    )
    store.clear_xcoms(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
    store.clear_task_reschedules(ti.key)


def requeue_runs(store: MetadataStore, dag_id: str, run_ids: Iterable[str], now: datetime) -> None:
    """Send finished runs back to ``queued`` so the scheduler takes them up again."""
    for run_id in sorted(set(run_ids)):
        run = store.get_dag_run(dag_id, run_id)
        if run is None or run.state not in FINISHED_RUN_STATES:
            continue
        store.set_dag_run_state(
            dag_id,
            run_id,
            rec.DagRunState.QUEUED,
            expected=run.state,
            start_date=None,
            end_date=None,
            last_scheduling_decision=None,
            queued_at=now,
            clear_number=run.clear_number + 1,
        )

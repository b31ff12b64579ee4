"""The grid of a DAG: one row per run (newest first, one page of them), one cell per task.

Two queries whatever the page size: the page of runs, then every task instance of those
runs. A mapped task's cell shows the state that matters most among its instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airstream.store import MetadataStore
from airstream.store.queries import DagRunQuery, Page, TaskInstanceQuery
from airstream.store.records import DagRun, TaskInstance, TaskInstanceState

TIS = TaskInstanceState

#: Which state a cell of several (mapped) instances shows: the first one present.
STATE_PRECEDENCE = (
    TIS.FAILED,
    TIS.UPSTREAM_FAILED,
    TIS.UP_FOR_RETRY,
    TIS.RESTARTING,
    TIS.RUNNING,
    TIS.DEFERRED,
    TIS.UP_FOR_RESCHEDULE,
    TIS.QUEUED,
    TIS.SCHEDULED,
    TIS.NONE,
    TIS.SKIPPED,
    TIS.REMOVED,
    TIS.SUCCESS,
)


@dataclass(frozen=True)
class GridCell:
    """One task of one run: its (summarised) state, try number and how many instances."""

    task_id: str
    state: str | None
    try_number: int = 0
    instances: int = 0


@dataclass(frozen=True)
class GridRow:
    """One run and its cells, in the order of the grid's columns."""

    run: DagRun
    cells: list[GridCell]


def summary_state(states: Iterable[TaskInstanceState]) -> TaskInstanceState:
    present = set(states)
    return next((s for s in STATE_PRECEDENCE if s in present), TIS.NONE)


def cell(task_id: str, tis: Sequence[TaskInstance]) -> GridCell:
    if not tis:
        return GridCell(task_id, None)
    state = summary_state(ti.state for ti in tis)
    return GridCell(task_id, state.value, max(ti.try_number for ti in tis), len(tis))


def grid_rows(
    store: MetadataStore, dag_id: str, task_ids: Sequence[str], offset: int, limit: int
) -> tuple[list[GridRow], list[str]]:
    """A page of rows, and the task ids of those runs that the DAG no longer has."""
    runs = store.list_dag_runs(DagRunQuery(dag_ids=[dag_id]), Page(limit=limit, offset=offset))
    if not runs:
        return [], []
    tis = store.list_tis(TaskInstanceQuery(dag_ids=[dag_id], run_ids=[r.run_id for r in runs]))
    by_cell: dict[tuple[str, str], list[TaskInstance]] = {}
    for ti in tis:
        by_cell.setdefault((ti.run_id, ti.task_id), []).append(ti)
    known = set(task_ids)
    extra = sorted({ti.task_id for ti in tis} - known)
    columns = [*task_ids, *extra]
    rows = [
        GridRow(run, [cell(task_id, by_cell.get((run.run_id, task_id), [])) for task_id in columns])
        for run in runs
    ]
    return rows, extra

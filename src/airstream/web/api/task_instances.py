"""Task instances of a run: list and get them, and clear them so they run again.

Clearing uses the scheduler's own semantics (:mod:`airstream.scheduler.clearing`), the same
that ``airstream tasks clear`` applies.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from airstream.scheduler.clearing import (
    ClearSelection,
    clear_task_instances,
    select_task_instances,
)
from airstream.store import MetadataStore
from airstream.store.queries import TaskInstanceQuery
from airstream.store.records import DagRun, TaskInstance, TaskInstanceKey, TaskInstanceState
from airstream.web.api.dag_runs import require_run
from airstream.web.api.dags import dag_display_name, require_dag
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, not_found
from airstream.web.marking import mark_task_instances
from airstream.web.roles import Role
from airstream.web.schemas import (
    ClearTaskInstancesBody,
    PatchTaskInstanceBody,
    TaskInstanceCollectionResponse,
    TaskInstanceHistoryCollectionResponse,
    TaskInstanceResponse,
)

router = APIRouter(prefix="/dags/{dag_id}", tags=["Task Instance"])

TI_ORDER_BY = {
    name: name
    for name in (
        "id",
        "task_id",
        "state",
        "duration",
        "start_date",
        "end_date",
        "map_index",
        "try_number",
        "pool",
        "queue",
        "priority_weight",
        "operator",
        "rendered_map_index",
        "run_id",
    )
}

Reader = Depends(requires(Role.VIEWER))
Operator = Depends(requires(Role.USER))


class ResponseBuilder:
    """Turns task instances into responses, looking each run and DAG name up once."""

    def __init__(self, store: MetadataStore) -> None:
        self.store = store
        self.runs: dict[tuple[str, str], DagRun | None] = {}
        self.names: dict[str, str] = {}

    def __call__(self, ti: TaskInstance) -> TaskInstanceResponse:
        run_key = (ti.dag_id, ti.run_id)
        if run_key not in self.runs:
            self.runs[run_key] = self.store.get_dag_run(ti.dag_id, ti.run_id)
        if ti.dag_id not in self.names:
            self.names[ti.dag_id] = dag_display_name(self.store, ti.dag_id)
        run = self.runs[run_key]
        run_after = (run.run_after or run.logical_date) if run else None
        return TaskInstanceResponse(
            id=ti.id or "",
            task_id=ti.task_id,
            dag_id=ti.dag_id,
            dag_run_id=ti.run_id,
            map_index=ti.map_index,
            logical_date=run.logical_date if run else None,
            run_after=run_after or ti.scheduled_dttm or datetime.now(UTC),
            start_date=ti.start_date,
            end_date=ti.end_date,
            duration=ti.duration,
            state=None if ti.state == TaskInstanceState.NONE else ti.state,
            try_number=ti.try_number,
            max_tries=ti.max_tries,
            task_display_name=ti.task_display_name or ti.task_id,
            dag_display_name=self.names[ti.dag_id],
            hostname=ti.hostname,
            unixname=ti.unixname,
            pool=ti.pool,
            pool_slots=ti.pool_slots,
            queue=ti.queue,
            priority_weight=ti.priority_weight,
            operator=ti.operator,
            operator_name=ti.custom_operator_name or ti.operator,
            queued_when=ti.queued_dttm,
            scheduled_when=ti.scheduled_dttm,
            pid=ti.pid,
            executor=ti.executor,
            note=ti.note,
            rendered_map_index=ti.rendered_map_index,
            rendered_fields=dict(ti.rendered_fields) if ti.rendered_fields is not None else None,
        )


def require_ti(
    store: MetadataStore, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> TaskInstance:
    """The task instance, or a 404 in Airflow's wording."""
    ti = store.get_ti(TaskInstanceKey(dag_id, run_id, task_id, map_index))
    if ti is None:
        raise not_found(
            f"The Task Instance with dag_id: `{dag_id}`, run_id: `{run_id}`, task_id: "
            f"`{task_id}` and map_index: `{map_index}`"
        )
    return ti


@router.get("/dagRuns/{dag_run_id}/taskInstances", dependencies=[Reader])
def get_task_instances(
    dag_id: str,
    dag_run_id: str,
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    task_id: str | None = None,
    state: Annotated[list[str] | None, Query()] = None,
    pool: Annotated[list[str] | None, Query()] = None,
    queue: Annotated[list[str] | None, Query()] = None,
    map_index: Annotated[list[int] | None, Query()] = None,
) -> TaskInstanceCollectionResponse:
    """Task instances of a run (``~`` for every run, and every DAG with ``dag_id=~``)."""
    if dag_id != "~":
        require_dag(store, dag_id)
    if dag_run_id != "~" and dag_id != "~":
        require_run(store, dag_id, dag_run_id)
    query = TaskInstanceQuery(
        dag_ids=None if dag_id == "~" else [dag_id],
        run_ids=None if dag_run_id == "~" else [dag_run_id],
        task_ids=[task_id] if task_id else None,
        states=_states(state),
        pools=pool or None,
        queues=queue or None,
        map_indexes=map_index or None,
    )
    column = order_column(order_by, TI_ORDER_BY) or "task_id"
    tis = store.list_tis(query, paging.page(column))
    build = ResponseBuilder(store)
    return TaskInstanceCollectionResponse(
        task_instances=[build(ti) for ti in tis], total_entries=store.count_tis(query)
    )


def _states(names: list[str] | None) -> list[TaskInstanceState] | None:
    if not names:
        return None
    states = []
    for name in names:
        try:
            states.append(TaskInstanceState(name or "none"))
        except ValueError:
            raise bad_request(
                f"Invalid value for state. Valid values are {_state_names()}"
            ) from None
    return states


def _state_names() -> str:
    return ", ".join(s.value for s in TaskInstanceState)


@router.get("/dagRuns/{dag_run_id}/taskInstances/{task_id}", dependencies=[Reader])
def get_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, store: StoreDep
) -> TaskInstanceResponse:
    """One (unmapped) task instance."""
    return ResponseBuilder(store)(require_ti(store, dag_id, dag_run_id, task_id))


@router.get("/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries", dependencies=[Reader])
def get_task_instance_tries(
    dag_id: str, dag_run_id: str, task_id: str, store: StoreDep, map_index: int = -1
) -> TaskInstanceHistoryCollectionResponse:
    """Every try of a task instance: the finished ones, then the current one if it differs."""
    ti = require_ti(store, dag_id, dag_run_id, task_id, map_index)
    tries = store.list_ti_tries(ti.key)
    if ti.try_number > 0 and all(t.try_number != ti.try_number for t in tries):
        tries.append(ti)
    build = ResponseBuilder(store)
    return TaskInstanceHistoryCollectionResponse(
        task_instances=[build(t) for t in tries], total_entries=len(tries)
    )


@router.get("/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}", dependencies=[Reader])
def get_mapped_task_instance(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int, store: StoreDep
) -> TaskInstanceResponse:
    """One mapped task instance."""
    return ResponseBuilder(store)(require_ti(store, dag_id, dag_run_id, task_id, map_index))


@router.patch("/dagRuns/{dag_run_id}/taskInstances/{task_id}", dependencies=[Operator])
def patch_task_instance(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: PatchTaskInstanceBody,
    store: StoreDep,
    map_index: int | None = None,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionResponse:
    """Mark a task instance (and, if asked, its relatives in the run), or change its note."""
    return _patch(store, dag_id, dag_run_id, task_id, map_index, body, update_mask)


@router.patch("/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}", dependencies=[Operator])
def patch_task_instance_by_map_index(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: int,
    body: PatchTaskInstanceBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> TaskInstanceCollectionResponse:
    """Mark one mapped task instance, or change its note."""
    return _patch(store, dag_id, dag_run_id, task_id, map_index, body, update_mask)


def _patch(
    store: MetadataStore,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int | None,
    body: PatchTaskInstanceBody,
    update_mask: list[str] | None,
) -> TaskInstanceCollectionResponse:
    require_dag(store, dag_id)
    require_run(store, dag_id, run_id)
    fields = set(update_mask) if update_mask else body.model_fields_set
    unknown = fields - {"new_state", "note", *_RELATIVE_FLAGS}
    if unknown:
        raise bad_request(f"Invalid field(s) in update_mask: {', '.join(sorted(unknown))}")
    if body.include_past or body.include_future:
        raise bad_request("include_past and include_future are not supported by airstream")
    tis = _targets(store, dag_id, run_id, task_id, map_index, body)
    if "new_state" in fields and body.new_state is not None:
        mark_task_instances(store, tis, TaskInstanceState(body.new_state), datetime.now(UTC))
    if "note" in fields:
        for ti in tis:
            store.update_ti(ti.key, {"note": body.note})
    build = ResponseBuilder(store)
    updated = [store.get_ti(ti.key) or ti for ti in tis]
    return TaskInstanceCollectionResponse(
        task_instances=[build(ti) for ti in updated], total_entries=len(updated)
    )


_RELATIVE_FLAGS = ("include_upstream", "include_downstream", "include_future", "include_past")


def _targets(
    store: MetadataStore,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int | None,
    body: PatchTaskInstanceBody,
) -> list[TaskInstance]:
    """The task instance named (every map index if none given) plus the relatives asked for."""
    query = TaskInstanceQuery(
        dag_ids=[dag_id],
        run_ids=[run_id],
        task_ids=[task_id],
        map_indexes=None if map_index is None else [map_index],
    )
    named = store.list_tis(query)
    if not named:
        require_ti(store, dag_id, run_id, task_id, -1 if map_index is None else map_index)
    relatives = _relatives(store, dag_id, task_id, body)
    if not relatives:
        return named
    others = store.list_tis(
        TaskInstanceQuery(dag_ids=[dag_id], run_ids=[run_id], task_ids=sorted(relatives))
    )
    return named + others


def _relatives(
    store: MetadataStore, dag_id: str, task_id: str, body: PatchTaskInstanceBody
) -> set[str]:
    serialized = store.get_serialized_dag(dag_id)
    tasks = {t["task_id"]: t for t in (serialized.data.get("tasks", []) if serialized else [])}
    found: set[str] = set()
    for wanted, direction in (
        (body.include_upstream, "upstream_task_ids"),
        (body.include_downstream, "downstream_task_ids"),
    ):
        todo = [task_id] if wanted else []
        while todo:
            for other in tasks.get(todo.pop(), {}).get(direction, []):
                if other not in found and other != task_id:
                    found.add(other)
                    todo.append(other)
    return found


@router.post("/clearTaskInstances", dependencies=[Operator])
def post_clear_task_instances(
    dag_id: str, body: ClearTaskInstancesBody, store: StoreDep
) -> TaskInstanceCollectionResponse:
    """Clear task instances (or, with ``dry_run``, only say which would be cleared)."""
    require_dag(store, dag_id)
    selection, pairs = _selection(store, dag_id, body)
    if body.dry_run:
        tis = select_task_instances(store, dag_id, selection)
    else:
        tis = _clear(store, dag_id, selection, pairs)
    tis = [ti for ti in tis if _wanted(ti, pairs)]
    build = ResponseBuilder(store)
    return TaskInstanceCollectionResponse(
        task_instances=[build(ti) for ti in tis], total_entries=len(tis)
    )


def _clear(
    store: MetadataStore,
    dag_id: str,
    selection: ClearSelection,
    pairs: set[tuple[str, int]] | None,
) -> list[TaskInstance]:
    if pairs is None:
        return clear_task_instances(store, dag_id, selection, now=datetime.now(UTC))
    # Mapped pairs name single instances: clear exactly those, run by run.
    chosen = [ti for ti in select_task_instances(store, dag_id, selection) if _wanted(ti, pairs)]
    for run_id in sorted({ti.run_id for ti in chosen}):
        ids = "|".join(re.escape(ti.task_id) for ti in chosen if ti.run_id == run_id)
        narrowed = ClearSelection(
            task_regex=f"^(?:{ids})$",
            run_ids=[run_id],
            only_failed=selection.only_failed,
            only_running=selection.only_running,
        )
        clear_task_instances(store, dag_id, narrowed, now=datetime.now(UTC))
    return chosen


def _wanted(ti: TaskInstance, pairs: set[tuple[str, int]] | None) -> bool:
    return pairs is None or (ti.task_id, ti.map_index) in pairs or (ti.task_id, -2) in pairs


def _selection(
    store: MetadataStore, dag_id: str, body: ClearTaskInstancesBody
) -> tuple[ClearSelection, set[tuple[str, int]] | None]:
    start, end = body.start_date, body.end_date
    run_ids: list[str] | None = None
    if body.dag_run_id is not None:
        run = require_run(store, dag_id, body.dag_run_id)
        if body.include_past or body.include_future:
            if run.logical_date is None:
                raise bad_request("include_past/include_future need a run with a logical date")
            start = None if body.include_past else run.logical_date
            end = None if body.include_future else run.logical_date
        else:
            run_ids = [body.dag_run_id]
    regex = None
    pairs: set[tuple[str, int]] | None = None
    if body.task_ids:
        names = [item if isinstance(item, str) else item[0] for item in body.task_ids]
        regex = "^(?:" + "|".join(re.escape(name) for name in names) + ")$"
        if any(not isinstance(item, str) for item in body.task_ids):
            # -2: any map index of a task named without one.
            pairs = {(item, -2) if isinstance(item, str) else item for item in body.task_ids}
    selection = ClearSelection(
        task_regex=regex,
        start=start,
        end=end,
        run_ids=run_ids,
        only_failed=body.only_failed,
        only_running=body.only_running,
        upstream=body.include_upstream,
        downstream=body.include_downstream,
    )
    return selection, pairs

"""``/dags``: list, get, details, pause/unpause and delete DAGs, and read their tasks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from airstream.store import MetadataStore
from airstream.store.queries import DagQuery, DagRunQuery
from airstream.store.records import DagModel, DagRunState, DagRunType
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, conflict, not_found
from airstream.web.roles import Role
from airstream.web.schemas import (
    DAGCollectionResponse,
    DAGDetailsResponse,
    DAGPatchBody,
    DAGResponse,
    DagTagResponse,
    TaskCollectionResponse,
    TaskResponse,
    TimeDelta,
)

router = APIRouter(prefix="/dags", tags=["DAG"])

#: ``order_by`` attributes of ``GET /dags`` and the store columns they sort.
DAG_ORDER_BY = {
    "dag_id": "dag_id",
    "dag_display_name": "dag_id",
    "next_dagrun": "next_dagrun",
    "last_parsed_time": "last_parsed_time",
    "fileloc": "fileloc",
}
TASK_ORDER_BY = frozenset({"task_id", "operator_name", "pool", "queue", "priority_weight"})

Reader = Depends(requires(Role.VIEWER))
Operator = Depends(requires(Role.USER))


def dag_display_name(store: MetadataStore, dag_id: str) -> str:
    """The DAG's display name from its stored structure, else its id."""
    serialized = store.get_serialized_dag(dag_id)
    name = serialized.data.get("dag_display_name") if serialized else None
    return name if isinstance(name, str) and name else dag_id


def dag_response(store: MetadataStore, dag: DagModel) -> DAGResponse:
    return DAGResponse(**_dag_fields(dag, dag_display_name(store, dag.dag_id)))


def _dag_fields(dag: DagModel, display_name: str) -> dict[str, Any]:
    periodic = dag.schedule is not None and dag.schedule not in ("@once", "@continuous")
    return {
        "dag_id": dag.dag_id,
        "dag_display_name": display_name,
        "is_paused": dag.is_paused,
        "is_stale": dag.is_stale,
        "last_parsed_time": dag.last_parsed_time,
        "bundle_name": dag.bundle_name,
        "relative_fileloc": dag.relative_fileloc,
        "fileloc": dag.fileloc,
        "description": dag.description,
        "timetable_summary": dag.schedule,
        "timetable_description": dag.timetable_description,
        "timetable_periodic": periodic,
        "tags": [
            DagTagResponse(name=tag, dag_id=dag.dag_id, dag_display_name=display_name)
            for tag in dag.tags
        ],
        "max_active_tasks": dag.max_active_tasks,
        "max_active_runs": dag.max_active_runs,
        "max_consecutive_failed_dag_runs": dag.max_consecutive_failed_dag_runs,
        "has_task_concurrency_limits": dag.has_task_concurrency_limits,
        "has_import_errors": dag.has_import_errors,
        "next_dagrun_logical_date": dag.next_dagrun,
        "next_dagrun_data_interval_start": dag.next_dagrun_data_interval_start,
        "next_dagrun_data_interval_end": dag.next_dagrun_data_interval_end,
        "next_dagrun_run_after": dag.next_dagrun_create_after,
        "owners": [o.strip() for o in dag.owners.split(",") if o.strip()],
        "file_token": base64.urlsafe_b64encode(dag.fileloc.encode()).decode(),
        "is_backfillable": periodic,
        "allowed_run_types": [t.value for t in DagRunType],
    }


def require_dag(store: MetadataStore, dag_id: str) -> DagModel:
    """The DAG, or a 404 in Airflow's wording."""
    dag = store.get_dag(dag_id)
    if dag is None:
        raise not_found(f"Dag with id {dag_id}")
    return dag


@router.get("", dependencies=[Reader])
def get_dags(
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    tags: Annotated[list[str] | None, Query()] = None,
    dag_id_pattern: str | None = None,
    exclude_stale: bool = True,
    paused: bool | None = None,
) -> DAGCollectionResponse:
    """DAGs, filtered and paged."""
    pattern = dag_id_pattern.strip("%") if dag_id_pattern else None
    query = DagQuery(
        dag_id_pattern=pattern or None,
        paused=paused,
        include_stale=not exclude_stale,
        tags=tags or None,
    )
    page = paging.page(order_column(order_by, DAG_ORDER_BY))
    dags = store.list_dags(query, page)
    return DAGCollectionResponse(
        dags=[dag_response(store, dag) for dag in dags], total_entries=store.count_dags(query)
    )


@router.get("/{dag_id}", dependencies=[Reader])
def get_dag(dag_id: str, store: StoreDep) -> DAGResponse:
    """One DAG."""
    return dag_response(store, require_dag(store, dag_id))


@router.get("/{dag_id}/details", dependencies=[Reader])
def get_dag_details(dag_id: str, store: StoreDep) -> DAGDetailsResponse:
    """One DAG with the settings its file gives it."""
    dag = require_dag(store, dag_id)
    serialized = store.get_serialized_dag(dag_id)
    data: dict[str, Any] = dict(serialized.data) if serialized else {}
    display_name = data.get("dag_display_name") or dag_id
    active = store.count_dag_runs(
        DagRunQuery(dag_ids=[dag_id], states=[DagRunState.QUEUED, DagRunState.RUNNING])
    )
    return DAGDetailsResponse(
        **_dag_fields(dag, display_name),
        catchup=bool(data.get("catchup", False)),
        dag_run_timeout=_duration_text(data.get("dagrun_timeout")),
        doc_md=data.get("doc_md"),
        start_date=_parse_date(data.get("start_date")),
        end_date=_parse_date(data.get("end_date")),
        is_paused_upon_creation=data.get("is_paused_upon_creation"),
        params=data.get("params"),
        render_template_as_native_obj=bool(data.get("render_template_as_native_obj", False)),
        timezone="UTC",
        last_parsed=serialized.last_updated if serialized else None,
        concurrency=dag.max_active_tasks,
        active_runs_count=active,
    )


@router.patch("/{dag_id}", dependencies=[Operator])
def patch_dag(
    dag_id: str,
    body: DAGPatchBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DAGResponse:
    """Pause or unpause a DAG (``update_mask`` may only name ``is_paused``)."""
    if update_mask and set(update_mask) - {"is_paused"}:
        raise bad_request("Only `is_paused` field can be updated through the REST API")
    require_dag(store, dag_id)
    store.set_paused(dag_id, body.is_paused)
    return dag_response(store, require_dag(store, dag_id))


@router.delete("/{dag_id}", dependencies=[Depends(requires(Role.OP))])
def delete_dag(dag_id: str, store: StoreDep) -> dict[str, Any]:
    """Delete a DAG's metadata: its row, runs, task instances and XComs."""
    require_dag(store, dag_id)
    running = store.count_dag_runs(DagRunQuery(dag_ids=[dag_id], states=[DagRunState.RUNNING]))
    if running:
        raise conflict(f"Dag {dag_id} has {running} running run(s)")
    store.delete_dag(dag_id)
    return {}


# -- tasks -----------------------------------------------------------------------------------


def _tasks_of(store: MetadataStore, dag_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    require_dag(store, dag_id)
    serialized = store.get_serialized_dag(dag_id)
    if serialized is None:
        raise not_found(f"Dag with id {dag_id}")
    return dict(serialized.data), list(serialized.data.get("tasks", []))


def task_response(dag: dict[str, Any], task: dict[str, Any]) -> TaskResponse:
    """A stored task as Airflow's TaskResponse."""
    return TaskResponse(
        task_id=task["task_id"],
        task_display_name=task.get("label") or task["task_id"],
        owner=task.get("owner"),
        start_date=_parse_date(dag.get("start_date")),
        end_date=_parse_date(dag.get("end_date")),
        trigger_rule=task.get("trigger_rule"),
        depends_on_past=bool(task.get("depends_on_past", False)),
        wait_for_downstream=bool(task.get("wait_for_downstream", False)),
        retries=task.get("retries"),
        queue=task.get("queue"),
        pool=task.get("pool"),
        pool_slots=task.get("pool_slots"),
        execution_timeout=_time_delta(task.get("execution_timeout")),
        retry_delay=_time_delta(task.get("retry_delay")),
        retry_exponential_backoff=float(task.get("retry_exponential_backoff") or 0),
        priority_weight=task.get("priority_weight"),
        weight_rule="downstream",
        ui_color=task.get("ui_color"),
        ui_fgcolor=task.get("ui_fgcolor"),
        template_fields=task.get("template_fields"),
        downstream_task_ids=task.get("downstream_task_ids"),
        doc_md=task.get("doc_md"),
        operator_name=task.get("custom_operator_name") or task.get("operator"),
        params=dag.get("params"),
        class_ref={"class_name": task.get("operator"), "module_path": None},
        is_mapped=bool(task.get("is_mapped", False)),
        extra_links=[],
    )


@router.get("/{dag_id}/tasks", dependencies=[Reader])
def get_tasks(dag_id: str, store: StoreDep, order_by: str = "task_id") -> TaskCollectionResponse:
    """Every task of a DAG."""
    dag, tasks = _tasks_of(store, dag_id)
    attribute = order_by.lstrip("-")
    if attribute not in TASK_ORDER_BY:
        raise bad_request(
            f"Ordering with '{attribute}' is disallowed or the attribute does not "
            "exist on the model"
        )
    responses = [task_response(dag, task) for task in tasks]
    responses.sort(
        key=lambda t: (getattr(t, attribute) is None, getattr(t, attribute) or 0),
        reverse=order_by.startswith("-"),
    )
    return TaskCollectionResponse(tasks=responses, total_entries=len(responses))


@router.get("/{dag_id}/tasks/{task_id}", dependencies=[Reader])
def get_task(dag_id: str, task_id: str, store: StoreDep) -> TaskResponse:
    """One task of a DAG."""
    dag, tasks = _tasks_of(store, dag_id)
    for task in tasks:
        if task["task_id"] == task_id:
            return task_response(dag, task)
    raise not_found(f"Task with id {task_id}")


def _time_delta(seconds: float | None) -> TimeDelta | None:
    if seconds is None:
        return None
    delta = timedelta(seconds=seconds)
    return TimeDelta(days=delta.days, seconds=delta.seconds, microseconds=delta.microseconds)


def _duration_text(seconds: float | None) -> str | None:
    return str(timedelta(seconds=seconds)) if seconds is not None else None


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

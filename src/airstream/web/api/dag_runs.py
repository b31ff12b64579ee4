"""``/dags/{dag_id}/dagRuns``: list, get, trigger, change and delete DAG runs.

A triggered run is built from the DAG's stored structure, as Airflow 3's API server does:
the server never imports user code. The scheduler picks the ``queued`` run up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from airstream.store import DagRunAlreadyExists, MetadataStore
from airstream.store.queries import DagRunQuery
from airstream.store.records import (
    DEFAULT_POOL_NAME,
    DEFAULT_QUEUE,
    DagRun,
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    TaskInstance,
)
from airstream.web.api.dags import dag_display_name, require_dag
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, conflict, not_found
from airstream.web.marking import mark_dag_run
from airstream.web.roles import Role
from airstream.web.schemas import (
    DAGRunCollectionResponse,
    DAGRunPatchBody,
    DAGRunResponse,
    TriggerDAGRunPostBody,
)

router = APIRouter(prefix="/dags/{dag_id}/dagRuns", tags=["DagRun"])

RUN_ORDER_BY = {
    "id": "id",
    "state": "state",
    "dag_id": "dag_id",
    "run_id": "run_id",
    "dag_run_id": "run_id",
    "logical_date": "logical_date",
    "run_after": "run_after",
    "start_date": "start_date",
    "end_date": "end_date",
    "updated_at": "updated_at",
    "conf": "conf",
    "run_type": "run_type",
    "data_interval_start": "data_interval_start",
    "data_interval_end": "data_interval_end",
}

Reader = Depends(requires(Role.VIEWER))
Operator = Depends(requires(Role.USER))


def run_response(run: DagRun, display_name: str) -> DAGRunResponse:
    """A stored run as Airflow's DAGRunResponse."""
    duration = None
    if run.start_date is not None and run.end_date is not None:
        duration = (run.end_date - run.start_date).total_seconds()
    return DAGRunResponse(
        dag_run_id=run.run_id,
        dag_id=run.dag_id,
        logical_date=run.logical_date,
        queued_at=run.queued_at,
        start_date=run.start_date,
        end_date=run.end_date,
        duration=duration,
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
        run_after=run.run_after or run.logical_date or run.queued_at or datetime.now(UTC),
        last_scheduling_decision=run.last_scheduling_decision,
        run_type=run.run_type,
        state=run.state,
        triggered_by=run.triggered_by,
        conf=dict(run.conf),
        note=run.note,
        dag_versions=[],
        dag_display_name=display_name,
    )


def require_run(store: MetadataStore, dag_id: str, run_id: str) -> DagRun:
    """The run, or a 404 in Airflow's wording."""
    run = store.get_dag_run(dag_id, run_id)
    if run is None:
        raise not_found(f"The DagRun with dag_id: `{dag_id}` and run_id: `{run_id}`")
    return run


@router.get("", dependencies=[Reader])
def get_dag_runs(
    dag_id: str,
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    state: Annotated[list[DagRunState] | None, Query()] = None,
    run_type: Annotated[list[DagRunType] | None, Query()] = None,
    logical_date_gte: AwareDatetime | None = None,
    logical_date_lte: AwareDatetime | None = None,
    run_after_gte: AwareDatetime | None = None,
    run_after_lte: AwareDatetime | None = None,
) -> DAGRunCollectionResponse:
    """Runs of a DAG (``~`` for every DAG), filtered and paged; newest first by default."""
    if dag_id != "~":
        require_dag(store, dag_id)
    query = DagRunQuery(
        dag_ids=None if dag_id == "~" else [dag_id],
        states=state or None,
        run_types=run_type or None,
        logical_date_gte=logical_date_gte,
        logical_date_lte=logical_date_lte,
        run_after_gte=run_after_gte,
        run_after_lte=run_after_lte,
    )
    runs = store.list_dag_runs(query, paging.page(order_column(order_by, RUN_ORDER_BY)))
    names: dict[str, str] = {}
    responses = []
    for run in runs:
        if run.dag_id not in names:
            names[run.dag_id] = dag_display_name(store, run.dag_id)
        responses.append(run_response(run, names[run.dag_id]))
    return DAGRunCollectionResponse(dag_runs=responses, total_entries=store.count_dag_runs(query))


@router.get("/{dag_run_id}", dependencies=[Reader])
def get_dag_run(dag_id: str, dag_run_id: str, store: StoreDep) -> DAGRunResponse:
    """One run."""
    run = require_run(store, dag_id, dag_run_id)
    return run_response(run, dag_display_name(store, dag_id))


@router.post("", dependencies=[Operator])
def trigger_dag_run(dag_id: str, body: TriggerDAGRunPostBody, store: StoreDep) -> DAGRunResponse:
    """Queue a manual run with ``conf``; ``logical_date`` may be null (a run without one)."""
    dag = require_dag(store, dag_id)
    serialized = store.get_serialized_dag(dag_id)
    if dag.is_stale or serialized is None:
        raise bad_request(f"Dag with dag_id: '{dag_id}' has no parsed structure to run")
    if (body.data_interval_start is None) != (body.data_interval_end is None):
        raise bad_request("Either both data_interval_start and data_interval_end must be given")
    check_conf(serialized.data.get("params") or {}, body.conf or {})
    run_after = body.run_after or body.logical_date or datetime.now(UTC)
    run_id = body.dag_run_id or DagRunType.MANUAL.generate_run_id(body.logical_date or run_after)
    run = DagRun(
        dag_id=dag_id,
        run_id=run_id,
        run_type=DagRunType.MANUAL,
        state=DagRunState.QUEUED,
        logical_date=body.logical_date,
        data_interval_start=body.data_interval_start or body.logical_date,
        data_interval_end=body.data_interval_end or body.logical_date,
        run_after=run_after,
        conf=body.conf or {},
        triggered_by=DagRunTriggeredBy.REST_API,
        note=body.note,
    )
    try:
        created = store_manual_run(store, run, serialized.data)
    except DagRunAlreadyExists:
        raise conflict(
            f"DAG Run with dag_id: '{dag_id}' and run_id: '{run_id}' already exists"
        ) from None
    return run_response(created, dag_display_name(store, dag_id))


def store_manual_run(store: MetadataStore, run: DagRun, serialized: Mapping[str, Any]) -> DagRun:
    """Store ``run`` with a task instance per task of its serialized DAG (the API's and the
    console's trigger); raises :class:`DagRunAlreadyExists` for a taken run id."""
    tis = new_task_instances(run.dag_id, run.run_id, serialized.get("tasks", []))
    return store.create_dag_run(run, tis)


def check_conf(params: dict[str, Any], conf: dict[str, Any]) -> None:
    """Validate each DAG param (``conf`` over its default) against its JSON schema; 400 if bad.

    The params are the stored ones (``{"name": {"value", "description", "schema"}}``), so
    no user code runs here.
    """
    import jsonschema  # type: ignore[import-untyped]

    for key, param in params.items():
        value = conf.get(key, param.get("value"))
        schema = param.get("schema") or {}
        try:
            jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())
        except jsonschema.ValidationError as exc:
            first = str(exc).splitlines()[0]
            raise bad_request(f"Invalid input for param {key}: {first}") from None
        except jsonschema.SchemaError:
            continue


def new_task_instances(dag_id: str, run_id: str, tasks: list[dict[str, Any]]) -> list[TaskInstance]:
    """One task instance, with no state yet, per task of the stored structure."""
    by_id = {task["task_id"]: task for task in tasks}
    return [
        TaskInstance(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task["task_id"],
            pool=task.get("pool") or DEFAULT_POOL_NAME,
            pool_slots=int(task.get("pool_slots") or 1),
            queue=task.get("queue") or DEFAULT_QUEUE,
            priority_weight=_downstream_weight(by_id, task),
            max_tries=int(task.get("retries") or 0),
            operator=task.get("operator"),
            custom_operator_name=task.get("custom_operator_name"),
            task_display_name=task.get("label"),
        )
        for task in tasks
    ]


def _downstream_weight(by_id: dict[str, dict[str, Any]], task: dict[str, Any]) -> int:
    """Airflow's default weight rule: the task's weight plus every downstream task's."""
    seen: set[str] = set()
    todo = list(task.get("downstream_task_ids", []))
    total = int(task.get("priority_weight") or 1)
    while todo:
        task_id = todo.pop()
        if task_id in seen or task_id not in by_id:
            continue
        seen.add(task_id)
        total += int(by_id[task_id].get("priority_weight") or 1)
        todo.extend(by_id[task_id].get("downstream_task_ids", []))
    return total


@router.patch("/{dag_run_id}", dependencies=[Operator])
def patch_dag_run(
    dag_id: str,
    dag_run_id: str,
    body: DAGRunPatchBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DAGRunResponse:
    """Mark a run queued, success or failed, and/or change its note."""
    run = require_run(store, dag_id, dag_run_id)
    fields = set(update_mask) if update_mask else body.model_fields_set
    unknown = fields - {"state", "note"}
    if unknown:
        raise bad_request(f"Invalid field(s) in update_mask: {', '.join(sorted(unknown))}")
    if "state" in fields and body.state is not None:
        mark_dag_run(store, run, DagRunState(body.state), datetime.now(UTC))
    if "note" in fields:
        store.update_dag_run(dag_id, dag_run_id, {"note": body.note})
    return run_response(require_run(store, dag_id, dag_run_id), dag_display_name(store, dag_id))


@router.delete("/{dag_run_id}", dependencies=[Operator], status_code=status.HTTP_204_NO_CONTENT)
def delete_dag_run(dag_id: str, dag_run_id: str, store: StoreDep) -> Response:
    """Delete a run with its task instances and XComs."""
    require_run(store, dag_id, dag_run_id)
    store.delete_dag_run(dag_id, dag_run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

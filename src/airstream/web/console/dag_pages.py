"""The DAG list, a DAG's page (grid, graph, run details) and the buttons on them.

Each page asks the store only for what it shows: a page of DAGs with one batched query for
their recent runs, a page of runs with one query for their task instances.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from airstream.store import MetadataStore
from airstream.store.queries import DagQuery, DagRunQuery, Page
from airstream.store.records import DagRun
from airstream.web.console import run_actions
from airstream.web.console.graph_layout import NODE_HEIGHT, NODE_WIDTH, layout
from airstream.web.console.grid import cell, grid_rows
from airstream.web.console.page_errors import bad_input
from airstream.web.console.paging import int_param, pager
from airstream.web.console.rendering import path, render
from airstream.web.console.session import FormDep, SessionDep, local_path
from airstream.web.dependencies import StoreDep
from airstream.web.roles import Role

router = APIRouter()

DAGS_PER_PAGE = 25
#: Recent runs shown next to each DAG of the list.
RECENT_RUNS = 5
DEFAULT_GRID_RUNS = 25
MAX_GRID_RUNS = 100
PAUSED_FILTERS = {"all": None, "active": False, "paused": True}


def _paused_filter(request: Request) -> tuple[str, bool | None]:
    name = request.query_params.get("paused") or "all"
    if name not in PAUSED_FILTERS:
        raise bad_input(f"Bad request: paused must be one of all, active, paused, not {name!r}")
    return name, PAUSED_FILTERS[name]


@router.get("/")
def dag_list(request: Request, session: SessionDep, store: StoreDep) -> Response:
    """DAGs with their recent runs, schedule and next run; filtered and paged."""
    search = request.query_params.get("search", "").strip()
    tag = request.query_params.get("tag", "").strip()
    paused_name, paused = _paused_filter(request)
    query = DagQuery(dag_id_pattern=search or None, paused=paused, tags=[tag] if tag else None)
    pages = pager(request, store.count_dags(query), DAGS_PER_PAGE)
    dags = store.list_dags(query, Page(limit=pages.size, offset=pages.offset))
    recent = store.latest_dag_runs([d.dag_id for d in dags], RECENT_RUNS)
    context = {
        "dags": dags,
        "recent": recent,
        "pages": pages,
        "filters": {"search": search, "tag": tag, "paused": paused_name},
        "since": datetime.now(UTC),
        "can_operate": session.user.role >= Role.USER,
    }
    return render(request, "dags.html", context, session)


@router.get("/dags/{dag_id}")
def dag_page(dag_id: str, request: Request, session: SessionDep, store: StoreDep) -> Response:
    """A DAG's grid of runs × tasks, its graph for one run, and that run's details."""
    dag = run_actions.require_dag(store, dag_id)
    serialized = store.get_serialized_dag(dag_id)
    data: dict[str, Any] = dict(serialized.data) if serialized else {}
    graph = layout(data.get("tasks", []))
    limit = int_param(request, "limit", DEFAULT_GRID_RUNS, low=1, high=MAX_GRID_RUNS)
    pages = pager(request, store.count_dag_runs(DagRunQuery(dag_ids=[dag_id])), limit)
    rows, extra = grid_rows(store, dag_id, graph.task_order, pages.offset, pages.size)
    selected = _selected_run(request, store, dag_id, rows[0].run if rows else None)
    context = {
        "dag": dag,
        "data": data,
        "graph": graph,
        "node_width": NODE_WIDTH,
        "node_height": NODE_HEIGHT,
        "columns": [*graph.task_order, *extra],
        "rows": rows,
        "pages": pages,
        "limit": limit,
        "selected": selected,
        "selected_states": _states_of(store, selected),
        "since": datetime.now(UTC),
        "can_operate": session.user.role >= Role.USER,
    }
    return render(request, "dag.html", context, session)


def _selected_run(
    request: Request, store: MetadataStore, dag_id: str, default: DagRun | None
) -> DagRun | None:
    run_id = request.query_params.get("run_id")
    if not run_id:
        return default
    return run_actions.require_run(store, dag_id, run_id)


def _states_of(store: MetadataStore, run: DagRun | None) -> dict[str, str | None]:
    if run is None:
        return {}
    by_task: dict[str, list[Any]] = {}
    for ti in store.list_run_tis(run.dag_id, run.run_id):
        by_task.setdefault(ti.task_id, []).append(ti)
    return {task_id: cell(task_id, tis).state for task_id, tis in by_task.items()}


@router.get("/dags/{dag_id}/runs/{run_id}")
def run_page(dag_id: str, run_id: str, session: SessionDep, store: StoreDep) -> Response:
    """A run's details live on its DAG's page."""
    run_actions.require_run(store, dag_id, run_id)
    return RedirectResponse(path("dags", dag_id, run_id=run_id), status_code=303)


@router.get("/dags/{dag_id}/trigger")
def trigger_page(dag_id: str, request: Request, session: SessionDep, store: StoreDep) -> Response:
    """A form to trigger a run with conf and an optional logical date."""
    dag = run_actions.require_dag(store, dag_id)
    serialized = store.get_serialized_dag(dag_id)
    params = dict(serialized.data.get("params") or {}) if serialized else {}
    defaults = {key: param.get("value") for key, param in params.items()}
    context = {"dag": dag, "default_conf": defaults}
    return render(request, "trigger.html", context, session)


@router.post("/dags/{dag_id}/trigger")
def trigger(dag_id: str, form: FormDep, session: SessionDep, store: StoreDep) -> Response:
    """Queue a manual run and show it on the DAG's page."""
    session.require(Role.USER, "trigger DAG runs")
    run = run_actions.trigger_run(store, dag_id, form.get("conf", ""), form.get("logical_date", ""))
    return RedirectResponse(path("dags", dag_id, run_id=run.run_id), status_code=303)


@router.post("/dags/{dag_id}/pause")
def pause(dag_id: str, form: FormDep, session: SessionDep, store: StoreDep) -> Response:
    """Pause or unpause a DAG, then go back to the page the form was on."""
    session.require(Role.USER, "pause or unpause DAGs")
    run_actions.require_dag(store, dag_id)
    store.set_paused(dag_id, run_actions.parse_paused(form.get("is_paused", "")))
    target = local_path(form.get("next"), path("dags", dag_id))
    return RedirectResponse(target, status_code=303)


@router.post("/dags/{dag_id}/runs/{run_id}/mark")
def mark_run(
    dag_id: str, run_id: str, form: FormDep, session: SessionDep, store: StoreDep
) -> Response:
    """Mark a run success or failed (with its unfinished task instances)."""
    session.require(Role.USER, "mark DAG runs")
    run = run_actions.require_run(store, dag_id, run_id)
    run_actions.mark_run(store, run, form.get("state", ""))
    return RedirectResponse(path("dags", dag_id, run_id=run_id), status_code=303)


@router.post("/dags/{dag_id}/runs/{run_id}/clear")
def clear_run(
    dag_id: str, run_id: str, form: FormDep, session: SessionDep, store: StoreDep
) -> Response:
    """Clear a run's task instances (or only the failed ones) so they run again."""
    session.require(Role.USER, "clear DAG runs")
    run = run_actions.require_run(store, dag_id, run_id)
    run_actions.clear_run(store, run, run_actions.checkbox(form, "only_failed"))
    return RedirectResponse(path("dags", dag_id, run_id=run_id), status_code=303)

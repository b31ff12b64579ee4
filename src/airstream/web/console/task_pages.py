"""A task instance's page: its attempts' logs (one tab each), rendered fields and XComs,
and the clear / mark buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from airstream.config import Settings
from airstream.store.records import TaskInstance, TaskInstanceKey, XComEntry
from airstream.web.console import run_actions
from airstream.web.console.paging import int_param
from airstream.web.console.rendering import path, render
from airstream.web.console.session import FormDep, SessionDep
from airstream.web.dependencies import SettingsDep, StoreDep
from airstream.web.roles import Role
from airstream.web.task_logs import attempt_log_path
from airstream.workflows import xcom_serialization

router = APIRouter()

#: The end of a log the page shows; older lines are left out (the file keeps them).
MAX_LOG_BYTES = 512 * 1024

TASK_PATH = "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}"


def _key(request: Request, dag_id: str, run_id: str, task_id: str) -> TaskInstanceKey:
    map_index = int_param(request, "map_index", -1, low=-1)
    return TaskInstanceKey(dag_id, run_id, task_id, map_index)


def read_log(settings: Settings, ti: TaskInstance, try_number: int) -> str | None:
    """The end of an attempt's log, or ``None`` when the attempt has written none."""
    log_path = attempt_log_path(
        settings.home / "logs", ti.dag_id, ti.run_id, ti.task_id, ti.map_index, try_number
    )
    if log_path is None or not log_path.is_file():
        return None
    return _tail(log_path)


def _tail(log_path: Path) -> str:
    with log_path.open("rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(max(0, size - MAX_LOG_BYTES))
        data = fh.read()
    text = data.decode("utf-8", errors="replace")
    if size > MAX_LOG_BYTES:
        return f"[… {size - MAX_LOG_BYTES} earlier bytes not shown …]\n" + text
    return text


def xcom_text(entry: XComEntry) -> str:
    """An XCom value as JSON, or its ``repr`` for values JSON cannot hold."""
    value = xcom_serialization.deserialize(entry.value)
    if value == entry.value:
        return json.dumps(entry.value, indent=2, sort_keys=True, default=str)
    return repr(value)


def _task_of(data: dict[str, Any], task_id: str) -> dict[str, Any]:
    return next((t for t in data.get("tasks", []) if t.get("task_id") == task_id), {})


@router.get(TASK_PATH)
def task_page(
    dag_id: str,
    run_id: str,
    task_id: str,
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
) -> Response:
    """The task instance with its attempts, rendered template fields and XComs."""
    key = _key(request, dag_id, run_id, task_id)
    ti = run_actions.require_ti(store, key)
    run = run_actions.require_run(store, dag_id, run_id)
    last = max(ti.try_number, 1)
    chosen = int_param(request, "try", last, low=1, high=last)
    tries = {t.try_number: t for t in store.list_ti_tries(key)}
    tries[ti.try_number] = ti
    serialized = store.get_serialized_dag(dag_id)
    task = _task_of(dict(serialized.data) if serialized else {}, task_id)
    xcoms = store.list_xcoms(dag_id, run_id, task_id, map_index=key.map_index)
    context = {
        "ti": ti,
        "run": run,
        "task": task,
        "attempts": list(range(1, last + 1)),
        "tries": tries,
        "chosen": chosen,
        "log": read_log(settings, ti, chosen),
        "xcoms": [(entry, xcom_text(entry)) for entry in xcoms],
        "rendered": dict(ti.rendered_fields or {}),
        "can_operate": session.user.role >= Role.USER,
        "since": datetime.now(UTC),
    }
    return render(request, "task.html", context, session)


@router.get(TASK_PATH + "/log")
def task_log(
    dag_id: str,
    run_id: str,
    task_id: str,
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
) -> Response:
    """One attempt's log as text (what the page's log tab refreshes itself from)."""
    ti = run_actions.require_ti(store, _key(request, dag_id, run_id, task_id))
    last = max(ti.try_number, 1)
    chosen = int_param(request, "try", last, low=1, high=last)
    return PlainTextResponse(read_log(settings, ti, chosen) or "")


def _back(ti: TaskInstance) -> str:
    index = ti.map_index if ti.map_index >= 0 else None
    return path("dags", ti.dag_id, "runs", ti.run_id, "tasks", ti.task_id, map_index=index)


@router.post(TASK_PATH + "/clear")
def clear_task(
    dag_id: str,
    run_id: str,
    task_id: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    store: StoreDep,
) -> Response:
    """Clear the task instance (optionally with its downstream and upstream tasks)."""
    session.require(Role.USER, "clear task instances")
    ti = run_actions.require_ti(store, _key(request, dag_id, run_id, task_id))
    run_actions.clear_task(
        store,
        ti,
        downstream=run_actions.checkbox(form, "downstream"),
        upstream=run_actions.checkbox(form, "upstream"),
    )
    return RedirectResponse(_back(ti), status_code=303)


@router.post(TASK_PATH + "/mark")
def mark_task(
    dag_id: str,
    run_id: str,
    task_id: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    store: StoreDep,
) -> Response:
    """Mark the task instance success or failed (optionally with its downstream tasks)."""
    session.require(Role.USER, "mark task instances")
    ti = run_actions.require_ti(store, _key(request, dag_id, run_id, task_id))
    run_actions.mark_task(
        store, ti, form.get("state", ""), run_actions.checkbox(form, "downstream")
    )
    return RedirectResponse(_back(ti), status_code=303)

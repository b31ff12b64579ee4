"""A task attempt's log: JSON lines (``application/json``) or the text itself."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from airstream.web.api.task_instances import require_ti
from airstream.web.auth import requires
from airstream.web.dependencies import SettingsDep, StoreDep
from airstream.web.errors import not_found
from airstream.web.roles import Role
from airstream.web.schemas import StructuredLogMessage, TaskInstancesLogResponse
from airstream.web.task_logs import attempt_log_path, structured_lines

router = APIRouter(tags=["Task Instance"], dependencies=[Depends(requires(Role.VIEWER))])


@router.get(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
    response_model=TaskInstancesLogResponse,
    responses={200: {"content": {"text/plain": {}, "application/x-ndjson": {}}}},
)
def get_log(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    try_number: int,
    store: StoreDep,
    settings: SettingsDep,
    map_index: int = -1,
    full_content: bool = False,
    token: str | None = None,
    accept: Annotated[str, Header()] = "application/json",
) -> TaskInstancesLogResponse | Response:
    """The log of attempt ``try_number``; the Accept header picks JSON or text."""
    ti = require_ti(store, dag_id, dag_run_id, task_id, map_index)
    if try_number < 1 or try_number > max(ti.try_number, 1):
        raise not_found(f"Log of try {try_number} of task {task_id}")
    path = attempt_log_path(
        settings.home / "logs", dag_id, dag_run_id, task_id, map_index, try_number
    )
    text = ""
    if path is not None and path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
    wanted = accept.split(",")[0].split(";")[0].strip().lower()
    if wanted == "text/plain":
        return Response(text, media_type="text/plain")
    messages = structured_lines(text)
    if wanted == "application/x-ndjson":
        body = "".join(json.dumps(m, default=datetime.isoformat) + "\n" for m in messages)
        return Response(body, media_type="application/x-ndjson")
    if not messages:
        messages = [{"event": f"No log found for try {try_number} of task {task_id}"}]
    return TaskInstancesLogResponse(content=[StructuredLogMessage(**m) for m in messages])

"""What the console's buttons do: trigger, pause, clear and mark, with the API's semantics.

The checks and state changes are the REST API's own (:mod:`airstream.web.api.dag_runs`,
:mod:`airstream.web.marking`, :mod:`airstream.scheduler.clearing`); this module turns form
text into their arguments and their failures into error pages.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from airstream.scheduler.clearing import ClearSelection, clear_task_instances
from airstream.store import DagRunAlreadyExists, MetadataStore
from airstream.store.queries import TaskInstanceQuery
from airstream.store.records import (
    DagModel,
    DagRun,
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
)
from airstream.web.api.dag_runs import check_conf, store_manual_run
from airstream.web.console.page_errors import PageError, bad_input, from_api, not_found
from airstream.web.marking import mark_dag_run, mark_task_instances

#: States a person may mark a run or a task instance with.
MARKABLE = ("success", "failed")


def require_dag(store: MetadataStore, dag_id: str) -> DagModel:
    dag = store.get_dag(dag_id)
    if dag is None:
        raise not_found(f"Not found: there is no DAG {dag_id!r}")
    return dag


def require_run(store: MetadataStore, dag_id: str, run_id: str) -> DagRun:
    require_dag(store, dag_id)
    run = store.get_dag_run(dag_id, run_id)
    if run is None:
        raise not_found(f"Not found: DAG {dag_id!r} has no run {run_id!r}")
    return run


def require_ti(store: MetadataStore, key: TaskInstanceKey) -> TaskInstance:
    require_run(store, key.dag_id, key.run_id)
    ti = store.get_ti(key)
    if ti is None:
        index = f" (map index {key.map_index})" if key.map_index >= 0 else ""
        raise not_found(
            f"Not found: run {key.run_id!r} of DAG {key.dag_id!r} has no task {key.task_id!r}"
            f"{index}"
        )
    return ti


def parse_conf(text: str) -> dict[str, Any]:
    """The run's conf from the form: a JSON object (empty text is ``{}``)."""
    if not text.strip():
        return {}
    try:
        conf = json.loads(text)
    except ValueError as exc:
        raise bad_input(f"Bad request: conf is not valid JSON ({exc})") from None
    if not isinstance(conf, dict):
        raise bad_input(f"Bad request: conf must be a JSON object, not {type(conf).__name__}")
    return conf


def parse_logical_date(text: str) -> datetime | None:
    """An ISO 8601 date and time; without an offset it is UTC (what datetime-local sends)."""
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad_input(
            f"Bad request: logical date {text!r} is not an ISO 8601 date and time"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def trigger_run(
    store: MetadataStore, dag_id: str, conf_text: str, logical_date_text: str
) -> DagRun:
    """Queue a manual run of ``dag_id`` as the API's trigger does (``triggered_by=ui``)."""
    dag = require_dag(store, dag_id)
    conf = parse_conf(conf_text)
    logical_date = parse_logical_date(logical_date_text)
    serialized = store.get_serialized_dag(dag_id)
    if dag.is_stale or serialized is None:
        raise bad_input(f"Bad request: DAG {dag_id!r} has no parsed structure to run")
    from_api(lambda: check_conf(serialized.data.get("params") or {}, conf))
    now = datetime.now(UTC)
    run_id = DagRunType.MANUAL.generate_run_id(logical_date or now)
    run = DagRun(
        dag_id=dag_id,
        run_id=run_id,
        run_type=DagRunType.MANUAL,
        state=DagRunState.QUEUED,
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=logical_date,
        run_after=logical_date or now,
        conf=conf,
        triggered_by=DagRunTriggeredBy.UI,
    )
    try:
        return store_manual_run(store, run, serialized.data)
    except DagRunAlreadyExists:
        raise PageError(409, f"Conflict: DAG {dag_id!r} already has a run {run_id!r}") from None


def parse_paused(text: str) -> bool:
    if text not in ("true", "false"):
        raise bad_input(f"Bad request: is_paused must be true or false, not {text!r}")
    return text == "true"


def parse_mark_state(text: str) -> str:
    if text not in MARKABLE:
        raise bad_input(f"Bad request: state must be one of {', '.join(MARKABLE)}, not {text!r}")
    return text


def mark_run(store: MetadataStore, run: DagRun, state: str) -> None:
    mark_dag_run(store, run, DagRunState(parse_mark_state(state)), datetime.now(UTC))


def mark_task(
    store: MetadataStore, ti: TaskInstance, state: str, downstream: bool
) -> list[TaskInstance]:
    """Mark the task instance (and, if asked, its downstream tasks in the run)."""
    new_state = TaskInstanceState(parse_mark_state(state))
    targets = [ti]
    if downstream:
        relatives = sorted(downstream_task_ids(store, ti.dag_id, ti.task_id))
        if relatives:
            query = TaskInstanceQuery(dag_ids=[ti.dag_id], run_ids=[ti.run_id], task_ids=relatives)
            targets += store.list_tis(query)
    mark_task_instances(store, targets, new_state, datetime.now(UTC))
    return targets


def downstream_task_ids(store: MetadataStore, dag_id: str, task_id: str) -> set[str]:
    serialized = store.get_serialized_dag(dag_id)
    tasks = {t["task_id"]: t for t in (serialized.data.get("tasks", []) if serialized else [])}
    found: set[str] = set()
    todo = [task_id]
    while todo:
        for other in tasks.get(todo.pop(), {}).get("downstream_task_ids", []):
            if other not in found:
                found.add(other)
                todo.append(other)
    found.discard(task_id)
    return found


def clear_task(
    store: MetadataStore, ti: TaskInstance, downstream: bool, upstream: bool = False
) -> list[TaskInstance]:
    """Clear one task instance (with its downstream/upstream tasks when asked) in its run."""
    selection = ClearSelection(
        task_regex=f"^{re.escape(ti.task_id)}$",
        run_ids=[ti.run_id],
        downstream=downstream,
        upstream=upstream,
    )
    return clear_task_instances(store, ti.dag_id, selection, now=datetime.now(UTC))


def clear_run(store: MetadataStore, run: DagRun, only_failed: bool) -> list[TaskInstance]:
    """Clear every task instance of a run (or only its failed ones)."""
    selection = ClearSelection(run_ids=[run.run_id], only_failed=only_failed)
    return clear_task_instances(store, run.dag_id, selection, now=datetime.now(UTC))


def checkbox(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") in ("on", "true", "1")

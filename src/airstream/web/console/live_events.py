"""``/console/events``: run and task-instance state changes as server-sent events.

While a browser is connected, its stream polls the store every :data:`POLL_SECONDS` for
rows of the watched DAGs (optionally one run) whose ``updated_at`` moved, and sends only
what differs from what it already sent. The poll is two indexed-by-DAG queries returning
only changed rows, so an idle page costs next to nothing. Each event's ``id`` is the
poll's time: a browser that reconnects (``Last-Event-ID``) resumes where it left off.

A stream ends after :data:`STREAM_SECONDS` and the browser reconnects at once: a server
asked to stop never waits on a console left open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from airstream.store import MetadataStore
from airstream.store.queries import DagRunQuery, Page, TaskInstanceQuery
from airstream.store.records import DagRun, TaskInstance
from airstream.web.console.rendering import iso
from airstream.web.console.session import session_of
from airstream.web.dependencies import StoreDep

log = logging.getLogger(__name__)
router = APIRouter()

POLL_SECONDS = 0.5
STREAM_SECONDS = 5.0
#: Rows changed this long before the last poll are read again: a writer's transaction may
#: commit a little after the time it stamped on its rows.
OVERLAP = timedelta(seconds=2)
#: Most changed rows one poll reads per kind; the rest come with the next poll.
MAX_CHANGES = 500
MAX_WATCHED_DAGS = 100
RECONNECT_MS = 250


def run_event(run: DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": run.state.value,
        "run_type": run.run_type.value,
        "logical_date": iso(run.logical_date),
        "run_after": iso(run.run_after),
        "start_date": iso(run.start_date),
        "end_date": iso(run.end_date),
    }


def ti_event(ti: TaskInstance) -> dict[str, Any]:
    return {
        "dag_id": ti.dag_id,
        "run_id": ti.run_id,
        "task_id": ti.task_id,
        "map_index": ti.map_index,
        "state": ti.state.value,
        "try_number": ti.try_number,
        "start_date": iso(ti.start_date),
        "end_date": iso(ti.end_date),
        "duration": ti.duration,
    }


@dataclass
class StateWatcher:
    """Polls the store for changes of some DAGs' runs and task instances; sends diffs."""

    store: MetadataStore
    dag_ids: Sequence[str]
    run_id: str | None
    watermark: datetime
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    sent: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)

    def poll(self) -> list[tuple[str, dict[str, Any]]]:
        """The events since the last poll (runs first, so a new run precedes its tasks)."""
        started = self.clock()
        since = self.watermark - OVERLAP
        run_ids = [self.run_id] if self.run_id else None
        page = Page(limit=MAX_CHANGES, order_by="updated_at")
        runs = self.store.list_dag_runs(
            DagRunQuery(dag_ids=self.dag_ids, run_ids=run_ids, updated_since=since), page
        )
        tis = self.store.list_tis(
            TaskInstanceQuery(dag_ids=self.dag_ids, run_ids=run_ids, updated_since=since), page
        )
        self.watermark = min([started, *self._truncated_at(runs), *self._truncated_at(tis)])
        events = [("run", run_event(r)) for r in runs if self._changed(("run", *_run_key(r)), r)]
        events += [("ti", ti_event(t)) for t in tis if self._changed(("ti", *t.key), t)]
        return events

    @staticmethod
    def _truncated_at(rows: Sequence[DagRun] | Sequence[TaskInstance]) -> list[datetime]:
        # A full page may have left rows out: resume from the last one read.
        last = rows[-1].updated_at if len(rows) >= MAX_CHANGES else None
        return [last] if last is not None else []

    def _changed(self, key: tuple[Any, ...], row: DagRun | TaskInstance) -> bool:
        signature = (row.state, row.start_date, row.end_date, getattr(row, "try_number", 0))
        if self.sent.get(key) == signature:
            return False
        self.sent[key] = signature
        return True


def _run_key(run: DagRun) -> tuple[str, str]:
    return run.dag_id, run.run_id


def _message(event: str, data: dict[str, Any], event_id: str) -> str:
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data)}\n\n"


def _start_time(request: Request) -> datetime:
    for text in (request.headers.get("last-event-id"), request.query_params.get("since")):
        if not text:
            continue
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


async def _stream(request: Request, watcher: StateWatcher) -> AsyncIterator[str]:
    yield f"retry: {RECONNECT_MS}\n: connected\n\n"
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        try:
            events = await run_in_threadpool(watcher.poll)
        except Exception:  # a store hiccup must not end the page's updates for good
            log.exception("polling the store for console events failed")
            events = []
        event_id = iso(watcher.watermark)
        for name, data in events:
            yield _message(name, data, event_id)
        if not events:
            yield f"id: {event_id}\n: idle\n\n"
        await asyncio.sleep(POLL_SECONDS)


@router.get("/console/events")
def events(request: Request, store: StoreDep) -> Response:
    """The stream of changes of ``dag_id`` (repeatable) runs, or of one ``run_id``."""
    if session_of(request) is None:
        return PlainTextResponse("Not authenticated: log in first", status_code=401)
    dag_ids = [d for d in request.query_params.getlist("dag_id") if d]
    if not dag_ids or len(dag_ids) > MAX_WATCHED_DAGS:
        message = f"Bad request: give between 1 and {MAX_WATCHED_DAGS} dag_id parameters"
        return PlainTextResponse(message, status_code=400)
    run_id = request.query_params.get("run_id") or None
    watcher = StateWatcher(store, dag_ids, run_id, _start_time(request))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _stream(request, watcher), media_type="text/event-stream", headers=headers
    )

"""Topics (partitions, watermarks, configs, a record browser) and consumer groups with lag.

Everything is read from the broker over the Kafka protocol, like the streams API; an
unreachable broker is a 503 page saying why, an unknown topic or group a 404 page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from airstream.client.connection import Connection
from airstream.client.errors import ClientError
from airstream.config import Settings
from airstream.web import streams
from airstream.web.api.streams import broker_connection
from airstream.web.console import record_browser
from airstream.web.console.page_errors import PageError, bad_input, from_api
from airstream.web.console.paging import int_param
from airstream.web.console.rendering import render
from airstream.web.console.session import SessionDep
from airstream.web.dependencies import SettingsDep

router = APIRouter()

T = TypeVar("T")


def _broker(settings: Settings) -> Connection:
    return from_api(lambda: broker_connection(settings))


def _ask(call: Callable[[], T]) -> T:
    try:
        return call()
    except (streams.UnknownTopic, streams.UnknownGroup) as exc:
        raise PageError(404, f"Not found: {exc}") from None
    except ClientError as exc:
        raise PageError(503, f"The broker did not answer: {exc}") from None


def timestamp_text(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


@router.get("/topics")
def topics_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every topic with its partition count and how many records it holds."""
    connection = _broker(settings)
    topics = _ask(lambda: streams.list_topic_details(connection))
    topics.sort(key=lambda t: t["name"])
    return render(request, "topics.html", {"topics": topics}, session)


@router.get("/topics/{name}")
def topic_page(name: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """A topic's partitions and configs, and a page of one partition's records."""
    connection = _broker(settings)
    [topic] = _ask(lambda: streams.list_topic_details(connection, [name]))
    partitions = [p["partition"] for p in topic["partitions"]]
    partition = int_param(request, "partition", min(partitions, default=0), low=0)
    if partition not in partitions:
        raise PageError(404, f"Not found: topic {name!r} has no partition {partition}")
    size = int_param(
        request,
        "size",
        record_browser.DEFAULT_PAGE_SIZE,
        low=1,
        high=record_browser.MAX_PAGE_SIZE,
    )
    offset_text = request.query_params.get("offset")
    start = int_param(request, "offset", 0, low=0) if offset_text else None
    page = _ask(lambda: record_browser.read_page(connection, name, partition, start, size))
    context = {
        "topic": topic,
        "page": page,
        "partition": partition,
        "timestamp_text": timestamp_text,
    }
    return render(request, "topic.html", context, session)


@router.get("/groups")
def groups_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every consumer group with its state."""
    connection = _broker(settings)
    groups = _ask(lambda: streams.list_group_summaries(connection))
    groups.sort(key=lambda g: g["group_id"])
    return render(request, "groups.html", {"groups": groups}, session)


@router.get("/groups/{group_id}")
def group_page(
    group_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """A group's state, members and per-partition committed offset, end offset and lag."""
    if not group_id.strip():
        raise bad_input("Bad request: a group id cannot be blank")
    connection = _broker(settings)
    group = _ask(lambda: streams.group_details(connection, group_id))
    return render(request, "group.html", {"group": group}, session)

"""``/streams``: topics, recent records of a partition, consumer groups with lag.

airstream's own endpoints (Airflow has none); they read the broker named by
``[api] bootstrap_servers``, else ``AIRSTREAM_BOOTSTRAP_SERVERS``, else the local broker.
An unreachable broker is a 503 with the reason, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from airstream.client.connection import Connection, default_bootstrap_servers
from airstream.client.errors import ClientError
from airstream.web import streams
from airstream.web.auth import requires
from airstream.web.dependencies import SettingsDep
from airstream.web.roles import Role

router = APIRouter(
    prefix="/streams", tags=["Streams"], dependencies=[Depends(requires(Role.VIEWER))]
)

T = TypeVar("T")

#: How long a streams request waits for the broker before answering 503.
REQUEST_TIMEOUT_MS = 5000


def broker_connection(settings: SettingsDep) -> Connection:
    """Where the streams endpoints connect."""
    servers = settings.api.bootstrap_servers
    if not servers:
        try:
            servers = default_bootstrap_servers()
        except ClientError as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    return Connection(servers, request_timeout_ms=REQUEST_TIMEOUT_MS)


ConnectionDep = Annotated[Connection, Depends(broker_connection)]


def _call(func: Callable[[], T]) -> T:
    try:
        return func()
    except (streams.UnknownTopic, streams.UnknownGroup) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except ClientError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


@router.get("/topics")
def get_topics(connection: ConnectionDep) -> dict[str, Any]:
    """Every topic with partitions (watermarks, leader, replicas) and config overrides."""
    topics = _call(lambda: streams.list_topic_details(connection))
    return {"topics": topics, "total_entries": len(topics)}


@router.get("/topics/{topic}")
def get_topic(topic: str, connection: ConnectionDep) -> dict[str, Any]:
    """One topic."""
    return _call(lambda: streams.list_topic_details(connection, [topic]))[0]


@router.get("/topics/{topic}/partitions/{partition}/records")
def get_records(
    topic: str,
    partition: Annotated[int, Path(ge=0)],
    connection: ConnectionDep,
    limit: Annotated[int, Query(ge=1, le=streams.MAX_RECORDS)] = 20,
    encoding: streams.Encoding = "text",
) -> dict[str, Any]:
    """The last ``limit`` records of one partition, values as text or base64."""
    return _call(lambda: streams.read_records(connection, topic, partition, limit, encoding))


@router.get("/groups")
def get_groups(connection: ConnectionDep) -> dict[str, Any]:
    """Every consumer group with its state."""
    groups = _call(lambda: streams.list_group_summaries(connection))
    return {"groups": groups, "total_entries": len(groups)}


@router.get("/groups/{group_id}")
def get_group(group_id: str, connection: ConnectionDep) -> dict[str, Any]:
    """A group's members and per-partition committed offset, end offset and lag."""
    return _call(lambda: streams.group_details(connection, group_id))

"""Metadata (3): brokers, and topics with their partitions; auto-creates topics if allowed."""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.errors import BrokerError
from airstream.broker.handlers.registry import Api, RequestContext
from airstream.broker.topics import Topic

#: Kafka sends this when authorized operations were not requested.
AUTHORIZED_OPERATIONS_OMITTED = -(2**31)


def describe_topic(ctx: RequestContext, topic: Topic) -> dict[str, Any]:
    node = ctx.broker.node_id
    return {
        "error_code": ErrorCode.none,
        "name": topic.name,
        "topic_id": topic.topic_id,
        "is_internal": False,
        "partitions": [
            {
                "error_code": ErrorCode.none,
                "partition_index": index,
                "leader_id": node,
                "leader_epoch": 0,
                "replica_nodes": [node],
                "isr_nodes": [node],
                "offline_replicas": [],
            }
            for index in range(len(topic.partitions))
        ],
        "topic_authorized_operations": AUTHORIZED_OPERATIONS_OMITTED,
    }


def _requested_names(ctx: RequestContext, request: Any) -> list[tuple[str | None, Any]] | None:
    """``(name, topic_id)`` pairs, or None for "all topics" (v0: an empty list means all)."""
    if request.topics is None or (ctx.api_version == 0 and not request.topics):
        return None
    return [(t.name, getattr(t, "topic_id", None)) for t in request.topics]


def _lookup(ctx: RequestContext, request: Any, name: str | None, topic_id: Any) -> dict[str, Any]:
    topics = ctx.broker.topics
    if name is None:
        topic = topics.get_by_id(topic_id) if topic_id is not None else None
        if topic is None:
            return {"error_code": ErrorCode.unknown_topic_id, "name": None, "topic_id": topic_id}
        return describe_topic(ctx, topic)
    topic = topics.get(name)
    if topic is not None:
        return describe_topic(ctx, topic)
    allow = getattr(request, "allow_auto_topic_creation", True)
    if not (allow and ctx.broker.settings.auto_create_topics_enable):
        return {"error_code": ErrorCode.unknown_topic_or_partition, "name": name}
    try:
        topic = topics.create(name, ctx.broker.settings.num_partitions, now_ms=ctx.broker.clock())
    except BrokerError as exc:
        return {"error_code": exc.code, "name": name}
    return describe_topic(ctx, topic)


async def metadata(ctx: RequestContext, request: Any) -> Any:
    broker = ctx.broker
    requested = _requested_names(ctx, request)
    if requested is None:
        topics = [describe_topic(ctx, topic) for topic in broker.topics]
    else:
        topics = [_lookup(ctx, request, name, topic_id) for name, topic_id in requested]
    return ctx.respond(
        brokers=[
            {
                "node_id": broker.node_id,
                "host": broker.advertised_host,
                "port": broker.advertised_port,
                "rack": None,
            }
        ],
        cluster_id=broker.cluster_id,
        controller_id=broker.node_id,
        topics=topics,
        cluster_authorized_operations=AUTHORIZED_OPERATIONS_OMITTED,
    )


APIS = [Api(3, 0, 12, metadata)]

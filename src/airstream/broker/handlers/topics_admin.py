"""CreateTopics (19), DeleteTopics (20), CreatePartitions (37), DeleteRecords (21)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.errors import BrokerError
from airstream.broker.handlers.registry import Api, RequestContext


def _error(exc: BrokerError) -> dict[str, Any]:
    return {"error_code": exc.code, "error_message": exc.message}


def _create_one(ctx: RequestContext, request: Any, spec: Any) -> dict[str, Any]:
    broker = ctx.broker
    result: dict[str, Any] = {"name": spec.name, "error_code": ErrorCode.none, "configs": None}
    partitions = int(spec.num_partitions)
    replication = int(spec.replication_factor)
    if spec.assignments:
        if partitions != -1 or replication != -1:
            return {
                **result,
                "error_code": ErrorCode.invalid_request,
                "error_message": (
                    "Both numPartitions or replicationFactor and replicasAssignments were set."
                ),
            }
        partitions = len(spec.assignments)
        replication = max(len(a.broker_ids) for a in spec.assignments)
        foreign = {b for a in spec.assignments for b in a.broker_ids} - {broker.node_id}
        if foreign:
            return {
                **result,
                "error_code": ErrorCode.invalid_replica_assignment,
                "error_message": f"Unknown broker(s) in the assignment: {sorted(foreign)}",
            }
    if partitions == -1:
        partitions = broker.settings.num_partitions
    if replication == -1:
        replication = 1
    if replication <= 0:
        return {
            **result,
            "error_code": ErrorCode.invalid_replication_factor,
            "error_message": "Replication factor must be larger than 0.",
        }
    if replication > 1:
        return {
            **result,
            "error_code": ErrorCode.invalid_replication_factor,
            "error_message": f"Unable to replicate the partition {replication} time(s): "
            "The target replication factor of "
            f"{replication} cannot be reached because only 1 broker(s) are registered.",
        }
    configs = {c.name: c.value for c in spec.configs if c.value is not None}
    try:
        topic = broker.topics.create(
            spec.name,
            partitions,
            configs,
            now_ms=broker.clock(),
            validate_only=bool(getattr(request, "validate_only", False)),
        )
    except BrokerError as exc:
        return {**result, **_error(exc)}
    return {
        **result,
        "topic_id": topic.topic_id,
        "num_partitions": partitions,
        "replication_factor": 1,
        "configs": [
            {
                "name": entry.name,
                "value": entry.value,
                "read_only": entry.read_only,
                "config_source": int(entry.source),
                "is_sensitive": entry.sensitive,
            }
            for entry in topic.config.describe()
        ],
    }


async def create_topics(ctx: RequestContext, request: Any) -> Any:
    counts = Counter(t.name for t in request.topics)
    duplicates = {name for name, count in counts.items() if count > 1}
    results = []
    for spec in request.topics:
        if spec.name in duplicates:
            results.append(
                {
                    "name": spec.name,
                    "error_code": ErrorCode.invalid_request,
                    "error_message": "Create topics request from client contains a "
                    "duplicate topic name",
                    "configs": None,
                }
            )
        else:
            results.append(_create_one(ctx, request, spec))
    return ctx.respond(topics=results)


def _delete_one(ctx: RequestContext, name: str | None, topic_id: Any) -> dict[str, Any]:
    topics = ctx.broker.topics
    topic = topics.get(name) if name else topics.get_by_id(topic_id)
    result: dict[str, Any] = {"name": name, "topic_id": topic_id, "error_code": ErrorCode.none}
    if topic is None:
        code = ErrorCode.unknown_topic_or_partition if name else ErrorCode.unknown_topic_id
        return {**result, "error_code": code}
    topics.delete(topic.name)
    ctx.broker.offsets.delete_topic(topic.name)
    ctx.broker.watchers.notify_topic(topic.name, len(topic.partitions))
    return {**result, "name": topic.name, "topic_id": topic.topic_id}


async def delete_topics(ctx: RequestContext, request: Any) -> Any:
    if ctx.api_version >= 6:
        wanted = [(t.name, t.topic_id) for t in request.topics]
    else:
        wanted = [(name, None) for name in request.topic_names]
    return ctx.respond(responses=[_delete_one(ctx, name, topic_id) for name, topic_id in wanted])


async def create_partitions(ctx: RequestContext, request: Any) -> Any:
    results = []
    for spec in request.topics:
        try:
            ctx.broker.topics.add_partitions(
                spec.name,
                int(spec.count),
                now_ms=ctx.broker.clock(),
                validate_only=bool(request.validate_only),
            )
        except BrokerError as exc:
            results.append({"name": spec.name, **_error(exc)})
        else:
            results.append({"name": spec.name, "error_code": ErrorCode.none, "error_message": None})
    return ctx.respond(results=results)


def _delete_records(ctx: RequestContext, topic: str, partition: Any) -> dict[str, Any]:
    index = int(partition.partition_index)
    log = ctx.broker.topics.partition_log(topic, index)
    if log is None:
        return {
            "partition_index": index,
            "low_watermark": -1,
            "error_code": ErrorCode.unknown_topic_or_partition,
        }
    try:
        low = log.delete_records_before(int(partition.offset))
    except BrokerError as exc:
        return {"partition_index": index, "low_watermark": -1, "error_code": exc.code}
    return {"partition_index": index, "low_watermark": low, "error_code": ErrorCode.none}


async def delete_records(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(
        topics=[
            {"name": t.name, "partitions": [_delete_records(ctx, t.name, p) for p in t.partitions]}
            for t in request.topics
        ]
    )


APIS = [
    Api(19, 2, 7, create_topics),
    Api(20, 1, 6, delete_topics),
    Api(21, 0, 2, delete_records),
    Api(37, 0, 3, create_partitions),
]

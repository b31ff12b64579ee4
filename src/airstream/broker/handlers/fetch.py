"""Fetch (1): read whole batches, long-polling until ``min_bytes`` arrive or ``max_wait`` ends.

A waiting fetch is woken by the append itself (:class:`PartitionWatchers`), so a consumer sees
a record as soon as it is written rather than at the end of its wait. Limits follow Kafka:
``partition_max_bytes`` per partition and ``max_bytes`` per response, except that the first
batch of the first non-empty partition is returned whole even if larger (KIP-74), so a consumer
always makes progress. Fetch sessions (KIP-227) are not kept: answering with session id 0
tells clients to send full fetch requests, which they all support.
"""

from __future__ import annotations

import time
from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.errors import BrokerError
from airstream.broker.handlers.registry import Api, RequestContext
from airstream.broker.topics import Topic

#: Only leader epoch this broker ever has.
LEADER_EPOCH = 0


def _resolve_topics(ctx: RequestContext, request: Any) -> list[tuple[Any, Topic | None]]:
    use_ids = ctx.api_version >= 13
    resolved = []
    for request_topic in request.topics:
        if use_ids:
            topic = ctx.broker.topics.get_by_id(request_topic.topic_id)
        else:
            topic = ctx.broker.topics.get(request_topic.topic)
        resolved.append((request_topic, topic))
    return resolved


def _unknown_topic_error(ctx: RequestContext) -> ErrorCode:
    return (
        ErrorCode.unknown_topic_id
        if ctx.api_version >= 13
        else ErrorCode.unknown_topic_or_partition
    )


def _read_partition(
    ctx: RequestContext, topic: Topic | None, partition: Any, budget: int, first: bool
) -> tuple[dict[str, Any], int]:
    """The partition's response entry and how many record bytes it carries."""
    index = int(partition.partition)
    entry: dict[str, Any] = {
        "partition_index": index,
        "error_code": ErrorCode.none,
        "high_watermark": -1,
        "last_stable_offset": -1,
        "log_start_offset": -1,
        "aborted_transactions": None,
        "preferred_read_replica": -1,
        "records": None,
    }
    if topic is None:
        entry["error_code"] = _unknown_topic_error(ctx)
        return entry, 0
    if not 0 <= index < len(topic.partitions):
        entry["error_code"] = ErrorCode.unknown_topic_or_partition
        return entry, 0
    leader_epoch = int(getattr(partition, "current_leader_epoch", -1))
    if leader_epoch > LEADER_EPOCH:
        entry["error_code"] = ErrorCode.unknown_leader_epoch
        return entry, 0
    log = topic.partitions[index]
    entry["high_watermark"] = log.high_watermark
    entry["last_stable_offset"] = log.high_watermark
    entry["log_start_offset"] = log.log_start_offset
    limit = min(int(partition.partition_max_bytes), budget)
    try:
        read = log.read(int(partition.fetch_offset), limit, min_one_batch=first)
    except BrokerError as exc:
        entry["error_code"] = exc.code
        return entry, 0
    records = read.records if isinstance(read.records, bytes) else b"".join(read.records)
    entry["high_watermark"] = read.high_watermark
    entry["last_stable_offset"] = read.high_watermark
    entry["log_start_offset"] = read.log_start_offset
    entry["records"] = records
    return entry, len(records)


def _read_all(
    ctx: RequestContext, request: Any, wanted: list[tuple[Any, Topic | None]]
) -> tuple[list[dict[str, Any]], int, bool]:
    budget = int(request.max_bytes) if ctx.api_version >= 3 else 2**31 - 1
    total = 0
    errors = False
    responses = []
    id_field = "topic_id" if ctx.api_version >= 13 else "topic"
    for request_topic, topic in wanted:
        partitions = []
        for partition in request_topic.partitions:
            entry, size = _read_partition(ctx, topic, partition, budget - total, first=total == 0)
            total += size
            errors = errors or entry["error_code"] != ErrorCode.none
            partitions.append(entry)
        responses.append({id_field: getattr(request_topic, id_field), "partitions": partitions})
    return responses, total, errors


async def fetch(ctx: RequestContext, request: Any) -> Any:
    wanted = _resolve_topics(ctx, request)
    deadline = time.monotonic() + request.max_wait.total_seconds()
    keys = [
        (topic.name, int(p.partition))
        for rt, topic in wanted
        if topic is not None
        for p in rt.partitions
    ]
    while True:
        responses, total, errors = _read_all(ctx, request, wanted)
        remaining = deadline - time.monotonic()
        if total >= int(request.min_bytes) or errors or remaining <= 0 or not keys:
            break
        await ctx.broker.watchers.wait(keys, remaining)
        if ctx.broker.watchers.closed:
            responses, total, errors = _read_all(ctx, request, wanted)
            break
    return ctx.respond(error_code=ErrorCode.none, session_id=0, responses=responses)


APIS = [Api(1, 4, 16, fetch)]

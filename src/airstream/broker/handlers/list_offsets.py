"""ListOffsets (2): earliest, latest, max-timestamp, and first offset at or after a timestamp."""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.handlers.registry import Api, RequestContext

LATEST = -1
EARLIEST = -2
MAX_TIMESTAMP = -3
#: KIP-1005: earliest offset still on local storage; with no tiered storage, the earliest.
EARLIEST_LOCAL = -4
LEADER_EPOCH = 0


def _lookup(ctx: RequestContext, topic: str, partition: Any) -> dict[str, Any]:
    index = int(partition.partition_index)
    entry: dict[str, Any] = {
        "partition_index": index,
        "error_code": ErrorCode.none,
        "timestamp": -1,
        "offset": -1,
        "leader_epoch": -1,
    }
    log = ctx.broker.topics.partition_log(topic, index)
    if log is None:
        entry["error_code"] = ErrorCode.unknown_topic_or_partition
        return entry
    if int(getattr(partition, "current_leader_epoch", -1)) > LEADER_EPOCH:
        entry["error_code"] = ErrorCode.unknown_leader_epoch
        return entry
    timestamp = int(partition.timestamp)
    if timestamp == LATEST:
        entry.update(offset=log.high_watermark, leader_epoch=LEADER_EPOCH)
    elif timestamp in (EARLIEST, EARLIEST_LOCAL):
        entry.update(offset=log.log_start_offset, leader_epoch=LEADER_EPOCH)
    elif timestamp == MAX_TIMESTAMP:
        found = log.offset_of_max_timestamp()
        if found is not None:
            entry.update(offset=found[0], timestamp=found[1], leader_epoch=LEADER_EPOCH)
    elif timestamp < 0:
        entry["error_code"] = ErrorCode.invalid_request
    else:
        found = log.offset_for_timestamp(timestamp)
        if found is not None:
            entry.update(offset=found[0], timestamp=found[1], leader_epoch=LEADER_EPOCH)
    return entry


async def list_offsets(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(
        topics=[
            {
                "name": topic.name,
                "partitions": [_lookup(ctx, topic.name, p) for p in topic.partitions],
            }
            for topic in request.topics
        ]
    )


APIS = [Api(2, 1, 9, list_offsets)]

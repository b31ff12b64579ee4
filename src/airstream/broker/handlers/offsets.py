"""Committed-offset APIs: OffsetCommit, OffsetFetch (single- and multi-group), OffsetDelete.

Partition-level checks (does the topic and partition exist, is the metadata too long) happen
here; group-level checks (is the committer a member of the current generation) in the
coordinator; storage in the offset store.
"""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.groups.offset_store import CommittedOffset, TopicPartition
from airstream.broker.handlers.registry import Api, RequestContext

#: Kafka's offset.metadata.max.bytes.
OFFSET_METADATA_MAX_BYTES = 4096
NO_OFFSET = -1
NO_LEADER_EPOCH = -1


def _partition_exists(ctx: RequestContext, topic_name: str, partition: int) -> bool:
    topic = ctx.broker.topics.get(topic_name)
    return topic is not None and 0 <= partition < len(topic.partitions)


def _partition_error(ctx: RequestContext, topic: str, partition: Any) -> ErrorCode | None:
    if not _partition_exists(ctx, topic, int(partition.partition_index)):
        return ErrorCode.unknown_topic_or_partition
    metadata = partition.committed_metadata
    if metadata is not None and len(metadata.encode()) > OFFSET_METADATA_MAX_BYTES:
        return ErrorCode.offset_metadata_too_large
    return None


async def offset_commit(ctx: RequestContext, request: Any) -> Any:
    errors: dict[TopicPartition, ErrorCode] = {}
    valid: dict[TopicPartition, CommittedOffset] = {}
    for topic in request.topics:
        for partition in topic.partitions:
            tp = (topic.name, int(partition.partition_index))
            error = _partition_error(ctx, topic.name, partition)
            if error is not None:
                errors[tp] = error
                continue
            valid[tp] = CommittedOffset(
                offset=int(partition.committed_offset),
                leader_epoch=int(getattr(partition, "committed_leader_epoch", NO_LEADER_EPOCH)),
                metadata=partition.committed_metadata or "",
            )
    if valid:
        group_error = await ctx.broker.groups.commit_offsets(
            request.group_id,
            request.member_id,
            getattr(request, "group_instance_id", None),
            int(request.generation_id_or_member_epoch),
            valid,
        )
        errors.update(dict.fromkeys(valid, group_error))
    return ctx.respond(
        topics=[
            {
                "name": topic.name,
                "partitions": [
                    {
                        "partition_index": p.partition_index,
                        "error_code": errors[(topic.name, int(p.partition_index))],
                    }
                    for p in topic.partitions
                ],
            }
            for topic in request.topics
        ]
    )


def _fetched(ctx: RequestContext, group_id: str, topics: Any) -> list[dict[str, Any]]:
    """One group's committed offsets as response topics; ``topics`` None means all."""
    store = ctx.broker.offsets
    if topics is None:
        by_topic: dict[str, list[int]] = {}
        for topic_name, partition in sorted(store.group_offsets(group_id)):
            by_topic.setdefault(topic_name, []).append(partition)
        wanted = list(by_topic.items())
    else:
        wanted = [(t.name, [int(p) for p in t.partition_indexes]) for t in topics]
    result = []
    for topic_name, partitions in wanted:
        entries = []
        for partition in partitions:
            committed = store.get(group_id, topic_name, partition)
            entries.append(
                {
                    "partition_index": partition,
                    "committed_offset": committed.offset if committed else NO_OFFSET,
                    "committed_leader_epoch": (
                        committed.leader_epoch if committed else NO_LEADER_EPOCH
                    ),
                    "metadata": committed.metadata if committed else "",
                    "error_code": ErrorCode.none,
                }
            )
        result.append({"name": topic_name, "partitions": entries})
    return result


def _invalid_group_topics(topics: Any) -> list[dict[str, Any]]:
    """v1 has no group-level error: report INVALID_GROUP_ID on every partition."""
    return [
        {
            "name": t.name,
            "partitions": [
                {
                    "partition_index": p,
                    "committed_offset": NO_OFFSET,
                    "metadata": "",
                    "error_code": ErrorCode.invalid_group_id,
                }
                for p in t.partition_indexes
            ],
        }
        for t in topics or ()
    ]


async def offset_fetch(ctx: RequestContext, request: Any) -> Any:
    if ctx.api_version >= 8:
        return ctx.respond(
            groups=[
                {
                    "group_id": g.group_id,
                    "error_code": ErrorCode.none if g.group_id else ErrorCode.invalid_group_id,
                    "topics": _fetched(ctx, g.group_id, g.topics) if g.group_id else [],
                }
                for g in request.groups
            ]
        )
    if not request.group_id:
        return ctx.respond(
            error_code=ErrorCode.invalid_group_id,
            topics=_invalid_group_topics(request.topics) if ctx.api_version < 2 else [],
        )
    return ctx.respond(
        error_code=ErrorCode.none, topics=_fetched(ctx, request.group_id, request.topics)
    )


async def offset_delete(ctx: RequestContext, request: Any) -> Any:
    errors: dict[TopicPartition, ErrorCode] = {}
    wanted: list[TopicPartition] = []
    for topic in request.topics:
        for partition in topic.partitions:
            tp = (topic.name, int(partition.partition_index))
            if _partition_exists(ctx, *tp):
                wanted.append(tp)
            else:
                errors[tp] = ErrorCode.unknown_topic_or_partition
    group_error, results = await ctx.broker.groups.delete_offsets(request.group_id, wanted)
    if group_error is not ErrorCode.none:
        return ctx.respond(error_code=group_error, topics=[])
    errors.update(results)
    return ctx.respond(
        error_code=ErrorCode.none,
        topics=[
            {
                "name": topic.name,
                "partitions": [
                    {
                        "partition_index": p.partition_index,
                        "error_code": errors[(topic.name, int(p.partition_index))],
                    }
                    for p in topic.partitions
                ],
            }
            for topic in request.topics
        ],
    )


APIS = [
    Api(8, 2, 9, offset_commit),
    Api(9, 1, 9, offset_fetch),
    Api(47, 0, 0, offset_delete),
]

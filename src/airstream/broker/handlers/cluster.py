"""DescribeCluster (60) and OffsetForLeaderEpoch (23): one broker, one leader epoch (0)."""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.handlers.registry import Api, RequestContext

LEADER_EPOCH = 0
AUTHORIZED_OPERATIONS_OMITTED = -(2**31)


async def describe_cluster(ctx: RequestContext, request: Any) -> Any:
    broker = ctx.broker
    return ctx.respond(
        error_code=ErrorCode.none,
        error_message=None,
        endpoint_type=1,
        cluster_id=broker.cluster_id,
        controller_id=broker.node_id,
        brokers=[
            {
                "broker_id": broker.node_id,
                "host": broker.advertised_host,
                "port": broker.advertised_port,
                "rack": None,
            }
        ],
        cluster_authorized_operations=AUTHORIZED_OPERATIONS_OMITTED,
    )


def _epoch_end(ctx: RequestContext, topic: str, partition: Any) -> dict[str, Any]:
    index = int(partition.partition)
    entry: dict[str, Any] = {
        "partition": index,
        "error_code": ErrorCode.none,
        "leader_epoch": -1,
        "end_offset": -1,
    }
    log = ctx.broker.topics.partition_log(topic, index)
    current = int(getattr(partition, "current_leader_epoch", -1))
    if log is None:
        entry["error_code"] = ErrorCode.unknown_topic_or_partition
    elif current > LEADER_EPOCH:
        entry["error_code"] = ErrorCode.unknown_leader_epoch
    elif int(partition.leader_epoch) <= LEADER_EPOCH:
        # Every batch was written in epoch 0, so epoch 0 ends at the log end.
        entry.update(leader_epoch=LEADER_EPOCH, end_offset=log.log_end_offset)
    return entry


async def offset_for_leader_epoch(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(
        topics=[
            {"topic": t.topic, "partitions": [_epoch_end(ctx, t.topic, p) for p in t.partitions]}
            for t in request.topics
        ]
    )


APIS = [Api(60, 0, 1, describe_cluster), Api(23, 2, 4, offset_for_leader_epoch)]

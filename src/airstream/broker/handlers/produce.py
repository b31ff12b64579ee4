"""Produce (0): append record batches; answer after the write (acks=1) or after fsync (acks=-1).

Appends happen before the first ``await`` so requests apply in the order they arrived; only
the wait for durability is asynchronous, and one fsync serves every produce waiting on the
same log (group commit, see :class:`airstream.broker.log.flusher.GroupCommitFlusher`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.errors import BrokerError
from airstream.broker.handlers.registry import Api, RequestContext
from airstream.broker.log.partition_log import PartitionLog
from airstream.broker.records import ATTR_CODEC_MASK, ATTRIBUTES_OFFSET, HEADER_SIZE, LOG_OVERHEAD

log = logging.getLogger(__name__)

ZSTD = 4
#: KIP-110: zstd needs Produce v7+, so older clients never receive it either.
ZSTD_MIN_PRODUCE_VERSION = 7


def _append(
    ctx: RequestContext, topic: str, partition: int, records: bytes | None, now_ms: int
) -> tuple[dict[str, Any], PartitionLog | None]:
    base = {"index": partition, "base_offset": -1, "log_append_time_ms": -1, "log_start_offset": -1}
    partition_log = ctx.broker.topics.partition_log(topic, partition)
    if partition_log is None:
        return {**base, "error_code": ErrorCode.unknown_topic_or_partition}, None
    if not records:
        return {**base, "error_code": ErrorCode.invalid_record, "error_message": "no records"}, None
    refusal = _version_rule(ctx.api_version, records)
    if refusal is not None:
        return {**base, "error_code": refusal[0], "error_message": refusal[1]}, None
    try:
        info = partition_log.append(memoryview(records), now_ms=now_ms)
    except BrokerError as exc:
        return {**base, "error_code": exc.code, "error_message": exc.message}, None
    ctx.broker.watchers.notify((topic, partition))
    return {
        "index": partition,
        "error_code": ErrorCode.none,
        "base_offset": info.base_offset,
        "log_append_time_ms": info.log_append_time_ms,
        "log_start_offset": info.log_start_offset,
    }, partition_log


def _version_rule(version: int, records: bytes) -> tuple[ErrorCode, str] | None:
    """Kafka's per-version rules on the records blob (the log checks everything else)."""
    if len(records) < HEADER_SIZE:
        return None
    batch_end = LOG_OVERHEAD + int.from_bytes(records[8:12], "big", signed=True)
    if len(records) > batch_end:
        return (
            ErrorCode.invalid_record,
            f"Produce requests with version {version} must have exactly one record batch",
        )
    codec = records[ATTRIBUTES_OFFSET + 1] & ATTR_CODEC_MASK
    if codec == ZSTD and version < ZSTD_MIN_PRODUCE_VERSION:
        return (
            ErrorCode.unsupported_compression_type,
            f"Produce requests with version {version} cannot carry zstd-compressed batches",
        )
    return None


async def produce(ctx: RequestContext, request: Any) -> Any:
    acks = int(request.acks)
    now = ctx.broker.clock()
    responses = []
    written: list[tuple[dict[str, Any], PartitionLog]] = []
    for topic_data in request.topic_data:
        partitions = []
        for data in topic_data.partition_data:
            if acks not in (-1, 0, 1):
                result: dict[str, Any] = {
                    "index": data.index,
                    "error_code": ErrorCode.invalid_required_acks,
                }
                partition_log = None
            else:
                result, partition_log = _append(ctx, topic_data.name, data.index, data.records, now)
            if partition_log is not None:
                written.append((result, partition_log))
            partitions.append(result)
        responses.append({"name": topic_data.name, "partition_responses": partitions})
    if acks == -1 and ctx.broker.durable_acks and written:
        await _wait_durable(ctx, written)
    if acks == 0:
        return None
    return ctx.respond(responses=responses)


async def _wait_durable(
    ctx: RequestContext, written: list[tuple[dict[str, Any], PartitionLog]]
) -> None:
    logs = {id(plog): plog for _, plog in written}
    outcomes = await asyncio.gather(
        *(ctx.broker.flusher.wait_durable(plog) for plog in logs.values()), return_exceptions=True
    )
    failed = set()
    for key, outcome in zip(logs, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("fsync failed: %r", outcome)
            failed.add(key)
    for result, plog in written:
        if id(plog) in failed:
            result["error_code"] = ErrorCode.kafka_storage_error
            result["error_message"] = "the write could not be made durable"


APIS = [Api(0, 3, 11, produce)]

"""What the streams endpoints show, read from the broker over the Kafka protocol only.

Topics with per-partition watermarks and config overrides, the last records of one partition
and consumer groups with their members and lag. Everything goes through confluent-kafka
clients (and :mod:`airstream.client`'s admin helpers), never through the broker's own state,
so the same code works against any Kafka cluster.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from confluent_kafka import Consumer, KafkaError, TopicPartition

from airstream.client.connection import Connection, connect_admin, create_client
from airstream.client.errors import ClientError
from airstream.client.group_admin import describe_group, list_groups
from airstream.client.topic_admin import describe_topics

#: Most records one request may read back.
MAX_RECORDS = 100

Encoding = Literal["text", "base64"]


class UnknownTopic(LookupError):
    """The topic (or the partition) does not exist."""


class UnknownGroup(LookupError):
    """The consumer group does not exist."""


@dataclass(frozen=True)
class Watermarks:
    """A partition's log start offset (low) and high watermark (next offset to write)."""

    low: int
    high: int


def _consumer(connection: Connection) -> Consumer:
    config = connection.client_config(
        **{
            "group.id": f"airstream-api-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
        }
    )
    return create_client(Consumer, config)


def _watermarks(
    consumer: Consumer, connection: Connection, topic: str, partition: int
) -> Watermarks:
    low, high = consumer.get_watermark_offsets(
        TopicPartition(topic, partition), timeout=connection.timeout_s, cached=False
    )
    return Watermarks(int(low), int(high))


def list_topic_details(
    connection: Connection, names: list[str] | None = None
) -> list[dict[str, Any]]:
    """Topics (all, or ``names``) with partitions, their watermarks and config overrides."""
    _, metadata = connect_admin(connection)
    if names:
        missing = [n for n in names if n not in metadata.topics]
        if missing:
            raise UnknownTopic(f"Topic {missing[0]!r} was not found")
    descriptions = describe_topics(connection, names or [])
    consumer = _consumer(connection)
    try:
        return [_topic_dict(consumer, connection, d) for d in descriptions]
    finally:
        consumer.close()


def _topic_dict(consumer: Consumer, connection: Connection, description: Any) -> dict[str, Any]:
    partitions = []
    for p in description.partitions:
        marks = _watermarks(consumer, connection, description.name, p.partition)
        partitions.append(
            {
                "partition": p.partition,
                "leader": p.leader,
                "replicas": p.replicas,
                "isr": p.isr,
                "low_watermark": marks.low,
                "high_watermark": marks.high,
                "error": p.error,
            }
        )
    return {
        "name": description.name,
        "partitions": partitions,
        "replication_factor": description.replication_factor,
        "configs": description.configs,
    }


def read_records(
    connection: Connection, topic: str, partition: int, limit: int, encoding: Encoding
) -> dict[str, Any]:
    """The last ``limit`` (at most :data:`MAX_RECORDS`) records of a partition, oldest first."""
    limit = max(0, min(limit, MAX_RECORDS))
    _, metadata = connect_admin(connection)
    if topic not in metadata.topics or partition not in metadata.topics[topic].partitions:
        raise UnknownTopic(f"Partition {partition} of topic {topic!r} was not found")
    consumer = _consumer(connection)
    try:
        marks = _watermarks(consumer, connection, topic, partition)
        start = max(marks.low, marks.high - limit)
        records = consume_range(consumer, connection, topic, partition, start, marks.high)
    finally:
        consumer.close()
    return {
        "topic": topic,
        "partition": partition,
        "low_watermark": marks.low,
        "high_watermark": marks.high,
        "records": [_record_dict(m, encoding) for m in records[-limit:] if limit],
    }


def consume_range(
    consumer: Consumer, connection: Connection, topic: str, partition: int, start: int, end: int
) -> list[Any]:
    """The messages of ``topic``-``partition`` from ``start`` up to (not including) ``end``,
    read with ``consumer`` (bounded: a stalled broker ends the read early)."""
    if start >= end:
        return []
    consumer.assign([TopicPartition(topic, partition, start)])
    found: list[Any] = []
    # Each poll returns one message or EOF; the bound keeps a stalled broker from hanging us.
    for _ in range((end - start) * 2 + 20):
        message = consumer.poll(connection.timeout_s)
        if message is None:
            break
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                break
            raise ClientError(f"reading {topic}-{partition}: {error.str()}", error.code())
        offset = message.offset() or 0
        if offset >= start:
            found.append(message)
        if offset >= end - 1:
            break
    return found


def _encode(data: bytes | None, encoding: Encoding) -> str | None:
    if data is None:
        return None
    if encoding == "base64":
        return base64.b64encode(data).decode()
    return data.decode("utf-8", errors="replace")


def _record_dict(message: Any, encoding: Encoding) -> dict[str, Any]:
    timestamp_type, timestamp = message.timestamp()
    return {
        "offset": message.offset(),
        "timestamp": timestamp if timestamp_type else None,
        "key": _encode(message.key(), encoding),
        "value": _encode(message.value(), encoding),
        "headers": [
            {"key": key, "value": _encode(value, encoding)}
            for key, value in (message.headers() or [])
        ],
    }


def list_group_summaries(connection: Connection) -> list[dict[str, Any]]:
    """Every consumer group with its state and type."""
    return [
        {"group_id": g.group, "state": g.state, "type": g.type} for g in list_groups(connection)
    ]


def group_details(connection: Connection, group_id: str) -> dict[str, Any]:
    """A group's members (with partitions) and, per partition, committed/end offset and lag."""
    try:
        description = describe_group(connection, group_id)
    except ClientError as exc:
        if "does not exist" in str(exc):
            raise UnknownGroup(f"Consumer group {group_id!r} was not found") from None
        raise
    members: dict[str, dict[str, Any]] = {}
    offsets = []
    for line in description.partitions:
        if line.consumer_id is not None:
            member = members.setdefault(
                line.consumer_id,
                {
                    "member_id": line.consumer_id,
                    "client_id": line.client_id,
                    "host": line.host,
                    "assignments": [],
                },
            )
            if line.topic is not None:
                member["assignments"].append({"topic": line.topic, "partition": line.partition})
        if line.topic is not None:
            offsets.append(
                {
                    "topic": line.topic,
                    "partition": line.partition,
                    "committed_offset": line.current_offset,
                    "end_offset": line.log_end_offset,
                    "lag": line.lag,
                    "member_id": line.consumer_id,
                }
            )
    return {
        "group_id": group_id,
        "state": description.state,
        "members": list(members.values()),
        "offsets": offsets,
        "total_lag": sum(o["lag"] or 0 for o in offsets),
    }

"""A page of a partition's records from a given offset, read over the Kafka protocol.

The console's record browser moves through a partition a page at a time: it needs records
from an offset forward (the streams API only has "the last N"). A fresh consumer, never in a
group, is assigned the partition at that offset and polled until the page is full, the
high watermark is reached or the broker stops answering.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from airstream.client.connection import Connection, connect_admin, create_client
from airstream.web.streams import UnknownTopic, consume_range

#: Most records one page may hold.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class BrowsedRecord:
    """One record as the page shows it (key and value as text, invalid UTF-8 replaced)."""

    offset: int
    timestamp_ms: int | None
    key: str | None
    value: str | None
    headers: list[tuple[str, str | None]]


@dataclass(frozen=True)
class RecordPage:
    """The records from ``start`` on, and the partition's watermarks when read."""

    topic: str
    partition: int
    start: int
    low: int
    high: int
    size: int
    records: list[BrowsedRecord]

    @property
    def previous_start(self) -> int | None:
        return max(self.low, self.start - self.size) if self.start > self.low else None

    @property
    def next_start(self) -> int | None:
        following = self.start + self.size
        return following if following < self.high else None


def _text(data: bytes | None) -> str | None:
    return data.decode("utf-8", errors="replace") if data is not None else None


def _record(message: Any) -> BrowsedRecord:
    timestamp_type, timestamp = message.timestamp()
    return BrowsedRecord(
        offset=message.offset(),
        timestamp_ms=timestamp if timestamp_type else None,
        key=_text(message.key()),
        value=_text(message.value()),
        headers=[(k, _text(v)) for k, v in (message.headers() or [])],
    )


def read_page(
    connection: Connection, topic: str, partition: int, start: int | None, size: int
) -> RecordPage:
    """Up to ``size`` records from ``start`` (default: the last page), clamped to the log."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    _, metadata = connect_admin(connection)
    if topic not in metadata.topics or partition not in metadata.topics[topic].partitions:
        raise UnknownTopic(f"Partition {partition} of topic {topic!r} was not found")
    consumer = create_client(
        Consumer,
        connection.client_config(
            **{
                "group.id": f"airstream-console-{uuid.uuid4().hex}",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
            }
        ),
    )
    try:
        low, high = consumer.get_watermark_offsets(
            TopicPartition(topic, partition), timeout=connection.timeout_s, cached=False
        )
        first = max(low, high - size) if start is None else min(max(start, low), high)
        records = _poll(consumer, connection, topic, partition, first, min(high, first + size))
    finally:
        consumer.close()
    return RecordPage(topic, partition, first, int(low), int(high), size, records)


def _poll(
    consumer: Consumer, connection: Connection, topic: str, partition: int, start: int, end: int
) -> list[BrowsedRecord]:
    messages = consume_range(consumer, connection, topic, partition, start, end)
    return [_record(m) for m in messages if start <= (m.offset() or 0) < end]

"""Records out of a topic, as kafka-console-consumer reads them: what ``airstream consume`` does.

Without a group the consumer assigns itself partitions directly and commits nothing; with a
group it subscribes, lets the group coordinator assign partitions, and commits the offset of
each record once the caller has handled it (at least once: a record being printed when
Ctrl-C arrives is delivered again next time).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    Message,
    TopicPartition,
)

from airstream.client.connection import Connection, create_client, fetch_metadata
from airstream.client.errors import ClientError, explain

StartOffset = int | Literal["earliest", "latest"]

#: How long one poll may block, so Ctrl-C and the idle timeout are noticed promptly.
_POLL_S = 0.2
#: The least time a group consumer waits for its first assignment before the idle timeout
#: may end it: a group's first rebalance is held back for a few seconds on purpose.
_JOIN_WAIT_S = 30.0
#: Errors that mean the consumer can never receive what it was asked for.
_FATAL_CODES = frozenset(
    {
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError._UNKNOWN_TOPIC,
        KafkaError._UNKNOWN_PARTITION,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.GROUP_AUTHORIZATION_FAILED,
        KafkaError.INVALID_GROUP_ID,
    }
)


@dataclass(frozen=True)
class ConsumeOptions:
    """What ``consume`` reads and when it stops (``None``: no such limit)."""

    topic: str
    group: str | None = None
    from_beginning: bool = False
    max_messages: int | None = None
    idle_timeout_ms: int | None = None
    partition: int | None = None
    offset: StartOffset | None = None

    def __post_init__(self) -> None:
        if self.offset is not None and self.partition is None:
            raise ClientError("--offset needs --partition")
        if self.group is not None and self.partition is not None:
            raise ClientError("--partition cannot be used with --group (the group assigns them)")


@dataclass(frozen=True)
class ConsumedRecord:
    """One record as read from the broker; ``timestamp`` is milliseconds or ``None``."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    @classmethod
    def from_message(cls, message: Message) -> ConsumedRecord:
        _, timestamp = message.timestamp()
        return cls(
            topic=message.topic() or "",
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            timestamp=timestamp if timestamp >= 0 else None,
            key=message.key(),
            value=message.value(),
            headers=tuple(_header_pairs(message.headers())),
        )


def format_text(record: ConsumedRecord, print_key: bool, key_separator: bytes) -> bytes:
    """The record as kafka-console-consumer prints it: ``[key SEP ]value``, ``null`` if absent."""
    value = b"null" if record.value is None else record.value
    if not print_key:
        return value
    key = b"null" if record.key is None else record.key
    return key + key_separator + value


def format_json(record: ConsumedRecord) -> str:
    """The record as one line of JSON; bytes that are not UTF-8 become ``{"base64": ...}``."""
    data: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": _json_bytes(record.key),
        "value": _json_bytes(record.value),
        "headers": [[name, _json_bytes(value)] for name, value in record.headers],
    }
    return json.dumps(data, ensure_ascii=False)


def consume(
    connection: Connection,
    options: ConsumeOptions,
    stop_requested: Callable[[], bool] = lambda: False,
) -> Generator[ConsumedRecord, None, None]:
    """Yield records until ``max_messages``, the idle timeout or ``stop_requested()``.

    The consumer is closed at the end. Iterate to the end (rather than breaking out) so the
    last record's offset is committed.
    """
    session = _Session(connection, options, stop_requested)
    try:
        yield from session.records()
    finally:
        session.close()


class _Session:
    """One consumer's life: its assignment, the idle clock and what it has stored to commit."""

    def __init__(
        self, connection: Connection, options: ConsumeOptions, stop_requested: Callable[[], bool]
    ) -> None:
        self.options = options
        self.stop_requested = stop_requested
        config = connection.client_config(**_consumer_config(options))
        self.consumer = create_client(Consumer, config)
        self.assigned = options.group is None
        self.started = self.last_activity = time.monotonic()
        try:
            partitions = self._check_topic(connection)
            if options.group is None:
                self.consumer.assign(_start_positions(options, partitions))
            else:
                self.consumer.subscribe([options.topic], on_assign=self._on_assign)
        except BaseException:
            self.consumer.close()
            raise

    def records(self) -> Iterator[ConsumedRecord]:
        count = 0
        while self.options.max_messages is None or count < self.options.max_messages:
            if self.stop_requested() or self._idle_expired():
                return
            message = self.consumer.poll(_POLL_S)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                self._on_error(error)
                continue
            self.last_activity = time.monotonic()
            count += 1
            yield ConsumedRecord.from_message(message)
            if self.options.group is not None:
                self.consumer.store_offsets(message=message)

    def close(self) -> None:
        # With a group, close() commits the stored offsets and leaves the group at once.
        self.consumer.close()

    def _check_topic(self, connection: Connection) -> list[int]:
        # All-topics metadata: unlike naming the topic, it never auto-creates one.
        topics = fetch_metadata(self.consumer, connection).topics
        topic = topics.get(self.options.topic)
        if topic is None:
            raise ClientError(f"unknown topic {self.options.topic!r}")
        partitions = sorted(topic.partitions)
        wanted = self.options.partition
        if wanted is not None and wanted not in partitions:
            raise ClientError(
                f"topic {self.options.topic!r} has no partition {wanted} (it has {len(partitions)})"
            )
        return partitions if wanted is None else [wanted]

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned = True
        self.last_activity = time.monotonic()

    def _idle_expired(self) -> bool:
        if self.options.idle_timeout_ms is None:
            return False
        idle_s = self.options.idle_timeout_ms / 1000
        now = time.monotonic()
        if not self.assigned:
            return now - self.started >= max(idle_s, _JOIN_WAIT_S)
        return now - self.last_activity >= idle_s

    def _on_error(self, error: KafkaError) -> None:
        # Other errors (a dropped connection, a rebalance in progress) are retried by
        # librdkafka itself; the idle timeout bounds how long we wait for it.
        if error.fatal() or error.code() in _FATAL_CODES:
            raise explain(error, f"topic {self.options.topic!r}")


def _consumer_config(options: ConsumeOptions) -> dict[str, Any]:
    if options.group is None:
        # librdkafka insists on a group id even for a consumer that only assigns and never
        # commits; a unique one keeps it out of every real group.
        return {
            "group.id": f"airstream-console-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
        }
    return {
        "group.id": options.group,
        "enable.auto.commit": True,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest" if options.from_beginning else "latest",
    }


def _start_positions(options: ConsumeOptions, partitions: list[int]) -> list[TopicPartition]:
    offset = options.offset
    if offset is None:
        offset = "earliest" if options.from_beginning else "latest"
    if offset == "earliest":
        position = OFFSET_BEGINNING
    elif offset == "latest":
        position = OFFSET_END
    else:
        position = offset
    return [TopicPartition(options.topic, p, position) for p in partitions]


def _header_pairs(headers: Any) -> Iterator[tuple[str, bytes | None]]:
    for name, value in headers or ():
        yield name, value if value is None or isinstance(value, bytes) else str(value).encode()


def _json_bytes(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}

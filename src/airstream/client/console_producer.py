"""Lines in, records out: what ``airstream produce`` does, like kafka-console-producer.

Each input line (without its line ending) becomes one record; with a key separator, the part
before its first occurrence is the key. Delivery is asynchronous; :func:`produce_lines`
flushes at the end and reports how many records the broker acknowledged and why others failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from airstream.client.connection import Connection, create_client, fetch_metadata
from airstream.client.errors import ClientError, explain, from_exception

Acks = Literal["all", "1", "0"]

#: Metadata errors for a topic that no retry will cure.
_REFUSED_TOPIC_CODES = frozenset(
    {
        KafkaError.UNKNOWN_TOPIC_OR_PART,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.TOPIC_EXCEPTION,
    }
)

#: How long to let deliveries drain librdkafka's queue when it is full.
_QUEUE_FULL_WAIT_S = 0.1


@dataclass(frozen=True)
class ProduceOptions:
    """Where and how ``produce`` sends: ``partition`` ``None`` lets the partitioner choose."""

    topic: str
    key_separator: bytes | None = None
    partition: int | None = None
    acks: Acks = "all"
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class ProduceReport:
    """What happened to the records sent: acknowledged, failed, and the first failure."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    first_error: str | None = None

    def on_delivery(self, error: KafkaError | None, message: Message) -> None:
        """librdkafka's delivery callback: count the outcome of one record."""
        if error is None:
            self.delivered += 1
            return
        self.failed += 1
        if self.first_error is None:
            self.first_error = str(explain(error))


def split_record(line: bytes, key_separator: bytes | None) -> tuple[bytes | None, bytes]:
    """``(key, value)`` of one input line whose line ending is already removed."""
    if key_separator is None:
        return None, line
    key, sep, value = line.partition(key_separator)
    if not sep:
        raise ValueError(f"no key separator {key_separator.decode(errors='replace')!r} in line")
    return key, value


def produce_lines(
    connection: Connection, options: ProduceOptions, lines: Iterable[bytes]
) -> ProduceReport:
    """Send one record per line, flush, and report; a malformed line stops the input."""
    config = connection.client_config(
        **{"acks": options.acks, "message.timeout.ms": connection.request_timeout_ms}
    )
    producer = create_client(Producer, config)
    _check_destination(producer, connection, options)
    report = ProduceReport()
    try:
        for number, line in enumerate(lines, start=1):
            try:
                key, value = split_record(_strip_line_ending(line), options.key_separator)
            except ValueError as exc:
                raise ClientError(f"line {number}: {exc}") from None
            try:
                _send(producer, options, key, value, report)
            except KafkaException as exc:
                # Refused before sending, e.g. larger than the client's message.max.bytes.
                raise from_exception(exc, f"line {number}") from None
    finally:
        # Whatever stopped the input, records already handed to librdkafka get delivered.
        _flush(producer, connection, report)
    return report


def _check_destination(producer: Producer, connection: Connection, options: ProduceOptions) -> None:
    # Asking for the topic by name lets a broker that auto-creates topics do so now,
    # as it would for the first record.
    topic = fetch_metadata(producer, connection, options.topic).topics.get(options.topic)
    if topic is None:
        raise ClientError(f"topic {options.topic!r}: not in the broker's metadata")
    if topic.error is not None:
        if topic.error.code() in _REFUSED_TOPIC_CODES:
            raise explain(topic.error, f"topic {options.topic!r}")
        # Anything else (a topic still being created has no leader yet) librdkafka retries.
        return
    if options.partition is not None and options.partition not in topic.partitions:
        raise ClientError(
            f"topic {options.topic!r} has no partition {options.partition} "
            f"(it has {len(topic.partitions)})"
        )


def _send(
    producer: Producer,
    options: ProduceOptions,
    key: bytes | None,
    value: bytes,
    report: ProduceReport,
) -> None:
    partition = -1 if options.partition is None else options.partition
    headers: list[tuple[str, str | bytes | None]] | None = list(options.headers) or None
    while True:
        try:
            producer.produce(
                options.topic,
                value=value,
                key=key,
                partition=partition,
                headers=headers,
                on_delivery=report.on_delivery,
            )
            break
        except BufferError:
            # librdkafka's queue is full: let deliveries drain it, then retry this record.
            producer.poll(_QUEUE_FULL_WAIT_S)
    report.sent += 1
    producer.poll(0)


def _flush(producer: Producer, connection: Connection, report: ProduceReport) -> None:
    # Records time out after message.timeout.ms, so this bound is never the one that hits.
    remaining = producer.flush(connection.timeout_s + 5)
    if remaining:
        report.failed += remaining
        report.first_error = report.first_error or f"{remaining} records still unacknowledged"


def _strip_line_ending(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line

"""``ProduceToTopicOperator`` and ``ConsumeFromTopicOperator``, as in the Kafka provider.

Differences from the provider, each deliberate:

- a record that could not be delivered fails the producing task (the provider only logs it);
- ``max_messages`` is honoured even when it is below ``max_batch_size`` (the provider raises
  it to ``max_batch_size``);
- offsets are committed synchronously, and only when something was consumed since the last
  commit, so a task succeeds only once its progress is stored by the broker;
- dotted-path functions and callbacks are imported when the task runs, not when the DAG is
  parsed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, partial
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, Producer

from airstream.providers.kafka.callables import resolve_callable
from airstream.providers.kafka.connection import DEFAULT_CONN_ID
from airstream.providers.kafka.hooks import KafkaConsumerHook, KafkaProducerHook
from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException

__all__ = ["VALID_COMMIT_CADENCE", "ConsumeFromTopicOperator", "ProduceToTopicOperator"]

VALID_COMMIT_CADENCE = {"never", "end_of_batch", "end_of_operator"}
#: Seconds to serve delivery reports while librdkafka's send queue is full.
_QUEUE_FULL_WAIT = 0.5
#: Seconds a consumer may take to join its group before an empty poll means "end of log".
GROUP_JOIN_WAIT = 30.0


class DeliveryReport:
    """Counts delivery outcomes of one task's records, calling the user's callback for each."""

    def __init__(self, callback: Callable[..., Any] | None, log: logging.Logger) -> None:
        self.callback = callback
        self.log = log
        self.delivered = 0
        self.failed = 0
        self.first_error: KafkaError | None = None

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.delivered += 1
        else:
            self.failed += 1
            self.first_error = self.first_error or err
        if self.callback is not None:
            self.callback(err, msg)
        elif err is not None:
            self.log.error("Failed to deliver message: %s", err)
        else:
            self.log.info(
                "Produced record to topic %s, partition [%s] @ offset %s",
                msg.topic(),
                msg.partition(),
                msg.offset(),
            )

    def raise_if_lost(self, topic: str, undelivered: int) -> None:
        if self.failed or undelivered:
            raise AirflowException(
                f"{self.failed + undelivered} record(s) were not delivered to topic {topic!r} "
                f"({self.delivered} were); first error: {self.first_error or 'flush timed out'}"
            )


def _key_value(item: Any) -> tuple[Any, Any]:
    try:
        key, value = item
    except (TypeError, ValueError):
        raise TypeError(
            f"producer_function must return or yield (key, value) pairs, got {item!r}"
        ) from None
    return key, value


def _produce(producer: Producer, topic: str, key: Any, value: Any, report: DeliveryReport) -> None:
    while True:
        try:
            producer.produce(topic, key=key, value=value, on_delivery=report)
            return
        except BufferError:
            # The local send queue is full: deliver some of it, then try again.
            producer.poll(_QUEUE_FULL_WAIT)


class ProduceToTopicOperator(BaseOperator):
    """Produces the ``(key, value)`` pairs ``producer_function`` returns or yields to ``topic``.

    ``synchronous=True`` waits for each record's acknowledgement before the next one;
    either way the task ends only when every record is acknowledged.
    """

    template_fields = (
        "topic",
        "producer_function_args",
        "producer_function_kwargs",
        "kafka_config_id",
    )

    def __init__(
        self,
        topic: str,
        producer_function: str | Callable[..., Any],
        kafka_config_id: str = DEFAULT_CONN_ID,
        producer_function_args: Sequence[Any] | None = None,
        producer_function_kwargs: dict[Any, Any] | None = None,
        delivery_callback: str | Callable[..., Any] | None = None,
        synchronous: bool = True,
        poll_timeout: float = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.topic = topic
        self.producer_function = producer_function
        self.kafka_config_id = kafka_config_id
        self.producer_function_args = producer_function_args or ()
        self.producer_function_kwargs = producer_function_kwargs or {}
        self.delivery_callback = delivery_callback
        self.synchronous = synchronous
        self.poll_timeout = poll_timeout

    def execute(self, context: Context) -> None:
        if not (self.topic and self.producer_function):
            raise AirflowException(
                "topic and producer_function must be provided. Got topic="
                f"{self.topic} and producer_function={self.producer_function}"
            )
        function = resolve_callable(self.producer_function, "producer_function")
        callback = None
        if self.delivery_callback:
            callback = resolve_callable(self.delivery_callback, "delivery_callback")
        report = DeliveryReport(callback, context["ti"].log)
        producer = KafkaProducerHook(kafka_config_id=self.kafka_config_id).get_producer()
        records = function(*self.producer_function_args, **self.producer_function_kwargs)
        for item in records:
            key, value = _key_value(item)
            _produce(producer, self.topic, key, value, report)
            producer.poll(self.poll_timeout)
            if self.synchronous:
                producer.flush()
        report.raise_if_lost(self.topic, producer.flush())


class ConsumeFromTopicOperator(BaseOperator):
    """Consumes batches from ``topics`` and hands them to a function until done.

    Done means ``max_messages`` consumed, or no record arrived within ``poll_timeout``
    seconds (the end of the log) once the consumer has joined its group and been assigned
    partitions (the provider counts the join against ``poll_timeout``). ``apply_function``
    gets each record (a confluent-kafka ``Message``); ``apply_function_batch`` gets each
    batch as a list. ``commit_cadence``:
    ``end_of_operator`` commits once all are processed, ``end_of_batch`` after each batch,
    ``never`` leaves offsets uncommitted. The consumer group is the connection's
    ``group.id``.
    """

    ui_color = "#ffefeb"
    template_fields = (
        "topics",
        "apply_function_args",
        "apply_function_kwargs",
        "kafka_config_id",
    )

    def __init__(
        self,
        topics: str | Sequence[str],
        kafka_config_id: str = DEFAULT_CONN_ID,
        apply_function: Callable[..., Any] | str | None = None,
        apply_function_batch: Callable[..., Any] | str | None = None,
        apply_function_args: Sequence[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        return_apply_function_results: bool = False,
        commit_cadence: str = "end_of_operator",
        max_messages: int | None = None,
        max_batch_size: int = 1000,
        poll_timeout: float = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.topics = topics
        self.kafka_config_id = kafka_config_id
        self.apply_function = apply_function
        self.apply_function_batch = apply_function_batch
        self.apply_function_args = apply_function_args or ()
        self.apply_function_kwargs = apply_function_kwargs or {}
        self.return_apply_function_results = return_apply_function_results
        self.commit_cadence = commit_cadence
        self.max_messages = max_messages
        self.max_batch_size = max_batch_size
        self.poll_timeout = poll_timeout
        if commit_cadence not in VALID_COMMIT_CADENCE:
            raise AirflowException(
                f"commit_cadence must be one of {VALID_COMMIT_CADENCE}. Got {commit_cadence}"
            )
        if apply_function and apply_function_batch:
            raise AirflowException(
                "One of apply_function or apply_function_batch must be supplied, not both."
            )
        if max_batch_size < 1:
            raise AirflowException(f"max_batch_size must be at least 1, got {max_batch_size}")

    @cached_property
    def hook(self) -> KafkaConsumerHook:
        """The consumer hook of the (rendered) topics and connection."""
        return KafkaConsumerHook(topics=self.topics, kafka_config_id=self.kafka_config_id)

    def execute(self, context: Context) -> Any:
        log = context["ti"].log
        self._warn_if_auto_commit(log)
        apply = self._bound_function()
        consumer = self.hook.get_consumer()
        try:
            results = self._consume(consumer, apply, log)
        finally:
            try:
                consumer.close()
            except Exception:
                log.warning("Failed to close Kafka consumer", exc_info=True)
        return results if self.return_apply_function_results and self.apply_function else None

    def _bound_function(self) -> Callable[..., Any] | None:
        function = self.apply_function or self.apply_function_batch
        if function is None:
            return None
        name = "apply_function" if self.apply_function else "apply_function_batch"
        return partial(
            resolve_callable(function, name),
            *self.apply_function_args,
            **self.apply_function_kwargs,
        )

    def _consume(
        self, consumer: Consumer, apply: Callable[..., Any] | None, log: logging.Logger
    ) -> list[Any]:
        left = self.max_messages
        results: list[Any] = []
        uncommitted = False
        joining_until = time.monotonic() + max(GROUP_JOIN_WAIT, self.poll_timeout)
        while left is None or left > 0:
            size = self.max_batch_size if left is None else min(self.max_batch_size, left)
            batch = records_of(consumer.consume(num_messages=size, timeout=self.poll_timeout))
            if not batch and not consumer.assignment() and time.monotonic() < joining_until:
                # Joining the group takes a few seconds; no partitions yet is not the end.
                continue
            if not batch:
                log.info("Reached end of log. Exiting.")
                break
            if left is not None:
                left -= len(batch)
            if apply is not None:
                results.extend(self._apply(apply, batch))
            uncommitted = self.commit_cadence != "end_of_batch"
            if not uncommitted:
                commit(consumer, log, self.commit_cadence)
        if uncommitted and self.commit_cadence != "never":
            commit(consumer, log, self.commit_cadence)
        return results

    def _apply(self, apply: Callable[..., Any], batch: list[Message]) -> list[Any]:
        if self.apply_function_batch:
            apply(batch)
            return []
        results = (apply(message) for message in batch)
        return [r for r in results if r is not None and self.return_apply_function_results]

    def _warn_if_auto_commit(self, log: logging.Logger) -> None:
        config = self.hook.get_connection(self.kafka_config_id).extra_dejson
        if str(config.get("enable.auto.commit", "true")).lower() != "false":
            log.warning(
                "To respect commit_cadence='%s', 'enable.auto.commit' should be set to 'false' "
                "in the Kafka connection configuration; it is not, so the consumer also "
                "commits offsets on its own every 5 seconds.",
                self.commit_cadence,
            )


def records_of(messages: Iterable[Message]) -> list[Message]:
    """The records among what ``consume`` returned; a consumer error fails the task."""
    records = []
    for message in messages:
        error = message.error()
        if error is None:
            records.append(message)
        elif error.code() != KafkaError._PARTITION_EOF:
            raise AirflowException(f"Kafka consumer error: {error}")
    return records


def commit(consumer: Consumer, log: logging.Logger, cadence: str) -> None:
    """Commit the consumed offsets and wait until the broker has stored them."""
    log.info("committing offset at %s", cadence)
    consumer.commit(asynchronous=False)

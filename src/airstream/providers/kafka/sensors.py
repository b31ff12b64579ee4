"""``AwaitMessageSensor`` and ``AwaitMessageTriggerFunctionSensor``, as in the Kafka provider.

Under Airflow both defer to a trigger that polls Kafka in the triggerer. airstream has no
triggerer: they poke in the task's own process instead, with the same outcome. One poke reads
records until the end of the log (no record within ``poll_timeout``) or until one matches;
between pokes the sensor sleeps ``poll_interval`` (its ``poke_interval`` unless given), and
``timeout``, ``soft_fail`` and ``mode="reschedule"`` work as for any sensor. The consumer, of
the connection's ``group.id``, lives for one task attempt; committed offsets carry progress
from one attempt (or run) to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message

from airstream.providers.kafka.callables import resolve_callable
from airstream.providers.kafka.connection import DEFAULT_CONN_ID
from airstream.providers.kafka.hooks import KafkaConsumerHook
from airstream.sensors.base import BaseSensorOperator, PokeReturnValue
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException

__all__ = ["AwaitMessageSensor", "AwaitMessageTriggerFunctionSensor"]


def message_text(message: Message) -> str | None:
    """A record's value as text: the event when no ``apply_function`` is given."""
    value = message.value()
    if value is None:
        # A tombstone carries nothing to report; it is treated as not matching.
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class MessageSensor(BaseSensorOperator):
    """What both sensors share: a consumer per attempt and a function judging each record."""

    ui_color = "#ffefeb"

    def __init__(
        self,
        topics: str | Sequence[str],
        apply_function: str | Callable[..., Any] | None,
        kafka_config_id: str = DEFAULT_CONN_ID,
        apply_function_args: Sequence[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        poll_timeout: float = 1,
        poll_interval: float = 5,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("poke_interval", poll_interval)
        super().__init__(**kwargs)
        self.topics = topics
        self.apply_function = apply_function
        self.apply_function_args = apply_function_args
        self.apply_function_kwargs = apply_function_kwargs
        self.kafka_config_id = kafka_config_id
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self._consumer: Consumer | None = None

    def execute(self, context: Context) -> Any:
        try:
            return super().execute(context)
        finally:
            self._close(context)

    def poke(self, context: Context) -> bool | PokeReturnValue:
        consumer = self._consumer_for_attempt()
        judge = self._judge()
        while True:
            message = consumer.poll(self.poll_timeout)
            if message is None:
                return False
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise AirflowException(f"Error: {error}")
            event = judge(message)
            if self.should_commit:
                consumer.commit(message=message, asynchronous=False)
            if event:
                result = self.on_event(event, context)
                if result:
                    return result

    @property
    def should_commit(self) -> bool:
        return True

    def on_event(self, event: Any, context: Context) -> bool | PokeReturnValue:
        """What a matching record does; a true result ends the sensor."""
        raise NotImplementedError

    def _judge(self) -> Callable[[Message], Any]:
        if not self.apply_function:
            return message_text
        function = resolve_callable(self.apply_function, "apply_function")
        args = self.apply_function_args or ()
        kwargs = self.apply_function_kwargs or {}
        return lambda message: function(*args, message, **kwargs)

    def _consumer_for_attempt(self) -> Consumer:
        if self._consumer is None:
            hook = KafkaConsumerHook(topics=self.topics, kafka_config_id=self.kafka_config_id)
            self._consumer = hook.get_consumer()
        return self._consumer

    def _close(self, context: Context) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        try:
            consumer.close()
        except Exception:
            context["ti"].log.warning("Failed to close Kafka consumer", exc_info=True)


class AwaitMessageSensor(MessageSensor):
    """Waits for a record for which ``apply_function`` returns something truthy.

    That value is the task's XCom (and also pushed under ``xcom_push_key`` if given). With
    ``apply_function`` unset, the first non-empty record's value (as text) is. Each record
    read is committed unless ``commit_offset=False``.
    """

    template_fields = (
        "topics",
        "apply_function",
        "apply_function_args",
        "apply_function_kwargs",
        "kafka_config_id",
        "commit_offset",
    )

    def __init__(
        self,
        topics: str | Sequence[str],
        apply_function: str | Callable[..., Any] | None,
        kafka_config_id: str = DEFAULT_CONN_ID,
        apply_function_args: Sequence[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        poll_timeout: float = 1,
        poll_interval: float = 5,
        xcom_push_key: str | None = None,
        commit_offset: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            topics=topics,
            apply_function=apply_function,
            kafka_config_id=kafka_config_id,
            apply_function_args=apply_function_args,
            apply_function_kwargs=apply_function_kwargs,
            poll_timeout=poll_timeout,
            poll_interval=poll_interval,
            **kwargs,
        )
        self.xcom_push_key = xcom_push_key
        self.commit_offset = commit_offset

    @property
    def should_commit(self) -> bool:
        return bool(self.commit_offset)

    def on_event(self, event: Any, context: Context) -> bool | PokeReturnValue:
        return PokeReturnValue(is_done=True, xcom_value=event)

    def execute(self, context: Context) -> Any:
        event = super().execute(context)
        if self.xcom_push_key:
            context["ti"].xcom_push(key=self.xcom_push_key, value=event)
        return event


class AwaitMessageTriggerFunctionSensor(MessageSensor):
    """Calls ``event_triggered_function(event, **context)`` for every matching record.

    It keeps waiting afterwards, as the provider's does: it ends by its ``timeout`` (failed,
    or skipped with ``soft_fail=True``), or when ``event_triggered_function`` raises, e.g.
    ``AirflowSkipException`` to stop watching.
    """

    template_fields = (
        "topics",
        "apply_function",
        "apply_function_args",
        "apply_function_kwargs",
        "kafka_config_id",
    )

    def __init__(
        self,
        topics: str | Sequence[str],
        apply_function: str | Callable[..., Any] | None,
        event_triggered_function: Callable[..., Any],
        kafka_config_id: str = DEFAULT_CONN_ID,
        apply_function_args: Sequence[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        poll_timeout: float = 1,
        poll_interval: float = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            topics=topics,
            apply_function=apply_function,
            kafka_config_id=kafka_config_id,
            apply_function_args=apply_function_args,
            apply_function_kwargs=apply_function_kwargs,
            poll_timeout=poll_timeout,
            poll_interval=poll_interval,
            **kwargs,
        )
        if not callable(event_triggered_function):
            raise TypeError(
                "parameter event_triggered_function is expected to be of type callable,"
                f"got {type(event_triggered_function)}"
            )
        self.event_triggered_function = event_triggered_function

    def on_event(self, event: Any, context: Context) -> bool | PokeReturnValue:
        self.event_triggered_function(event, **context)
        return False

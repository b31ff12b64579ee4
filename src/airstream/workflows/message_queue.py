"""Airflow's event triggers for message queues, as declarations the scheduler serves.

``Asset(..., watchers=[AssetWatcher(name=..., trigger=MessageQueueTrigger(...))])`` is how an
Airflow 3 DAG file says "run me on records of this topic". In Airflow a triggerer process
runs the trigger's ``run()`` coroutine; in airstream these classes only record what to
watch, and the scheduler's topic consumers (:mod:`airstream.scheduler.topic_triggers`) do
the watching, one consumer per topic, with positions kept in the metadata store.

Argument names follow the providers (``apache-airflow-providers-common-messaging`` and
``-apache-kafka``); ``max_records``, ``max_wait`` and ``start_from`` are airstream's batching
settings (see :class:`~airstream.workflows.topic.Topic`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airstream.workflows.topic import DEFAULT_KAFKA_CONFIG_ID


class BaseEventTrigger:
    """A trigger that may watch an asset (Airflow's ``BaseEventTrigger``)."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}", dict(vars(self)))


#: Airflow's ``BaseTrigger``: the same declaration here.
BaseTrigger = BaseEventTrigger


class MessageQueueTrigger(BaseEventTrigger):
    """Watch a queue: ``queue="kafka://host:port/topic"`` or ``scheme="kafka", topics=[...]``."""

    def __init__(
        self,
        *,
        queue: str | None = None,
        scheme: str | None = None,
        trigger_queue: str | None = None,
        **kwargs: Any,
    ) -> None:
        if queue is None and scheme is None:
            raise ValueError("Either `queue` or `scheme` parameter must be provided.")
        self.queue_uri = queue
        self.scheme = None if queue is not None else scheme
        self.trigger_queue = trigger_queue
        self.kwargs = kwargs


class KafkaMessageQueueTrigger(MessageQueueTrigger):
    """The Kafka provider's trigger for ``topics`` of the broker ``kafka_config_id`` names."""

    def __init__(
        self,
        *,
        topics: Sequence[str],
        kafka_config_id: str = DEFAULT_KAFKA_CONFIG_ID,
        apply_function: str | None = None,
        apply_function_args: list[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        poll_timeout: float = 1,
        poll_interval: float = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scheme="kafka",
            topics=topics,
            kafka_config_id=kafka_config_id,
            apply_function=apply_function,
            apply_function_args=apply_function_args or [],
            apply_function_kwargs=apply_function_kwargs or {},
            poll_timeout=poll_timeout,
            poll_interval=poll_interval,
            **kwargs,
        )


class AwaitMessageTrigger(BaseEventTrigger):
    """The Kafka provider's ``AwaitMessageTrigger``: records of ``topics`` (that
    ``apply_function`` accepts, when given)."""

    def __init__(
        self,
        topics: Sequence[str],
        apply_function: str | None = None,
        kafka_config_id: str = DEFAULT_KAFKA_CONFIG_ID,
        apply_function_args: Sequence[Any] | None = None,
        apply_function_kwargs: dict[Any, Any] | None = None,
        poll_timeout: float = 1,
        poll_interval: float = 5,
        commit_offset: bool = True,
        **kwargs: Any,
    ) -> None:
        self.topics = list(topics) if not isinstance(topics, str) else [topics]
        self.apply_function = apply_function
        self.apply_function_args = list(apply_function_args or ())
        self.apply_function_kwargs = dict(apply_function_kwargs or {})
        self.kafka_config_id = kafka_config_id
        self.poll_timeout = poll_timeout
        self.poll_interval = poll_interval
        self.commit_offset = commit_offset
        self.kwargs = kwargs


__all__ = [
    "AwaitMessageTrigger",
    "BaseEventTrigger",
    "BaseTrigger",
    "KafkaMessageQueueTrigger",
    "MessageQueueTrigger",
]

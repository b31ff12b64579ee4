"""Kafka hooks: confluent-kafka clients made from a ``kafka`` connection.

``get_conn`` is a cached property, not a method, exactly as in the provider: each hook makes
its client once. ``KafkaConsumerHook.get_consumer()`` subscribes it to the hook's topics.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from airstream.operators.db_hooks import BaseHook
from airstream.providers.kafka.connection import (
    CONN_TYPE,
    DEFAULT_CONN_ID,
    client_config,
    kafka_connection,
)
from airstream.workflows.connections import Connection
from airstream.workflows.exceptions import AirflowException

__all__ = [
    "KafkaAdminClientHook",
    "KafkaAuthenticationError",
    "KafkaBaseHook",
    "KafkaConsumerHook",
    "KafkaProducerHook",
    "error_callback",
]

_LOG = logging.getLogger("airstream.providers.kafka")
_LIBRDKAFKA_LOG = logging.getLogger("airstream.providers.kafka.librdkafka")


class KafkaAuthenticationError(Exception):
    """The broker refused the consumer's credentials."""


def error_callback(err: KafkaError) -> None:
    """A consumer's default ``error_cb``: authentication failures raise, the rest is logged."""
    if err.code() == KafkaError._AUTHENTICATION:
        raise KafkaAuthenticationError(f"Authentication failed: {err}")
    _LOG.warning("Kafka client error: %s", err)


class KafkaBaseHook(BaseHook):
    """A client of the Kafka cluster that connection ``kafka_config_id`` describes."""

    conn_name_attr = "kafka_config_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "Apache Kafka"

    def __init__(self, kafka_config_id: str = DEFAULT_CONN_ID, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.kafka_config_id = kafka_config_id
        self.log = _LOG

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        return kafka_connection(conn_id)

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """How a console form shows this connection type: only the config dict matters."""
        return {
            "hidden_fields": ["schema", "login", "password", "port", "host"],
            "relabeling": {"extra": "Config Dict"},
            "placeholders": {
                "extra": '{"bootstrap.servers": "localhost:9092", "group.id": "my-group"}',
            },
        }

    def _get_client(self, config: dict[str, Any]) -> Any:
        return AdminClient(config)

    def _build_config(self) -> dict[str, Any]:
        config = client_config(self.get_connection(self.kafka_config_id))
        # librdkafka writes its warnings to stderr unless given a Python logger.
        config.setdefault("logger", _LIBRDKAFKA_LOG)
        return config

    @cached_property
    def get_conn(self) -> Any:
        """The client (made on first access, then reused)."""
        return self._get_client(self._build_config())

    def test_connection(self) -> tuple[bool, str]:
        """Whether the cluster answers a metadata request, and why not."""
        try:
            AdminClient(self._build_config()).list_topics(timeout=10)
        except Exception as exc:
            return False, str(exc)
        return True, "Connection successful."


class KafkaAdminClientHook(KafkaBaseHook):
    """Creates and deletes topics."""

    def __init__(self, kafka_config_id: str = DEFAULT_CONN_ID) -> None:
        super().__init__(kafka_config_id=kafka_config_id)

    def create_topic(self, topics: Sequence[Sequence[Any]]) -> None:
        """Create ``[(name, partitions, replication_factor), ...]``; existing ones are kept."""
        new_topics = [NewTopic(t[0], num_partitions=t[1], replication_factor=t[2]) for t in topics]
        for name, future in self.get_conn.create_topics(new_topics).items():
            try:
                future.result()
                self.log.info("The topic %s has been created.", name)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
                self.log.warning("The topic %s already exists.", name)

    def delete_topic(self, topics: Sequence[str]) -> None:
        """Delete the named topics."""
        for name, future in self.get_conn.delete_topics(list(topics)).items():
            future.result()
            self.log.info("The topic %s has been deleted.", name)


class KafkaConsumerHook(KafkaBaseHook):
    """Makes a consumer subscribed to ``topics`` (names or ``^regex`` patterns).

    The consumer group comes from the connection's ``group.id``; a connection without one
    is an error here, before librdkafka's less specific one.
    """

    def __init__(self, topics: str | Sequence[str], kafka_config_id: str = DEFAULT_CONN_ID) -> None:
        super().__init__(kafka_config_id=kafka_config_id)
        self.topics = topics

    def _get_client(self, config: dict[str, Any]) -> Consumer:
        if not config.get("group.id"):
            raise AirflowException(
                f"Kafka connection {self.kafka_config_id!r} has no 'group.id' in its config: "
                'a consumer needs one (add "group.id" to the connection\'s extra).'
            )
        if config.get("error_cb") is None:
            config["error_cb"] = error_callback
        return Consumer(config)

    def get_consumer(self) -> Consumer:
        """The consumer, subscribed to the hook's topics."""
        consumer: Consumer = self.get_conn
        topics = [self.topics] if isinstance(self.topics, str) else list(self.topics)
        consumer.subscribe(topics)
        return consumer


class KafkaProducerHook(KafkaBaseHook):
    """Makes a producer."""

    def __init__(self, kafka_config_id: str = DEFAULT_CONN_ID) -> None:
        super().__init__(kafka_config_id=kafka_config_id)

    def _get_client(self, config: dict[str, Any]) -> Producer:
        return Producer(config)

    def get_producer(self) -> Producer:
        """The producer."""
        producer: Producer = self.get_conn
        return producer

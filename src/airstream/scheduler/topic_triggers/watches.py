"""What a topic-triggered DAG watches: broker, topic, batching, and for the Airflow form,
the asset whose events the batches become.

Two spellings lead here: ``schedule=Topic("orders", ...)`` (native) and an Airflow
``Asset`` whose ``AssetWatcher`` holds a Kafka message-queue trigger, with the DAG scheduled
on that asset. The broker is resolved once, here: a ``kafka://host:port/topic`` queue URI or
``bootstrap_servers=`` name it directly; otherwise the ``kafka_config_id`` connection does
(``kafka_default``: the built-in broker).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airstream.store import MetadataStore
from airstream.workflows.assets import Asset, iter_assets
from airstream.workflows.message_queue import (
    AwaitMessageTrigger,
    BaseEventTrigger,
    MessageQueueTrigger,
)
from airstream.workflows.topic import (
    DEFAULT_KAFKA_CONFIG_ID,
    DEFAULT_MAX_RECORDS,
    DEFAULT_MAX_WAIT,
    StartFrom,
    Topic,
    as_timedelta,
    check_batching,
)

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

log = logging.getLogger(__name__)


class WatchError(ValueError):
    """A watcher that cannot be served (unknown scheme, no topic, bad batching...)."""


@dataclass(frozen=True)
class TopicWatch:
    """One DAG watching one topic."""

    dag: DAG = field(compare=False)
    topic: str
    #: librdkafka settings of the broker (``bootstrap.servers`` and security settings).
    client_config: dict[str, Any] = field(compare=False)
    max_records: int = DEFAULT_MAX_RECORDS
    max_wait: timedelta = DEFAULT_MAX_WAIT
    start_from: StartFrom = "latest"
    #: The asset each batch updates (Airflow form); ``None`` for ``schedule=Topic(...)``.
    asset: Asset | None = None
    #: Keeps only records for which it returns something truthy (``apply_function``).
    accept: Callable[[Any], Any] | None = field(default=None, compare=False)

    @property
    def dag_id(self) -> str:
        return self.dag.dag_id

    @property
    def bootstrap_servers(self) -> str:
        return str(self.client_config["bootstrap.servers"])


@dataclass(frozen=True)
class _Source:
    """A trigger's arguments, before the broker is resolved."""

    topics: list[str]
    servers: str | None = None
    kafka_config_id: str = DEFAULT_KAFKA_CONFIG_ID
    options: dict[str, Any] = field(default_factory=dict)


def watches_of(dag: DAG, store: MetadataStore) -> list[TopicWatch]:
    """The topics ``dag`` is scheduled on; raises :class:`WatchError` for a bad watcher."""
    schedule = getattr(dag, "schedule", None)
    if isinstance(schedule, Topic):
        source = _Source([schedule.name], schedule.bootstrap_servers, schedule.kafka_config_id)
        config = broker_config(source, store)
        return [
            TopicWatch(
                dag,
                schedule.name,
                config,
                schedule.max_records,
                schedule.max_wait,
                schedule.start_from,
            )
        ]
    return [w for asset in watched_assets(dag) for w in _asset_watches(dag, asset, store)]


def watched_assets(dag: DAG) -> list[Asset]:
    """Assets in the DAG's schedule that have watchers."""
    assets = getattr(dag.timetable, "assets", None)
    if assets is None:
        return []
    return [a for a in iter_assets(assets) if a.watchers]


def _asset_watches(dag: DAG, asset: Asset, store: MetadataStore) -> Iterator[TopicWatch]:
    for watcher in asset.watchers:
        source = trigger_source(getattr(watcher, "trigger", None))
        config = broker_config(source, store)
        options = source.options
        max_records = options.get("max_records", DEFAULT_MAX_RECORDS)
        max_wait = options.get("max_wait", DEFAULT_MAX_WAIT)
        start_from = options.get("start_from", "latest")
        check_batching(max_records, max_wait)
        if start_from not in ("latest", "earliest"):
            raise WatchError(f"start_from must be 'latest' or 'earliest', not {start_from!r}")
        accept = _apply_function(options)
        for topic in source.topics:
            yield TopicWatch(
                dag,
                topic,
                config,
                max_records,
                as_timedelta(max_wait),
                start_from,
                asset,
                accept,
            )


def trigger_source(trigger: BaseEventTrigger | None) -> _Source:
    """The topics, broker and options a Kafka message-queue trigger names."""
    if isinstance(trigger, MessageQueueTrigger):
        options = dict(trigger.kwargs)
        if trigger.queue_uri is not None:
            return _queue_uri_source(trigger.queue_uri, options)
        if trigger.scheme != "kafka":
            raise WatchError(f"scheme {trigger.scheme!r} is not served (only 'kafka')")
        return _Source(
            _topic_list(options.pop("topics", None)),
            options.pop("bootstrap_servers", None),
            options.pop("kafka_config_id", DEFAULT_KAFKA_CONFIG_ID),
            options,
        )
    if isinstance(trigger, AwaitMessageTrigger):
        options = {
            **trigger.kwargs,
            "apply_function": trigger.apply_function,
            "apply_function_args": trigger.apply_function_args,
            "apply_function_kwargs": trigger.apply_function_kwargs,
        }
        servers = options.pop("bootstrap_servers", None)
        return _Source(_topic_list(trigger.topics), servers, trigger.kafka_config_id, options)
    raise WatchError(f"trigger {type(trigger).__name__} is not a Kafka message-queue trigger")


def _queue_uri_source(uri: str, options: dict[str, Any]) -> _Source:
    parts = urlsplit(uri)
    if parts.scheme != "kafka":
        raise WatchError(f"queue {uri!r}: only kafka:// queues are served")
    topics = [t for t in parts.path.strip("/").split(",") if t]
    if not topics:
        raise WatchError(f"queue {uri!r} names no topic (kafka://host:port/topic)")
    config_id = options.pop("kafka_config_id", DEFAULT_KAFKA_CONFIG_ID)
    return _Source(topics, parts.netloc or None, config_id, options)


def _topic_list(topics: Any) -> list[str]:
    names = [topics] if isinstance(topics, str) else list(topics or [])
    if not names or not all(isinstance(t, str) and t for t in names):
        raise WatchError(f"topics must be a non-empty list of topic names, not {topics!r}")
    return names


def _apply_function(options: dict[str, Any]) -> Callable[[Any], Any] | None:
    path = options.get("apply_function")
    if not path:
        return None
    from functools import partial

    from airstream.providers.kafka.callables import import_string

    function = import_string(path) if isinstance(path, str) else path
    args = options.get("apply_function_args") or []
    kwargs = options.get("apply_function_kwargs") or {}
    return partial(function, *args, **kwargs)


def broker_config(source: _Source, store: MetadataStore) -> dict[str, Any]:
    """librdkafka settings for the source's broker: its servers, else its connection."""
    if source.servers:
        return {"bootstrap.servers": source.servers}
    from airstream.providers.kafka.connection import (
        DEFAULT_CONN_ID,
        client_config,
        default_connection,
    )
    from airstream.workflows.connections import connection_from_env
    from airstream.workflows.metadata_execution_store import MetadataExecutionStore

    conn_id = source.kafka_config_id
    connection = connection_from_env(conn_id) or MetadataExecutionStore(store).get_connection(
        conn_id
    )
    if connection is None and conn_id == DEFAULT_CONN_ID:
        connection = default_connection()
    if connection is None:
        raise WatchError(f"Kafka connection {conn_id!r} is not defined")
    config = client_config(connection)
    # Consumer settings of the connection are ours to choose (group, commits, offsets).
    for key in ("group.id", "enable.auto.commit", "auto.offset.reset"):
        config.pop(key, None)
    return config

"""Topic administration as kafka-topics.sh does it: create, list, describe, alter, delete.

Each function opens one admin client, checks the broker is reachable (a Metadata request
for all topics, which never auto-creates one), performs its requests and returns plain
dataclasses. Errors arrive as :class:`~airstream.client.errors.ClientError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

# confluent_kafka.admin re-exports these without __all__, which mypy --strict refuses.
from confluent_kafka.admin._config import (
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
)
from confluent_kafka.admin._metadata import ClusterMetadata
from confluent_kafka.admin._resource import ResourceType
from confluent_kafka.cimpl import NewPartitions, NewTopic

from airstream.client.connection import Connection, connect_admin, wait
from airstream.client.errors import ClientError

#: CreateTopics' "use the broker's default" for partitions and replication factor.
BROKER_DEFAULT = -1

#: Codes meaning the broker does not implement DescribeConfigs at all (Tansu, for one).
_UNSUPPORTED_CODES = frozenset({KafkaError.UNSUPPORTED_VERSION, KafkaError._UNSUPPORTED_FEATURE})


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create; ``None`` leaves the count to the broker's default."""

    name: str
    partitions: int | None = None
    replication_factor: int | None = None
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicChange:
    """What ``topics alter`` changes: the partition count and topic config overrides."""

    name: str
    partitions: int | None = None
    set_configs: Mapping[str, str] = field(default_factory=dict)
    delete_configs: Sequence[str] = ()

    @property
    def changes_configs(self) -> bool:
        return bool(self.set_configs or self.delete_configs)


@dataclass(frozen=True)
class TopicSummary:
    """One line of ``topics list``."""

    name: str
    partitions: int


@dataclass(frozen=True)
class PartitionDescription:
    """One partition of a described topic; ``leader`` is ``None`` while it has none."""

    partition: int
    leader: int | None
    replicas: list[int]
    isr: list[int]
    error: str | None = None


@dataclass(frozen=True)
class TopicDescription:
    """``topics describe`` for one topic: its partitions and its non-default configs.

    ``configs`` is ``None`` when the broker cannot describe configs.
    """

    name: str
    partitions: list[PartitionDescription]
    configs: dict[str, str] | None

    @property
    def replication_factor(self) -> int:
        return max((len(p.replicas) for p in self.partitions), default=0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["replication_factor"] = self.replication_factor
        return data


def create_topic(connection: Connection, spec: TopicSpec, if_not_exists: bool = False) -> bool:
    """Create ``spec``; returns ``False`` if it already existed and ``if_not_exists`` is set."""
    admin, metadata = connect_admin(connection)
    if if_not_exists and spec.name in metadata.topics:
        return False
    new_topic = NewTopic(
        spec.name,
        num_partitions=_or_default(spec.partitions),
        replication_factor=_or_default(spec.replication_factor),
        config=dict(spec.configs),
    )
    futures = admin.create_topics(
        [new_topic], request_timeout=connection.timeout_s, operation_timeout=connection.timeout_s
    )
    try:
        wait(futures[spec.name], connection, f"topic {spec.name!r}")
    except ClientError as exc:
        if if_not_exists and exc.code == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise
    return True


def list_topics(connection: Connection) -> list[TopicSummary]:
    """Every topic with its partition count, sorted by name."""
    _, metadata = connect_admin(connection)
    return [
        TopicSummary(name, len(topic.partitions)) for name, topic in sorted(metadata.topics.items())
    ]


def describe_topics(connection: Connection, names: Sequence[str] = ()) -> list[TopicDescription]:
    """The named topics (all of them if none is named), with partitions and config overrides."""
    admin, metadata = connect_admin(connection)
    names = list(names) or sorted(metadata.topics)
    _require_topics(metadata, names)
    configs = _topic_overrides(admin, connection, names)
    return [
        TopicDescription(name, _partitions(metadata, name), configs.get(name) if configs else None)
        for name in names
    ]


def alter_topic(connection: Connection, change: TopicChange) -> None:
    """Raise the partition count (CreatePartitions) and/or change configs incrementally."""
    if change.partitions is None and not change.changes_configs:
        raise ClientError("nothing to alter: give --partitions, --config or --delete-config")
    admin, metadata = connect_admin(connection)
    _require_topics(metadata, [change.name])
    subject = f"topic {change.name!r}"
    if change.changes_configs:
        entries = [
            ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
            for key, value in change.set_configs.items()
        ] + [
            ConfigEntry(key, None, incremental_operation=AlterConfigOpType.DELETE)
            for key in change.delete_configs
        ]
        resource = ConfigResource(ResourceType.TOPIC, change.name, incremental_configs=entries)
        altered = admin.incremental_alter_configs([resource], request_timeout=connection.timeout_s)
        for future in altered.values():
            wait(future, connection, subject)
    if change.partitions is not None:
        new = NewPartitions(change.name, change.partitions)
        futures = admin.create_partitions(
            [new], request_timeout=connection.timeout_s, operation_timeout=connection.timeout_s
        )
        wait(futures[change.name], connection, subject)


def delete_topics(
    connection: Connection, names: Sequence[str], if_exists: bool = False
) -> list[str]:
    """Delete the named topics; returns those deleted (missing ones skipped if ``if_exists``)."""
    admin, metadata = connect_admin(connection)
    if if_exists:
        names = [name for name in names if name in metadata.topics]
    else:
        _require_topics(metadata, names)
    if not names:
        return []
    futures = admin.delete_topics(
        list(names), request_timeout=connection.timeout_s, operation_timeout=connection.timeout_s
    )
    for name in names:
        wait(futures[name], connection, f"topic {name!r}")
    return list(names)


def _or_default(count: int | None) -> int:
    return BROKER_DEFAULT if count is None else count


def _require_topics(metadata: ClusterMetadata, names: Iterable[str]) -> None:
    missing = [name for name in names if name not in metadata.topics]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        raise ClientError(f"unknown topic{'s' if len(missing) > 1 else ''}: {listed}")


def _partitions(metadata: ClusterMetadata, name: str) -> list[PartitionDescription]:
    partitions = metadata.topics[name].partitions
    return [
        PartitionDescription(
            partition=p.id,
            leader=p.leader if p.leader >= 0 else None,
            replicas=list(p.replicas),
            isr=list(p.isrs),
            error=p.error.str() if p.error is not None else None,
        )
        for p in sorted(partitions.values(), key=lambda p: p.id)
    ]


def _topic_overrides(
    admin: AdminClient, connection: Connection, names: Sequence[str]
) -> dict[str, dict[str, str]] | None:
    """Each topic's configs set on the topic itself, or ``None`` if DescribeConfigs is missing."""
    if not names:
        return {}
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in names]
    futures = admin.describe_configs(resources, request_timeout=connection.timeout_s)
    overrides: dict[str, dict[str, str]] = {}
    for resource, future in futures.items():
        try:
            entries = wait(future, connection, f"topic {resource.name!r}")
        except ClientError as exc:
            if exc.code in _UNSUPPORTED_CODES:
                return None
            raise
        overrides[resource.name] = {
            name: entry.value or ""
            for name, entry in sorted(entries.items())
            if _is_topic_override(entry)
        }
    return overrides


def _is_topic_override(entry: ConfigEntry) -> bool:
    source = getattr(entry.source, "value", entry.source)
    if source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value:
        return True
    # DescribeConfigs v0 carries no source, only the is-default flag.
    return source == ConfigSource.UNKNOWN_CONFIG.value and not entry.is_default

"""Topics: names, ids, partition logs and configs, kept in ``DATA/broker/topics.json``.

The registry file is replaced atomically on every create/delete/alter, and a topic's partition
directories are created before the registry names them, so after a crash the registry never
points at a missing log. Directories the registry does not name (a crash between the two
steps, or a delete) are removed on start. Called from the event loop's thread only.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kio.schema.errors import ErrorCode

from airstream.broker.durable_file import read_json, write_json
from airstream.broker.errors import BrokerError
from airstream.broker.log.config import LogConfig
from airstream.broker.log.partition_log import PartitionLog

MAX_TOPIC_NAME_LENGTH = 249
_LEGAL_NAME = re.compile(r"[a-zA-Z0-9._-]+")


def validate_topic_name(name: str | None) -> None:
    """Kafka's rules: 1–249 of ``[a-zA-Z0-9._-]``, and not ``.`` or ``..``."""
    if not name:
        raise BrokerError(
            ErrorCode.invalid_topic_exception, "Topic name is illegal, it can't be empty"
        )
    if name in (".", ".."):
        raise BrokerError(ErrorCode.invalid_topic_exception, 'Topic name cannot be "." or ".."')
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        raise BrokerError(
            ErrorCode.invalid_topic_exception,
            f"Topic name is illegal, it can't be longer than {MAX_TOPIC_NAME_LENGTH} characters",
        )
    if not _LEGAL_NAME.fullmatch(name):
        raise BrokerError(
            ErrorCode.invalid_topic_exception,
            f'Topic name "{name}" is illegal, it contains a character other than ASCII '
            "alphanumerics, '.', '_' and '-'",
        )


@dataclass
class Topic:
    """One topic and the logs of its partitions (index = partition number)."""

    name: str
    topic_id: uuid.UUID
    config: LogConfig
    partitions: list[PartitionLog] = field(default_factory=list)


class TopicManager:
    """Creates, finds, alters and deletes topics under ``DATA/log`` and ``DATA/broker``."""

    def __init__(self, data_dir: Path, *, now_ms: int) -> None:
        self._log_dir = data_dir / "log"
        self._registry_path = data_dir / "broker" / "topics.json"
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._registry_path.parent.mkdir(parents=True, exist_ok=True)
        self._topics: dict[str, Topic] = {}
        self._by_id: dict[uuid.UUID, Topic] = {}
        self._load(now_ms)

    # -- lookups ------------------------------------------------------------------------------

    def get(self, name: str) -> Topic | None:
        return self._topics.get(name)

    def get_by_id(self, topic_id: uuid.UUID) -> Topic | None:
        return self._by_id.get(topic_id)

    def __iter__(self) -> Iterator[Topic]:
        return iter(list(self._topics.values()))

    def __len__(self) -> int:
        return len(self._topics)

    def partition_log(self, name: str, partition: int) -> PartitionLog | None:
        topic = self._topics.get(name)
        if topic is None or not 0 <= partition < len(topic.partitions):
            return None
        return topic.partitions[partition]

    # -- changes ------------------------------------------------------------------------------

    def create(
        self,
        name: str,
        num_partitions: int,
        configs: Mapping[str, str] | None = None,
        *,
        now_ms: int,
        validate_only: bool = False,
    ) -> Topic:
        validate_topic_name(name)
        if name in self._topics:
            raise BrokerError(ErrorCode.topic_already_exists, f"Topic '{name}' already exists.")
        if num_partitions <= 0:
            raise BrokerError(
                ErrorCode.invalid_partitions, "Number of partitions must be larger than 0."
            )
        config = LogConfig.from_overrides(dict(configs or {}))
        topic = Topic(name, uuid.uuid4(), config)
        if validate_only:
            return topic
        for partition in range(num_partitions):
            topic.partitions.append(self._open_partition(topic, partition, now_ms))
        self._topics[name] = topic
        self._by_id[topic.topic_id] = topic
        self._save()
        return topic

    def add_partitions(
        self, name: str, total: int, *, now_ms: int, validate_only: bool = False
    ) -> None:
        topic = self._require(name)
        current = len(topic.partitions)
        if total <= current:
            raise BrokerError(
                ErrorCode.invalid_partitions,
                f"Topic currently has {current} partitions, which is higher than the requested "
                f"{total}."
                if total < current
                else f"Topic already has {current} partitions.",
            )
        if validate_only:
            return
        for partition in range(current, total):
            topic.partitions.append(self._open_partition(topic, partition, now_ms))
        self._save()

    def alter_config(self, name: str, config: LogConfig) -> None:
        topic = self._require(name)
        topic.config = config
        for log in topic.partitions:
            log.update_config(config)
        self._save()

    def delete(self, name: str) -> Topic:
        topic = self._require(name)
        del self._topics[name]
        self._by_id.pop(topic.topic_id, None)
        self._save()
        for log in topic.partitions:
            log.delete()
        return topic

    def close(self) -> None:
        for topic in self._topics.values():
            for log in topic.partitions:
                log.close()

    # -- internals ----------------------------------------------------------------------------

    def _require(self, name: str) -> Topic:
        topic = self._topics.get(name)
        if topic is None:
            raise BrokerError(
                ErrorCode.unknown_topic_or_partition,
                "This server does not host this topic-partition.",
            )
        return topic

    def _open_partition(self, topic: Topic, partition: int, now_ms: int) -> PartitionLog:
        directory = self._log_dir / f"{topic.name}-{partition}"
        return PartitionLog.open(directory, topic.config, now_ms=now_ms)

    def _load(self, now_ms: int) -> None:
        registry: dict[str, dict[str, object]] = read_json(self._registry_path, {})
        for name, entry in registry.items():
            config = LogConfig.from_overrides(dict(entry.get("configs", {})))  # type: ignore[call-overload]
            topic = Topic(name, uuid.UUID(str(entry["topic_id"])), config)
            for partition in range(int(entry["partitions"])):  # type: ignore[call-overload]
                topic.partitions.append(self._open_partition(topic, partition, now_ms))
            self._topics[name] = topic
            self._by_id[topic.topic_id] = topic
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        expected = {
            f"{topic.name}-{p}"
            for topic in self._topics.values()
            for p in range(len(topic.partitions))
        }
        for path in self._log_dir.iterdir():
            if path.is_dir() and path.name not in expected:
                shutil.rmtree(path, ignore_errors=True)

    def _save(self) -> None:
        write_json(
            self._registry_path,
            {
                topic.name: {
                    "topic_id": str(topic.topic_id),
                    "partitions": len(topic.partitions),
                    "configs": topic.config.overrides,
                }
                for topic in self._topics.values()
            },
        )

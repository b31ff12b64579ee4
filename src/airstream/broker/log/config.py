"""A topic's log configuration, with Kafka's config names, defaults and validation rules.

:class:`LogConfig` is immutable. Build it from the ``dict[str, str]`` a client sends
(CreateTopics, AlterConfigs) with :meth:`LogConfig.from_overrides`; every bad name or value is
refused with ``INVALID_CONFIG`` and a message naming the config, as Kafka words it.
:meth:`LogConfig.describe` answers DescribeConfigs, :attr:`LogConfig.overrides` is what to
persist, :meth:`LogConfig.with_changes` serves (Incremental)AlterConfigs.

Compaction is not implemented, so ``cleanup.policy`` other than ``delete`` is refused; the
broker never recompresses, so ``compression.type`` other than ``producer`` is refused too.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airstream.broker.errors import BrokerError, ErrorCode

__all__ = ["ConfigEntry", "ConfigSource", "ConfigType", "LogConfig"]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"[+-]?\d+")


class ConfigType(enum.IntEnum):
    """Kafka's DescribeConfigs ``config_type`` values."""

    STRING = 2
    INT = 3
    LONG = 5
    LIST = 7


class ConfigSource(enum.IntEnum):
    """Kafka's DescribeConfigs ``config_source`` values (the subset a topic config can have).

    ``source.name`` is the string form ("DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG").
    """

    DYNAMIC_TOPIC_CONFIG = 1
    DEFAULT_CONFIG = 5


@dataclasses.dataclass(frozen=True, slots=True)
class ConfigEntry:
    """One row of a DescribeConfigs answer."""

    name: str
    value: str
    is_default: bool
    source: ConfigSource
    config_type: ConfigType
    documentation: str
    read_only: bool = False
    sensitive: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class _Definition:
    name: str
    attribute: str
    kind: ConfigType
    default: int | str
    doc: str
    minimum: int | None = None
    choices: tuple[str, ...] = ()

    def parse(self, raw: str) -> int | str:
        text = raw.strip()
        if self.kind is ConfigType.STRING:
            return self._choose(raw, text)
        if self.kind is ConfigType.LIST:
            return self._parse_policy(raw, text)
        return self._parse_integer(raw, text)

    def _parse_integer(self, raw: str, text: str) -> int:
        bound = INT32_MAX if self.kind is ConfigType.INT else INT64_MAX
        if not _INTEGER.fullmatch(text) or not -bound - 1 <= int(text) <= bound:
            raise self._invalid(raw, f"Not a number of type {self.kind.name}")
        value = int(text)
        if self.minimum is not None and value < self.minimum:
            raise self._invalid(raw, f"Value must be at least {self.minimum}")
        return value

    def _choose(self, raw: str, text: str) -> str:
        if text not in self.choices:
            allowed = ", ".join(self.choices)
            raise self._invalid(raw, f"String must be one of: {allowed}")
        return text

    def _parse_policy(self, raw: str, text: str) -> str:
        policies = {item.strip() for item in text.split(",") if item.strip()}
        unknown = policies - {"delete", "compact"}
        if unknown or not policies:
            raise self._invalid(raw, "String must be one of: compact, delete")
        if "compact" in policies:
            raise BrokerError(
                ErrorCode.invalid_config,
                f"cleanup.policy={text}: log compaction is not supported yet; use 'delete'",
            )
        return "delete"

    def _invalid(self, raw: str, reason: str) -> BrokerError:
        return BrokerError(
            ErrorCode.invalid_config, f"Invalid value {raw} for configuration {self.name}: {reason}"
        )


_DEFINITIONS = (
    _Definition("cleanup.policy", "cleanup_policy", ConfigType.LIST, "delete",
                "Retention policy for old segments; only 'delete' is supported."),
    _Definition("compression.type", "compression_type", ConfigType.STRING, "producer",
                "Batches are stored as the producer compressed them.", choices=("producer",)),
    _Definition("file.delete.delay.ms", "file_delete_delay_ms", ConfigType.LONG, 60000,
                "Time to wait before deleting a file from the filesystem.", minimum=0),
    _Definition("flush.messages", "flush_messages", ConfigType.LONG, INT64_MAX,
                "Number of messages between forced fsyncs of the log.", minimum=1),
    _Definition("flush.ms", "flush_ms", ConfigType.LONG, INT64_MAX,
                "Maximum time between forced fsyncs of the log.", minimum=0),
    _Definition("index.interval.bytes", "index_interval_bytes", ConfigType.INT, 4096,
                "Log bytes between two offset index entries.", minimum=0),
    _Definition("max.message.bytes", "max_message_bytes", ConfigType.INT, 1048588,
                "Largest record batch size allowed.", minimum=0),
    _Definition("message.timestamp.type", "message_timestamp_type", ConfigType.STRING,
                "CreateTime", "Whether records keep the producer's timestamp or get the "
                "broker's append time.", choices=("CreateTime", "LogAppendTime")),
    _Definition("min.insync.replicas", "min_insync_replicas", ConfigType.INT, 1,
                "Minimum replicas that must acknowledge a write with acks=all.", minimum=1),
    _Definition("retention.bytes", "retention_bytes", ConfigType.LONG, -1,
                "Maximum size of a partition's log before old segments are deleted; -1 for "
                "no limit.", minimum=-1),
    _Definition("retention.ms", "retention_ms", ConfigType.LONG, 604800000,
                "Maximum age of a segment's newest record before the segment is deleted; -1 "
                "for no limit.", minimum=-1),
    _Definition("segment.bytes", "segment_bytes", ConfigType.INT, 1073741824,
                "Size of a log segment file.", minimum=14),
    _Definition("segment.index.bytes", "segment_index_bytes", ConfigType.INT, 10485760,
                "Maximum size of a segment's offset index.", minimum=4),
    _Definition("segment.ms", "segment_ms", ConfigType.LONG, 604800000,
                "Time after which a segment is rolled even if not full.", minimum=1),
)  # fmt: skip
_BY_NAME = {definition.name: definition for definition in _DEFINITIONS}


@dataclasses.dataclass(frozen=True)
class LogConfig:
    """One topic's log settings; ``LogConfig()`` is Kafka's defaults.

    Attributes mirror the Kafka names (``retention.ms`` -> ``retention_ms``). Build instances
    from client input with :meth:`from_overrides`, which validates; ``overrides`` holds the
    explicitly set names with their normalised values.
    """

    cleanup_policy: str = "delete"
    compression_type: str = "producer"
    file_delete_delay_ms: int = 60000
    flush_messages: int = INT64_MAX
    flush_ms: int = INT64_MAX
    index_interval_bytes: int = 4096
    max_message_bytes: int = 1048588
    message_timestamp_type: str = "CreateTime"
    min_insync_replicas: int = 1
    retention_bytes: int = -1
    retention_ms: int = 604800000
    segment_bytes: int = 1073741824
    segment_index_bytes: int = 10485760
    segment_ms: int = 604800000
    overrides: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, str | None] | None = None) -> LogConfig:
        """Validate Kafka-named settings; raises ``INVALID_CONFIG`` naming the culprit.

        A ``None`` value (CreateTopics allows null config values) is refused.
        """
        values: dict[str, Any] = {}
        normalised: dict[str, str] = {}
        for name, raw in sorted((overrides or {}).items()):
            definition = _definition(name)
            if raw is None:
                raise definition._invalid("null", "a topic config needs a value")
            value = definition.parse(str(raw))
            values[definition.attribute] = value
            normalised[name] = str(value)
        return cls(**values, overrides=normalised)

    @property
    def log_append_time(self) -> bool:
        """Whether the broker stamps batches with its own time (LogAppendTime)."""
        return self.message_timestamp_type == "LogAppendTime"

    def describe(self) -> Iterator[ConfigEntry]:
        """Every topic config, in name order, as DescribeConfigs reports it."""
        for definition in _DEFINITIONS:
            overridden = definition.name in self.overrides
            yield ConfigEntry(
                name=definition.name,
                value=str(getattr(self, definition.attribute)),
                is_default=not overridden,
                source=(
                    ConfigSource.DYNAMIC_TOPIC_CONFIG if overridden else ConfigSource.DEFAULT_CONFIG
                ),
                config_type=definition.kind,
                documentation=definition.doc,
            )

    def with_changes(
        self, set: Mapping[str, str] | None = None, delete: Iterable[str] = ()
    ) -> LogConfig:
        """A new config with ``set`` applied and ``delete`` names reverted to their defaults."""
        merged: dict[str, str | None] = dict(self.overrides)
        for name in delete:
            _definition(name)
            merged.pop(name, None)
        merged.update(set or {})
        return LogConfig.from_overrides(merged)

    @staticmethod
    def names() -> tuple[str, ...]:
        """All topic config names this broker knows."""
        return tuple(_BY_NAME)


def _definition(name: str) -> _Definition:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise BrokerError(ErrorCode.invalid_config, f"Unknown topic config name: {name}") from None

"""Topic configs: Kafka's names, defaults, validation messages, describe and alter."""

from __future__ import annotations

import pytest

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log import ConfigSource, LogConfig


def refused(overrides: dict[str, str]) -> str:
    with pytest.raises(BrokerError) as caught:
        LogConfig.from_overrides(overrides)
    assert caught.value.code is ErrorCode.invalid_config
    return caught.value.message


def test_defaults_are_kafkas() -> None:
    config = LogConfig.from_overrides({})
    assert config == LogConfig()
    assert config.retention_ms == 604_800_000
    assert config.retention_bytes == -1
    assert config.segment_bytes == 1_073_741_824
    assert config.segment_ms == 604_800_000
    assert config.max_message_bytes == 1_048_588
    assert config.cleanup_policy == "delete"
    assert config.message_timestamp_type == "CreateTime"
    assert config.index_interval_bytes == 4096
    assert config.segment_index_bytes == 10_485_760
    assert config.min_insync_replicas == 1
    assert config.compression_type == "producer"
    assert config.file_delete_delay_ms == 60_000
    assert config.flush_messages == config.flush_ms == 2**63 - 1
    assert not config.log_append_time
    assert config.overrides == {}


def test_overrides_are_parsed_and_normalised() -> None:
    config = LogConfig.from_overrides(
        {"retention.ms": " 1000 ", "segment.bytes": "4096", "cleanup.policy": "delete",
         "message.timestamp.type": "LogAppendTime", "retention.bytes": "-1"}
    )  # fmt: skip
    assert config.retention_ms == 1000
    assert config.segment_bytes == 4096
    assert config.log_append_time
    assert config.overrides == {
        "retention.ms": "1000",
        "segment.bytes": "4096",
        "cleanup.policy": "delete",
        "message.timestamp.type": "LogAppendTime",
        "retention.bytes": "-1",
    }


def test_bad_values_are_refused_with_a_precise_message() -> None:
    assert refused({"retention.ms": "soon"}) == (
        "Invalid value soon for configuration retention.ms: Not a number of type LONG"
    )
    assert refused({"segment.bytes": "-5"}) == (
        "Invalid value -5 for configuration segment.bytes: Value must be at least 14"
    )
    assert "INT" in refused({"segment.bytes": str(2**31)})
    assert "at least -1" in refused({"retention.bytes": "-2"})
    assert "at least 1" in refused({"segment.ms": "0"})
    assert "CreateTime, LogAppendTime" in refused({"message.timestamp.type": "Now"})
    assert refused({"retention.minutes": "5"}) == "Unknown topic config name: retention.minutes"


@pytest.mark.parametrize("policy", ["compact", "compact,delete", "delete, compact"])
def test_compaction_is_refused_as_not_supported(policy: str) -> None:
    assert "compaction is not supported" in refused({"cleanup.policy": policy})


def test_recompression_is_refused() -> None:
    assert "producer" in refused({"compression.type": "gzip"})
    assert LogConfig.from_overrides({"compression.type": "producer"}).compression_type == "producer"


def test_describe_lists_every_config_with_source() -> None:
    config = LogConfig.from_overrides({"retention.ms": "1000"})
    entries = {entry.name: entry for entry in config.describe()}
    assert set(entries) == set(LogConfig.names())
    assert len(entries) == 14
    retention = entries["retention.ms"]
    assert (retention.value, retention.is_default, retention.source) == (
        "1000",
        False,
        ConfigSource.DYNAMIC_TOPIC_CONFIG,
    )
    segment = entries["segment.bytes"]
    assert (segment.value, segment.is_default, segment.source.name) == (
        "1073741824",
        True,
        "DEFAULT_CONFIG",
    )
    assert not any(entry.read_only or entry.sensitive for entry in entries.values())


def test_with_changes_sets_and_deletes_without_touching_the_original() -> None:
    original = LogConfig.from_overrides({"retention.ms": "1000", "segment.ms": "50"})
    changed = original.with_changes(set={"retention.bytes": "2048"}, delete=["segment.ms"])
    assert changed.overrides == {"retention.ms": "1000", "retention.bytes": "2048"}
    assert changed.segment_ms == 604_800_000
    assert original.segment_ms == 50
    with pytest.raises(BrokerError) as caught:
        original.with_changes(delete=["no.such.config"])
    assert caught.value.code is ErrorCode.invalid_config
    with pytest.raises(BrokerError):
        original.with_changes(set={"cleanup.policy": "compact"})

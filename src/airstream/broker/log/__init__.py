"""The broker's on-disk log: Kafka's storage layer (segments, indexes, retention, recovery).

Entry points: :class:`PartitionLog` (one partition's log), :class:`LogConfig` (a topic's
settings) and :class:`GroupCommitFlusher` (shared fsyncs for acks=-1 produces).
"""

from airstream.broker.log.config import ConfigEntry, ConfigSource, ConfigType, LogConfig
from airstream.broker.log.flusher import GroupCommitFlusher
from airstream.broker.log.partition_log import AppendInfo, PartitionLog, ReadInfo

__all__ = [
    "AppendInfo",
    "ConfigEntry",
    "ConfigSource",
    "ConfigType",
    "GroupCommitFlusher",
    "LogConfig",
    "PartitionLog",
    "ReadInfo",
]

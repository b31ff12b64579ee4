"""The broker's state: topics, groups, committed offsets, producer ids; and its lifecycle.

Everything here is owned by one asyncio event loop; request handlers reach it through
``RequestContext.broker``. Layout of the data directory::

    DATA/log/<topic>-<partition>/   segments and indexes (see airstream.broker.log)
    DATA/broker/meta.json           cluster id and node id, written once
    DATA/broker/topics.json         topic registry (see airstream.broker.topics)
    DATA/broker/offsets.db          committed offsets
    DATA/broker/producer-ids.json   producer ids and epochs
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from airstream.broker.durable_file import read_json, write_json
from airstream.broker.groups.coordinator import GroupCoordinator
from airstream.broker.groups.offset_store import OffsetStore
from airstream.broker.log.flusher import GroupCommitFlusher
from airstream.broker.producer_ids import ProducerIdManager
from airstream.broker.topics import TopicManager
from airstream.broker.watchers import PartitionWatchers
from airstream.config import BrokerSettings

log = logging.getLogger(__name__)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Broker:
    """One broker node: the single leader of every partition it hosts."""

    def __init__(
        self,
        settings: BrokerSettings,
        data_dir: Path,
        *,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.clock = clock
        self.node_id = settings.node_id
        self.advertised_host = settings.advertised_host or settings.host
        self.advertised_port = settings.port
        meta_dir = data_dir / "broker"
        meta_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_id = self._cluster_id(meta_dir / "meta.json")
        self.topics = TopicManager(data_dir, now_ms=clock())
        self.offsets = OffsetStore.open(meta_dir / "offsets.db")
        self.groups = GroupCoordinator(settings, self.offsets)
        self.producer_ids = ProducerIdManager(meta_dir / "producer-ids.json")
        self.flusher = GroupCommitFlusher()
        self.watchers = PartitionWatchers()
        self._retention_task: asyncio.Task[None] | None = None

    @property
    def durable_acks(self) -> bool:
        """Whether acks=-1 waits for fsync (the default) or only for the write."""
        return self.settings.durability == "fsync"

    def start(self) -> None:
        """Start background work; call inside the running event loop."""
        self.flusher.start()
        self.groups.start()
        self._retention_task = asyncio.create_task(self._retention_loop())

    async def stop(self) -> None:
        """Release waiting fetches, stop background work, flush and close every file."""
        self.watchers.close()
        if self._retention_task is not None:
            self._retention_task.cancel()
            await asyncio.gather(self._retention_task, return_exceptions=True)
        await self.groups.stop()
        await self.flusher.stop()
        for topic in self.topics:
            for partition_log in topic.partitions:
                partition_log.flush()
        self.topics.close()
        self.offsets.close()

    def enforce_retention(self) -> int:
        now = self.clock()
        deleted = 0
        for topic in self.topics:
            for partition_log in topic.partitions:
                deleted += partition_log.enforce_retention(now)
        return deleted

    async def _retention_loop(self) -> None:
        interval = self.settings.log_retention_check_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                deleted = self.enforce_retention()
            except Exception:  # keep serving; the next round retries
                log.exception("retention check failed")
            else:
                if deleted:
                    log.info("retention deleted %d segment(s)", deleted)

    @staticmethod
    def _cluster_id(path: Path) -> str:
        meta = read_json(path, None)
        if meta is None:
            # Kafka's cluster ids are 22-character URL-safe base64 UUIDs.
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            write_json(path, {"cluster_id": cluster_id, "version": 1})
            return cluster_id
        return str(meta["cluster_id"])

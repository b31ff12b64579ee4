"""Committed offsets: what each consumer group has consumed, durable across ``kill -9``.

File format: one SQLite database (``DATA/broker/offsets.db``) in WAL mode with
``synchronous=FULL``, so a transaction is on disk once ``COMMIT`` returns. One table::

    offsets(group_id, topic, partition, committed_offset, leader_epoch, metadata,
            commit_timestamp_ms)   primary key (group_id, topic, partition)

``PRAGMA user_version`` holds the schema version (:data:`SCHEMA_VERSION`).

Concurrency: every method is called from the event loop's thread. Writes go through a group
commit: the writes queued while one transaction is being written share the next transaction,
which runs in a single worker thread so the loop never waits for an fsync. Reads are served
from an in-memory copy that only reflects writes once they are durable.

Crash recovery: SQLite's own; an acknowledged commit is in the WAL, an unacknowledged one is
either wholly there or absent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

SCHEMA_VERSION = 1

#: ``(topic, partition)``
TopicPartition: TypeAlias = tuple[str, int]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    committed_offset INTEGER NOT NULL,
    leader_epoch INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    commit_timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID
"""


class OffsetStoreClosed(RuntimeError):
    """A write reached the store after :meth:`OffsetStore.close`."""


@dataclass(frozen=True, slots=True)
class CommittedOffset:
    """One partition's committed position for a group, as OffsetCommit carried it."""

    offset: int
    leader_epoch: int = -1
    metadata: str = ""
    commit_timestamp_ms: int = 0


@dataclass(frozen=True, slots=True)
class _Upsert:
    group_id: str
    offsets: Mapping[TopicPartition, CommittedOffset]


@dataclass(frozen=True, slots=True)
class _Delete:
    group_id: str
    #: None deletes every offset of the group.
    partitions: tuple[TopicPartition, ...] | None


_Write: TypeAlias = _Upsert | _Delete


class OffsetStore:
    """The committed offsets of every group; see the module docstring for format and threads."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        cache: dict[str, dict[TopicPartition, CommittedOffset]],
    ):
        self._db = connection
        self._db_lock = threading.Lock()
        self._cache = cache
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="offset-store")
        self._queue: list[tuple[_Write, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def open(cls, path: Path) -> OffsetStore:
        """Open (creating if needed) the database file at ``path`` and load every offset."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise RuntimeError(f"{path}: schema version {version} is newer than this airstream")
        db.execute(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        cache: dict[str, dict[TopicPartition, CommittedOffset]] = {}
        rows = db.execute(
            "SELECT group_id, topic, partition, committed_offset, leader_epoch, metadata, "
            "commit_timestamp_ms FROM offsets"
        )
        for group_id, topic, partition, offset, epoch, metadata, timestamp in rows:
            cache.setdefault(group_id, {})[(topic, partition)] = CommittedOffset(
                offset, epoch, metadata, timestamp
            )
        return cls(db, cache)

    def close(self) -> None:
        """Finish the transaction being written and close the file; later writes fail."""
        self._closed = True
        self._executor.shutdown(wait=True)
        with self._db_lock:
            self._db.close()

    # -- reads (from memory) ------------------------------------------------------------------

    def get(self, group_id: str, topic: str, partition: int) -> CommittedOffset | None:
        """The committed offset of one partition, or None if the group never committed it."""
        return self._cache.get(group_id, {}).get((topic, partition))

    def group_offsets(self, group_id: str) -> dict[TopicPartition, CommittedOffset]:
        """Every committed offset of ``group_id`` (a copy)."""
        return dict(self._cache.get(group_id, {}))

    def committed(self, group_id: str) -> dict[TopicPartition, int]:
        """``{(topic, partition): offset}`` for ``group_id``, for the console and CLI."""
        return {tp: c.offset for tp, c in self._cache.get(group_id, {}).items()}

    def group_ids(self) -> list[str]:
        """Groups that have at least one committed offset."""
        return [group_id for group_id, offsets in self._cache.items() if offsets]

    def has_offsets(self, group_id: str) -> bool:
        return bool(self._cache.get(group_id))

    # -- writes (durable when the awaitable returns) ------------------------------------------

    async def commit(
        self, group_id: str, offsets: Mapping[TopicPartition, CommittedOffset]
    ) -> None:
        """Store ``offsets`` for ``group_id``; returns once they are on disk."""
        if offsets:
            await self._submit(_Upsert(group_id, dict(offsets)))

    async def delete_group(self, group_id: str) -> None:
        """Forget every offset of ``group_id``."""
        await self._submit(_Delete(group_id, None))

    async def delete_offsets(self, group_id: str, partitions: Iterable[TopicPartition]) -> None:
        """Forget the offsets of ``partitions`` for ``group_id``."""
        await self._submit(_Delete(group_id, tuple(partitions)))

    def delete_topic(self, name: str) -> None:
        """Forget every group's offsets for topic ``name`` (the topic was deleted)."""
        with self._db_lock:
            self._db.execute("DELETE FROM offsets WHERE topic = ?", (name,))
        for offsets in self._cache.values():
            for tp in [tp for tp in offsets if tp[0] == name]:
                del offsets[tp]

    async def _submit(self, write: _Write) -> None:
        if self._closed:
            raise OffsetStoreClosed("the offset store is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        # Shielded: a cancelled request must not cancel the shared transaction's future.
        await asyncio.shield(future)

    async def _write_queued(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            batch, self._queue = self._queue, []
            writes = [write for write, _ in batch]
            try:
                if self._closed:
                    raise OffsetStoreClosed("the offset store was closed before this write")
                await loop.run_in_executor(self._executor, self._write, writes)
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for write in writes:
                self._apply(write)
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    def _write(self, writes: list[_Write]) -> None:
        """One transaction for the whole batch (runs in the worker thread)."""
        with self._db_lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for write in writes:
                    if isinstance(write, _Upsert):
                        db.executemany(
                            "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [
                                (
                                    write.group_id,
                                    tp[0],
                                    tp[1],
                                    c.offset,
                                    c.leader_epoch,
                                    c.metadata,
                                    c.commit_timestamp_ms,
                                )
                                for tp, c in write.offsets.items()
                            ],
                        )
                    elif write.partitions is None:
                        db.execute("DELETE FROM offsets WHERE group_id = ?", (write.group_id,))
                    else:
                        db.executemany(
                            "DELETE FROM offsets"
                            " WHERE group_id = ? AND topic = ? AND partition = ?",
                            [(write.group_id, t, p) for t, p in write.partitions],
                        )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _apply(self, write: _Write) -> None:
        if isinstance(write, _Upsert):
            self._cache.setdefault(write.group_id, {}).update(write.offsets)
        elif write.partitions is None:
            self._cache.pop(write.group_id, None)
        else:
            offsets = self._cache.get(write.group_id, {})
            for tp in write.partitions:
                offsets.pop(tp, None)
            if not offsets:
                self._cache.pop(write.group_id, None)

"""Idempotent-producer state of one partition, with Kafka's (3.x/4.x) rules.

Per producer id the partition remembers the epoch and the last five batches (first/last
sequence, first/last offset, timestamp). For a produced batch with ``producerId >= 0``:

- same epoch and the exact sequence range of a remembered batch: a retry. The append writes
  nothing and answers the original offsets (``duplicate=True``), as Kafka does.
- epoch older than the remembered one: ``INVALID_PRODUCER_EPOCH`` (47). Kafka answered
  ``PRODUCER_FENCED`` (90) before 2.7; since KIP-588 a produce gets 47, which the Java client,
  librdkafka and kafka-python all treat as "bump the epoch / abort", not as fatal.
- newer epoch: the sequence must restart at 0, else ``OUT_OF_ORDER_SEQUENCE_NUMBER`` (45).
- same epoch: the first sequence must follow the last one (wrapping at 2**31 - 1), else 45.
- unknown producer id: any sequence is accepted. Since Kafka 2.5 (KIP-360) the broker no longer
  answers ``UNKNOWN_PRODUCER_ID`` (59) to Produce; a producer whose state was removed by
  retention or DeleteRecords simply continues.

``DUPLICATE_SEQUENCE_NUMBER`` (46) is never produced: Kafka 3.x does not return it either.

Persistence: :func:`write_snapshot` stores the state as versioned JSON in
``<20-digit offset>.snapshot``, the offset being the log end offset it covers. On start-up the
partition log loads the newest snapshot not beyond the recovered log end (older ones are kept as
fall-backs, newer ones deleted) and replays batch headers from there.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log.checkpoint import write_atomically
from airstream.broker.records import MAX_SEQUENCE, BatchHeader

__all__ = [
    "BatchMetadata",
    "ProducerAppend",
    "ProducerEntry",
    "ProducerStateManager",
    "load_snapshot",
    "write_snapshot",
]

BATCHES_RETAINED = 5
NO_EPOCH = -1
NO_SEQUENCE = -1
SNAPSHOT_VERSION = 1
SNAPSHOT_SUFFIX = ".snapshot"
SNAPSHOTS_KEPT = 3


@dataclass(frozen=True, slots=True)
class BatchMetadata:
    """What is remembered of one appended idempotent batch."""

    first_seq: int
    last_seq: int
    first_offset: int
    last_offset: int
    timestamp: int


@dataclass(slots=True)
class ProducerEntry:
    """One producer id's epoch and most recent batches."""

    producer_id: int
    epoch: int = NO_EPOCH
    batches: list[BatchMetadata] = field(default_factory=list)
    last_timestamp: int = -1

    @property
    def last_seq(self) -> int:
        return self.batches[-1].last_seq if self.batches else NO_SEQUENCE

    @property
    def last_offset(self) -> int:
        return self.batches[-1].last_offset if self.batches else -1

    def add(self, header: BatchHeader, first_offset: int, timestamp: int) -> None:
        if header.producer_epoch != self.epoch:
            self.epoch = header.producer_epoch
            self.batches = []
        self.batches.append(
            BatchMetadata(
                header.base_sequence,
                header.last_sequence,
                first_offset,
                first_offset + header.last_offset_delta,
                timestamp,
            )
        )
        del self.batches[:-BATCHES_RETAINED]
        self.last_timestamp = timestamp

    def copy(self) -> ProducerEntry:
        return ProducerEntry(self.producer_id, self.epoch, list(self.batches), self.last_timestamp)


class ProducerStateManager:
    """The producers of one partition log; owned by its event-loop thread."""

    def __init__(self, producers: Iterable[ProducerEntry] = ()) -> None:
        self._producers = {entry.producer_id: entry for entry in producers}

    def __len__(self) -> int:
        return len(self._producers)

    def get(self, producer_id: int) -> ProducerEntry | None:
        return self._producers.get(producer_id)

    def find_duplicate(self, header: BatchHeader) -> BatchMetadata | None:
        """The remembered batch that ``header`` retries, if any."""
        entry = self._producers.get(header.producer_id)
        if entry is None or entry.epoch != header.producer_epoch:
            return None
        first, last = header.base_sequence, header.last_sequence
        for batch in entry.batches:
            if batch.first_seq == first and batch.last_seq == last:
                return batch
        return None

    def begin(self) -> ProducerAppend:
        """Start validating the batches of one append; nothing changes until commit."""
        return ProducerAppend(self)

    def replay(self, header: BatchHeader) -> None:
        """Apply a batch read back from the log (no validation: it was accepted once)."""
        entry = self._producers.setdefault(header.producer_id, ProducerEntry(header.producer_id))
        entry.add(header, header.base_offset, header.max_timestamp)

    def truncate_head(self, log_start_offset: int) -> None:
        """Forget producers whose batches all lie below the new log start (Kafka does too)."""
        gone = [pid for pid, e in self._producers.items() if e.last_offset < log_start_offset]
        for producer_id in gone:
            del self._producers[producer_id]

    def expire(self, now_ms: int, max_idle_ms: int) -> None:
        """Forget producers idle for longer than ``producer.id.expiration.ms``."""
        gone = [
            pid for pid, e in self._producers.items() if now_ms - e.last_timestamp > max_idle_ms
        ]
        for producer_id in gone:
            del self._producers[producer_id]

    def _commit(self, entries: dict[int, ProducerEntry]) -> None:
        self._producers.update(entries)

    def to_json(self, offset: int) -> bytes:
        """The versioned snapshot document covering the log up to ``offset``."""
        producers = [
            [e.producer_id, e.epoch, e.last_timestamp,
             [[b.first_seq, b.last_seq, b.first_offset, b.last_offset, b.timestamp]
              for b in e.batches]]
            for e in self._producers.values()
        ]  # fmt: skip
        document = {"version": SNAPSHOT_VERSION, "offset": offset, "producers": producers}
        return json.dumps(document, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> tuple[int, ProducerStateManager]:
        """Parse a snapshot document; raises ValueError (or KeyError/TypeError) if malformed."""
        document: dict[str, Any] = json.loads(data)
        if document.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported producer snapshot version {document.get('version')}")
        entries = [
            ProducerEntry(int(pid), int(epoch), [BatchMetadata(*map(int, b)) for b in batches],
                          int(last_timestamp))
            for pid, epoch, last_timestamp, batches in document["producers"]
        ]  # fmt: skip
        return int(document["offset"]), cls(entries)


class ProducerAppend:
    """Sequence/epoch checks for the batches of one append, applied by :meth:`commit`."""

    def __init__(self, manager: ProducerStateManager) -> None:
        self._manager = manager
        self._updated: dict[int, ProducerEntry] = {}

    def add(self, header: BatchHeader, first_offset: int, timestamp: int) -> None:
        """Check ``header`` against the producer's state so far; raise the Kafka error."""
        pid = header.producer_id
        current = self._manager.get(pid)
        entry = self._updated.get(pid)
        if entry is None:
            entry = current.copy() if current is not None else ProducerEntry(pid)
            self._updated[pid] = entry
        _check(header, entry, known=current is not None and current.epoch != NO_EPOCH)
        entry.add(header, first_offset, timestamp)

    def commit(self) -> None:
        self._manager._commit(self._updated)


def _check(header: BatchHeader, entry: ProducerEntry, *, known: bool) -> None:
    epoch, first_seq = header.producer_epoch, header.base_sequence
    if epoch < entry.epoch:
        raise BrokerError(
            ErrorCode.invalid_producer_epoch,
            f"producer {header.producer_id} epoch {epoch} is older than {entry.epoch}",
        )
    if epoch != entry.epoch:
        if first_seq != 0 and entry.epoch != NO_EPOCH:
            raise BrokerError(
                ErrorCode.out_of_order_sequence_number,
                f"producer {header.producer_id} new epoch {epoch} starts at sequence "
                f"{first_seq}, expected 0",
            )
        return
    if known and not _in_sequence(entry.last_seq, first_seq):
        raise BrokerError(
            ErrorCode.out_of_order_sequence_number,
            f"producer {header.producer_id} sent sequence {first_seq} after {entry.last_seq}",
        )


def _in_sequence(last_seq: int, next_seq: int) -> bool:
    return next_seq == last_seq + 1 or (next_seq == 0 and last_seq == MAX_SEQUENCE)


def snapshot_path(directory: Path, offset: int) -> Path:
    return directory / f"{offset:020d}{SNAPSHOT_SUFFIX}"


def write_snapshot(
    directory: Path, offset: int, state: ProducerStateManager, *, durable: bool
) -> None:
    """Store ``state`` as of log end ``offset`` and drop all but the newest few snapshots."""
    write_atomically(snapshot_path(directory, offset), state.to_json(offset), durable=durable)
    for old in _snapshot_offsets(directory)[:-SNAPSHOTS_KEPT]:
        with contextlib.suppress(FileNotFoundError):
            snapshot_path(directory, old).unlink()


def load_snapshot(directory: Path, max_offset: int) -> tuple[int, ProducerStateManager] | None:
    """The newest readable snapshot at or below ``max_offset``; newer ones are deleted."""
    for offset in reversed(_snapshot_offsets(directory)):
        path = snapshot_path(directory, offset)
        if offset > max_offset:
            path.unlink(missing_ok=True)
            continue
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return ProducerStateManager.from_json(path.read_bytes())
    return None


def _snapshot_offsets(directory: Path) -> list[int]:
    names = (path.name[: -len(SNAPSHOT_SUFFIX)] for path in directory.glob("*" + SNAPSHOT_SUFFIX))
    return sorted(int(name) for name in names if name.isdigit())

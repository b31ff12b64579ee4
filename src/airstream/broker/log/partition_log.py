"""One partition's log: segments, offsets, appends, reads, retention, recovery.

Directory layout (``DATA/log/<topic>-<partition>/``), Kafka's::

    00000000000000000000.log        record batches (see segment.py)
    00000000000000000000.index      sparse offset index
    00000000000000000000.timeindex  sparse time index
    00000000000000004242.log ...    next segment, named by its base offset
    00000000000000004242.snapshot   idempotent-producer state as of offset 4242 (JSON)
    log-start-offset                checkpoint: first readable offset (DeleteRecords)
    recovery-point-offset           checkpoint: everything below it is durable

Threading contract: every method is called from ONE thread, the broker's asyncio event loop,
and never blocks on another thread's I/O -- except :meth:`flush`, which may run in a worker
thread while the loop keeps appending. ``flush`` holds the log's lock only to capture what to
sync (dirty segments, unwritten index bytes, the log end offset) and to record the result; the
fsyncs run outside it on files opened by name, so appends are never blocked by an fsync. Once
``flush`` returns, everything appended before it was *called* is durable. Two flushes never
overlap; :meth:`close` and :meth:`delete` wait for a running one.

Durability and recovery: appends go to the OS with one ``writev`` and are durable after the
next flush (the broker's group-commit flusher runs one before acknowledging acks=-1 produces).
A flush fdatasyncs the data of every segment written since the previous flush and the indexes
of sealed segments, then records the recovery point: the base offset of the active segment,
below which data *and* indexes are durable. The active segment's indexes live in memory and
are not synced by flushes (that would triple the fsyncs of a round); after a crash the active
segment is rebuilt from its data instead. On :meth:`open`, segments wholly below the recovery
point are trusted after cheap checks (indexes rebuilt if missing or inconsistent); from the
first segment reaching past it every batch is validated (framing, magic, CRC, offset
continuity) and the log is truncated at the first torn or corrupt batch -- data that was never
flushed and so never acknowledged under acks=-1. A clean :meth:`close` syncs everything and
records the log end as the recovery point, so the next open scans nothing.

Reads are plain ``pread`` calls served from the page cache (about 150 us per 1 MiB fetch
here); a tail cache in Python memory was considered and left out as not worth its memory.
"""

from __future__ import annotations

import bisect
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log import checkpoint
from airstream.broker.log.config import LogConfig
from airstream.broker.log.producer_state import (
    ProducerAppend,
    ProducerStateManager,
    load_snapshot,
    write_snapshot,
)
from airstream.broker.log.retention import SegmentSummary, plan_retention
from airstream.broker.log.segment import BatchPlacement, FlushPlan, Segment, segment_file_name
from airstream.broker.records import (
    HEADER_SIZE,
    BatchHeader,
    Buffer,
    split_batches,
    stamped_header,
    stored_prefix,
    validate_batch,
)

__all__ = ["AppendInfo", "PartitionLog", "ReadInfo"]

LOG_START_FILE = "log-start-offset"
RECOVERY_POINT_FILE = "recovery-point-offset"
PRODUCER_ID_EXPIRATION_MS = 86_400_000  # Kafka's producer.id.expiration.ms
_STRAY_SUFFIXES = (".tmp", ".deleted", ".cleaned", ".swap")
_PREFIX_SIZE = 17


@dataclass(frozen=True, slots=True)
class AppendInfo:
    """Result of an append, as the Produce response needs it."""

    base_offset: int
    last_offset: int
    log_append_time_ms: int
    """The broker's timestamp for LogAppendTime topics, -1 for CreateTime."""
    log_start_offset: int
    duplicate: bool = False
    """True when the batch retried an already appended one: nothing was written and the
    offsets are the original ones."""


@dataclass(frozen=True, slots=True)
class ReadInfo:
    """Result of a read, as the Fetch response needs it.

    ``records`` is one ``bytes`` object: whole batches, back to back, read with a single
    ``pread`` from one segment (a fetch never spans segments, as in Kafka; the client simply
    fetches again from the next offset). Empty when there is nothing to return.
    """

    records: bytes
    high_watermark: int
    log_start_offset: int


class PartitionLog:
    """The log of one topic partition (see the module docstring for files and contracts)."""

    def __init__(
        self,
        directory: Path,
        config: LogConfig,
        segments: list[Segment],
        log_start_offset: int,
        producers: ProducerStateManager,
        recovery_point: int,
        producer_id_expiration_ms: int,
    ) -> None:
        self.directory = directory
        self._config = config
        self._segments = segments
        self._bases = [segment.base_offset for segment in segments]
        self._log_start = log_start_offset
        self._leo = segments[-1].next_offset
        self._size = sum(segment.size for segment in segments)
        self._producers = producers
        self._recovery_point = recovery_point
        self._producer_expiration_ms = producer_id_expiration_ms
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._dirty: dict[int, Segment] = {}
        self._directory_dirty = False
        self._closed = False
        self._failure: BaseException | None = None

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        config: LogConfig,
        *,
        now_ms: int,
        producer_id_expiration_ms: int = PRODUCER_ID_EXPIRATION_MS,
    ) -> PartitionLog:
        """Create the log in ``directory``, or recover the one there (see module docstring)."""
        directory.mkdir(parents=True, exist_ok=True)
        _remove_strays(directory)
        recovery_point = checkpoint.read_offset(directory / RECOVERY_POINT_FILE) or 0
        saved_start = checkpoint.read_offset(directory / LOG_START_FILE) or 0
        segments = _load_segments(directory, config, recovery_point)
        if not segments:
            segments = [Segment.create(directory, max(saved_start, 0))]
        end = segments[-1].next_offset
        log_start = min(max(saved_start, segments[0].base_offset), end)
        producers = _restore_producers(directory, segments, end, log_start)
        producers.expire(now_ms, producer_id_expiration_ms)
        return cls(
            directory,
            config,
            segments,
            log_start,
            producers,
            recovery_point,
            producer_id_expiration_ms,
        )

    # -- offsets -----------------------------------------------------------------------------

    @property
    def config(self) -> LogConfig:
        return self._config

    @property
    def log_start_offset(self) -> int:
        return self._log_start

    @property
    def log_end_offset(self) -> int:
        """The offset the next appended record gets."""
        return self._leo

    @property
    def high_watermark(self) -> int:
        """Equal to the log end offset: with one broker every append is fully replicated."""
        return self._leo

    @property
    def size_bytes(self) -> int:
        return self._size

    @property
    def segment_count(self) -> int:
        return len(self._segments)

    @property
    def producers(self) -> ProducerStateManager:
        """Idempotent-producer state (read-only use; the log updates it)."""
        return self._producers

    # -- appending ---------------------------------------------------------------------------

    def append(self, records: Buffer, *, now_ms: int) -> AppendInfo:
        """Validate and append a produce request's record batches for this partition.

        All batches are validated first (nothing is written if one is bad), then checked
        against producer state, then written with one ``writev``. Raises BrokerError with the
        Kafka error code; ``KAFKA_STORAGE_ERROR`` if the disk write fails.
        """
        self._check_writable()
        config = self._config
        batches = split_batches(records)
        if not batches:
            raise BrokerError(ErrorCode.invalid_record, "the produce request holds no batch")
        headers = [validate_batch(batch, config.max_message_bytes) for batch in batches]
        total = sum(len(batch) for batch in batches)
        if total > config.segment_bytes:
            raise BrokerError(
                ErrorCode.record_list_too_large,
                f"{total} bytes of batches exceed segment.bytes={config.segment_bytes}",
            )
        append_time = now_ms if config.log_append_time else None
        checked = self._check_producers(headers, append_time)
        if isinstance(checked, AppendInfo):
            return checked
        buffers, placements = self._stored_form(batches, headers, append_time)
        self._write(buffers, placements, total, now_ms)
        if checked is not None:
            checked.commit()
        return AppendInfo(
            placements[0].base_offset,
            placements[-1].last_offset,
            -1 if append_time is None else append_time,
            self._log_start,
        )

    def _check_producers(
        self, headers: Sequence[BatchHeader], append_time: int | None
    ) -> ProducerAppend | AppendInfo | None:
        """Kafka's idempotence checks: a retried batch short-cuts to its original offsets."""
        pending: ProducerAppend | None = None
        offset = self._leo
        for header in headers:
            if header.producer_id >= 0:
                duplicate = self._producers.find_duplicate(header)
                if duplicate is not None:
                    return AppendInfo(
                        duplicate.first_offset,
                        duplicate.last_offset,
                        -1 if append_time is None else duplicate.timestamp,
                        self._log_start,
                        duplicate=True,
                    )
                if pending is None:
                    pending = self._producers.begin()
                timestamp = header.max_timestamp if append_time is None else append_time
                pending.add(header, offset, timestamp)
            offset += header.last_offset_delta + 1
        return pending

    def _stored_form(
        self, batches: Sequence[memoryview], headers: Sequence[BatchHeader], append_time: int | None
    ) -> tuple[list[Buffer], list[BatchPlacement]]:
        """The buffers to write (a new prefix + the untouched rest of each batch)."""
        buffers: list[Buffer] = []
        placements: list[BatchPlacement] = []
        offset = self._leo
        for batch, header in zip(batches, headers, strict=True):
            if append_time is None:
                buffers += (stored_prefix(offset, header), batch[_PREFIX_SIZE:])
                max_timestamp = header.max_timestamp
            else:
                stamped = stamped_header(batch, base_offset=offset, log_append_time_ms=append_time)
                buffers += (stamped, batch[HEADER_SIZE:])
                max_timestamp = append_time
            last = offset + header.last_offset_delta
            placements.append(BatchPlacement(offset, last, max_timestamp, header.size))
            offset = last + 1
        return buffers, placements

    def _write(
        self, buffers: list[Buffer], placements: list[BatchPlacement], total: int, now_ms: int
    ) -> None:
        config = self._config
        with self._lock:
            try:
                segment = self._maybe_roll(total, placements[-1].last_offset, now_ms)
            except OSError as error:
                self._failure = error  # half-rolled: the active segment may be sealed
                raise BrokerError(
                    ErrorCode.kafka_storage_error, f"rolling {self.directory} failed: {error}"
                ) from error
            size_before = segment.size
            try:
                segment.append(
                    buffers,
                    placements,
                    now_ms=now_ms,
                    index_interval=config.index_interval_bytes,
                    max_index_bytes=config.segment_index_bytes,
                )
            except OSError as error:
                self._undo_write(segment, size_before, error)
            self._leo = placements[-1].last_offset + 1
            self._size += total
            self._dirty[segment.base_offset] = segment

    def _undo_write(self, segment: Segment, size_before: int, error: OSError) -> None:
        try:
            segment.truncate_to(size_before)
        except OSError:
            self._failure = error  # the file state is unknown: stop writing, like Kafka
        raise BrokerError(
            ErrorCode.kafka_storage_error, f"writing to {segment.log_path} failed: {error}"
        ) from error

    def _maybe_roll(self, incoming: int, last_offset: int, now_ms: int) -> Segment:
        active = self._segments[-1]
        config = self._config
        if active.size == 0:
            return active
        rolled_at = active.roll_base_ms
        too_old = rolled_at is not None and now_ms - rolled_at > config.segment_ms
        if (
            active.size + incoming > config.segment_bytes
            or too_old
            or active.is_full(config.segment_index_bytes)
            or not active.can_hold(last_offset)
        ):
            return self._roll()
        return active

    def _roll(self) -> Segment:
        """Seal the active segment and start a new one at the log end (call under the lock)."""
        old = self._segments[-1]
        old.seal()
        new = Segment.create(self.directory, self._leo)
        self._segments.append(new)
        self._bases.append(new.base_offset)
        self._dirty[old.base_offset] = old
        self._dirty[new.base_offset] = new
        self._directory_dirty = True
        write_snapshot(self.directory, self._leo, self._producers, durable=False)
        return new

    def _check_writable(self) -> None:
        if self._closed:
            raise BrokerError(ErrorCode.kafka_storage_error, f"log {self.directory} is closed")
        if self._failure is not None:
            raise BrokerError(
                ErrorCode.kafka_storage_error,
                f"log {self.directory} is offline after an I/O error: {self._failure}",
            )

    # -- reading -----------------------------------------------------------------------------

    def read(self, offset: int, max_bytes: int, *, min_one_batch: bool) -> ReadInfo:
        """Whole batches from the one holding ``offset`` (which may start before it).

        At most ``max_bytes``, unless the first batch alone is larger and ``min_one_batch``
        (KIP-74), in which case exactly that batch. ``offset == log_end_offset`` gives empty
        records; outside [log start, log end] raises ``OFFSET_OUT_OF_RANGE``.
        """
        self._check_offset(offset)
        records = b""
        if offset < self._leo:
            segment = self._segments[bisect.bisect_right(self._bases, offset) - 1]
            records = segment.read(offset, max_bytes, min_one_batch=min_one_batch)
        return ReadInfo(records, self._leo, self._log_start)

    def _check_offset(self, offset: int) -> None:
        if not self._log_start <= offset <= self._leo:
            raise BrokerError(
                ErrorCode.offset_out_of_range,
                f"offset {offset} is outside [{self._log_start}, {self._leo}] of "
                f"{self.directory.name}",
            )

    def offset_for_timestamp(self, timestamp_ms: int) -> tuple[int, int] | None:
        """(offset, timestamp) for ListOffsets: the first record whose timestamp is at least
        ``timestamp_ms``, or None.

        Exact for uncompressed CreateTime batches (their records are scanned). For compressed
        batches the answer is at batch granularity: the batch's base offset and its max
        timestamp, so a consumer may see a few earlier records first. For LogAppendTime
        batches every record carries the batch time, so the batch answer is exact.
        """
        for segment in self._segments:
            if segment.next_offset <= self._log_start:
                continue
            found = segment.find_timestamp(timestamp_ms, self._log_start)
            if found is not None:
                return found
        return None

    def offset_of_max_timestamp(self) -> tuple[int, int] | None:
        """(offset, timestamp) of the record with the largest timestamp (ListOffsets -3)."""
        best: Segment | None = None
        for segment in self._segments:
            if segment.next_offset > self._log_start and (
                best is None or segment.max_timestamp > best.max_timestamp
            ):
                best = segment
        if best is None or best.max_timestamp < 0:
            return None
        return best.find_timestamp(best.max_timestamp, self._log_start)

    # -- deleting ----------------------------------------------------------------------------

    def delete_records_before(self, offset: int) -> int:
        """DeleteRecords: make ``offset`` (-1: the high watermark) the new log start.

        Whole segments below it are deleted; the new start is persisted durably. Returns the
        new low watermark. ``OFFSET_OUT_OF_RANGE`` if ``offset`` is beyond the high watermark.
        """
        self._check_writable()
        target = self.high_watermark if offset == -1 else offset
        if target < 0 or target > self.high_watermark:
            raise BrokerError(
                ErrorCode.offset_out_of_range,
                f"cannot delete records before {offset}: the high watermark is "
                f"{self.high_watermark}",
            )
        if target > self._log_start:
            try:
                checkpoint.write_offset(self.directory / LOG_START_FILE, target, durable=True)
            except OSError as error:
                raise BrokerError(
                    ErrorCode.kafka_storage_error, f"saving the log start failed: {error}"
                ) from error
            with self._lock:
                self._log_start = target
                self._delete_leading(_count_below(self._segments, target))
            self._producers.truncate_head(target)
        return self._log_start

    def enforce_retention(self, now_ms: int) -> int:
        """Apply retention.ms / retention.bytes; returns how many segments were deleted.

        A closed or failed log deletes nothing (returns 0), so one bad partition does not stop
        the broker's retention pass over the others.
        """
        if self._closed or self._failure is not None:
            return 0
        summaries = [
            SegmentSummary(s.base_offset, s.size, s.largest_timestamp()) for s in self._segments
        ]
        decision = plan_retention(
            summaries,
            now_ms=now_ms,
            retention_ms=self._config.retention_ms,
            retention_bytes=self._config.retention_bytes,
            log_start_offset=self._log_start,
        )
        with self._lock:
            if decision.roll_active:
                self._roll()
            self._delete_leading(decision.delete_count)
            self._log_start = max(self._log_start, self._segments[0].base_offset)
        self._producers.truncate_head(self._log_start)
        self._producers.expire(now_ms, self._producer_expiration_ms)
        return decision.delete_count

    def _delete_leading(self, count: int) -> None:
        """Delete the first ``count`` segments, never the active one (call under the lock)."""
        count = min(count, len(self._segments) - 1)
        for segment in self._segments[:count]:
            self._size -= segment.size
            self._dirty.pop(segment.base_offset, None)
            segment.delete()
        if count:
            del self._segments[:count]
            del self._bases[:count]
            self._directory_dirty = True

    # -- durability and lifetime -------------------------------------------------------------

    def flush(self) -> None:
        """Make everything appended before this call durable (safe from a worker thread).

        Raises ``KAFKA_STORAGE_ERROR`` if an fsync fails; the log then refuses appends until
        it is reopened, because after a failed fsync the page cache may hold data the disk
        lost (Kafka takes the log directory offline for the same reason).
        """
        self._flush(full=False)

    def _flush(self, *, full: bool) -> None:
        """``full`` (on close) also writes and syncs the active segment's indexes."""
        with self._flush_lock:
            if self._closed:
                return
            if self._failure is not None:
                self._check_writable()
            with self._lock:
                point = self._leo if full else self._segments[-1].base_offset
                dirty = list(self._dirty.values())
                self._dirty = {}
                plans = [(s, s.flush_plan(with_indexes=full)) for s in dirty]
                sync_directory, self._directory_dirty = self._directory_dirty, False
            self._run_flush(plans, sync_directory, point, durable_point=full)

    def _run_flush(
        self,
        plans: list[tuple[Segment, FlushPlan]],
        sync_directory: bool,
        point: int,
        *,
        durable_point: bool,
    ) -> None:
        try:
            for _, plan in plans:
                plan.run()
            if sync_directory:
                checkpoint.fsync_directory(self.directory)
            if point != self._recovery_point or durable_point:
                # Not fsynced on ordinary flushes: an older recovery point only means more
                # scanning after a crash, never trusting data that is not durable.
                path = self.directory / RECOVERY_POINT_FILE
                checkpoint.write_offset(path, point, durable=durable_point)
                self._recovery_point = point
        except OSError as error:
            self._failure = error
            raise BrokerError(
                ErrorCode.kafka_storage_error, f"fsync of {self.directory} failed: {error}"
            ) from error
        with self._lock:
            for segment, plan in plans:
                segment.flush_done(plan)

    def update_config(self, config: LogConfig) -> None:
        """Use ``config`` from now on (rolls, retention and validation of later appends)."""
        self._config = config

    def close(self) -> None:
        """Sync everything, record the log end as recovery point, write the producer
        snapshot, close the files."""
        if self._closed:
            return
        try:
            if self._failure is None:
                with self._lock:
                    active = self._segments[-1]
                    active.time_index.maybe_append(
                        active.max_timestamp, active.offset_of_max_timestamp - active.base_offset
                    )
                    self._dirty[active.base_offset] = active
                self._flush(full=True)
                write_snapshot(self.directory, self._leo, self._producers, durable=True)
        finally:
            self._release()

    def delete(self) -> None:
        """Close without flushing and remove the whole directory."""
        self._release()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _release(self) -> None:
        with self._flush_lock, self._lock:
            self._closed = True
            for segment in self._segments:
                segment.close()

    def __repr__(self) -> str:
        return (
            f"PartitionLog({self.directory.name}, start={self._log_start}, end={self._leo}, "
            f"segments={len(self._segments)})"
        )


def _remove_strays(directory: Path) -> None:
    """Leftovers of an interrupted rename or deletion."""
    for path in directory.iterdir():
        if path.suffix in _STRAY_SUFFIXES and path.is_file():
            path.unlink(missing_ok=True)


def _segment_bases(directory: Path) -> list[int]:
    bases = []
    for path in directory.glob("*.log"):
        if len(path.stem) == 20 and path.stem.isdigit():
            bases.append(int(path.stem))
    for path in [*directory.glob("*.index"), *directory.glob("*.timeindex")]:
        if path.stem.isdigit() and int(path.stem) not in bases:
            path.unlink(missing_ok=True)  # index without its log
    return sorted(bases)


def _load_segments(directory: Path, config: LogConfig, recovery_point: int) -> list[Segment]:
    bases = _segment_bases(directory)
    segments: list[Segment] = []
    recovering = False
    for number, base in enumerate(bases):
        segment = Segment.load(
            directory,
            base,
            active=number == len(bases) - 1,
            index_interval=config.index_interval_bytes,
            max_index_bytes=config.segment_index_bytes,
        )
        following = bases[number + 1] if number + 1 < len(bases) else None
        recovering = recovering or not _trusted(segment, recovery_point, following)
        truncated = 0
        if recovering:
            truncated = segment.recover(
                index_interval=config.index_interval_bytes,
                max_index_bytes=config.segment_index_bytes,
            )
        segments.append(segment)
        if following is not None and (truncated or segment.next_offset != following):
            _drop_segments(directory, bases[number + 1 :])
            segment.activate()
            break
    return segments


def _trusted(segment: Segment, recovery_point: int, following: int | None) -> bool:
    if not segment.tail_complete or segment.next_offset > recovery_point:
        return False
    return following is None or segment.next_offset == following


def _drop_segments(directory: Path, bases: Sequence[int]) -> None:
    """Segments after a truncation point hold data that follows a hole: delete them."""
    for base in bases:
        for suffix in (".log", ".index", ".timeindex"):
            (directory / segment_file_name(base, suffix)).unlink(missing_ok=True)


def _restore_producers(
    directory: Path, segments: Sequence[Segment], end: int, log_start: int
) -> ProducerStateManager:
    """Newest usable snapshot, then batch headers (only) from its offset to the log end."""
    loaded = load_snapshot(directory, end)
    start, producers = loaded if loaded is not None else (0, ProducerStateManager())
    for segment in segments:
        if segment.next_offset <= start:
            continue
        for header in segment.headers(start):
            if header.producer_id >= 0:
                producers.replay(header)
    producers.truncate_head(log_start)
    return producers


def _count_below(segments: Sequence[Segment], offset: int) -> int:
    """How many leading segments lie wholly below ``offset`` (their successor starts <= it)."""
    count = 0
    while count + 1 < len(segments) and segments[count + 1].base_offset <= offset:
        count += 1
    return count

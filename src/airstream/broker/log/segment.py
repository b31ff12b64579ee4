"""One log segment: a file of record batches plus its offset index and time index.

Files, named by the segment's base offset zero-padded to 20 digits, as Kafka names them:

- ``<base>.log``: record batches back to back, exactly as produced except baseOffset and
  partitionLeaderEpoch (and, for LogAppendTime topics, attributes/maxTimestamp/CRC).
- ``<base>.index``: :class:`~airstream.broker.log.offset_index.OffsetIndex`.
- ``<base>.timeindex``: :class:`~airstream.broker.log.time_index.TimeIndex`.

Only the last (active) segment is appended to; older ones are sealed and only read.

Threading: one owner thread (the partition log's event loop) calls every method; the partition
log's flush reads :meth:`flush_plan` under its lock from another thread and otherwise touches
the files by name only, so a segment never shares a file descriptor across threads.

Crash behaviour: :meth:`load` trusts what it finds only after cheap checks (index shape, the
last index entry pointing at a batch with the right offset, a header walk from there to the
end of the file with continuous offsets); :meth:`recover` validates every batch's framing,
magic, CRC and offset continuity from the start, truncates the file at the first bad batch and
rebuilds both indexes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import crc32c

from airstream.broker.log.batch_scanner import BatchScanner
from airstream.broker.log.index_file import CorruptIndexError, write_at
from airstream.broker.log.offset_index import OffsetIndex
from airstream.broker.log.time_index import TimeIndex
from airstream.broker.records import (
    ATTRIBUTES_OFFSET,
    HEADER_SIZE,
    BatchHeader,
    Buffer,
    parse_header,
    record_times,
)

__all__ = ["BatchPlacement", "FlushPlan", "Segment", "segment_file_name"]

IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024
MAX_RELATIVE_OFFSET = 2**31 - 1


def segment_file_name(base_offset: int, suffix: str) -> str:
    """Kafka's file name for a segment file: ``00000000000000000042.log``."""
    return f"{base_offset:020d}{suffix}"


@dataclass(frozen=True, slots=True)
class BatchPlacement:
    """What the segment needs to know of one appended batch."""

    base_offset: int
    last_offset: int
    max_timestamp: int
    size: int


@dataclass(frozen=True, slots=True)
class FlushPlan:
    """What a flush of one segment must do, captured under the partition log's lock."""

    log_path: Path
    index_writes: tuple[tuple[Path, int, bytes], ...]

    def run(self) -> None:
        """Write pending index bytes, then fdatasync log and indexes (files opened by name)."""
        for path, position, data in self.index_writes:
            if data:
                write_at(path, position, data)
        for path in (self.log_path, *(path for path, _, _ in self.index_writes)):
            _sync_by_name(path)


class Segment:
    """A log segment file with its two indexes (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        base_offset: int,
        fd: int,
        size: int,
        offset_index: OffsetIndex,
        time_index: TimeIndex,
    ) -> None:
        self.directory = directory
        self.base_offset = base_offset
        self.fd = fd
        self.size = size
        self.offset_index = offset_index
        self.time_index = time_index
        self.next_offset = base_offset
        self.max_timestamp = -1
        self.offset_of_max_timestamp = base_offset
        self.roll_base_ms: int | None = None
        self.tail_complete = True
        self._bytes_since_index = 0

    # -- files -------------------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self.directory / segment_file_name(self.base_offset, ".log")

    @property
    def sealed(self) -> bool:
        return not self.offset_index.mutable

    @classmethod
    def create(cls, directory: Path, base_offset: int) -> Segment:
        """A new, empty active segment (any leftover files of that name are emptied)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
        fd = os.open(directory / segment_file_name(base_offset, ".log"), flags, 0o644)
        indexes = []
        for suffix in (".index", ".timeindex"):
            path = directory / segment_file_name(base_offset, suffix)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
            indexes.append(path)
        return cls(directory, base_offset, fd, 0, OffsetIndex(indexes[0]), TimeIndex(indexes[1]))

    @classmethod
    def load(
        cls,
        directory: Path,
        base_offset: int,
        *,
        active: bool,
        index_interval: int,
        max_index_bytes: int,
    ) -> Segment:
        """Open an existing segment; rebuild its indexes if they fail the sanity checks.

        Afterwards :attr:`tail_complete` says whether a header walk (from the last index
        entry, or from the start when the indexes were rebuilt) reached the end of the file
        with continuous offsets; if not, the caller must :meth:`recover` the segment.
        """
        log_path = directory / segment_file_name(base_offset, ".log")
        fd = os.open(log_path, os.O_RDWR | os.O_APPEND)
        size = os.fstat(fd).st_size
        index_path = directory / segment_file_name(base_offset, ".index")
        time_path = directory / segment_file_name(base_offset, ".timeindex")
        trusted = True
        try:
            offset_index = OffsetIndex.load(index_path, mutable=active)
            time_index = TimeIndex.load(time_path, mutable=active)
            assert isinstance(offset_index, OffsetIndex) and isinstance(time_index, TimeIndex)
        except (OSError, CorruptIndexError):
            offset_index, time_index = OffsetIndex(index_path), TimeIndex(time_path)
            trusted = False
        segment = cls(directory, base_offset, fd, size, offset_index, time_index)
        if trusted and segment._indexes_look_sane():
            segment.tail_complete = segment._walk_tail()
        else:
            segment.rebuild(
                verify=False, index_interval=index_interval, max_index_bytes=max_index_bytes
            )
        if not active:
            segment.seal()
        segment._load_roll_base()
        return segment

    def _indexes_look_sane(self) -> bool:
        if self.offset_index.entries:
            first, last = self.offset_index.entry(0), self.offset_index.entry(-1)
            if first[0] <= 0 or last[0] < first[0] or last[1] < first[1]:
                return False
            if last[1] + HEADER_SIZE > self.size:
                return False
            header = parse_header(os.pread(self.fd, HEADER_SIZE, last[1]))
            if header.base_offset != self.base_offset + last[0]:
                return False
        if self.time_index.entries:
            first, last = self.time_index.entry(0), self.time_index.entry(-1)
            if last[0] < first[0] or last[1] < first[1] or first[1] < 0:
                return False
        return True

    def _walk_tail(self) -> bool:
        """Header walk from the last index entry to the end of the file; True if clean."""
        start, expected = 0, self.base_offset
        if self.offset_index.entries:
            relative, start = self.offset_index.entry(-1)
            expected = self.base_offset + relative
        max_timestamp, offset_of_max = self.time_index_max()
        scanner = BatchScanner(self.fd, start, self.size)
        for _, view in scanner:
            header = parse_header(view)
            if header.base_offset != expected:
                return False
            if header.max_timestamp > max_timestamp:
                max_timestamp, offset_of_max = header.max_timestamp, header.base_offset
            expected = header.last_offset + 1
        self.next_offset = expected
        self.max_timestamp, self.offset_of_max_timestamp = max_timestamp, offset_of_max
        self._bytes_since_index = self.size - start
        if self.time_index.entries and self.time_index.entry(-1)[1] >= expected - self.base_offset:
            return False
        return scanner.position == self.size

    def time_index_max(self) -> tuple[int, int]:
        """(largest timestamp, its batch offset) according to the time index."""
        if not self.time_index.entries:
            return -1, self.base_offset
        timestamp, relative = self.time_index.entry(-1)
        return timestamp, self.base_offset + relative

    def _load_roll_base(self) -> None:
        # Kafka rolls by the first batch's timestamp once the append time is no longer known.
        if self.size >= HEADER_SIZE:
            first = parse_header(os.pread(self.fd, HEADER_SIZE, 0))
            self.roll_base_ms = first.max_timestamp if first.max_timestamp >= 0 else None

    # -- appending ---------------------------------------------------------------------------

    def append(
        self,
        buffers: Sequence[Buffer],
        batches: Sequence[BatchPlacement],
        *,
        now_ms: int,
        index_interval: int,
        max_index_bytes: int,
    ) -> None:
        """Write ``buffers`` (the batches, as stored) with ``writev`` and index them.

        Raises OSError if the write fails or is short; the caller then truncates back with
        :meth:`truncate_to` before anything was indexed.
        """
        expected = 0
        written = 0
        for start in range(0, len(buffers), IOV_MAX):
            chunk = buffers[start : start + IOV_MAX]
            expected += sum(len(buffer) for buffer in chunk)
            written += os.writev(self.fd, chunk)
            if written != expected:
                raise OSError(f"short write to {self.log_path}: {written} of {expected} bytes")
        position = self.size
        for batch in batches:
            self._track(batch, position, index_interval, max_index_bytes)
            position += batch.size
        self.size = position
        self.next_offset = batches[-1].last_offset + 1
        if self.roll_base_ms is None:
            self.roll_base_ms = now_ms

    def _track(
        self, batch: BatchPlacement, position: int, index_interval: int, max_index_bytes: int
    ) -> None:
        if batch.max_timestamp > self.max_timestamp:
            self.max_timestamp = batch.max_timestamp
            self.offset_of_max_timestamp = batch.base_offset
        if self._bytes_since_index > index_interval and position > 0:
            if not self.is_full(max_index_bytes):
                self.offset_index.append(batch.base_offset - self.base_offset, position)
                self.time_index.maybe_append(
                    self.max_timestamp, self.offset_of_max_timestamp - self.base_offset
                )
            self._bytes_since_index = 0
        self._bytes_since_index += batch.size

    def is_full(self, max_index_bytes: int) -> bool:
        """Whether an index reached ``segment.index.bytes`` (Kafka rolls then)."""
        offset_full = (self.offset_index.entries + 1) * OffsetIndex.ENTRY.size > max_index_bytes
        time_full = (self.time_index.entries + 1) * TimeIndex.ENTRY.size > max_index_bytes
        return offset_full or time_full

    def can_hold(self, last_offset: int) -> bool:
        """Whether ``last_offset`` still fits a 32-bit offset relative to the base."""
        return last_offset - self.base_offset <= MAX_RELATIVE_OFFSET

    def truncate_to(self, size: int) -> None:
        """Cut the log file back to ``size`` bytes (undo a failed append)."""
        os.ftruncate(self.fd, size)
        self.size = size

    def seal(self) -> None:
        """Stop appending: record the final max timestamp and write the indexes out."""
        if self.sealed:
            return
        self.time_index.maybe_append(
            self.max_timestamp, self.offset_of_max_timestamp - self.base_offset
        )
        self.offset_index.seal()
        self.time_index.seal()

    def activate(self) -> None:
        """Make a sealed segment appendable again (it became the last one after recovery)."""
        self.offset_index.unseal()
        self.time_index.unseal()

    def flush_plan(self, *, with_indexes: bool) -> FlushPlan:
        """Capture what a flush must write and sync (call under the partition log's lock).

        A sealed segment's indexes are always included; an active one's only when asked
        (on close): after a crash the active segment is rebuilt from its data anyway.
        """
        writes = []
        if with_indexes or self.sealed:
            for index in (self.offset_index, self.time_index):
                position, data = index.pending()
                writes.append((index.path, position, data))
        return FlushPlan(self.log_path, tuple(writes))

    def flush_done(self, plan: FlushPlan) -> None:
        """Record what a completed flush wrote (call under the partition log's lock)."""
        for index, (_, position, data) in zip(
            (self.offset_index, self.time_index), plan.index_writes, strict=False
        ):
            index.mark_written(position + len(data))

    # -- reading -----------------------------------------------------------------------------

    def locate(self, offset: int) -> tuple[int, int] | None:
        """(position, size) of the batch holding ``offset``; None if past this segment."""
        if offset >= self.next_offset:
            return None
        start = self.offset_index.lookup(offset - self.base_offset)
        for position, view in BatchScanner(self.fd, start, self.size):
            header = parse_header(view)
            if header.last_offset >= offset:
                return position, header.size
        return None

    def boundary_before(self, limit: int, start: int) -> int:
        """The last batch boundary at or below ``limit``, searching from boundary ``start``."""
        if limit >= self.size:
            return self.size
        scanner = BatchScanner(self.fd, max(self.offset_index.position_floor(limit), start), limit)
        for _ in scanner:
            pass
        return scanner.position

    def read(self, offset: int, max_bytes: int, *, min_one_batch: bool) -> bytes:
        """Whole batches from the one holding ``offset``, at most ``max_bytes`` of them unless
        the first alone is larger and ``min_one_batch`` (then just that batch)."""
        located = self.locate(offset)
        if located is None:
            return b""
        position, first_size = located
        if first_size > max_bytes:
            if not min_one_batch:
                return b""
            end = position + first_size
        else:
            end = self.boundary_before(position + max_bytes, position)
        return os.pread(self.fd, end - position, position)

    def headers(self, from_offset: int) -> Iterator[BatchHeader]:
        """Headers of the batches holding offsets >= ``from_offset``, in order."""
        start = self.offset_index.lookup(max(from_offset - self.base_offset, 0))
        for _, view in BatchScanner(self.fd, start, self.size):
            header = parse_header(view)
            if header.last_offset >= from_offset:
                yield header

    def find_timestamp(self, target_ms: int, min_offset: int) -> tuple[int, int] | None:
        """(offset, timestamp) of the first record at or after ``min_offset`` whose timestamp
        is >= ``target_ms``, exact for uncompressed CreateTime batches and at batch granularity
        (base offset, max timestamp) for compressed ones; None if this segment has none."""
        if self.max_timestamp < target_ms:
            return None
        relative = max(self.time_index.offset_before(target_ms), min_offset - self.base_offset)
        start = self.offset_index.lookup(relative)
        for position, view in BatchScanner(self.fd, start, self.size):
            header = parse_header(view)
            if header.last_offset < min_offset or header.max_timestamp < target_ms:
                continue
            found = self._first_record_at(position, header, target_ms, min_offset)
            if found is not None:
                return found
        return None

    def _first_record_at(
        self, position: int, header: BatchHeader, target_ms: int, min_offset: int
    ) -> tuple[int, int] | None:
        if header.codec != 0 or header.has_log_append_time:
            return max(header.base_offset, min_offset), header.max_timestamp
        batch = os.pread(self.fd, header.size, position)
        for offset, timestamp in record_times(batch):
            if offset >= min_offset and timestamp >= target_ms:
                return offset, timestamp
        return None

    def largest_timestamp(self) -> int:
        """Largest record timestamp, or the file's mtime when no batch had one (as Kafka)."""
        if self.max_timestamp >= 0:
            return self.max_timestamp
        return os.fstat(self.fd).st_mtime_ns // 1_000_000

    # -- recovery ----------------------------------------------------------------------------

    def recover(self, *, index_interval: int, max_index_bytes: int) -> int:
        """Validate every batch, truncate at the first bad one, rebuild indexes.

        Returns the number of bytes cut off the end of the file.
        """
        return self.rebuild(
            verify=True, index_interval=index_interval, max_index_bytes=max_index_bytes
        )

    def rebuild(self, *, verify: bool, index_interval: int, max_index_bytes: int) -> int:
        """Rebuild both indexes from the log; with ``verify``, also check CRCs and truncate."""
        sealed = self.sealed
        self.offset_index.close()
        self.time_index.close()
        self.offset_index = OffsetIndex(self.offset_index.path)
        self.time_index = TimeIndex(self.time_index.path)
        self.max_timestamp, self.offset_of_max_timestamp = -1, self.base_offset
        self._bytes_since_index = 0
        expected = self.base_offset
        scanner = BatchScanner(self.fd, 0, self.size, whole=verify)
        valid_end = 0
        for position, view in scanner:
            header = parse_header(view)
            if header.base_offset != expected or (verify and not _intact(view, header)):
                break
            placement = BatchPlacement(
                header.base_offset, header.last_offset, header.max_timestamp, header.size
            )
            self._track(placement, position, index_interval, max_index_bytes)
            expected = header.last_offset + 1
            valid_end = position + header.size
        truncated = self.size - valid_end
        if truncated and verify:
            self.truncate_to(valid_end)
        self.tail_complete = valid_end == self.size
        self.next_offset = expected
        if sealed:
            self.time_index.maybe_append(
                self.max_timestamp, self.offset_of_max_timestamp - self.base_offset
            )
        for index in (self.offset_index, self.time_index):
            index.replace(index.pending()[1])
        if sealed:
            self.seal()
        return truncated if verify else 0

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file and unmap the indexes (nothing is written)."""
        self.offset_index.close()
        self.time_index.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1

    def delete(self) -> None:
        """Close and remove the three files."""
        self.close()
        for path in (self.log_path, self.offset_index.path, self.time_index.path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _intact(view: memoryview, header: BatchHeader) -> bool:
    return (
        header.magic == 2
        and header.records_count == header.last_offset_delta + 1
        and crc32c.crc32c(view[ATTRIBUTES_OFFSET:]) == header.crc
    )


def _sync_by_name(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # deleted by retention meanwhile: nothing left to make durable
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)

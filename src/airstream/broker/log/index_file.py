"""What the offset index and the time index share: a file of fixed-size, sorted entries.

File format: a flat array of big-endian entries, no header; both columns ascend with the entry
number. The index of the active segment lives in a growable ``bytearray`` and reaches its file
by ``pwrite`` in :meth:`IndexFile.write_pending` (the partition log calls it when it seals a
segment, flushes or closes); a sealed index is memory-mapped read-only on first use.

Threading: the owning :class:`~airstream.broker.log.partition_log.PartitionLog` calls
everything from its event-loop thread, except that its flush may, from a worker thread, write
bytes captured with :meth:`pending` and then call :meth:`mark_written`; the partition log holds
its lock around both of those calls, and the bytes written are the same whoever writes them.

After a crash an index may miss its newest entries or hold a torn tail; the segment checks it
when loading and rebuilds it from the log when in doubt.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from pathlib import Path
from typing import ClassVar

__all__ = ["CorruptIndexError", "IndexFile"]


class CorruptIndexError(Exception):
    """An index file that cannot be trusted and must be rebuilt from the log."""


class IndexFile:
    """Sorted fixed-size entries of two integer columns, in memory and in one file."""

    ENTRY: ClassVar[struct.Struct]
    COLUMNS: ClassVar[tuple[tuple[struct.Struct, int], tuple[struct.Struct, int]]]

    def __init__(self, path: Path, content: bytes = b"", *, mutable: bool = True) -> None:
        if len(content) % self.ENTRY.size:
            raise CorruptIndexError(f"{path}: {len(content)} bytes is not whole entries")
        self.path = path
        self._buf: bytearray | None = bytearray(content) if mutable else None
        self._written = len(content)
        self._count = len(content) // self.ENTRY.size
        self._map: mmap.mmap | bytes | None = None if mutable else bytes(content) or None

    @classmethod
    def load(cls, path: Path, *, mutable: bool) -> IndexFile:
        """Open an existing index file; a sealed one is mapped lazily, a mutable one read."""
        if mutable:
            return cls(path, path.read_bytes(), mutable=True)
        size = path.stat().st_size
        if size % cls.ENTRY.size:
            raise CorruptIndexError(f"{path}: {size} bytes is not whole entries")
        index = cls(path, mutable=False)
        index._written = size
        index._count = size // cls.ENTRY.size
        return index

    @property
    def entries(self) -> int:
        return len(self._buf) // self.ENTRY.size if self._buf is not None else self._count

    @property
    def mutable(self) -> bool:
        return self._buf is not None

    def entry(self, number: int) -> tuple[int, ...]:
        """The columns of entry ``number`` (negative numbers count from the end)."""
        if number < 0:
            number += self.entries
        return self.ENTRY.unpack_from(self._data(), number * self.ENTRY.size)

    def _append(self, *values: int) -> None:
        assert self._buf is not None, "sealed index"
        self._buf += self.ENTRY.pack(*values)

    def _floor(self, column: int, key: int, *, strict: bool) -> int:
        """Number of the last entry whose ``column`` is <= key (< key if strict), or -1."""
        data = self._data()
        field, at = self.COLUMNS[column]
        size = self.ENTRY.size
        low, high = 0, self.entries
        while low < high:
            middle = (low + high) // 2
            value = field.unpack_from(data, middle * size + at)[0]
            if value < key or (value == key and not strict):
                low = middle + 1
            else:
                high = middle
        return low - 1

    def _data(self) -> bytearray | mmap.mmap | bytes:
        if self._buf is not None:
            return self._buf
        if self._map is None:
            self._map = self._open_map()
        return self._map

    def _open_map(self) -> mmap.mmap | bytes:
        if self._count == 0:
            return b""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return mmap.mmap(fd, self._count * self.ENTRY.size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)

    def pending(self) -> tuple[int, bytes]:
        """File position and bytes not yet written to the file (call under the log's lock)."""
        if self._buf is None or self._written >= len(self._buf):
            return self._written, b""
        return self._written, bytes(self._buf[self._written :])

    def mark_written(self, end: int) -> None:
        """Record that the file holds the first ``end`` bytes (call under the log's lock)."""
        self._written = max(self._written, end)

    def write_pending(self) -> None:
        """Write the entries added since the last write to the file (no fsync)."""
        position, data = self.pending()
        if data:
            write_at(self.path, position, data)
            self.mark_written(position + len(data))

    def seal(self) -> None:
        """Write everything and switch to the read-only, memory-mapped form."""
        if self._buf is None:
            return
        self.write_pending()
        self._count = len(self._buf) // self.ENTRY.size
        self._buf = None

    def unseal(self) -> None:
        """Back to the growable in-memory form (a sealed segment became active again)."""
        if self._buf is not None:
            return
        self.close()
        self._buf = bytearray(self.path.read_bytes()[: self._count * self.ENTRY.size])
        self._written = len(self._buf)

    def replace(self, content: bytes) -> None:
        """Rewrite the file with ``content`` (a rebuilt index) and fsync it."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.close()
        self._count = len(content) // self.ENTRY.size
        self._written = len(content)
        if self._buf is not None:
            self._buf = bytearray(content)

    def close(self) -> None:
        """Release the memory map, if any."""
        if isinstance(self._map, mmap.mmap):
            with contextlib.suppress(BufferError):
                self._map.close()
        self._map = None


def write_at(path: Path, position: int, data: bytes) -> None:
    """``pwrite`` to an existing file opened by name (missing files are skipped silently)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return  # the segment was deleted meanwhile: nothing to keep
    try:
        os.pwrite(fd, data, position)
    finally:
        os.close(fd)

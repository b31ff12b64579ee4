"""Walk the record batches stored in a segment file with a few large ``pread`` calls.

Used for the short forward scans after an index lookup (headers only) and for recovery and
index rebuilds. Only the length framing is interpreted here; callers check CRCs and offsets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from airstream.broker.records import HEADER_SIZE, LOG_OVERHEAD, MIN_BATCH_LENGTH

__all__ = ["BatchScanner"]

HEADER_CHUNK = 8192
"""Bytes read at once when only headers are needed: several small batches, or one header."""
WHOLE_CHUNK = 8 << 20
"""Bytes read at once when whole batches are needed (recovery)."""


class BatchScanner:
    """Iterate ``(position, view)`` over the complete batches in ``[start, end)`` of a file.

    ``view`` covers the 61-byte header, or the whole batch when ``whole`` is true. Iteration
    stops quietly at the first batch that is cut off by ``end`` or whose length field is too
    small to be a v2 batch; afterwards :attr:`position` is the boundary after the last batch
    yielded, so ``scanner.position != end`` means a torn or garbage tail.
    """

    def __init__(self, fd: int, start: int, end: int, *, whole: bool = False) -> None:
        self._fd = fd
        self._end = end
        self._whole = whole
        self._chunk = WHOLE_CHUNK if whole else HEADER_CHUNK
        self.position = start
        self._buf = b""
        self._buf_start = start

    def __iter__(self) -> Iterator[tuple[int, memoryview]]:
        while self._end - self.position >= HEADER_SIZE:
            header = self._view(self.position, HEADER_SIZE)
            if header is None:
                return
            size = int.from_bytes(header[8:12], "big", signed=True) + LOG_OVERHEAD
            if size - LOG_OVERHEAD < MIN_BATCH_LENGTH or self.position + size > self._end:
                return
            if self._whole:
                header = self._view(self.position, size)
                if header is None:
                    return
            yield self.position, header
            self.position += size
            if not self._whole:
                # Past a large batch the next header is far away: read just that header.
                self._chunk = HEADER_SIZE if size > HEADER_CHUNK else HEADER_CHUNK

    def _view(self, position: int, size: int) -> memoryview | None:
        """``size`` bytes at ``position``, from the buffer or a fresh read; None if short."""
        offset = position - self._buf_start
        if offset < 0 or offset + size > len(self._buf):
            length = min(max(size, self._chunk), self._end - position)
            self._buf = os.pread(self._fd, length, position)
            self._buf_start = position
            offset = 0
            if len(self._buf) < size:
                return None
        return memoryview(self._buf)[offset : offset + size]

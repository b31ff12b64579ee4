"""The sparse offset index of a segment: relative offset -> byte position in the log file.

File format (``<base offset>.index``): 8-byte entries, big-endian ``int32 relative offset,
int32 position``, both strictly ascending. An entry names the *first* offset of a batch and the
byte position where that batch starts, so every indexed position is a batch boundary. Entries
are added at most once per batch and only after ``index.interval.bytes`` of log since the
previous one; position 0 is never indexed (a lookup below the first entry answers 0).

Threading and crash behaviour: see :mod:`airstream.broker.log.index_file`.
"""

from __future__ import annotations

import struct
from typing import ClassVar

from airstream.broker.log.index_file import IndexFile

__all__ = ["OffsetIndex"]

_INT32 = struct.Struct(">i")


class OffsetIndex(IndexFile):
    """Find where the batch holding an offset starts, in O(log n)."""

    ENTRY: ClassVar[struct.Struct] = struct.Struct(">ii")
    COLUMNS: ClassVar[tuple[tuple[struct.Struct, int], tuple[struct.Struct, int]]] = (
        (_INT32, 0),
        (_INT32, 4),
    )

    def append(self, relative_offset: int, position: int) -> None:
        """Index the batch starting at ``position`` whose first offset is base + relative."""
        self._append(relative_offset, position)

    def lookup(self, relative_offset: int) -> int:
        """Position of the last indexed batch starting at or before ``relative_offset``."""
        number = self._floor(0, relative_offset, strict=False)
        return self.entry(number)[1] if number >= 0 else 0

    def position_floor(self, position: int) -> int:
        """The largest indexed batch boundary <= ``position`` (0 if none)."""
        number = self._floor(1, position, strict=False)
        return self.entry(number)[1] if number >= 0 else 0

"""The sparse time index of a segment: max timestamp so far -> relative offset.

File format (``<base offset>.timeindex``): 12-byte entries, big-endian ``int64 timestamp,
int32 relative offset``, timestamps strictly ascending. An entry ``(t, o)`` says that the
largest batch max-timestamp among the batches before and including the one starting at
``base + o`` is ``t``, and that batch is the one holding it. Entries are added together with
offset index entries, when the max timestamp has grown, plus one when the segment is sealed, so
the last entry of a sealed segment carries the segment's largest timestamp (retention uses it).

Threading and crash behaviour: see :mod:`airstream.broker.log.index_file`.
"""

from __future__ import annotations

import struct
from typing import ClassVar

from airstream.broker.log.index_file import IndexFile

__all__ = ["TimeIndex"]


class TimeIndex(IndexFile):
    """Narrow a search by timestamp to a short stretch of a segment."""

    ENTRY: ClassVar[struct.Struct] = struct.Struct(">qi")
    COLUMNS: ClassVar[tuple[tuple[struct.Struct, int], tuple[struct.Struct, int]]] = (
        (struct.Struct(">q"), 0),
        (struct.Struct(">i"), 8),
    )

    def maybe_append(self, timestamp: int, relative_offset: int) -> None:
        """Add an entry if ``timestamp`` is larger than the last one's."""
        if self.entries and self.entry(-1)[0] >= timestamp:
            return
        self._append(timestamp, relative_offset)

    def last_timestamp(self) -> int:
        """Largest timestamp indexed, -1 when empty."""
        return self.entry(-1)[0] if self.entries else -1

    def offset_before(self, timestamp: int) -> int:
        """Relative offset of a batch from which a scan finds the first batch whose max
        timestamp is >= ``timestamp``: every batch before it has a smaller max timestamp."""
        number = self._floor(0, timestamp, strict=True)
        return self.entry(number)[1] if number >= 0 else 0

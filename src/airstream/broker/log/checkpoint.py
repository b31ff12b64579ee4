"""Small state files of a partition log, replaced atomically.

File format of an offset checkpoint (``log-start-offset``, ``recovery-point-offset``): two
text lines, a format version (``0``) and the offset. A file is written to ``<name>.tmp`` and
renamed over the old one, so a reader sees the old or the new value, never half of one.
With ``durable=True`` the data and the directory entry are fsynced before returning; without
it a crash may leave the previous value (or, on some filesystems, an empty file, which reads as
missing), so only use ``durable=False`` for values whose loss is merely slower, never wrong.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["fsync_directory", "read_offset", "write_atomically", "write_offset"]

_VERSION = "0"


def write_atomically(path: Path, data: bytes, *, durable: bool) -> None:
    """Replace ``path`` with ``data`` in one rename."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if durable:
        fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make created, renamed and deleted names in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_offset(path: Path, offset: int, *, durable: bool) -> None:
    """Store one offset as a checkpoint file."""
    write_atomically(path, f"{_VERSION}\n{offset}\n".encode(), durable=durable)


def read_offset(path: Path) -> int | None:
    """The offset in a checkpoint file, or None if it is missing or unreadable."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = path.read_text("ascii").split("\n")
        if len(lines) >= 2 and lines[0] == _VERSION and lines[1].lstrip("-").isdigit():
            return int(lines[1])
    return None

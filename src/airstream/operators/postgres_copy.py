"""psycopg2's ``cursor.copy_expert(sql, file)`` on psycopg 3 cursors.

DAG files written for Airflow's PostgresHook (psycopg2) stream files in and out with
``copy_expert``; psycopg 3 spells it ``with cursor.copy(sql) as copy``. The cursor class is
built on first use so importing airstream does not import psycopg.
"""

from __future__ import annotations

import functools
from typing import IO, Any

_CHUNK = 64 * 1024


@functools.cache
def copy_expert_cursor_class() -> type[Any]:
    """A ``psycopg.Cursor`` subclass with ``copy_expert``."""
    import psycopg

    class CopyExpertCursor(psycopg.Cursor[Any]):
        """A psycopg 3 cursor that also speaks psycopg2's ``copy_expert``."""

        def copy_expert(self, sql: str, file: IO[Any], size: int = _CHUNK) -> None:
            with self.copy(sql) as copy:
                if "to stdout" in sql.lower():
                    for data in copy:
                        _write(file, bytes(data))
                    return
                while chunk := file.read(size):
                    copy.write(chunk)

    return CopyExpertCursor


def _write(file: IO[Any], data: bytes) -> None:
    """Write to a binary or a text file, as psycopg2 allowed both."""
    try:
        file.write(data)
    except TypeError:
        file.write(data.decode())

"""What every group of SQL verbs shares: the engine, the clock and how transactions begin.

Every verb runs in its own transaction on a pooled connection. Verbs that write open it as
writers (``BEGIN IMMEDIATE`` on SQLite, see :mod:`airstream.store.engine`), so a verb that
reads and then writes cannot fail half-way because another process wrote in between.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from airstream.store.engine import WRITE_OPTION

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlVerbs:
    """Base of the verb groups that make up :class:`~airstream.store.sql.SqlMetadataStore`."""

    def __init__(self, engine: sa.Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        connection = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        with connection as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _count(self, stmt: sa.Select[Any]) -> int:
        with self._read() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)

"""SQLAlchemy engines for the metadata database, set up for several processes sharing it.

SQLite runs in WAL mode (readers never block the one writer), with a busy timeout (a writer
waits for the lock instead of failing) and foreign keys on. Python's sqlite3 module opens
transactions lazily and never around DDL, so the driver is put in autocommit and SQLAlchemy
emits ``BEGIN`` itself: a connection opened with ``write=True`` execution option begins with
``BEGIN IMMEDIATE``, taking the write lock up front, so a read-then-write verb can never fail
half-way with "database is locked" when another process wrote in between.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

#: How long a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Execution option that marks a connection as about to write (see the module docstring).
WRITE_OPTION = "airstream_write"


def normalize_url(url: str | URL) -> URL:
    """Pick airstream's drivers: psycopg 3 for PostgreSQL, PyMySQL for MySQL/MariaDB."""
    parsed = make_url(url)
    drivers = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
    drivers |= {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
    if parsed.drivername in drivers:
        parsed = parsed.set(drivername=drivers[parsed.drivername])
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def create_store_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with the per-backend settings airstream relies on."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    _dispose_in_forked_children(engine)
    return engine


def _create_sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    _dispose_in_forked_children(engine)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Autocommit at the driver level: transactions are begun explicitly in _on_sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL still survives a crash of any process (kill -9): a commit is in
        # the WAL file before it returns; only a power loss can undo the last commits. FULL
        # would add an fsync to every commit, which the scheduler makes several per task.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: Pools inherited by a forked child, kept so that their connections are never finalized
#: there: closing a SQLite connection that another process opened is what SQLite's docs
#: forbid after a fork, and a forked child ends with ``os._exit``, running no finalizers.
_INHERITED_POOLS: list[Any] = []


def _dispose_in_forked_children(engine: Engine) -> None:
    """Leave inherited pooled connections alone in a forked child (sharing them corrupts
    both): the child opens its own."""
    ref = weakref.ref(engine)

    def after_fork() -> None:
        forked = ref()
        if forked is not None:
            _INHERITED_POOLS.append(forked.pool)
            forked.dispose(close=False)

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=after_fork)

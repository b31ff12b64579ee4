"""Creating, upgrading, checking and dropping the metadata schema with Alembic.

An upgrade runs in one transaction under a database-wide lock (an advisory lock on
PostgreSQL, a named lock on MySQL, the write lock on SQLite), so processes that open a fresh
database at the same moment migrate it once and the others then find it up to date.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from airstream.store import tables
from airstream.store.engine import WRITE_OPTION
from airstream.store.errors import SchemaNotReady

#: Arbitrary constant identifying airstream's migration lock on PostgreSQL.
PG_MIGRATION_LOCK_ID = 0x41495253  # "AIRS"
MYSQL_LOCK_NAME = "airstream_migrate"
MYSQL_LOCK_TIMEOUT_S = 120
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands relative to this airstream's migrations."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "no migrations packaged"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def schema_status(engine: sa.Engine) -> SchemaStatus:
    with engine.connect() as connection:
        return SchemaStatus(current_revision(connection), head_revision())


def upgrade(engine: sa.Engine, revision: str = "head") -> SchemaStatus:
    """Bring the schema to ``revision`` (the newest by default); a no-op when already there."""
    writer = engine.connect().execution_options(**{WRITE_OPTION: True})
    with writer as connection, connection.begin(), _migration_lock(connection):
        current = current_revision(connection)
        if current is not None and current not in known_revisions():
            raise SchemaNotReady(
                f"the database schema is at revision {current}, newer than this airstream "
                f"knows (up to {head_revision()}): upgrade airstream"
            )
        if current != head_revision() or revision != "head":
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        status = SchemaStatus(current_revision(connection), head_revision())
    return status


def differences(engine: sa.Engine) -> list[str]:
    """Differences between :mod:`airstream.store.tables` and the live schema (none is good)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [repr(diff) for diff in compare_metadata(context, tables.metadata)]


def drop_all(engine: sa.Engine) -> None:
    """Drop airstream's tables and its migration record, and nothing else in the database."""
    writer = engine.connect().execution_options(**{WRITE_OPTION: True})
    with writer as connection, connection.begin(), _migration_lock(connection):
        tables.metadata.drop_all(connection)
        sa.Table(VERSION_TABLE, sa.MetaData()).drop(connection, checkfirst=True)


@contextlib.contextmanager
def _migration_lock(connection: sa.Connection) -> Iterator[None]:
    backend = connection.dialect.name
    if backend == "postgresql":
        # Released automatically when the surrounding transaction ends.
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_MIGRATION_LOCK_ID)))
        yield
    elif backend in ("mysql", "mariadb"):
        connection.execute(sa.select(sa.func.get_lock(MYSQL_LOCK_NAME, MYSQL_LOCK_TIMEOUT_S)))
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.release_lock(MYSQL_LOCK_NAME)))
    else:
        # SQLite: the connection began with BEGIN IMMEDIATE, which is the lock.
        yield

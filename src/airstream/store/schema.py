"""Creating, upgrading, checking and dropping the metadata schema with Alembic.

An upgrade runs in one transaction under a database-wide lock (an advisory lock on
PostgreSQL, a named lock on MySQL, the write lock on SQLite), so processes that open a fresh
database at the same moment migrate it once and the others then find it up to date.

Alembic is imported only when there is something to do: every airstream process opens the
store, and Alembic costs each one about 10 MB. Whether the schema is current is answered
without it, from the ``alembic_version`` row and the newest migration file's revision
(migrations are a single line of revisions named ``NNNN``, the file name's prefix).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from airstream.store import tables
from airstream.store.engine import WRITE_OPTION
from airstream.store.errors import SchemaNotReady

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: Arbitrary constant identifying airstream's migration lock on PostgreSQL.
PG_MIGRATION_LOCK_ID = 0x41495253  # "AIRS"
MYSQL_LOCK_NAME = "airstream_migrate"
MYSQL_LOCK_TIMEOUT_S = 120
VERSION_TABLE = "alembic_version"
MIGRATIONS = Path(__file__).parent / "migrations"


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def newest_migration_file_revision() -> str:
    """The head revision as the migration files' names tell it, without Alembic."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def recorded_revision(engine: sa.Engine) -> str | None:
    """The revision in ``alembic_version`` (``None``: no table or no row), read plainly."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return None
        table = sa.table(VERSION_TABLE, sa.column("version_num"))
        return connection.execute(sa.select(table.c.version_num)).scalar()


def _current_without_alembic(engine: sa.Engine) -> SchemaStatus | None:
    head = newest_migration_file_revision()
    return SchemaStatus(head, head) if recorded_revision(engine) == head else None


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "no migrations packaged"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(connection: sa.Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def schema_status(engine: sa.Engine) -> SchemaStatus:
    if (status := _current_without_alembic(engine)) is not None:
        return status
    with engine.connect() as connection:
        return SchemaStatus(current_revision(connection), head_revision())


def upgrade(engine: sa.Engine, revision: str = "head") -> SchemaStatus:
    """Bring the schema to ``revision`` (the newest by default); a no-op when already there."""
    if revision == "head" and (status := _current_without_alembic(engine)) is not None:
        return status
    from alembic import command

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
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

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

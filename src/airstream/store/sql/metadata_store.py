"""The metadata store on SQLAlchemy Core: SQLite, PostgreSQL, MySQL/MariaDB.

Thread- and process-safe. Each concept's verbs live in a module of this package named after
it (``dags``, ``dag_runs``, ``task_instances``, ...); this class puts them together behind
:class:`~airstream.store.base.MetadataStore`. Compare-and-set updates are single
``UPDATE ... WHERE state IN (...)`` statements, atomic on every backend.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from airstream.store import schema
from airstream.store.base import MetadataStore
from airstream.store.engine import create_store_engine
from airstream.store.errors import SchemaNotReady
from airstream.store.sql.assets import AssetVerbs
from airstream.store.sql.audit_log import LogEventVerbs
from airstream.store.sql.connections import ConnectionVerbs
from airstream.store.sql.dag_runs import DagRunVerbs
from airstream.store.sql.dags import DagVerbs
from airstream.store.sql.jobs import JobVerbs
from airstream.store.sql.pools import PoolVerbs
from airstream.store.sql.task_instances import TaskInstanceVerbs
from airstream.store.sql.topic_positions import TopicPositionVerbs
from airstream.store.sql.variables import VariableVerbs
from airstream.store.sql.xcoms import XComVerbs


class SqlMetadataStore(
    DagVerbs,
    DagRunVerbs,
    TaskInstanceVerbs,
    XComVerbs,
    LogEventVerbs,
    VariableVerbs,
    ConnectionVerbs,
    PoolVerbs,
    AssetVerbs,
    TopicPositionVerbs,
    JobVerbs,
    MetadataStore,
):
    """:class:`MetadataStore` on one SQLAlchemy engine; ``clock`` stamps ``updated_at`` etc."""

    @classmethod
    def open(cls, url: str | URL, *, migrate: bool = True) -> SqlMetadataStore:
        """Connect to ``url``; migrate the schema to the newest revision, or require it."""
        engine = create_store_engine(url)
        status = schema.upgrade(engine) if migrate else schema.schema_status(engine)
        if not status.up_to_date:
            engine.dispose()
            raise SchemaNotReady(
                f"database schema is at revision {status.current or 'none'}, airstream needs "
                f"{status.head}: run `airstream db migrate`"
            )
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

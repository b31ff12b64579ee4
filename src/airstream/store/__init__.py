"""The metadata store: DAGs, runs, task instances, XComs, variables, connections, pools.

Open one with :func:`open_store` and use its verbs (:class:`MetadataStore`); rows come back
as the frozen dataclasses of :mod:`airstream.store.records`. Variables and connections set in
the environment are found by :mod:`airstream.store.secrets` before the database is asked.

Schema policy: unlike Airflow, which refuses to start until ``airflow db migrate`` has run,
:func:`open_store` brings the schema up to date itself (under a lock, so concurrent first
opens are safe), so that ``airstream dags test`` on a fresh ``AIRSTREAM_HOME`` just works.
Pass ``migrate=False`` to get Airflow's behaviour: a :class:`SchemaNotReady` error instead.
"""

from __future__ import annotations

from airstream.store.base import MetadataStore
from airstream.store.errors import (
    AlreadyExists,
    ConnectionAlreadyExists,
    DagRunAlreadyExists,
    InvalidConnectionUri,
    NotFound,
    SchemaNotReady,
    StoreError,
    TaskInstanceAlreadyExists,
)

__all__ = [
    "AlreadyExists",
    "ConnectionAlreadyExists",
    "DagRunAlreadyExists",
    "InvalidConnectionUri",
    "MetadataStore",
    "NotFound",
    "SchemaNotReady",
    "StoreError",
    "TaskInstanceAlreadyExists",
    "open_store",
]


def open_store(url: str, *, migrate: bool = True, migrate_in_child: bool = False) -> MetadataStore:
    """Open the metadata database at SQLAlchemy ``url`` (``sqlite:///...``, ``postgresql://...``).

    ``postgresql://`` and ``mysql://`` URLs get the psycopg 3 and PyMySQL drivers. With
    ``migrate`` (the default) the schema is created or upgraded to the newest revision first;
    ``migrate_in_child`` does that in a short-lived child process, for long-running services
    that should not keep Alembic's modules in memory for the rest of their life.
    """
    # Imported here so that importing airstream.store does not load SQLAlchemy and Alembic.
    from airstream.store.sql import SqlMetadataStore

    if migrate and migrate_in_child:
        _migrate_in_child(url)
        migrate = False
    return SqlMetadataStore.open(url, migrate=migrate)


def _migrate_in_child(url: str) -> None:
    import subprocess
    import sys

    from airstream.store.engine import create_store_engine
    from airstream.store.schema import newest_migration_file_revision, recorded_revision

    engine = create_store_engine(url)
    try:
        if recorded_revision(engine) == newest_migration_file_revision():
            return
    finally:
        engine.dispose()
    code = "import sys; from airstream.store import open_store; open_store(sys.argv[1]).close()"
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SchemaNotReady(f"migrating the metadata database failed: {last}")

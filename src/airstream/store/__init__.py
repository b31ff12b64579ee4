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


def open_store(url: str, *, migrate: bool = True) -> MetadataStore:
    """Open the metadata database at SQLAlchemy ``url`` (``sqlite:///...``, ``postgresql://...``).

    ``postgresql://`` and ``mysql://`` URLs get the psycopg 3 and PyMySQL drivers. With
    ``migrate`` (the default) the schema is created or upgraded to the newest revision first.
    """
    # Imported here so that importing airstream.store does not load SQLAlchemy and Alembic.
    from airstream.store.sql import SqlMetadataStore

    return SqlMetadataStore.open(url, migrate=migrate)

"""Errors raised by the metadata store; each names the row it is about."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every metadata store error."""


class AlreadyExists(StoreError):
    """A row with the same unique key is already stored."""


class DagRunAlreadyExists(AlreadyExists):
    """``(dag_id, run_id)`` is taken."""

    def __init__(self, dag_id: str, run_id: str) -> None:
        super().__init__(f"A DAG run {run_id!r} already exists for DAG {dag_id!r}")
        self.dag_id = dag_id
        self.run_id = run_id


class TaskInstanceAlreadyExists(AlreadyExists):
    """A task instance with the same key is already in the run."""


class ConnectionAlreadyExists(AlreadyExists):
    """``conn_id`` is taken."""

    def __init__(self, conn_id: str) -> None:
        super().__init__(f"A connection with conn_id {conn_id!r} already exists")
        self.conn_id = conn_id


class NotFound(StoreError, LookupError):
    """The row a verb needs (a DAG run for its task instances, a pool, ...) is not stored."""


class SchemaNotReady(StoreError):
    """The database schema is missing or older than this airstream: run ``airstream db migrate``."""


class InvalidConnectionUri(StoreError, ValueError):
    """A connection URI or JSON form that cannot be parsed."""


class PositionMoved(StoreError):
    """A topic position was not where the caller expected: another writer got there first.

    Nothing was written; the caller re-reads the positions and drops what it consumed twice.
    """

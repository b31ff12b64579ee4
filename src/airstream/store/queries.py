"""Filters, ordering and paging for the store's listing verbs.

``order_by`` names a column; a leading ``-`` sorts descending (as in Airflow's REST API).
``limit=None`` returns every row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from airstream.store.records import DagRunState, DagRunType, TaskInstanceState


@dataclass(frozen=True)
class Page:
    """Which slice of an ordered listing to return."""

    limit: int | None = None
    offset: int = 0
    order_by: str | None = None


@dataclass(frozen=True)
class DagQuery:
    """Filters for :meth:`MetadataStore.list_dags`.

    ``dag_id_pattern`` is a case-insensitive substring (Airflow's ``dag_id_pattern``);
    ``tags`` matches DAGs carrying any of them.
    """

    dag_ids: Collection[str] | None = None
    dag_id_pattern: str | None = None
    paused: bool | None = None
    include_stale: bool = False
    tags: Collection[str] | None = None
    fileloc: str | None = None
    #: Leave out the DAGs whose ``schedule`` summary is this one, but for ``except_dag_ids``:
    #: the scheduler's pass reads the DAGs that make runs and those that have runs.
    skip_schedule: str | None = None
    except_dag_ids: Collection[str] = ()


@dataclass(frozen=True)
class DagRunQuery:
    """Filters for :meth:`MetadataStore.list_dag_runs`; the date bounds are inclusive."""

    dag_ids: Collection[str] | None = None
    run_ids: Collection[str] | None = None
    states: Collection[DagRunState] | None = None
    run_types: Collection[DagRunType] | None = None
    logical_date_gte: datetime | None = None
    logical_date_lte: datetime | None = None
    run_after_gte: datetime | None = None
    run_after_lte: datetime | None = None
    #: Only runs changed at or after this time (``updated_at``): what watchers poll for.
    updated_since: datetime | None = None


@dataclass(frozen=True)
class TaskInstanceQuery:
    """Filters for :meth:`MetadataStore.list_tis`."""

    dag_ids: Collection[str] | None = None
    run_ids: Collection[str] | None = None
    task_ids: Collection[str] | None = None
    map_indexes: Collection[int] | None = None
    states: Collection[TaskInstanceState] | None = None
    pools: Collection[str] | None = None
    queues: Collection[str] | None = None
    #: Only task instances changed at or after this time (``updated_at``).
    updated_since: datetime | None = None


@dataclass(frozen=True)
class LogEventQuery:
    """Filters for :meth:`MetadataStore.list_log_events`; the time bounds are inclusive."""

    dag_ids: Collection[str] | None = None
    run_ids: Collection[str] | None = None
    task_ids: Collection[str] | None = None
    events: Collection[str] | None = None
    after: datetime | None = None
    before: datetime | None = None

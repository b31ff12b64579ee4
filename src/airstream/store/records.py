"""Rows of the metadata store as frozen dataclasses, with Airflow 3's names and state strings.

These are plain values: no session, no lazy loading. Every datetime is timezone-aware UTC
(the store rejects naive datetimes). JSON columns (``conf``, ``rendered_fields``, XCom values,
connection ``extra`` once parsed) hold anything :func:`json.dumps` accepts.

``TaskInstanceState.NONE`` is the Python face of Airflow's "no state": it is stored as SQL
``NULL`` in ``task_instance.state`` exactly as Airflow stores it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

#: The pool every task instance uses unless it names another; created by the first migration.
DEFAULT_POOL_NAME = "default_pool"
DEFAULT_POOL_SLOTS = 128
DEFAULT_QUEUE = "default"


class DagRunState(enum.StrEnum):
    """Airflow's DagRunState."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class TaskInstanceState(enum.StrEnum):
    """Airflow's TaskInstanceState, plus ``NONE`` for a task instance with no state yet."""

    NONE = "none"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    UPSTREAM_FAILED = "upstream_failed"
    REMOVED = "removed"
    DEFERRED = "deferred"
    RESTARTING = "restarting"


#: Task instance states after which nothing more runs for that try (Airflow's ``finished``).
FINISHED_TI_STATES: frozenset[TaskInstanceState] = frozenset(
    {
        TaskInstanceState.SUCCESS,
        TaskInstanceState.FAILED,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)


class DagRunType(enum.StrEnum):
    """How a DAG run came to be; also the prefix of generated run ids (``manual__...``)."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    BACKFILL = "backfill"
    ASSET_TRIGGERED = "asset_triggered"

    def generate_run_id(self, logical_date: datetime) -> str:
        """Airflow's run id format: ``<type>__<logical date in ISO 8601>``."""
        return f"{self.value}__{logical_date.isoformat()}"


class DagRunTriggeredBy(enum.StrEnum):
    """Who or what created a DAG run (Airflow 3's ``triggered_by``)."""

    CLI = "cli"
    OPERATOR = "operator"
    REST_API = "rest_api"
    UI = "ui"
    TEST = "test"
    TIMETABLE = "timetable"
    ASSET = "asset"
    BACKFILL = "backfill"


@dataclass(frozen=True)
class DagModel:
    """One row of ``dag``: what the DAG processor learned about a DAG from its file.

    ``schedule`` is Airflow's ``timetable_summary`` (``"@daily"``, ``"0 * * * *"``,
    ``"1 day, 0:00:00"``, ``None`` for unscheduled).
    """

    dag_id: str
    fileloc: str = ""
    relative_fileloc: str | None = None
    bundle_name: str | None = None
    is_paused: bool = False
    is_stale: bool = False
    schedule: str | None = None
    timetable_description: str | None = None
    tags: tuple[str, ...] = ()
    owners: str = ""
    description: str | None = None
    last_parsed_time: datetime | None = None
    max_active_tasks: int = 16
    max_active_runs: int = 16
    max_consecutive_failed_dag_runs: int = 0
    has_task_concurrency_limits: bool = False
    has_import_errors: bool = False
    next_dagrun: datetime | None = None
    next_dagrun_data_interval_start: datetime | None = None
    next_dagrun_data_interval_end: datetime | None = None
    next_dagrun_create_after: datetime | None = None


@dataclass(frozen=True)
class SerializedDag:
    """The JSON structure of a DAG (``serialized_dag``), as the DAG processor last wrote it."""

    dag_id: str
    data: Mapping[str, Any]
    dag_hash: str
    last_updated: datetime


@dataclass(frozen=True)
class ParseImportError:
    """A DAG file that failed to load (Airflow 3's ``import_error`` / ``ParseImportError``)."""

    filename: str
    stacktrace: str
    timestamp: datetime
    bundle_name: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class DagRun:
    """One row of ``dag_run``. ``id`` is assigned by the store on creation."""

    dag_id: str
    run_id: str
    run_type: DagRunType = DagRunType.MANUAL
    state: DagRunState = DagRunState.QUEUED
    logical_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    run_after: datetime | None = None
    conf: Mapping[str, Any] = field(default_factory=dict)
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    triggered_by: DagRunTriggeredBy | None = None
    last_scheduling_decision: datetime | None = None
    clear_number: int = 0
    note: str | None = None
    updated_at: datetime | None = None
    id: int | None = None


class TaskInstanceKey(NamedTuple):
    """What identifies a task instance (Airflow's TaskInstanceKey without the try number)."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1


@dataclass(frozen=True)
class TaskInstance:
    """One row of ``task_instance`` (or, for a finished try, of ``task_instance_history``).

    ``try_number`` follows Airflow 3: 0 before the first try, incremented when a try is
    scheduled. ``max_tries`` is the task's ``retries``. ``id`` is a UUID assigned by the store.
    """

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    try_number: int = 0
    max_tries: int = 0
    state: TaskInstanceState = TaskInstanceState.NONE
    pool: str = DEFAULT_POOL_NAME
    pool_slots: int = 1
    queue: str = DEFAULT_QUEUE
    priority_weight: int = 1
    operator: str | None = None
    custom_operator_name: str | None = None
    task_display_name: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    scheduled_dttm: datetime | None = None
    queued_dttm: datetime | None = None
    hostname: str = ""
    unixname: str = ""
    pid: int | None = None
    executor: str | None = None
    external_executor_id: str | None = None
    rendered_fields: Mapping[str, Any] | None = None
    rendered_map_index: str | None = None
    next_method: str | None = None
    next_kwargs: Mapping[str, Any] | None = None
    trigger_timeout: datetime | None = None
    last_heartbeat_at: datetime | None = None
    note: str | None = None
    updated_at: datetime | None = None
    id: str | None = None

    @property
    def key(self) -> TaskInstanceKey:
        return TaskInstanceKey(self.dag_id, self.run_id, self.task_id, self.map_index)


#: Columns of a task instance that :meth:`MetadataStore.update_ti` may change.
TASK_INSTANCE_MUTABLE_FIELDS: frozenset[str] = frozenset(
    f.name for f in dataclasses.fields(TaskInstance)
) - {"dag_id", "run_id", "task_id", "map_index", "id", "updated_at"}

#: Columns of a DAG run that :meth:`MetadataStore.update_dag_run` may change.
DAG_RUN_MUTABLE_FIELDS: frozenset[str] = frozenset(
    {
        "state",
        "start_date",
        "end_date",
        "queued_at",
        "last_scheduling_decision",
        "conf",
        "note",
        "clear_number",
        "data_interval_start",
        "data_interval_end",
        "run_after",
    }
)


@dataclass(frozen=True)
class XComEntry:
    """One XCom value, pushed by a task instance under ``key`` (``return_value`` by default)."""

    dag_id: str
    run_id: str
    task_id: str
    key: str
    value: Any
    map_index: int = -1
    timestamp: datetime | None = None


@dataclass(frozen=True)
class Variable:
    """A key/value setting stored in ``variable``; ``val`` is the stored text."""

    key: str
    val: str
    description: str | None = None


@dataclass(frozen=True)
class Connection:
    """Credentials for an external system, as in Airflow's ``connection`` table.

    ``extra`` is the stored JSON text (or ``None``); :attr:`extra_dejson` parses it.
    """

    conn_id: str
    conn_type: str = ""
    description: str | None = None
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra: str | None = None

    @property
    def extra_dejson(self) -> dict[str, Any]:
        from airstream.store.connection_uri import parse_extra

        return parse_extra(self.extra)

    def get_uri(self) -> str:
        """The connection as an Airflow connection URI (``AIRFLOW_CONN_*`` format)."""
        from airstream.store.connection_uri import connection_to_uri

        return connection_to_uri(self)

    @classmethod
    def from_uri(cls, conn_id: str, uri: str) -> Connection:
        """Parse an Airflow connection URI."""
        from airstream.store.connection_uri import connection_from_uri

        return connection_from_uri(conn_id, uri)

    def to_json_dict(self) -> dict[str, Any]:
        """Airflow's JSON form of the connection (``None`` fields left out)."""
        from airstream.store.connection_uri import connection_to_json_dict

        return connection_to_json_dict(self)


@dataclass(frozen=True)
class Pool:
    """A named number of slots shared by the task instances that use it (``slot_pool``)."""

    pool: str
    slots: int
    description: str | None = None
    include_deferred: bool = False


@dataclass(frozen=True)
class TaskReschedule:
    """One reschedule of a sensor in ``reschedule`` mode (Airflow's ``task_reschedule``).

    The first one's ``start_date`` is when the sensor started poking, from which its
    ``timeout`` counts; ``reschedule_date`` is when it may poke again.
    """

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    start_date: datetime
    end_date: datetime
    reschedule_date: datetime
    duration: float | None = None
    id: int | None = None


@dataclass(frozen=True)
class LogEvent:
    """An audit event (Airflow's ``log`` table): who did what, to what, and when."""

    event: str
    dttm: datetime | None = None
    dag_id: str | None = None
    task_id: str | None = None
    map_index: int | None = None
    run_id: str | None = None
    try_number: int | None = None
    logical_date: datetime | None = None
    owner: str | None = None
    extra: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class AssetEvent:
    """An update of an asset (Airflow's ``asset_event``): what a task or a trigger produced.

    The asset is named by ``name`` and ``uri`` (the store creates its ``asset`` row on first
    use). ``source_*`` say which task instance produced it; events from a topic trigger have
    none and carry the records in ``extra["payload"]``, as Airflow's trigger events do.
    """

    name: str
    uri: str
    group: str = "asset"
    extra: Mapping[str, Any] = field(default_factory=dict)
    source_dag_id: str | None = None
    source_run_id: str | None = None
    source_task_id: str | None = None
    source_map_index: int = -1
    timestamp: datetime | None = None
    asset_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class TopicPositionMove:
    """Where a topic-triggered DAG's position in one partition goes: ``expected`` → ``offset``.

    ``offset`` is the next offset to process. ``expected`` is the stored position the move
    starts from (``None``: the DAG has none there yet); a move from anywhere else fails.
    """

    partition: int
    expected: int | None
    offset: int


class JobType(enum.StrEnum):
    """The long-running processes that heartbeat into the ``job`` table."""

    SCHEDULER = "scheduler"
    DAG_PROCESSOR = "dag_processor"


@dataclass(frozen=True)
class Job:
    """One run of a long-running process and its latest heartbeat (Airflow's ``job``)."""

    job_type: JobType
    hostname: str
    pid: int
    state: str = "running"
    start_date: datetime | None = None
    latest_heartbeat: datetime | None = None
    id: int | None = None

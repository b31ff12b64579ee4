"""The metadata tables (SQLAlchemy Core), named and shaped after Airflow 3's.

This module describes the newest schema; the migrations under ``migrations/versions`` are
what create it, and ``airstream db check`` verifies that the two agree. Constraint names
follow a fixed convention so that SQLite's batch migrations can find them again.
"""

from __future__ import annotations

import sqlalchemy as sa

from airstream.store.column_types import UtcDateTime, id_type, json_type

#: Length of dag_id, task_id and run_id columns (Airflow's ID_LEN).
ID_LEN = 250

NAMING_CONVENTION = {
    "ix": "idx_%(table_name)s_%(column_0_N_name)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

dag = sa.Table(
    "dag",
    metadata,
    sa.Column("dag_id", id_type(ID_LEN), primary_key=True),
    sa.Column("is_paused", sa.Boolean, nullable=False, default=False),
    sa.Column("is_stale", sa.Boolean, nullable=False, default=False),
    sa.Column("last_parsed_time", UtcDateTime),
    sa.Column("fileloc", sa.String(2000), nullable=False, default=""),
    sa.Column("relative_fileloc", sa.String(2000)),
    sa.Column("bundle_name", id_type(ID_LEN)),
    sa.Column("owners", sa.String(2000), nullable=False, default=""),
    sa.Column("description", sa.Text),
    sa.Column("timetable_summary", sa.Text),
    sa.Column("timetable_description", sa.String(1000)),
    sa.Column("max_active_tasks", sa.Integer, nullable=False),
    sa.Column("max_active_runs", sa.Integer, nullable=False),
    sa.Column("max_consecutive_failed_dag_runs", sa.Integer, nullable=False, default=0),
    sa.Column("has_task_concurrency_limits", sa.Boolean, nullable=False, default=False),
    sa.Column("has_import_errors", sa.Boolean, nullable=False, default=False),
    sa.Column("next_dagrun", UtcDateTime),
    sa.Column("next_dagrun_data_interval_start", UtcDateTime),
    sa.Column("next_dagrun_data_interval_end", UtcDateTime),
    sa.Column("next_dagrun_create_after", UtcDateTime),
    sa.Index(None, "is_paused", "is_stale"),
    sa.Index(None, "next_dagrun_create_after"),
)

dag_tag = sa.Table(
    "dag_tag",
    metadata,
    sa.Column("name", id_type(100), primary_key=True),
    sa.Column(
        "dag_id",
        id_type(ID_LEN),
        sa.ForeignKey("dag.dag_id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

serialized_dag = sa.Table(
    "serialized_dag",
    metadata,
    sa.Column(
        "dag_id",
        id_type(ID_LEN),
        sa.ForeignKey("dag.dag_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("data", json_type(), nullable=False),
    sa.Column("dag_hash", sa.String(32), nullable=False),
    sa.Column("last_updated", UtcDateTime, nullable=False),
)

import_error = sa.Table(
    "import_error",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("timestamp", UtcDateTime, nullable=False),
    sa.Column("filename", sa.String(1024), nullable=False),
    sa.Column("bundle_name", id_type(ID_LEN)),
    sa.Column("stacktrace", sa.Text, nullable=False),
    sa.Index(None, "filename"),
)

dag_run = sa.Table(
    "dag_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dag_id", id_type(ID_LEN), nullable=False),
    sa.Column("run_id", id_type(ID_LEN), nullable=False),
    sa.Column("run_type", sa.String(50), nullable=False),
    sa.Column("state", sa.String(50), nullable=False),
    sa.Column("logical_date", UtcDateTime),
    sa.Column("data_interval_start", UtcDateTime),
    sa.Column("data_interval_end", UtcDateTime),
    sa.Column("run_after", UtcDateTime, nullable=False),
    sa.Column("conf", json_type()),
    sa.Column("queued_at", UtcDateTime),
    sa.Column("start_date", UtcDateTime),
    sa.Column("end_date", UtcDateTime),
    sa.Column("triggered_by", sa.String(50)),
    sa.Column("last_scheduling_decision", UtcDateTime),
    sa.Column("clear_number", sa.Integer, nullable=False, default=0),
    sa.Column("note", sa.Text),
    sa.Column("updated_at", UtcDateTime),
    sa.UniqueConstraint("dag_id", "run_id"),
    sa.Index(None, "dag_id", "state"),
    sa.Index(None, "state"),
    sa.Index(None, "dag_id", "logical_date"),
    sa.Index(None, "run_after"),
)


def _task_instance_columns() -> list[sa.Column[object]]:
    """Columns shared by ``task_instance`` and ``task_instance_history`` (fresh objects)."""
    return [
        sa.Column("task_id", id_type(ID_LEN), nullable=False),
        sa.Column("dag_id", id_type(ID_LEN), nullable=False),
        sa.Column("run_id", id_type(ID_LEN), nullable=False),
        sa.Column("map_index", sa.Integer, nullable=False, default=-1),
        sa.Column("try_number", sa.Integer, nullable=False, default=0),
        sa.Column("max_tries", sa.Integer, nullable=False, default=0),
        sa.Column("state", sa.String(20)),
        sa.Column("pool", sa.String(256), nullable=False),
        sa.Column("pool_slots", sa.Integer, nullable=False, default=1),
        sa.Column("queue", sa.String(256)),
        sa.Column("priority_weight", sa.Integer),
        sa.Column("operator", sa.String(1000)),
        sa.Column("custom_operator_name", sa.String(1000)),
        sa.Column("task_display_name", sa.String(2000)),
        sa.Column("start_date", UtcDateTime),
        sa.Column("end_date", UtcDateTime),
        sa.Column("duration", sa.Float),
        sa.Column("scheduled_dttm", UtcDateTime),
        sa.Column("queued_dttm", UtcDateTime),
        sa.Column("hostname", sa.String(1000)),
        sa.Column("unixname", sa.String(1000)),
        sa.Column("pid", sa.Integer),
        sa.Column("executor", sa.String(1000)),
        sa.Column("external_executor_id", id_type(ID_LEN)),
        sa.Column("rendered_fields", json_type()),
        sa.Column("rendered_map_index", id_type(ID_LEN)),
        sa.Column("next_method", sa.String(1000)),
        sa.Column("next_kwargs", json_type()),
        sa.Column("trigger_timeout", UtcDateTime),
        sa.Column("last_heartbeat_at", UtcDateTime),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", UtcDateTime),
    ]


task_instance = sa.Table(
    "task_instance",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    *_task_instance_columns(),
    sa.UniqueConstraint("dag_id", "task_id", "run_id", "map_index"),
    sa.ForeignKeyConstraint(
        ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
    ),
    sa.Index(None, "dag_id", "run_id", "state"),
    sa.Index(None, "state"),
    sa.Index(None, "pool", "state"),
)

task_instance_history = sa.Table(
    "task_instance_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_instance_id", sa.String(36), nullable=False),
    *_task_instance_columns(),
    sa.UniqueConstraint(
        "dag_id",
        "task_id",
        "run_id",
        "map_index",
        "try_number",
        name="task_instance_history_dtrmt_uq",
    ),
    sa.ForeignKeyConstraint(
        ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
    ),
)

xcom = sa.Table(
    "xcom",
    metadata,
    sa.Column(
        "dag_run_id",
        sa.Integer,
        sa.ForeignKey("dag_run.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("task_id", id_type(ID_LEN), primary_key=True),
    sa.Column("map_index", sa.Integer, primary_key=True, default=-1),
    sa.Column("key", id_type(512), primary_key=True),
    sa.Column("dag_id", id_type(ID_LEN), nullable=False),
    sa.Column("run_id", id_type(ID_LEN), nullable=False),
    sa.Column("value", json_type()),
    sa.Column("timestamp", UtcDateTime, nullable=False),
    sa.Index(None, "key"),
)

variable = sa.Table(
    "variable",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", id_type(ID_LEN), nullable=False, unique=True),
    sa.Column("val", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("is_encrypted", sa.Boolean, nullable=False, default=False),
)

connection = sa.Table(
    "connection",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conn_id", id_type(ID_LEN), nullable=False, unique=True),
    sa.Column("conn_type", sa.String(500), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("host", sa.String(500)),
    sa.Column("schema", sa.String(500)),
    sa.Column("login", sa.Text),
    sa.Column("password", sa.Text),
    sa.Column("port", sa.Integer),
    sa.Column("is_encrypted", sa.Boolean, nullable=False, default=False),
    sa.Column("is_extra_encrypted", sa.Boolean, nullable=False, default=False),
    sa.Column("extra", sa.Text),
)

slot_pool = sa.Table(
    "slot_pool",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pool", id_type(256), nullable=False, unique=True),
    sa.Column("slots", sa.Integer, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("include_deferred", sa.Boolean, nullable=False, default=False),
)

#: Each reschedule of a sensor in reschedule mode (added by revision 0002).
task_reschedule = sa.Table(
    "task_reschedule",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "ti_id",
        sa.String(36),
        sa.ForeignKey("task_instance.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("try_number", sa.Integer, nullable=False),
    sa.Column("start_date", UtcDateTime, nullable=False),
    sa.Column("end_date", UtcDateTime, nullable=False),
    sa.Column("duration", sa.Float),
    sa.Column("reschedule_date", UtcDateTime, nullable=False),
    sa.Index(None, "ti_id"),
)

#: Audit events (Airflow's ``log`` table): who did what to which DAG, run or task, and when.
log = sa.Table(
    "log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dttm", UtcDateTime, nullable=False),
    sa.Column("dag_id", id_type(ID_LEN)),
    sa.Column("task_id", id_type(ID_LEN)),
    sa.Column("map_index", sa.Integer),
    sa.Column("event", sa.String(60), nullable=False),
    sa.Column("logical_date", UtcDateTime),
    sa.Column("run_id", id_type(ID_LEN)),
    sa.Column("owner", sa.String(500)),
    sa.Column("extra", sa.Text),
    sa.Column("try_number", sa.Integer),
    sa.Index(None, "dag_id", "dttm"),
    sa.Index(None, "event", "dttm"),
)

#: Assets that tasks updated or DAGs are scheduled on (added by revision 0003).
asset = sa.Table(
    "asset",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", id_type(ID_LEN), nullable=False),
    # 500 characters keep (name, uri) within MySQL's 3072-byte index key in utf8mb4.
    sa.Column("uri", id_type(500), nullable=False),
    sa.Column("group", id_type(ID_LEN), nullable=False, default="asset"),
    sa.Column("extra", json_type()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("name", "uri"),
)

#: Each update of an asset: by a task's outlet, or by a topic trigger (``extra.payload``).
asset_event = sa.Table(
    "asset_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("extra", json_type()),
    sa.Column("source_dag_id", id_type(ID_LEN)),
    sa.Column("source_run_id", id_type(ID_LEN)),
    sa.Column("source_task_id", id_type(ID_LEN)),
    sa.Column("source_map_index", sa.Integer, nullable=False, default=-1),
    sa.Column("timestamp", UtcDateTime, nullable=False),
    sa.Index(None, "asset_id", "id"),
)

#: The asset events that started each asset-triggered run (``triggering_asset_events``).
dagrun_asset_event = sa.Table(
    "dagrun_asset_event",
    metadata,
    sa.Column(
        "dag_run_id",
        sa.Integer,
        sa.ForeignKey("dag_run.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "event_id",
        sa.Integer,
        sa.ForeignKey("asset_event.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Index(None, "event_id"),
)

#: Per asset-scheduled DAG, the newest asset event id its runs have consumed: the events
#: after it are the DAG's queue (Airflow's ``asset_dag_run_queue``, kept as one number).
asset_dag_watermark = sa.Table(
    "asset_dag_watermark",
    metadata,
    sa.Column("dag_id", id_type(ID_LEN), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

#: Per topic-triggered DAG and partition, the next offset to process. Written in the same
#: transaction as the run that carries the records before it: the truth after a crash.
topic_trigger_position = sa.Table(
    "topic_trigger_position",
    metadata,
    sa.Column("dag_id", id_type(ID_LEN), primary_key=True),
    sa.Column("topic", id_type(ID_LEN), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

#: Long-running processes and their heartbeats (Airflow's ``job``), for the health check.
job = sa.Table(
    "job",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_type", sa.String(30), nullable=False),
    sa.Column("hostname", sa.String(500), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("start_date", UtcDateTime, nullable=False),
    sa.Column("latest_heartbeat", UtcDateTime, nullable=False),
    sa.Index(None, "job_type", "latest_heartbeat"),
)

"""Create the metadata tables, and the default pool.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:54:13.625345
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

from airstream.store.column_types import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here rather than imported, so later changes to the models cannot alter this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def ID(length: int) -> sa.types.TypeEngine[str]:
    """Key strings, compared byte for byte on MySQL too (a binary collation)."""
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def upgrade() -> None:
    op.create_table(
        "connection",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conn_id", ID(250), nullable=False),
        sa.Column("conn_type", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=500), nullable=True),
        sa.Column("schema", sa.String(length=500), nullable=True),
        sa.Column("login", sa.Text(), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("is_encrypted", sa.Boolean(), nullable=False),
        sa.Column("is_extra_encrypted", sa.Boolean(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("connection_pkey")),
        sa.UniqueConstraint("conn_id", name=op.f("connection_conn_id_key")),
    )
    op.create_table(
        "dag",
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("is_stale", sa.Boolean(), nullable=False),
        sa.Column("last_parsed_time", UtcDateTime(), nullable=True),
        sa.Column("fileloc", sa.String(length=2000), nullable=False),
        sa.Column("relative_fileloc", sa.String(length=2000), nullable=True),
        sa.Column("bundle_name", ID(250), nullable=True),
        sa.Column("owners", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("timetable_summary", sa.Text(), nullable=True),
        sa.Column("timetable_description", sa.String(length=1000), nullable=True),
        sa.Column("max_active_tasks", sa.Integer(), nullable=False),
        sa.Column("max_active_runs", sa.Integer(), nullable=False),
        sa.Column("max_consecutive_failed_dag_runs", sa.Integer(), nullable=False),
        sa.Column("has_task_concurrency_limits", sa.Boolean(), nullable=False),
        sa.Column("has_import_errors", sa.Boolean(), nullable=False),
        sa.Column("next_dagrun", UtcDateTime(), nullable=True),
        sa.Column("next_dagrun_data_interval_start", UtcDateTime(), nullable=True),
        sa.Column("next_dagrun_data_interval_end", UtcDateTime(), nullable=True),
        sa.Column("next_dagrun_create_after", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("dag_pkey")),
    )
    with op.batch_alter_table("dag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_dag_is_paused_is_stale"), ["is_paused", "is_stale"], unique=False
        )
        batch_op.create_index(
            batch_op.f("idx_dag_next_dagrun_create_after"),
            ["next_dagrun_create_after"],
            unique=False,
        )

    op.create_table(
        "dag_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("run_id", ID(250), nullable=False),
        sa.Column("run_type", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=50), nullable=False),
        sa.Column("logical_date", UtcDateTime(), nullable=True),
        sa.Column("data_interval_start", UtcDateTime(), nullable=True),
        sa.Column("data_interval_end", UtcDateTime(), nullable=True),
        sa.Column("run_after", UtcDateTime(), nullable=False),
        sa.Column("conf", JSON, nullable=True),
        sa.Column("queued_at", UtcDateTime(), nullable=True),
        sa.Column("start_date", UtcDateTime(), nullable=True),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("triggered_by", sa.String(length=50), nullable=True),
        sa.Column("last_scheduling_decision", UtcDateTime(), nullable=True),
        sa.Column("clear_number", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("dag_run_pkey")),
        sa.UniqueConstraint("dag_id", "run_id", name=op.f("dag_run_dag_id_run_id_key")),
    )
    with op.batch_alter_table("dag_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_dag_run_dag_id_logical_date"), ["dag_id", "logical_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("idx_dag_run_dag_id_state"), ["dag_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("idx_dag_run_run_after"), ["run_after"], unique=False)
        batch_op.create_index(batch_op.f("idx_dag_run_state"), ["state"], unique=False)

    op.create_table(
        "import_error",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.Column("filename", sa.String(length=1024), nullable=False),
        sa.Column("bundle_name", ID(250), nullable=True),
        sa.Column("stacktrace", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("import_error_pkey")),
    )
    with op.batch_alter_table("import_error", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_import_error_filename"), ["filename"], unique=False)

    op.create_table(
        "log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dttm", UtcDateTime(), nullable=False),
        sa.Column("dag_id", ID(250), nullable=True),
        sa.Column("task_id", ID(250), nullable=True),
        sa.Column("map_index", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("logical_date", UtcDateTime(), nullable=True),
        sa.Column("run_id", ID(250), nullable=True),
        sa.Column("owner", sa.String(length=500), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("try_number", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("log_pkey")),
    )
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_log_dag_id_dttm"), ["dag_id", "dttm"], unique=False)
        batch_op.create_index(batch_op.f("idx_log_event_dttm"), ["event", "dttm"], unique=False)

    slot_pool = op.create_table(
        "slot_pool",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pool", ID(256), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("include_deferred", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("slot_pool_pkey")),
        sa.UniqueConstraint("pool", name=op.f("slot_pool_pool_key")),
    )
    op.create_table(
        "variable",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", ID(250), nullable=False),
        sa.Column("val", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_encrypted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("variable_pkey")),
        sa.UniqueConstraint("key", name=op.f("variable_key_key")),
    )
    op.create_table(
        "dag_tag",
        sa.Column("name", ID(100), nullable=False),
        sa.Column("dag_id", ID(250), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id"], ["dag.dag_id"], name=op.f("dag_tag_dag_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("name", "dag_id", name=op.f("dag_tag_pkey")),
    )
    op.create_table(
        "serialized_dag",
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("dag_hash", sa.String(length=32), nullable=False),
        sa.Column("last_updated", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_id"], ["dag.dag_id"], name=op.f("serialized_dag_dag_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("serialized_dag_pkey")),
    )
    op.create_table(
        "task_instance",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_id", ID(250), nullable=False),
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("run_id", ID(250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("max_tries", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("pool", ID(256), nullable=False),
        sa.Column("pool_slots", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=256), nullable=True),
        sa.Column("priority_weight", sa.Integer(), nullable=True),
        sa.Column("operator", sa.String(length=1000), nullable=True),
        sa.Column("custom_operator_name", sa.String(length=1000), nullable=True),
        sa.Column("task_display_name", sa.String(length=2000), nullable=True),
        sa.Column("start_date", UtcDateTime(), nullable=True),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("scheduled_dttm", UtcDateTime(), nullable=True),
        sa.Column("queued_dttm", UtcDateTime(), nullable=True),
        sa.Column("hostname", sa.String(length=1000), nullable=True),
        sa.Column("unixname", sa.String(length=1000), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("executor", sa.String(length=1000), nullable=True),
        sa.Column("external_executor_id", ID(250), nullable=True),
        sa.Column("rendered_fields", JSON, nullable=True),
        sa.Column("rendered_map_index", ID(250), nullable=True),
        sa.Column("next_method", sa.String(length=1000), nullable=True),
        sa.Column("next_kwargs", JSON, nullable=True),
        sa.Column("trigger_timeout", UtcDateTime(), nullable=True),
        sa.Column("last_heartbeat_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("task_instance_dag_id_run_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("task_instance_pkey")),
        sa.UniqueConstraint(
            "dag_id",
            "task_id",
            "run_id",
            "map_index",
            name=op.f("task_instance_dag_id_task_id_run_id_map_index_key"),
        ),
    )
    with op.batch_alter_table("task_instance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_task_instance_dag_id_run_id_state"),
            ["dag_id", "run_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("idx_task_instance_pool_state"), ["pool", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("idx_task_instance_state"), ["state"], unique=False)

    op.create_table(
        "task_instance_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_instance_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", ID(250), nullable=False),
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("run_id", ID(250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("max_tries", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("pool", ID(256), nullable=False),
        sa.Column("pool_slots", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=256), nullable=True),
        sa.Column("priority_weight", sa.Integer(), nullable=True),
        sa.Column("operator", sa.String(length=1000), nullable=True),
        sa.Column("custom_operator_name", sa.String(length=1000), nullable=True),
        sa.Column("task_display_name", sa.String(length=2000), nullable=True),
        sa.Column("start_date", UtcDateTime(), nullable=True),
        sa.Column("end_date", UtcDateTime(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("scheduled_dttm", UtcDateTime(), nullable=True),
        sa.Column("queued_dttm", UtcDateTime(), nullable=True),
        sa.Column("hostname", sa.String(length=1000), nullable=True),
        sa.Column("unixname", sa.String(length=1000), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("executor", sa.String(length=1000), nullable=True),
        sa.Column("external_executor_id", ID(250), nullable=True),
        sa.Column("rendered_fields", JSON, nullable=True),
        sa.Column("rendered_map_index", ID(250), nullable=True),
        sa.Column("next_method", sa.String(length=1000), nullable=True),
        sa.Column("next_kwargs", JSON, nullable=True),
        sa.Column("trigger_timeout", UtcDateTime(), nullable=True),
        sa.Column("last_heartbeat_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dag_id", "run_id"],
            ["dag_run.dag_id", "dag_run.run_id"],
            name=op.f("task_instance_history_dag_id_run_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("task_instance_history_pkey")),
        sa.UniqueConstraint(
            "dag_id",
            "task_id",
            "run_id",
            "map_index",
            "try_number",
            name=op.f("task_instance_history_dtrmt_uq"),
        ),
    )
    op.create_table(
        "xcom",
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("task_id", ID(250), nullable=False),
        sa.Column("map_index", sa.Integer(), nullable=False),
        sa.Column("key", ID(512), nullable=False),
        sa.Column("dag_id", ID(250), nullable=False),
        sa.Column("run_id", ID(250), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_run_id"], ["dag_run.id"], name=op.f("xcom_dag_run_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "dag_run_id", "task_id", "map_index", "key", name=op.f("xcom_pkey")
        ),
    )
    with op.batch_alter_table("xcom", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_xcom_key"), ["key"], unique=False)
    op.bulk_insert(
        slot_pool,
        [
            {
                "pool": "default_pool",
                "slots": 128,
                "description": "Default pool",
                "include_deferred": False,
            }
        ],
    )


def downgrade() -> None:
    for table in (
        "xcom",
        "task_instance_history",
        "task_instance",
        "serialized_dag",
        "dag_tag",
        "variable",
        "slot_pool",
        "log",
        "import_error",
        "dag_run",
        "dag",
        "connection",
    ):
        op.drop_table(table)

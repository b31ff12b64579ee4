"""Add asset events, topic trigger positions and job heartbeats.

``asset``, ``asset_event`` and ``dagrun_asset_event`` record asset updates and the runs they
triggered; ``asset_dag_watermark`` is each asset-scheduled DAG's queue position;
``topic_trigger_position`` is each topic-triggered DAG's next offset per partition; ``job``
holds the heartbeats of the scheduler and the DAG processor.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from airstream.store.column_types import UtcDateTime, id_type, json_type

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "asset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", id_type(250), nullable=False),
        sa.Column("uri", id_type(500), nullable=False),
        sa.Column("group", id_type(250), nullable=False),
        sa.Column("extra", json_type(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("asset_pkey")),
        sa.UniqueConstraint("name", "uri", name=op.f("asset_name_uri_key")),
    )
    op.create_table(
        "asset_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("extra", json_type(), nullable=True),
        sa.Column("source_dag_id", id_type(250), nullable=True),
        sa.Column("source_run_id", id_type(250), nullable=True),
        sa.Column("source_task_id", id_type(250), nullable=True),
        sa.Column("source_map_index", sa.Integer(), nullable=False),
        sa.Column("timestamp", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["asset.id"], name=op.f("asset_event_asset_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("asset_event_pkey")),
    )
    with op.batch_alter_table("asset_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_asset_event_asset_id_id"), ["asset_id", "id"], unique=False
        )
    op.create_table(
        "dagrun_asset_event",
        sa.Column("dag_run_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dag_run_id"],
            ["dag_run.id"],
            name=op.f("dagrun_asset_event_dag_run_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["asset_event.id"],
            name=op.f("dagrun_asset_event_event_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dag_run_id", "event_id", name=op.f("dagrun_asset_event_pkey")),
    )
    with op.batch_alter_table("dagrun_asset_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_dagrun_asset_event_event_id"), ["event_id"], unique=False
        )
    op.create_table(
        "asset_dag_watermark",
        sa.Column("dag_id", id_type(250), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dag_id", name=op.f("asset_dag_watermark_pkey")),
    )
    op.create_table(
        "topic_trigger_position",
        sa.Column("dag_id", id_type(250), nullable=False),
        sa.Column("topic", id_type(250), nullable=False),
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dag_id", "topic", "partition", name=op.f("topic_trigger_position_pkey")
        ),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_type", sa.String(length=30), nullable=False),
        sa.Column("hostname", sa.String(length=500), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=False),
        sa.Column("latest_heartbeat", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("job_pkey")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_job_job_type_latest_heartbeat"),
            ["job_type", "latest_heartbeat"],
            unique=False,
        )


def downgrade() -> None:
    for table in (
        "job",
        "topic_trigger_position",
        "asset_dag_watermark",
        "dagrun_asset_event",
        "asset_event",
        "asset",
    ):
        op.drop_table(table)

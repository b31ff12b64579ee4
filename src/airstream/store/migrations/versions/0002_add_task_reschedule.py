"""Add task_reschedule: when each reschedule-mode sensor poked and may poke again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from airstream.store.column_types import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_reschedule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ti_id", sa.String(length=36), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("start_date", UtcDateTime(), nullable=False),
        sa.Column("end_date", UtcDateTime(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("reschedule_date", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ti_id"],
            ["task_instance.id"],
            name=op.f("task_reschedule_ti_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("task_reschedule_pkey")),
    )
    with op.batch_alter_table("task_reschedule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_task_reschedule_ti_id"), ["ti_id"], unique=False)


def downgrade() -> None:
    op.drop_table("task_reschedule")

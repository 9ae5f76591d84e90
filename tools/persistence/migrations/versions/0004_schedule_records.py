"""scheduler records: heartbeats, job slots, applied config changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 11:20:00

Why: the scheduler daemon (graph/schedule/) writes heartbeats that other processes read (status,
/ready, the risk gate's ``monitor_stale`` rule), records each job slot once per (job, slot time) so
a restart resumes or reports an interrupted slot, and audits every hot-reloaded config change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tools.persistence.types import UtcDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("beat_at", UtcDateTime(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("component", name=op.f("pk_heartbeats")),
    )
    op.create_table(
        "job_slots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("slot_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_slots")),
        sa.UniqueConstraint("job", "slot_at", name=op.f("uq_job_slots_job_slot_at")),
    )
    with op.batch_alter_table("job_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_slots_job"), ["job"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_slots_state"), ["state"], unique=False)
    op.create_table(
        "config_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_changes")),
    )
    with op.batch_alter_table("config_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_config_changes_applied_at"), ["applied_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("config_changes")
    op.drop_table("job_slots")
    op.drop_table("heartbeats")

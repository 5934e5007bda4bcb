"""schedule swap requests, and overrides that replace one user

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 04:46:29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.String(length=32)
_TIME = tocsin.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces", sa.String(length=200), nullable=True))
    op.create_table(
        "schedule_swaps",
        sa.Column("id", _ID, nullable=False),
        sa.Column("schedule_id", _ID, nullable=False),
        sa.Column("from_user", sa.String(length=200), nullable=False),
        sa.Column("to_user", sa.String(length=200), nullable=False),
        sa.Column("starts_at", _TIME, nullable=False),
        sa.Column("ends_at", _TIME, nullable=False),
        sa.Column("status", sa.String(length=16), server_default="requested", nullable=False),
        sa.Column("requested_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("override_id", _ID, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["override_id"],
            ["schedule_overrides.id"],
            name=op.f("fk_schedule_swaps_override_id_schedule_overrides"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_swaps_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_swaps")),
    )
    op.create_index(
        op.f("ix_schedule_swaps_schedule_id_status"),
        "schedule_swaps",
        ["schedule_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_swaps_schedule_id_status"), "schedule_swaps")
    op.drop_table("schedule_swaps")
    with op.batch_alter_table("schedule_overrides", schema=None) as batch_op:
        batch_op.drop_column("replaces")

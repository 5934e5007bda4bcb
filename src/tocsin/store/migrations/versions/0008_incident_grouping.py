"""incident grouping by time window or labels

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("group_key", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_incidents_service_id_group_key"),
            ["service_id", "group_key"],
            unique=False,
        )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grouping_window_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "grouping_labels",
                tocsin.store.types.JSONText(),
                server_default="[]",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("grouping_labels")
        batch_op.drop_column("grouping_window_seconds")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_service_id_group_key"))
        batch_op.drop_column("group_key")

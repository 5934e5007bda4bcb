"""deliveries.bundle_key and an index of what was sent to each user lately (bundling,
rate limits)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:50:08.260600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deliveries_user_name_finished_at"),
            ["user_name", "finished_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_user_name_finished_at"))
        batch_op.drop_column("bundle_key")

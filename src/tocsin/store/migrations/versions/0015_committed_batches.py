"""committed_batches: group commits record their id, so a replay is never written twice

A PostgreSQL commit whose answer is lost with the connection may have happened; the writer
writes the batch again under the same id, which it records first, and finds it taken if
the first commit went through. Retention deletes ids older than a day.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tocsin.store.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "committed_batches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("committed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committed_batches")),
    )
    with op.batch_alter_table("committed_batches", schema=None) as batch_op:
        batch_op.create_index("ix_committed_batches_committed_at", ["committed_at"])


def downgrade() -> None:
    with op.batch_alter_table("committed_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_committed_batches_committed_at")
    op.drop_table("committed_batches")

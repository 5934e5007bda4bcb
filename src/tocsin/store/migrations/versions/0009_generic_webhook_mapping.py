"""generic webhook mapping on integrations

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping", tocsin.store.types.JSONText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_column("mapping")

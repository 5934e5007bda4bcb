"""leaner alert indexes: every index is written by every alert insert

Drops ix_alerts_created_at (alert lists order and page by id, which sorts by creation
time; time filters are bounded by id too) and makes ix_alerts_suppressed_until partial
(only held alerts have a value; the sweep asks only for those).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_HELD = "suppressed_until IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_created_at")
        batch_op.drop_index("ix_alerts_suppressed_until")
        batch_op.create_index(
            "ix_alerts_suppressed_until",
            ["suppressed_until"],
            unique=False,
            sqlite_where=sa.text(_HELD),
            postgresql_where=sa.text(_HELD),
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_suppressed_until")
        batch_op.create_index("ix_alerts_suppressed_until", ["suppressed_until"], unique=False)
        batch_op.create_index("ix_alerts_created_at", ["created_at"], unique=False)

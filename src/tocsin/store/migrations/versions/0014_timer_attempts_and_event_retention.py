"""timers: generation, attempts, last error, dead; alert_events: indexes with receive time

- timers.generation: bumped by every arm, so a firing for a cancelled and re-armed subject
  is recognised and dropped.
- timers.attempts / last_error / dead_at: each firing is isolated; a failing one backs off
  and, after too many attempts, is dead until retried by an operator.
- alert_events (service_id, dedup_key) becomes (service_id, dedup_key, received_at): flap
  detection counts a key's recent changes without reading its whole history; and an index
  on received_at lets retention delete the oldest events first.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tocsin.store.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dead_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_service_id_dedup_key")
        batch_op.create_index(
            "ix_alert_events_service_id_dedup_key_received_at",
            ["service_id", "dedup_key", "received_at"],
        )
        batch_op.create_index("ix_alert_events_received_at", ["received_at"])


def downgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_received_at")
        batch_op.drop_index("ix_alert_events_service_id_dedup_key_received_at")
        batch_op.create_index("ix_alert_events_service_id_dedup_key", ["service_id", "dedup_key"])
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_column("dead_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("generation")

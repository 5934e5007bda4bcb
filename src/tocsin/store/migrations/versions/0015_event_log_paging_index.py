"""alert_events (alert_id) becomes (alert_id, id): an alert's event log pages from the index

``GET /api/v1/alerts/{id}/events`` pages by id; with the id in the index PostgreSQL reads
one page instead of fetching and sorting the alert's whole log (SQLite's index already
ends in the rowid). It replaces the old index, so ingest writes no more index entries.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_alert_id")
        batch_op.create_index("ix_alert_events_alert_id_id", ["alert_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_alert_id_id")
        batch_op.create_index("ix_alert_events_alert_id", ["alert_id"])

"""indexes the ingest lookups use whatever the planner estimates

A fresh PostgreSQL database has no statistics, and psycopg prepares a statement after a
few executions: the plan PostgreSQL then caches is the one an empty table suggests. These
indexes make the index the only sensible plan for the writer's lookups at any size:

- ix_alerts_incident_id becomes (incident_id, status): "does this incident still have a
  triggered / open alert?" was planned on an empty table as a walk of every triggered
  alert of every incident.
- ix_incidents_service_id_group_key becomes a partial index of open incidents, (service,
  group key, created_at): finding the incident to group into no longer walks every
  incident the group ever had, and the newest comes first.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_OPEN = "status != 'resolved'"


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_incident_id")
        batch_op.create_index("ix_alerts_incident_id_status", ["incident_id", "status"])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_service_id_group_key")
        batch_op.create_index(
            "ix_incidents_open_group",
            ["service_id", "group_key", "created_at"],
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_open_group")
        batch_op.create_index("ix_incidents_service_id_group_key", ["service_id", "group_key"])
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_incident_id_status")
        batch_op.create_index("ix_alerts_incident_id", ["incident_id"])

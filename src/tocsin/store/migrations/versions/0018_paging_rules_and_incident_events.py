"""services.urgency, support_hours, ack_timeout_seconds; incidents.snoozed_until;
escalations.round; incident_events

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:13:39.993328
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", tocsin.store.types.JSONText(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_events_incident_id_at"), ["incident_id", "at"], unique=False
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("snoozed_until", tocsin.store.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgency", tocsin.store.types.JSONText(), server_default="{}", nullable=False)
        )
        batch_op.add_column(
            sa.Column("support_hours", tocsin.store.types.JSONText(), nullable=True)
        )
        batch_op.add_column(sa.Column("ack_timeout_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("ack_timeout_seconds")
        batch_op.drop_column("support_hours")
        batch_op.drop_column("urgency")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_column("round")

    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_events_incident_id_at"))

    op.drop_table("incident_events")

"""provider_breakers (circuit breakers shared by every worker), deliveries.fallback,
delivery_attempts.provider, contact_verifications.last_error / last_error_at

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:14:22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tocsin.store.types import JSONText, UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "provider_breakers",
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        _time("window_start"),
        _time("opened_at"),
        _time("open_until"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_breakers")),
    )
    with op.batch_alter_table("contact_verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(_time("last_error_at"))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback", JSONText(), nullable=True))
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_column("provider")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("fallback")
    with op.batch_alter_table("contact_verifications", schema=None) as batch_op:
        batch_op.drop_column("last_error_at")
        batch_op.drop_column("last_error")
    op.drop_table("provider_breakers")

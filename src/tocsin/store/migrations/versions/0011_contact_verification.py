"""contact method verification codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.String(length=32)
_TIME = tocsin.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contact_verifications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("method_type", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", _TIME, nullable=True),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.Column("verified_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_verifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_verifications")),
        sa.UniqueConstraint(
            "user_id",
            "method_type",
            "address",
            name=op.f("uq_contact_verifications_user_id_method_type_address"),
        ),
    )


def downgrade() -> None:
    op.drop_table("contact_verifications")

"""test_pages and test_page_methods (on-call notices need no table: a timer per
schedule and outbox rows)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 23:17:39
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_pages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_test_pages_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_pages")),
    )
    with op.batch_alter_table("test_pages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_test_pages_user_id_created_at"), ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "test_page_methods",
        sa.Column("test_page_id", sa.String(length=32), nullable=False),
        sa.Column("method_index", sa.Integer(), nullable=False),
        sa.Column("method_type", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("confirmed_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["test_page_id"],
            ["test_pages.id"],
            name=op.f("fk_test_page_methods_test_page_id_test_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("test_page_id", "method_index", name=op.f("pk_test_page_methods")),
    )


def downgrade() -> None:
    op.drop_table("test_page_methods")
    with op.batch_alter_table("test_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_pages_user_id_created_at"))

    op.drop_table("test_pages")

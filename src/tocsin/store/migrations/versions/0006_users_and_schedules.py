"""users, team members, schedules and schedule overrides

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.String(length=32)


def _stamps(*names: str) -> list[sa.Column[object]]:
    return [
        sa.Column(name, tocsin.store.types.UTCDateTime(timezone=True), nullable=False)
        for name in names
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("full_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column(
            "contact_methods", tocsin.store.types.JSONText(), server_default="[]", nullable=False
        ),
        sa.Column("feed_token", sa.String(length=64), nullable=False),
        *_stamps("created_at", "updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("feed_token", name=op.f("uq_users_feed_token")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("id", _ID, nullable=False),
        sa.Column("team_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("role", sa.String(length=16), server_default="member", nullable=False),
        *_stamps("created_at", "updated_at"),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_team_members_team_id_user_id")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", tocsin.store.types.JSONText(), nullable=False),
        sa.Column("feed_token", sa.String(length=64), nullable=False),
        *_stamps("created_at", "updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("feed_token", name=op.f("uq_schedules_feed_token")),
        sa.UniqueConstraint("name", name=op.f("uq_schedules_name")),
    )
    op.create_table(
        "schedule_overrides",
        sa.Column("id", _ID, nullable=False),
        sa.Column("schedule_id", _ID, nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), server_default="", nullable=False),
        *_stamps("created_at"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_overrides_schedule_id_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_overrides")),
    )
    op.create_index(
        op.f("ix_schedule_overrides_schedule_id_ends_at"),
        "schedule_overrides",
        ["schedule_id", "ends_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_overrides_schedule_id_ends_at"), "schedule_overrides")
    op.drop_table("schedule_overrides")
    op.drop_table("schedules")
    op.drop_table("team_members")
    op.drop_table("users")

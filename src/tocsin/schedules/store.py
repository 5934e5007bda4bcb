"""Schedules in the database: read them as core ``Schedule``s, and manage API overrides.

The world file writes ``schedules`` (a JSON definition each) and ``users``; the API adds
rows to ``schedule_overrides``. Everything here turns rows into the pure core's types or
back; the arithmetic stays in the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, delete, insert, select

from tocsin.ids import new_id
from tocsin.schedules.model import Override, Schedule
from tocsin.schedules.store_definition import ScheduleDefinition, to_schedule
from tocsin.store.schema import schedule_overrides, schedules, users


class ScheduleError(Exception):
    """A request the schedules cannot honour: ``code`` and ``message`` for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class OverrideOut(BaseModel):
    """An override made through the API."""

    id: str
    schedule: str
    user: str
    start: datetime
    end: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """A schedule row: its definition, its API overrides, and the core schedule of both."""

    id: str
    name: str
    spec: ScheduleDefinition
    feed_token: str
    api_overrides: tuple[OverrideOut, ...]

    @property
    def schedule(self) -> Schedule:
        """The core schedule: the file's overrides first, then the API's, oldest first."""
        extra = tuple(Override(o.user, o.start, o.end) for o in self.api_overrides)
        return to_schedule(self.name, self.spec, extra)


def load_schedules(conn: Connection, *, name: str | None = None) -> list[StoredSchedule]:
    """Every schedule (or the one called ``name``), sorted by name."""
    query = select(schedules).order_by(schedules.c.name)
    if name is not None:
        query = query.where(schedules.c.name == name)
    return _stored(conn, list(conn.execute(query)))


def load_schedule(conn: Connection, name: str) -> StoredSchedule:
    """The schedule called ``name``; ScheduleError 404 when there is none."""
    found = load_schedules(conn, name=name)
    if not found:
        raise ScheduleError(404, "not_found", f"no schedule named {name!r}")
    return found[0]


def schedule_by_feed_token(conn: Connection, token: str) -> StoredSchedule | None:
    """The schedule whose calendar feed token is ``token``."""
    rows = list(conn.execute(select(schedules).where(schedules.c.feed_token == token)))
    found = _stored(conn, rows)
    return found[0] if found else None


def _stored(conn: Connection, rows: Sequence[Row[Any]]) -> list[StoredSchedule]:
    ids = [row.id for row in rows]
    overrides: dict[str, list[OverrideOut]] = {}
    if ids:
        query = (
            select(schedule_overrides)
            .where(schedule_overrides.c.schedule_id.in_(ids))
            .order_by(schedule_overrides.c.created_at, schedule_overrides.c.id)
        )
        names = {row.id: row.name for row in rows}
        for o in conn.execute(query):
            overrides.setdefault(o.schedule_id, []).append(
                OverrideOut(
                    id=o.id,
                    schedule=names[o.schedule_id],
                    user=o.user_name,
                    start=o.starts_at,
                    end=o.ends_at,
                    created_by=o.created_by,
                )
            )
    return [
        StoredSchedule(
            id=row.id,
            name=row.name,
            spec=ScheduleDefinition.model_validate(row.definition),
            feed_token=row.feed_token,
            api_overrides=tuple(overrides.get(row.id, ())),
        )
        for row in rows
    ]


def add_override(
    conn: Connection,
    *,
    schedule: str,
    user: str,
    start: datetime,
    end: datetime,
    created_by: str,
    now: datetime,
) -> OverrideOut:
    """``user`` covers [start, end) on ``schedule``; later overrides win where they overlap."""
    stored = load_schedule(conn, schedule)
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError(400, "invalid_override", "start and end need a UTC offset")
    if end <= start:
        raise ScheduleError(400, "invalid_override", "end must be after start")
    if conn.execute(select(users.c.id).where(users.c.name == user)).first() is None:
        raise ScheduleError(400, "unknown_user", f"no user named {user!r}")
    row_id = new_id(now)
    conn.execute(
        insert(schedule_overrides).values(
            id=row_id,
            schedule_id=stored.id,
            user_name=user,
            starts_at=start,
            ends_at=end,
            created_by=created_by,
            created_at=now,
        )
    )
    return OverrideOut(
        id=row_id, schedule=schedule, user=user, start=start, end=end, created_by=created_by
    )


def delete_override(conn: Connection, *, schedule: str, override_id: str) -> None:
    """Remove an API override; ScheduleError 404 when the schedule has no such override."""
    stored = load_schedule(conn, schedule)
    done = conn.execute(
        delete(schedule_overrides).where(
            schedule_overrides.c.schedule_id == stored.id, schedule_overrides.c.id == override_id
        )
    )
    if done.rowcount == 0:
        raise ScheduleError(
            404, "not_found", f"schedule {schedule!r} has no override {override_id!r}"
        )

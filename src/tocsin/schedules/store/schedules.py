"""Schedules in the database: read them as core ``Schedule``s, and manage API overrides.

The world file (or the API, see ``schedules.store.edits``) writes ``schedules`` (a JSON definition
each) and ``users``; the API adds rows to ``schedule_overrides``, directly or by accepting
a swap (``swaps``). Everything here turns rows into the pure core's types or back; the
arithmetic stays in the core.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, delete, insert, select

from tocsin.core.paging import Page
from tocsin.ids import new_id
from tocsin.inputs import STORED
from tocsin.schedules.definition import ScheduleDefinition, to_schedule
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.model import Override, Schedule
from tocsin.schedules.store.notice_timer import rearm_notices
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import schedule_overrides, schedules, users

T = TypeVar("T")


class OverrideOut(BaseModel):
    """An override made through the API."""

    id: str
    schedule: str
    user: str
    start: datetime
    end: datetime
    created_by: str
    replaces: str | None = Field(
        default=None, description="set: only the time this user would be on call is taken"
    )

    def as_override(self) -> Override:
        """The core override."""
        return Override(self.user, self.start, self.end, self.replaces)


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """A schedule row: its definition, its API overrides, and the core schedule of both."""

    id: str
    name: str
    spec: ScheduleDefinition
    feed_token: str
    api_overrides: tuple[OverrideOut, ...]

    @property
    def extra_overrides(self) -> tuple[Override, ...]:
        """The API's overrides as core overrides, oldest first (they apply in this order)."""
        return tuple(o.as_override() for o in self.api_overrides)

    @property
    def schedule(self) -> Schedule:
        """The core schedule: the file's overrides first, then the API's, oldest first."""
        return to_schedule(self.name, self.spec, self.extra_overrides)


def computed(stored: StoredSchedule, work: Callable[[Schedule], T]) -> T:
    """``work`` on the core schedule of ``stored``; ScheduleError 409 when it cannot run.

    Definitions written now can always be computed (``tocsin.inputs``), but one stored
    before those rules may not be (a rotation starting in year 1): it is reported by
    itself, with how to fix it, instead of failing every read that meets it.
    """
    try:
        return work(stored.schedule)
    except (ValueError, OverflowError) as exc:
        raise ScheduleError(
            409,
            "schedule_not_computable",
            f"schedule {stored.name!r} cannot be computed ({exc}); replace its definition "
            f"(PUT /api/v1/schedules/{stored.name}) or delete it",
        ) from None


def load_schedules(
    conn: Connection, *, name: str | None = None, lock: bool = False
) -> list[StoredSchedule]:
    """Every schedule (or the one called ``name``), sorted by name.

    ``lock`` holds the rows until the transaction ends (PostgreSQL; SQLite's write
    transactions are serialised already), so two edits of one schedule cannot both win.
    """
    query = select(schedules).order_by(schedules.c.name)
    if name is not None:
        query = query.where(schedules.c.name == name)
    if lock:
        query = query.with_for_update()
    return _stored(conn, list(conn.execute(query)))


def load_schedule(conn: Connection, name: str, *, lock: bool = False) -> StoredSchedule:
    """The schedule called ``name``; ScheduleError 404 when there is none."""
    found = load_schedules(conn, name=name, lock=lock)
    if not found:
        raise ScheduleError(404, "not_found", f"no schedule named {name!r}")
    return found[0]


def schedules_page(conn: Connection, *, limit: int, cursor: str | None) -> Page[StoredSchedule]:
    """A page of the schedules by name (two statements: the schedules, their overrides)."""
    page = keyset_page(
        conn, select(schedules), [schedules.c.name], (str,), limit=limit, cursor=cursor
    )
    return Page(_stored(conn, page.items), page.next_cursor)


def load_definition(conn: Connection, name: str) -> tuple[str, ScheduleDefinition]:
    """The id and definition of the schedule called ``name``, without its API overrides;
    ScheduleError 404 when there is none."""
    row = conn.execute(
        select(schedules.c.id, schedules.c.definition).where(schedules.c.name == name)
    ).first()
    if row is None:
        raise ScheduleError(404, "not_found", f"no schedule named {name!r}")
    return row.id, ScheduleDefinition.model_validate(row.definition, context=STORED)


def api_overrides_page(
    conn: Connection,
    *,
    schedule_id: str,
    schedule: str,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[OverrideOut]:
    """A page of the API overrides of ``schedule`` overlapping [start, end), in the order
    they apply (oldest first)."""
    so = schedule_overrides.c
    query = select(schedule_overrides).where(so.schedule_id == schedule_id)
    if start is not None:
        query = query.where(so.ends_at > start)
    if end is not None:
        query = query.where(so.starts_at < end)
    key = [so.created_at, so.id]
    page = keyset_page(conn, query, key, (datetime, str), limit=limit, cursor=cursor)
    return page.map(lambda row: _override_out(schedule, row))


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
            overrides.setdefault(o.schedule_id, []).append(_override_out(names[o.schedule_id], o))
    return [
        StoredSchedule(
            id=row.id,
            name=row.name,
            spec=ScheduleDefinition.model_validate(row.definition, context=STORED),
            feed_token=row.feed_token,
            api_overrides=tuple(overrides.get(row.id, ())),
        )
        for row in rows
    ]


def _override_out(schedule: str, row: Row[Any]) -> OverrideOut:
    return OverrideOut(
        id=row.id,
        schedule=schedule,
        user=row.user_name,
        start=row.starts_at,
        end=row.ends_at,
        created_by=row.created_by,
        replaces=row.replaces,
    )


def delete_overrides(conn: Connection, schedule_id: str) -> None:
    """Delete every override made on a schedule (the schedule is being deleted)."""
    conn.execute(delete(schedule_overrides).where(schedule_overrides.c.schedule_id == schedule_id))


def add_override(
    conn: Connection,
    *,
    schedule: str,
    user: str,
    start: datetime,
    end: datetime,
    created_by: str,
    now: datetime,
    replaces: str | None = None,
) -> OverrideOut:
    """``user`` covers [start, end) on ``schedule``; later overrides win where they overlap.

    With ``replaces`` the override only takes the time that user would be on call.
    """
    stored = load_schedule(conn, schedule)
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError(400, "invalid_override", "start and end need a UTC offset")
    if end <= start:
        raise ScheduleError(400, "invalid_override", "end must be after start")
    require_users(conn, [user] if replaces is None else [user, replaces])
    if replaces == user:
        raise ScheduleError(400, "invalid_override", "an override cannot replace its own user")
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
            replaces=replaces,
        )
    )
    rearm_notices(conn, stored.id, now)
    return OverrideOut(
        id=row_id,
        schedule=schedule,
        user=user,
        start=start,
        end=end,
        created_by=created_by,
        replaces=replaces,
    )


def require_users(conn: Connection, names: Iterable[str]) -> None:
    """ScheduleError 400 ``unknown_user`` naming the first of ``names`` that is no user."""
    wanted = sorted(set(names))
    found = set(conn.scalars(select(users.c.name).where(users.c.name.in_(wanted))))
    missing = [name for name in wanted if name not in found]
    if missing:
        known = list(conn.scalars(select(users.c.name)))
        close = difflib.get_close_matches(missing[0], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScheduleError(400, "unknown_user", f"no user named {missing[0]!r}{hint}")


def delete_override(conn: Connection, *, schedule: str, override_id: str, now: datetime) -> None:
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
    rearm_notices(conn, stored.id, now)

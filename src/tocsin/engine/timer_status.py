"""What the durable timers are doing, and retrying a dead one: behind ``/api/v1/timers``
and ``tocsin timers``.

A timer is *armed* (it has a due time), *idle* (nothing to do until something arms it) or
*dead* (it failed ``MAX_ATTEMPTS`` times in a row; its last error says why). Retrying a
dead timer arms it due now with its attempts started over, as a fresh arm would.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Connection, case, select, update

from tocsin.store.schema import timers

TimerState = Literal["armed", "idle", "dead"]
# A timer's state, as SQL (also counted by the metrics collector).
TIMER_STATE = case(
    (timers.c.dead_at.is_not(None), "dead"),
    (timers.c.due_at.is_not(None), "armed"),
    else_="idle",
)


class TimerOut(BaseModel):
    """One durable timer."""

    id: str
    kind: str
    subject: str
    state: TimerState
    due_at: datetime | None
    fire_count: int
    last_fired_at: datetime | None
    attempts: int
    last_error: str | None
    dead_at: datetime | None


class TimerPage(BaseModel):
    """A page of timers by id; pass ``next_cursor`` as ``cursor`` for the next."""

    timers: list[TimerOut]
    next_cursor: str | None


def list_timers(
    conn: Connection,
    *,
    state: TimerState | None = None,
    kind: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> TimerPage:
    """Timers in id order, optionally of one state or kind."""
    query = select(*timers.c, TIMER_STATE.label("state")).order_by(timers.c.id).limit(limit + 1)
    if state is not None:
        query = query.where(TIMER_STATE.in_([state]))
    if kind is not None:
        query = query.where(timers.c.kind == kind)
    if cursor:
        query = query.where(timers.c.id > cursor)
    rows = conn.execute(query).all()
    items = [TimerOut.model_validate(dict(row._mapping)) for row in rows[:limit]]
    return TimerPage(timers=items, next_cursor=items[-1].id if len(rows) > limit else None)


def retry_timer(conn: Connection, timer_id: str, now: datetime) -> TimerOut | None:
    """Arm a timer due now, its attempts and error cleared; None when there is none."""
    conn.execute(
        update(timers)
        .where(timers.c.id == timer_id)
        .values(
            due_at=now,
            attempts=0,
            last_error=None,
            dead_at=None,
            generation=timers.c.generation + 1,
            updated_at=now,
        )
    )
    row = conn.execute(select(*timers.c, TIMER_STATE.label("state")).where(timers.c.id == timer_id))
    found = row.first()
    return TimerOut.model_validate(dict(found._mapping)) if found is not None else None

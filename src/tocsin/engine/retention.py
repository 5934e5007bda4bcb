"""Retention: change records, raw alert events and request records do not pile up for ever.

A durable timer runs every ``RUN_EVERY`` and deletes what is older than its retention, at
most ``CHUNK`` rows per table in one firing (inside the writer's transaction, so a big
backlog never holds ingest up for long: the timer comes back in ``AGAIN_SOON`` until it
is cleared). Change records are kept at least 90 days after they were received, whatever
the setting says. Raw alert events (each payload a sender posted, an alert's event log)
are kept 90 days by default; the alerts and incidents they made are kept. Opsgenie
request records only answer "what happened to my request?" and are kept for days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin.settings import MIN_ALERT_EVENT_RETENTION_DAYS, MIN_CHANGE_RETENTION_DAYS
from tocsin.store.batch import Batch
from tocsin.store.timers import Firing, Timer, TimerHandler

TIMER_KIND = "retention"
TIMER_SUBJECT = "all"
RUN_EVERY = timedelta(hours=1)
AGAIN_SOON = timedelta(seconds=10)
CHUNK = 2000  # 9 ms for both tables on SQLite here: short enough to sit inside a batch


@dataclass(frozen=True, slots=True)
class Retention:
    """How long records are kept (the defaults are the settings', ``tocsin.settings``)."""

    change_days: int
    opsgenie_request_days: int
    alert_event_days: int = 90

    def __post_init__(self) -> None:
        if self.change_days < MIN_CHANGE_RETENTION_DAYS:
            raise ValueError(f"change records are kept at least {MIN_CHANGE_RETENTION_DAYS} days")
        if self.opsgenie_request_days < 1:
            raise ValueError("Opsgenie request records are kept at least 1 day")
        if self.alert_event_days < MIN_ALERT_EVENT_RETENTION_DAYS:
            days = MIN_ALERT_EVENT_RETENTION_DAYS
            raise ValueError(f"raw alert events are kept at least {days} days")


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    key: str
    # Time columns that must all be before the cutoff; the first one is indexed.
    times: tuple[str, ...]


_CHANGES = _Table("changes", "id", ("occurred_at", "received_at"))
_OPSGENIE = _Table("opsgenie_requests", "request_id", ("created_at",))
_ALERT_EVENTS = _Table("alert_events", "id", ("received_at",))


def retention_handler(retention: Retention) -> TimerHandler:
    """The timer handler deleting what ``retention`` no longer keeps."""

    def handle(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        backlog = False
        for table, days in (
            (_CHANGES, retention.change_days),
            (_OPSGENIE, retention.opsgenie_request_days),
            (_ALERT_EVENTS, retention.alert_event_days),
        ):
            deleted = _delete_older(store, cur, table, now - timedelta(days=days))
            backlog = backlog or deleted >= CHUNK
        return Firing(next_due=now + (AGAIN_SOON if backlog else RUN_EVERY))

    return handle


def _delete_older(store: Batch, cur: Any, table: _Table, cutoff: datetime) -> int:
    """Delete up to ``CHUNK`` rows of ``table`` from before ``cutoff``; return how many."""
    p = store.mark
    older = " AND ".join(f"{column} < {p}" for column in table.times)
    cur.execute(
        f"DELETE FROM {table.name} WHERE {table.key} IN (SELECT {table.key} FROM {table.name} "
        f"WHERE {older} ORDER BY {table.times[0]} LIMIT {CHUNK})",
        tuple(store.db_time(cutoff) for _ in table.times),
    )
    return max(int(cur.rowcount), 0)

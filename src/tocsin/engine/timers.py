"""Durable timers: work that must happen at a time, surviving restarts.

A timer is a row (kind, subject, due_at) written in the same transaction as the change
that armed it. ``TimerService.fire_due`` claims the rows that are due (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several processes never fire one twice; the single writer on
SQLite) and runs each kind's handler inside the group-commit writer's transaction, so the
alerts a handler raises are stored atomically with the timer's new state. A timer that
came due while Tocsin was down fires at once and is logged as late. Time comes from the
injected clock: tests move a ``ManualClock`` and call ``fire_due``; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.alerts.ingest_store import IngestStore
from tocsin.clock import Clock
from tocsin.core.events import AlertEvent
from tocsin.engine.writer import GroupCommitWriter
from tocsin.ids import new_id

log = logging.getLogger(__name__)
_json = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Timer:
    """A due timer, as handed to its kind's handler."""

    id: str
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]
    fire_count: int


@dataclass(frozen=True, slots=True)
class Firing:
    """What a handler decided: alert events to store, and when to fire next (or never)."""

    events: Sequence[AlertEvent] = ()
    next_due: datetime | None = None


TimerHandler = Callable[[IngestStore, Any, Timer, datetime], Firing]


def arm(
    store: IngestStore,
    cur: Any,
    *,
    kind: str,
    subject: str,
    due_at: datetime | None,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Set (or clear, with ``due_at=None``) the next firing of ``kind``/``subject``."""
    p = store.mark
    cur.execute(
        "INSERT INTO timers (id, kind, subject, due_at, payload, fire_count, created_at, "
        f"updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, 0, {p}, {p}) "
        "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at, "
        "payload = excluded.payload, updated_at = excluded.updated_at",
        (
            new_id(now),
            kind,
            subject,
            store.db_time(due_at),
            _json(payload or {}).decode(),
            store.db_time(now),
            store.db_time(now),
        ),
    )


def claim_due(store: IngestStore, cur: Any, now: datetime, limit: int) -> list[Timer]:
    """The timers due at ``now``, oldest first, locked against other processes."""
    p = store.mark
    skip_locked = " FOR UPDATE SKIP LOCKED" if store.concurrent_writers else ""
    cur.execute(
        "SELECT id, kind, subject, due_at, payload, fire_count FROM timers "
        f"WHERE due_at IS NOT NULL AND due_at <= {p} ORDER BY due_at LIMIT {p}{skip_locked}",
        (store.db_time(now), limit),
    )
    return [
        Timer(tid, kind, subject, store.from_db_time(due) or now, msgspec.json.decode(payload), n)
        for tid, kind, subject, due, payload, n in cur.fetchall()
    ]


def next_due(store: IngestStore, cur: Any) -> datetime | None:
    """When the earliest armed timer is due."""
    cur.execute("SELECT MIN(due_at) FROM timers WHERE due_at IS NOT NULL")
    row = cur.fetchone()
    return store.from_db_time(row[0]) if row else None


@dataclass
class TimerService:
    """Fires due timers through the writer; one per process."""

    writer: GroupCommitWriter
    clock: Clock
    handlers: dict[str, TimerHandler]
    batch: int = 100
    late_after: timedelta = timedelta(seconds=5)
    poll_interval: float = 1.0
    fired: int = field(default=0, init=False)

    async def fire_due(self) -> int:
        """Fire every timer due now (in batches); return how many fired."""
        total = 0
        while True:
            claimed: list[int] = []
            await self.writer.run(functools.partial(self._fire_batch, claimed=claimed))
            total += claimed[-1]
            if claimed[-1] < self.batch:
                self.fired += total
                return total

    def _fire_batch(self, store: IngestStore, cur: Any, claimed: list[int]) -> list[AlertEvent]:
        now = self.clock.now()
        timers = claim_due(store, cur, now, self.batch)
        claimed.append(len(timers))
        return [e for t in timers for e in self._fire(store, cur, t, now)]

    def _fire(
        self, store: IngestStore, cur: Any, timer: Timer, now: datetime
    ) -> Sequence[AlertEvent]:
        late = now - timer.due_at
        if late > self.late_after:
            log.warning(
                "timer %s/%s fired %.1fs late (was Tocsin down?)",
                timer.kind,
                timer.subject,
                late.total_seconds(),
                extra={"timer_kind": timer.kind, "late_seconds": late.total_seconds()},
            )
        handler = self.handlers.get(timer.kind)
        firing = handler(store, cur, timer, now) if handler else Firing()
        if handler is None:
            log.error("no handler for timer kind %r; disarming %s", timer.kind, timer.subject)
        p = store.mark
        cur.execute(
            f"UPDATE timers SET due_at = {p}, fire_count = fire_count + 1, last_fired_at = {p}, "
            f"updated_at = {p} WHERE id = {p}",
            (store.db_time(firing.next_due), store.db_time(now), store.db_time(now), timer.id),
        )
        return firing.events

    async def run_forever(self) -> None:
        """Fire due timers about once a second, for the life of the process."""
        while True:
            try:
                await self.fire_due()
            except Exception:
                log.exception("firing timers failed; will retry")
            await asyncio.sleep(self.poll_interval)

"""Pings and expiry of heartbeats, as work inside the group-commit writer's transaction.

A ping records the time, re-arms the heartbeat's durable timer for ``interval + grace``
later and, if the heartbeat had expired, resolves its alert. When the timer fires with no
ping since, the heartbeat expires: its alert (dedup key ``heartbeat:NAME``) triggers on
the heartbeat's service. Expiry is found by the timer engine, never by a request arriving.
Both a ping and the expiry firing lock the heartbeat row before its timer (the lock order
of ``engine.timers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.core.events import Action, AlertEvent, Route, Severity
from tocsin.core.routes import route_columns, service_route
from tocsin.engine.writer import Work
from tocsin.store.batch import Batch, placeholders
from tocsin.store.timers import Firing, Timer, arm, lock_rows_skip_locked

TIMER_KIND = "heartbeat"
_json = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A heartbeat with what its alerts need to know about its service."""

    id: str
    name: str
    route: Route
    interval: timedelta
    grace: timedelta
    last_ping_at: datetime | None
    expired_at: datetime | None
    created_at: datetime

    @property
    def dedup_key(self) -> str:
        """The key of this heartbeat's alert."""
        return f"heartbeat:{self.name}"

    def deadline(self) -> datetime:
        """When it expires if no ping arrives first."""
        return (self.last_ping_at or self.created_at) + self.interval + self.grace


@dataclass(slots=True)
class PingResult:
    """What a ping found: filled in by the work once it has run."""

    found: bool = False
    resolved: bool = False
    heartbeat: str = ""


_SELECT = (
    "SELECT h.id, h.name, h.service_id, h.interval_seconds, h.grace_seconds, "
    f"h.last_ping_at, h.expired_at, h.created_at, {route_columns('s')} "
    "FROM heartbeats h JOIN services s ON s.id = h.service_id "
)


def _heartbeat(store: Batch, row: Sequence[Any]) -> Heartbeat:
    hid, name, sid, interval, grace, last, expired, created = row[:8]
    return Heartbeat(
        id=hid,
        name=name,
        route=service_route(hid, sid, "heartbeat", row[8:]),
        interval=timedelta(seconds=interval),
        grace=timedelta(seconds=grace),
        last_ping_at=store.from_db_time(last),
        expired_at=store.from_db_time(expired),
        created_at=store.from_db_time(created) or datetime.min,
    )


def load(store: Batch, cur: Any, *, by: str, value: str) -> Heartbeat | None:
    """A heartbeat by ``id``, ``key`` or ``name``."""
    if by not in ("id", "key", "name"):
        raise ValueError(by)
    cur.execute(f"{_SELECT}WHERE h.{by} = {store.mark} AND s.archived_at IS NULL", (value,))
    row = cur.fetchone()
    return None if row is None else _heartbeat(store, row)


def load_many(store: Batch, cur: Any, ids: Sequence[str]) -> dict[str, Heartbeat]:
    """The heartbeats of ``ids`` that exist (on a service not archived), by id."""
    if not ids:
        return {}
    cur.execute(
        f"{_SELECT}WHERE h.id IN ({placeholders(len(ids), store.mark)}) AND s.archived_at IS NULL",
        list(ids),
    )
    return {row[0]: _heartbeat(store, row) for row in cur.fetchall()}


def ping(*, by: str, value: str, now: datetime, result: PingResult) -> Work:
    """Work that records a ping of the heartbeat whose ``by`` (key or name) is ``value``."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        beat = load(store, cur, by=by, value=value)
        if beat is None:
            return []
        result.found, result.heartbeat = True, beat.name
        p = store.mark
        cur.execute(
            f"UPDATE heartbeats SET last_ping_at = {p}, expired_at = NULL, updated_at = {p} "
            f"WHERE id = {p}",
            (store.db_time(now), store.db_time(now), beat.id),
        )
        arm(
            store,
            cur,
            kind=TIMER_KIND,
            subject=beat.id,
            due_at=now + beat.interval + beat.grace,
            now=now,
        )
        if beat.expired_at is None:
            return []
        result.resolved = True
        raw = _json({"heartbeat": beat.name, "ping": now.isoformat()}).decode()
        return [AlertEvent(beat.route, Action.RESOLVE, beat.dedup_key, now, raw)]

    return work


def lock_heartbeats(store: Batch, cur: Any, ids: Sequence[str]) -> set[str]:
    """Lock the heartbeats before their timers fire (the order pings take: heartbeat, then
    timer), in one statement; the ids that may fire. One a ping (or another process's
    firing) holds fires on a later pass, by when the ping has re-armed its timer."""
    return lock_rows_skip_locked(store, cur, "heartbeats", ids)


def on_expiry(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    """Timer handler: expire the heartbeat if no ping came in time."""
    return on_expiries(store, cur, [timer], now)[0]


def on_expiries(store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
    """Batch timer handler: expire each heartbeat that no ping reached in time, reading
    them in one query and marking the expired in one statement."""
    beats = load_many(store, cur, [t.subject for t in timers])
    firings, expired = [], []
    for timer in timers:
        beat = beats.get(timer.subject)
        firing = Firing() if beat is None else _expiry(beat, now)
        if firing.events:
            expired.append((store.db_time(now), timer.subject))
        firings.append(firing)
    if expired:
        cur.executemany(
            f"UPDATE heartbeats SET expired_at = {store.mark} WHERE id = {store.mark}", expired
        )
    return firings


def _expiry(beat: Heartbeat, now: datetime) -> Firing:
    """What a heartbeat's timer firing at ``now`` does: nothing, re-arm, or its alert."""
    if beat.expired_at is not None:
        return Firing()  # its alert is already open
    deadline = beat.deadline()
    if deadline > now:
        return Firing(next_due=deadline)  # a ping moved the deadline after this was armed
    since = beat.last_ping_at.isoformat() if beat.last_ping_at else "never pinged"
    details = {
        "heartbeat": beat.name,
        "last_ping_at": beat.last_ping_at.isoformat() if beat.last_ping_at else None,
        "interval_seconds": int(beat.interval.total_seconds()),
        "grace_seconds": int(beat.grace.total_seconds()),
        "expected_by": deadline.isoformat(),
    }
    event = AlertEvent(
        route=beat.route,
        action=Action.TRIGGER,
        dedup_key=beat.dedup_key,
        received_at=now,
        raw=_json(details).decode(),
        summary=f"Heartbeat {beat.name} expired (last ping: {since})",
        source="tocsin heartbeat",
        severity=Severity.CRITICAL,
        occurred_at=deadline,
        custom_details=details,
    )
    return Firing(events=[event])

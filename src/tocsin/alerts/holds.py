"""The alert sweep: held alerts whose hold ended, and alerts that went quiet.

A durable timer sweeps every ``SWEEP_EVERY``: each open alert whose hold (window, silence,
flapping, transient pause) has ended is either held again (another window or silence now
covers it), resolved (its window says ``on_end: resolve``), or re-evaluated: it pages
now, opening or joining its incident (a ``reevaluate`` event, which no sender can send).
Alerts of services with ``auto_resolve_after`` that have not been triggered again for that
long are resolved, and so are open alerts of heartbeats that were deleted. The event log
records these as events with a ``tocsin`` payload.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec
from sqlalchemy import Connection, update

from tocsin.core.events import Action, AlertEvent, Severity
from tocsin.core.routes import route_columns, service_route
from tocsin.core.suppression import Suppression
from tocsin.store.batch import Batch
from tocsin.store.schema import alerts
from tocsin.store.timers import Firing, Timer, TimerHandler

TIMER_KIND = "hold_sweep"
TIMER_SUBJECT = "all"
SWEEP_EVERY = timedelta(seconds=15)
_json = msgspec.json.Encoder().encode


class HoldRules(Protocol):
    """The windows and silences in force (``engine.suppressions.SuppressionDirectory``)."""

    def reload_within(self, store: Batch, cur: Any, now: datetime) -> None:
        """Read them again, in the sweep's own transaction."""

    def window_on_end(self, name: str) -> str:
        """``reevaluate`` or ``resolve``: what a window's held alerts do when it ends."""

    def check(self, event: AlertEvent) -> Suppression | None:
        """What holds this event's alert at its time, if anything."""


def release_held_by(conn: Connection, reason: str, now: datetime) -> int:
    """End the holds recorded as ``reason`` now: the next sweep looks at those alerts again.

    Called in the transaction that ends a silence early or changes or removes a window, so
    alerts of senders that never resend do not stay held until the hold's original end.
    Alerts the changed window or another hold still covers are held again by the sweep.
    """
    result = conn.execute(
        update(alerts)
        .where(
            alerts.c.suppressed_by == reason,
            alerts.c.suppressed_until > now,
            alerts.c.status != "resolved",
        )
        .values(suppressed_until=now)
    )
    return int(result.rowcount or 0)


def sweep_handler(rules: HoldRules) -> TimerHandler:
    """The timer handler, given the windows and silences in force.

    The rules are read again before held alerts are released: a silence ended or a window
    changed in another process (``tocsin apply``) must be seen by this sweep, not held
    again by a stale copy. Whether a re-evaluated alert is held again is decided by the
    dedup plan, which asks the same rules, like for any trigger.
    """

    def handle(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        events = []
        p = store.mark
        cur.execute(
            "SELECT a.id, a.service_id, a.integration_id, a.dedup_key, a.summary, a.source, "
            f"a.severity, a.labels, a.suppressed_by, {route_columns('s')} "
            "FROM alerts a JOIN services s ON s.id = a.service_id "
            f"WHERE a.suppressed_until IS NOT NULL AND a.suppressed_until <= {p} "
            "AND a.status <> 'resolved' ORDER BY a.suppressed_until LIMIT 500",
            (store.db_time(now),),
        )
        rows = cur.fetchall()
        if rows:
            rules.reload_within(store, cur, now)
        for row in rows:
            aid, sid, iid, key, summary, source, severity, labels, held_by = row[:9]
            route = service_route(iid, sid, "tocsin", row[9:])
            kind, _, name = (held_by or "").partition(":")
            raw = _json({"tocsin": "hold ended", "held_by": held_by, "alert_id": aid}).decode()
            event = AlertEvent(
                route=route,
                action=Action.REEVALUATE,
                dedup_key=key,
                received_at=now,
                raw=raw,
                summary=summary,
                source=source,
                severity=Severity(severity),
                labels=msgspec.json.decode(labels) if isinstance(labels, str) else (labels or {}),
            )
            # A window that ends with "resolve" resolves its alerts, unless something
            # (the window, shortened but not over, or another hold) still holds them.
            ended = rules.check(event) is None
            if kind == "maintenance_window" and ended and rules.window_on_end(name) == "resolve":
                event = msgspec.structs.replace(event, action=Action.RESOLVE)
            events.append(event)
        events += _stale(store, cur, now)
        events += _orphaned_heartbeat_alerts(store, cur, now)
        return Firing(events=events, next_due=now + SWEEP_EVERY)

    return handle


def _stale(store: Batch, cur: Any, now: datetime) -> list[AlertEvent]:
    """Resolve events for alerts not triggered again within their service's
    ``auto_resolve_after`` (a sender that never resolves must not leave them open)."""
    p = store.mark
    cur.execute(
        f"SELECT s.id, s.auto_resolve_after_seconds, {route_columns('s')} FROM services s "
        "WHERE s.auto_resolve_after_seconds IS NOT NULL AND s.archived_at IS NULL"
    )
    events = []
    for sid, seconds, *rules in cur.fetchall():
        cutoff = now - timedelta(seconds=seconds)
        cur.execute(
            "SELECT id, integration_id, dedup_key FROM alerts WHERE service_id = "
            f"{p} AND status <> 'resolved' AND last_seen_at < {p} LIMIT 500",
            (sid, store.db_time(cutoff)),
        )
        for aid, iid, key in cur.fetchall():
            route = service_route(iid, sid, "tocsin", rules)
            raw = _json({"tocsin": "auto-resolved", "quiet_for_seconds": seconds, "alert_id": aid})
            events.append(AlertEvent(route, Action.RESOLVE, key, now, raw.decode()))
    return events


def _orphaned_heartbeat_alerts(store: Batch, cur: Any, now: datetime) -> list[AlertEvent]:
    """Resolve events for open alerts of heartbeats that were deleted: no ping can ever
    resolve them any more (a heartbeat's alerts come through the heartbeat itself)."""
    cur.execute(
        f"SELECT a.id, a.service_id, a.integration_id, a.dedup_key, {route_columns('s')} "
        "FROM alerts a JOIN services s ON s.id = a.service_id "
        "WHERE a.dedup_key LIKE 'heartbeat:%' AND a.status <> 'resolved' "
        "AND NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.id = a.integration_id) LIMIT 500"
    )
    events = []
    for aid, sid, iid, key, *rules in cur.fetchall():
        route = service_route(iid, sid, "heartbeat", rules)
        raw = _json({"tocsin": "heartbeat deleted", "alert_id": aid}).decode()
        events.append(AlertEvent(route, Action.RESOLVE, key, now, raw))
    return events

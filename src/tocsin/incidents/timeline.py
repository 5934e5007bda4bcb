"""What happened to an incident, in order: the ``incident_events`` rows.

The engine and the incident actions record an event in the transaction that made it
happen (a level paged, a coverage gap, an escalation deferred to support hours, an
acknowledgement holding or timing out, a snooze, responders added by hand), so the
incident says what Tocsin did and why. Kinds (``detail`` fields in docs/escalation.md):
``paged``, ``coverage_gap``, ``deferred``, ``escalation_stopped``, ``escalation_exhausted``,
``retriggered``, ``snoozed``, ``responders_added``, ``escalated_by_hand``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec
from pydantic import BaseModel
from sqlalchemy import Connection, select

from tocsin.ids import new_id
from tocsin.store.batch import Batch
from tocsin.store.schema import incident_events

ENGINE = "tocsin"  # the actor of what the engine did by itself
MAX_EVENTS = 1000  # shown on an incident (the oldest first)
_json = msgspec.json.Encoder().encode


_INSERT = "INSERT INTO incident_events (id, incident_id, at, kind, actor, detail) VALUES "


def _row(
    store: Batch,
    incident_id: str,
    kind: str,
    now: datetime,
    actor: str,
    detail: Mapping[str, Any] | None,
    event_id: str,
) -> tuple[Any, ...]:
    return (event_id, incident_id, store.db_time(now), kind, actor, _json(detail or {}).decode())


def record(
    store: Batch,
    cur: Any,
    incident_id: str,
    kind: str,
    now: datetime,
    *,
    actor: str = ENGINE,
    detail: Mapping[str, Any] | None = None,
    event_id: str | None = None,
) -> str:
    """Record that ``kind`` happened to the incident at ``now``; the event's id (made
    here unless given: pages that name the event need it first)."""
    event_id = event_id or new_id(now)
    p = store.mark
    cur.execute(
        _INSERT + f"({p}, {p}, {p}, {p}, {p}, {p})",
        _row(store, incident_id, kind, now, actor, detail, event_id),
    )
    return event_id


class Timeline:
    """Events recorded by many decisions of one transaction (a batch of timer firings),
    inserted by one ``executemany`` in ``flush``: one round trip instead of one each.
    Ids are made when an event is added, so the events keep the order they happened in."""

    def __init__(self, store: Batch) -> None:
        self.store = store
        self.rows: list[tuple[Any, ...]] = []

    def record(
        self,
        incident_id: str,
        kind: str,
        now: datetime,
        *,
        actor: str = ENGINE,
        detail: Mapping[str, Any] | None = None,
    ) -> str:
        """As ``record``, written at ``flush``."""
        event_id = new_id(now)
        self.rows.append(_row(self.store, incident_id, kind, now, actor, detail, event_id))
        return event_id

    def flush(self, cur: Any) -> None:
        """Insert the events recorded so far."""
        if self.rows:
            p = self.store.mark
            cur.executemany(_INSERT + f"({p}, {p}, {p}, {p}, {p}, {p})", self.rows)
            self.rows = []


class IncidentEvent(BaseModel):
    """One thing that happened to an incident."""

    id: str
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]


def events_of(conn: Connection, incident_id: str) -> list[IncidentEvent]:
    """The incident's events, oldest first (the first ``MAX_EVENTS``)."""
    rows = conn.execute(
        select(incident_events)
        .where(incident_events.c.incident_id == incident_id)
        .order_by(incident_events.c.at, incident_events.c.id)
        .limit(MAX_EVENTS)
    ).all()
    return [IncidentEvent.model_validate(row, from_attributes=True) for row in rows]

"""Reading incidents: behind ``/api/v1/incidents`` and ``tocsin incidents``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from tocsin.core.paging import Page
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.incidents.models import (
    EscalationOut,
    IncidentAlert,
    IncidentAlertPage,
    IncidentDetail,
    IncidentOut,
    IncidentPage,
)
from tocsin.incidents.timeline import events_of
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import alerts, escalations, incidents, services, timers

_ALERT_COUNT = select(func.count()).where(alerts.c.incident_id == incidents.c.id).scalar_subquery()
_COLUMNS = [*incidents.c, services.c.name.label("service"), _ALERT_COUNT.label("alert_count")]


def _from_row(row: Row[Any]) -> IncidentOut:
    m = row._mapping
    return IncidentOut(
        id=m["id"],
        service_id=m["service_id"],
        service=m["service"],
        title=m["title"],
        status=m["status"],
        alert_count=m["alert_count"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        acknowledged_at=m["acknowledged_at"],
        resolved_at=m["resolved_at"],
        snoozed_until=m["snoozed_until"],
    )


def list_incidents(
    conn: Connection,
    *,
    service: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> IncidentPage:
    """Incidents newest first; ``status=open`` means not resolved."""
    query = select(*_COLUMNS).join(services, services.c.id == incidents.c.service_id)
    if service:
        query = query.where((services.c.name == service) | (services.c.id == service))
    if status == "open":
        query = query.where(incidents.c.status != "resolved")
    elif status:
        query = query.where(incidents.c.status == status)
    if since:
        query = query.where(incidents.c.created_at >= since)
    if until:
        query = query.where(incidents.c.created_at < until)
    if cursor:
        query = query.where(incidents.c.id < cursor)
    rows = conn.execute(query.order_by(incidents.c.id.desc()).limit(limit + 1)).all()
    items = [_from_row(r) for r in rows[:limit]]
    return IncidentPage(incidents=items, next_cursor=items[-1].id if len(rows) > limit else None)


def get_incident(
    conn: Connection, incident_id: str, *, max_alerts: int = 1000
) -> IncidentDetail | None:
    """One incident with its first ``max_alerts`` alerts, oldest first, and the cursor of
    the rest (``alerts_next_cursor``, for ``incident_alerts``)."""
    row = conn.execute(
        select(*_COLUMNS)
        .join(services, services.c.id == incidents.c.service_id)
        .where(incidents.c.id == incident_id)
    ).first()
    if row is None:
        return None
    first = _alerts_page(conn, incident_id, limit=max_alerts, cursor=None)
    return IncidentDetail(
        **_from_row(row).model_dump(),
        alerts=first.items,
        alerts_next_cursor=first.next_cursor,
        escalation=_escalation(conn, row),
        events=events_of(conn, incident_id),
    )


def _escalation(conn: Connection, incident: Row[Any]) -> EscalationOut | None:
    """The incident's escalation as it stands. An acknowledgement or resolution takes
    effect at the escalation timer's next firing; until then it is shown as it will be."""
    incident_id, status = incident.id, incident.status
    row = conn.execute(
        select(escalations, timers.c.due_at, services.c.ack_timeout_seconds)
        .join(incidents, incidents.c.id == escalations.c.incident_id)
        .join(services, services.c.id == incidents.c.service_id)
        .outerjoin(
            timers,
            (timers.c.kind == ESCALATION_TIMER) & (timers.c.subject == escalations.c.incident_id),
        )
        .where(escalations.c.incident_id == incident_id)
    ).first()
    if row is None:
        return None
    m = row._mapping
    policy = m["policy"]
    state, due = m["state"], m["due_at"]
    if status == "resolved" and state != "exhausted":
        state = "stopped"
    elif status == "acknowledged" and state in ("active", "deferred", "due", "exhausted"):
        again = incident.snoozed_until is not None or m["ack_timeout_seconds"] is not None
        state = "held" if status == "acknowledged" and again else "stopped"
    return EscalationOut(
        state=state,
        policy=policy.get("name", "") if isinstance(policy, dict) else "",
        level=m["level"] + 1,
        repeat=m["repeat"],
        round=m["round"],
        next_at=due if state in ("active", "deferred", "due", "held") else None,
    )


def incident_alerts(
    conn: Connection, incident_id: str, *, limit: int, cursor: str | None
) -> IncidentAlertPage | None:
    """A page of an incident's alerts, oldest first; None when there is no such incident."""
    found = conn.execute(select(incidents.c.id).where(incidents.c.id == incident_id)).first()
    if found is None:
        return None
    page = _alerts_page(conn, incident_id, limit=limit, cursor=cursor)
    return IncidentAlertPage(alerts=page.items, next_cursor=page.next_cursor)


def _alerts_page(
    conn: Connection, incident_id: str, *, limit: int, cursor: str | None
) -> Page[IncidentAlert]:
    query = select(alerts).where(alerts.c.incident_id == incident_id)
    page = keyset_page(conn, query, [alerts.c.id], (str,), limit=limit, cursor=cursor)
    return page.map(lambda row: IncidentAlert.model_validate(row, from_attributes=True))

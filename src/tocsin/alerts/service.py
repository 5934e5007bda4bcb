"""Reading alerts: the service functions behind ``/api/v1/alerts`` and ``tocsin alerts``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Connection, Row, select

from tocsin.alerts.explain import explain
from tocsin.alerts.models import AlertDetail, AlertEventOut, AlertEventPage, AlertOut, AlertPage
from tocsin.core.paging import Page
from tocsin.ids import id_floor
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import alert_events, alerts, incidents, services

ALERT_COLUMNS = [*alerts.c, services.c.name.label("service")]


def alert_from_row(row: Row[Any]) -> AlertOut:
    """Map an ``alerts`` row (joined with its service's name) to the read model."""
    m = row._mapping
    return AlertOut(
        id=m["id"],
        service_id=m["service_id"],
        service=m["service"],
        integration_id=m["integration_id"],
        incident_id=m["incident_id"],
        dedup_key=m["dedup_key"],
        status=m["status"],
        summary=m["summary"],
        source=m["source"],
        severity=m["severity"],
        component=m["component"],
        group=m["group_name"],
        class_name=m["class_name"],
        custom_details=m["custom_details"],
        labels=m["labels"] or {},
        links=m["links"] or [],
        images=m["images"] or [],
        client=m["client"],
        client_url=m["client_url"],
        occurred_at=m["occurred_at"],
        occurrences=m["occurrences"],
        created_at=m["created_at"],
        last_seen_at=m["last_seen_at"],
        acknowledged_at=m["acknowledged_at"],
        resolved_at=m["resolved_at"],
        suppressed_by=m["suppressed_by"],
        suppressed_until=m["suppressed_until"],
    )


_ID_SLACK = timedelta(minutes=1)


def list_alerts(
    conn: Connection,
    *,
    service: str | None = None,
    status: str | None = None,
    dedup_key: str | None = None,
    incident_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> AlertPage:
    """Alerts newest first, filtered; ``service`` is a name or an id."""
    query = select(*ALERT_COLUMNS).join(services, services.c.id == alerts.c.service_id)
    if service:
        query = query.where((services.c.name == service) | (services.c.id == service))
    if status:
        query = query.where(alerts.c.status == status)
    if dedup_key:
        query = query.where(alerts.c.dedup_key == dedup_key)
    if incident_id:
        query = query.where(alerts.c.incident_id == incident_id)
    # Ids sort by creation time (an alert's id is made from its created_at), so a time
    # filter is also an id range the primary key can serve; the minute of slack keeps it
    # a superset, and created_at decides.
    if since:
        query = query.where(
            alerts.c.created_at >= since, alerts.c.id >= id_floor(since - _ID_SLACK)
        )
    if until:
        query = query.where(alerts.c.created_at < until, alerts.c.id < id_floor(until + _ID_SLACK))
    if cursor:
        query = query.where(alerts.c.id < cursor)
    rows = conn.execute(query.order_by(alerts.c.id.desc()).limit(limit + 1)).all()
    items = [alert_from_row(r) for r in rows[:limit]]
    next_cursor = items[-1].id if len(rows) > limit else None
    return AlertPage(alerts=items, next_cursor=next_cursor)


def get_alert(conn: Connection, alert_id: str, *, max_events: int = 500) -> AlertDetail | None:
    """One alert with the first ``max_events`` of its event log, oldest first, and the
    cursor of the rest (``events_next_cursor``, for ``event_log_page``)."""
    row = conn.execute(
        select(*ALERT_COLUMNS)
        .join(services, services.c.id == alerts.c.service_id)
        .where(alerts.c.id == alert_id)
    ).first()
    if row is None:
        return None
    first = _events_page(conn, alert_id, limit=max_events, cursor=None)
    events = first.items
    alert = alert_from_row(row)
    grouping, group_key = None, None
    context = conn.execute(
        select(services.c.incident_grouping, incidents.c.group_key)
        .select_from(services)
        .outerjoin(incidents, incidents.c.id == alert.incident_id)
        .where(services.c.id == alert.service_id)
    ).first()
    if context is not None:
        grouping, group_key = context
    explanation = explain(
        suppressed_by=alert.suppressed_by,
        suppressed_until=alert.suppressed_until,
        incident_id=alert.incident_id,
        grouping=grouping,
        group_key=group_key,
        events=events,
    )
    return AlertDetail(
        **alert.model_dump(),
        events=events,
        events_next_cursor=first.next_cursor,
        explanation=explanation,
    )


def event_log_page(
    conn: Connection, alert_id: str, *, limit: int, cursor: str | None
) -> AlertEventPage | None:
    """A page of an alert's event log, oldest first; None when there is no such alert."""
    if conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
        return None
    page = _events_page(conn, alert_id, limit=limit, cursor=cursor)
    return AlertEventPage(events=page.items, next_cursor=page.next_cursor)


def _events_page(
    conn: Connection, alert_id: str, *, limit: int, cursor: str | None
) -> Page[AlertEventOut]:
    query = select(alert_events).where(alert_events.c.alert_id == alert_id)
    page = keyset_page(conn, query, [alert_events.c.id], (int,), limit=limit, cursor=cursor)
    return page.map(
        lambda e: AlertEventOut(
            id=e.id,
            received_at=e.received_at,
            integration_id=e.integration_id,
            action=e.action,
            outcome=e.outcome,
            payload=_payload(e.payload),
        )
    )


def _payload(raw: str) -> Any:
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # cut short, or too deep to read back
        return raw

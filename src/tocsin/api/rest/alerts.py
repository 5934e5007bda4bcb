"""Alerts and their event logs: ``/api/v1/alerts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.alerts import service as alert_service
from tocsin.alerts.models import AlertDetail, AlertEventPage, AlertPage
from tocsin.api.paging import Cursor as PageCursor
from tocsin.api.paging import Limit
from tocsin.api.rest.deps import Cursor, RuntimeDep, Since, Until, found, v1_router

router = v1_router("alerts")


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(description="service name or id")] = None,
    status: Annotated[str | None, Query(pattern="^(triggered|acknowledged|resolved)$")] = None,
    dedup_key: str | None = None,
    incident_id: str | None = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AlertPage:
    """Alerts, newest first, filtered and paginated."""
    with runtime.engine.connect() as conn:
        return alert_service.list_alerts(
            conn,
            service=service,
            status=status,
            dedup_key=dedup_key,
            incident_id=incident_id,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: str, runtime: RuntimeDep) -> AlertDetail:
    """One alert with the first 500 events of its log (``events_next_cursor``: more)."""
    with runtime.engine.connect() as conn:
        return found(alert_service.get_alert(conn, alert_id), f"alert {alert_id}")


@router.get("/alerts/{alert_id}/events", response_model=AlertEventPage)
def get_alert_events(
    alert_id: str, runtime: RuntimeDep, limit: Limit = 100, cursor: PageCursor = None
) -> AlertEventPage:
    """An alert's event log, oldest first, a page at a time."""
    with runtime.engine.connect() as conn:
        page = alert_service.event_log_page(conn, alert_id, limit=limit, cursor=cursor)
    return found(page, f"alert {alert_id}")

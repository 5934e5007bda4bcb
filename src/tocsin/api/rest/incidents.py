"""Incidents and their alerts: ``/api/v1/incidents``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.api.paging import Cursor as PageCursor
from tocsin.api.paging import Limit
from tocsin.api.rest.deps import Cursor, RuntimeDep, Since, Until, found, v1_router
from tocsin.incidents import service as incident_service
from tocsin.incidents.models import IncidentAlertPage, IncidentDetail, IncidentPage
from tocsin.notify.log import DeliveryPage, incident_deliveries

router = v1_router("incidents")


@router.get("/incidents", response_model=IncidentPage)
def list_incidents(
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(description="service name or id")] = None,
    status: Annotated[str | None, Query(pattern="^(open|triggered|acknowledged|resolved)$")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> IncidentPage:
    """Incidents, newest first; ``status=open`` means not resolved."""
    with runtime.engine.connect() as conn:
        return incident_service.list_incidents(
            conn,
            service=service,
            status=status,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: str, runtime: RuntimeDep) -> IncidentDetail:
    """One incident with its first 1000 alerts (``alerts_next_cursor``: more)."""
    with runtime.engine.connect() as conn:
        return found(incident_service.get_incident(conn, incident_id), f"incident {incident_id}")


@router.get("/incidents/{incident_id}/alerts", response_model=IncidentAlertPage)
def get_incident_alerts(
    incident_id: str, runtime: RuntimeDep, limit: Limit = 100, cursor: PageCursor = None
) -> IncidentAlertPage:
    """An incident's alerts, oldest first, a page at a time."""
    with runtime.engine.connect() as conn:
        page = incident_service.incident_alerts(conn, incident_id, limit=limit, cursor=cursor)
    return found(page, f"incident {incident_id}")


@router.get("/incidents/{incident_id}/deliveries", response_model=DeliveryPage)
def get_incident_deliveries(
    incident_id: str, runtime: RuntimeDep, limit: Limit = 100, cursor: PageCursor = None
) -> DeliveryPage:
    """The pages sent for an incident (each contact method of each user paged), with
    every attempt to send them: channel, outcome, error, latency."""
    with runtime.engine.connect() as conn:
        page = incident_deliveries(conn, incident_id, limit=limit, cursor=cursor)
    return found(page, f"incident {incident_id}")

"""Incidents and their alerts: ``/api/v1/incidents``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from tocsin.api.errors import ApiError
from tocsin.api.paging import Cursor as PageCursor
from tocsin.api.paging import Limit
from tocsin.api.rest.deps import Cursor, RuntimeDep, Since, TokenDep, Until, found, v1_router
from tocsin.core.events import Action
from tocsin.engine.writer import StorageError
from tocsin.incidents import service as incident_service
from tocsin.incidents.actions import ActResult, EscalateResult, act_on_incident, escalate_now
from tocsin.incidents.models import IncidentAlertPage, IncidentDetail, IncidentPage
from tocsin.notify.log import DeliveryPage, incident_deliveries
from tocsin.runtime import Runtime

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


class ActedOut(BaseModel):
    """What an acknowledge or resolve did."""

    incident_id: str
    status_before: str
    alerts: int  # alerts it applied to
    changed: bool  # False: the incident already was so


class EscalatedOut(BaseModel):
    """What asking to escalate did: ``escalated`` (the next step pages now),
    ``not_triggered``, ``no_policy`` or ``exhausted``."""

    incident_id: str
    outcome: str
    status: str


async def _act(runtime: Runtime, incident_id: str, action: Action, token_id: str) -> ActedOut:
    result = ActResult()
    work = act_on_incident(
        incident_id,
        action,
        by=f"token {token_id}",
        via="api",
        now=runtime.clock.now(),
        result=result,
    )
    await _run(runtime, work)
    if not result.found:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    return ActedOut(
        incident_id=incident_id,
        status_before=result.status_before,
        alerts=result.alerts,
        changed=result.changed,
    )


async def _run(runtime: Runtime, work: Any) -> None:
    """Run writer work; 503 (try again) when it cannot be stored now."""
    try:
        await runtime.writer.run(work)
    except StorageError:
        raise ApiError(503, "unavailable", "could not store that now; try again") from None


@router.post("/incidents/{incident_id}/acknowledge", response_model=ActedOut)
async def acknowledge_incident(
    incident_id: str, runtime: RuntimeDep, token_id: TokenDep
) -> ActedOut:
    """Acknowledge every triggered alert of the incident: its escalation stops."""
    return await _act(runtime, incident_id, Action.ACKNOWLEDGE, token_id)


@router.post("/incidents/{incident_id}/resolve", response_model=ActedOut)
async def resolve_incident(incident_id: str, runtime: RuntimeDep, token_id: TokenDep) -> ActedOut:
    """Resolve every open alert of the incident."""
    return await _act(runtime, incident_id, Action.RESOLVE, token_id)


@router.post("/incidents/{incident_id}/escalate", response_model=EscalatedOut)
async def escalate_incident(incident_id: str, runtime: RuntimeDep) -> EscalatedOut:
    """Page the incident's next escalation step now (the person paged stays silent);
    409 when it is not triggered, pages nobody, or has paged every step."""
    result = EscalateResult()
    await _run(runtime, escalate_now(incident_id, now=runtime.clock.now(), result=result))
    if not result.outcome:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    if result.outcome != "escalated":
        why = {
            "not_triggered": f"the incident is {result.status}: nothing to escalate",
            "no_policy": "its service has no escalation policy: it pages nobody",
            "exhausted": "every step of its escalation policy has been paged",
        }[result.outcome]
        raise ApiError(409, result.outcome, why)
    return EscalatedOut(incident_id=incident_id, outcome=result.outcome, status=result.status)

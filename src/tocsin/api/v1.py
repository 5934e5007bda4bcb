"""The REST API under ``/api/v1``: thin views over the service functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tocsin.alerts import service as alert_service
from tocsin.alerts.models import AlertDetail, AlertPage
from tocsin.api.errors import ApiError
from tocsin.auth.tokens import verify_token
from tocsin.catalog import service as catalog
from tocsin.changes.service import ChangePage, list_changes
from tocsin.incidents import service as incident_service
from tocsin.incidents.models import IncidentDetail, IncidentPage
from tocsin.inputs import Instant
from tocsin.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's shared objects."""
    runtime: Runtime = request.app.state.runtime
    return runtime


_bearer = HTTPBearer(auto_error=False, description="an API token from `tocsin token create`")


def require_token(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Every /api/v1 route needs ``Authorization: Bearer <token>``; returns the token id."""
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    with runtime.engine.connect() as conn:
        token_id = verify_token(conn, credentials.credentials.strip())
    if token_id is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return token_id


router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Since = Annotated[Instant | None, Query(description="at or after (ISO 8601 with an offset)")]
Until = Annotated[Instant | None, Query(description="before (ISO 8601 with an offset)")]


@router.get("/alerts", response_model=AlertPage, tags=["alerts"])
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


@router.get("/alerts/{alert_id}", response_model=AlertDetail, tags=["alerts"])
def get_alert(alert_id: str, runtime: RuntimeDep) -> AlertDetail:
    """One alert with its event log."""
    with runtime.engine.connect() as conn:
        alert = alert_service.get_alert(conn, alert_id)
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return alert


@router.get("/incidents", response_model=IncidentPage, tags=["incidents"])
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


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, tags=["incidents"])
def get_incident(incident_id: str, runtime: RuntimeDep) -> IncidentDetail:
    """One incident with its alerts."""
    with runtime.engine.connect() as conn:
        incident = incident_service.get_incident(conn, incident_id)
    if incident is None:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    return incident


@router.get("/changes", response_model=ChangePage, tags=["changes"])
def get_changes(
    runtime: RuntimeDep,
    service: Annotated[str | None, Query(description="service name or id")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ChangePage:
    """Change records (deploys, config, flags), newest first."""
    with runtime.engine.connect() as conn:
        return list_changes(
            conn, service=service, since=since, until=until, limit=limit, cursor=cursor
        )


@router.get("/integrations", response_model=list[catalog.IntegrationOut], tags=["catalog"])
def get_integrations(runtime: RuntimeDep) -> list[catalog.IntegrationOut]:
    """Every integration with its ingest URL and key."""
    with runtime.engine.connect() as conn:
        return catalog.list_integrations(conn, runtime.settings.base_url())

"""The REST API under ``/api/v1``: thin views over the service functions."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tocsin.alerts import service as alert_service
from tocsin.alerts.models import AlertDetail, AlertEventPage, AlertPage
from tocsin.api.errors import ApiError
from tocsin.api.paging import LINKED_PAGE, Limit, Paging
from tocsin.api.paging import Cursor as PageCursor
from tocsin.auth.tokens import verify_token
from tocsin.catalog import service as catalog
from tocsin.changes.service import ChangePage, list_changes
from tocsin.incidents import service as incident_service
from tocsin.incidents.models import IncidentAlertPage, IncidentDetail, IncidentPage
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
T = TypeVar("T")


def found(value: T | None, what: str) -> T:
    """``value``, or a 404 saying there is no ``what``."""
    if value is None:
        raise ApiError(404, "not_found", f"no {what}")
    return value


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# The cursor of the alert, incident, change and timer lists: the last id a page showed.
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
    """One alert with the first 500 events of its log (``events_next_cursor``: more)."""
    with runtime.engine.connect() as conn:
        return found(alert_service.get_alert(conn, alert_id), f"alert {alert_id}")


@router.get("/alerts/{alert_id}/events", response_model=AlertEventPage, tags=["alerts"])
def get_alert_events(
    alert_id: str, runtime: RuntimeDep, limit: Limit = 100, cursor: PageCursor = None
) -> AlertEventPage:
    """An alert's event log, oldest first, a page at a time."""
    with runtime.engine.connect() as conn:
        page = alert_service.event_log_page(conn, alert_id, limit=limit, cursor=cursor)
    return found(page, f"alert {alert_id}")


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
    """One incident with its first 1000 alerts (``alerts_next_cursor``: more)."""
    with runtime.engine.connect() as conn:
        return found(incident_service.get_incident(conn, incident_id), f"incident {incident_id}")


@router.get("/incidents/{incident_id}/alerts", response_model=IncidentAlertPage, tags=["incidents"])
def get_incident_alerts(
    incident_id: str, runtime: RuntimeDep, limit: Limit = 100, cursor: PageCursor = None
) -> IncidentAlertPage:
    """An incident's alerts, oldest first, a page at a time."""
    with runtime.engine.connect() as conn:
        page = incident_service.incident_alerts(conn, incident_id, limit=limit, cursor=cursor)
    return found(page, f"incident {incident_id}")


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


@router.get(
    "/integrations",
    response_model=list[catalog.IntegrationOut],
    responses=LINKED_PAGE,
    tags=["catalog"],
)
def get_integrations(runtime: RuntimeDep, paging: Paging) -> list[catalog.IntegrationOut]:
    """Integrations by service and name, with their ingest URL and key."""
    with runtime.engine.connect() as conn:
        page = catalog.list_integrations(
            conn, runtime.settings.base_url(), limit=paging.limit, cursor=paging.cursor
        )
    return paging.reply(page)

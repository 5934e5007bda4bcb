"""Read models of incidents."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class IncidentAlert(BaseModel):
    """An alert as listed on its incident."""

    id: str
    dedup_key: str
    status: str
    summary: str
    severity: str
    occurrences: int
    created_at: datetime


class IncidentOut(BaseModel):
    """An incident (minimal for now: the full lifecycle builds on it)."""

    id: str
    service_id: str
    service: str
    title: str
    status: str
    alert_count: int
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


class IncidentDetail(IncidentOut):
    """An incident with its alerts, oldest first."""

    alerts: list[IncidentAlert] = Field(description="the first 1000 alerts, oldest first")
    alerts_next_cursor: str | None = Field(
        default=None,
        description="set when there are more: GET /api/v1/incidents/{id}/alerts?cursor=...",
    )


class IncidentAlertPage(BaseModel):
    """A page of an incident's alerts, oldest first; ``next_cursor`` asks for the next."""

    alerts: list[IncidentAlert]
    next_cursor: str | None


class IncidentPage(BaseModel):
    """A page of incidents, newest first."""

    incidents: list[IncidentOut]
    next_cursor: str | None

"""Read models of incidents."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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

    alerts: list[IncidentAlert]


class IncidentPage(BaseModel):
    """A page of incidents, newest first."""

    incidents: list[IncidentOut]
    next_cursor: str | None

"""Read models of incidents."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tocsin.incidents.timeline import IncidentEvent


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
    snoozed_until: datetime | None = None


class EscalationOut(BaseModel):
    """Where the incident's escalation is: ``state`` (active, deferred, due, held,
    stopped, exhausted: docs/escalation.md), the policy it snapshotted, the level paged
    last (1 = first), the pass over the policy, the round (it starts over after an ack
    timeout or a snooze), and when the escalation timer fires next."""

    state: str
    policy: str
    level: int
    repeat: int
    round: int
    next_at: datetime | None = None


class IncidentDetail(IncidentOut):
    """An incident with its alerts, oldest first, its escalation and its events."""

    alerts: list[IncidentAlert] = Field(description="the first 1000 alerts, oldest first")
    alerts_next_cursor: str | None = Field(
        default=None,
        description="set when there are more: GET /api/v1/incidents/{id}/alerts?cursor=...",
    )
    escalation: EscalationOut | None = None
    events: list[IncidentEvent] = Field(
        default_factory=list, description="what happened to it, oldest first (up to 1000)"
    )


class IncidentAlertPage(BaseModel):
    """A page of an incident's alerts, oldest first; ``next_cursor`` asks for the next."""

    alerts: list[IncidentAlert]
    next_cursor: str | None


class IncidentPage(BaseModel):
    """A page of incidents, newest first."""

    incidents: list[IncidentOut]
    next_cursor: str | None

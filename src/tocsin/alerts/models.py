"""Read models of alerts and their event log, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tocsin.inputs import StoredJson


class AlertEventOut(BaseModel):
    """One event received for an alert (or ignored for lack of one)."""

    id: int
    received_at: datetime
    integration_id: str
    action: str = Field(description="trigger, acknowledge or resolve")
    outcome: str = Field(description="created, appended, acknowledged, resolved or ignored")
    payload: StoredJson = Field(description="the payload as received (size-limited)")


class AlertOut(BaseModel):
    """An alert: one problem reported by a sender, deduplicated by its key."""

    id: str
    service_id: str
    service: str
    integration_id: str
    incident_id: str | None
    dedup_key: str
    status: str
    summary: str
    source: str
    severity: str
    component: str | None = None
    group: str | None = None
    class_name: str | None = Field(default=None, description="PagerDuty's payload.class")
    custom_details: StoredJson = None
    labels: dict[str, str] = {}
    links: list[dict[str, str]] = []
    images: list[dict[str, str]] = []
    client: str | None = None
    client_url: str | None = None
    occurred_at: datetime | None = Field(default=None, description="payload.timestamp")
    occurrences: int
    created_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    suppressed_by: str | None = Field(
        default=None,
        description="why it opened no incident: maintenance_window:NAME or silence:ID",
    )
    suppressed_until: datetime | None = Field(default=None, description="when that hold ends")


class AlertDetail(AlertOut):
    """An alert with its event log, oldest first, and why it paged or did not."""

    events: list[AlertEventOut] = Field(description="the first 500 events, oldest first")
    events_next_cursor: str | None = Field(
        default=None,
        description="set when the log goes on: GET /api/v1/alerts/{id}/events?cursor=...",
    )
    explanation: list[str] = Field(
        default_factory=list,
        description="which window, silence, pause or grouping rule applied, and when",
    )


class AlertPage(BaseModel):
    """A page of alerts, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    alerts: list[AlertOut]
    next_cursor: str | None


class AlertEventPage(BaseModel):
    """A page of an alert's event log, oldest first; ``next_cursor`` asks for the next."""

    events: list[AlertEventOut]
    next_cursor: str | None

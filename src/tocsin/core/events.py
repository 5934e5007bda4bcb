"""The one internal event type every ingest format is turned into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec

from tocsin.core.grouping import GroupingMode


class Action(StrEnum):
    """What a sender asks for."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    # Tocsin's own: look at a held alert again (its hold ended). No sender can send it.
    REEVALUATE = "reevaluate"


class Severity(StrEnum):
    """PagerDuty's four severities; every format maps onto these."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class AlertStatus(StrEnum):
    """Where an alert is in its life."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Route:
    """Where an event goes, resolved from its credential, and how that service groups."""

    integration_id: str
    service_id: str
    integration_type: str
    grouping: GroupingMode = GroupingMode.OPEN_INCIDENT
    auto_resolve_incidents: bool = True
    pause_new_alerts: timedelta | None = None  # transient pause: hold new alerts this long
    flap_changes: int | None = None  # flapping: more state changes than this...
    flap_window: timedelta | None = None  # ...within this window
    grouping_window: timedelta | None = None  # time_window grouping: join if this recent
    grouping_labels: tuple[str, ...] = ()  # labels grouping: alerts sharing these values
    escalates: bool = False  # the service has an escalation policy: its incidents page
    ack_timeout: timedelta | None = None  # an acknowledgement holds this long, then pages


class AlertEvent(msgspec.Struct, frozen=True, gc=False):
    """A trigger, acknowledge or resolve for one alert, whatever format it arrived in.

    A frozen struct rather than a dataclass: grouped notifications make hundreds per
    request, and a struct is built in C (a fifth of a frozen dataclass's cost) and never
    tracked by the cyclic GC (it holds only data, so it can be part of no cycle).
    """

    route: Route
    action: Action
    dedup_key: str
    received_at: datetime
    raw: str
    summary: str = ""
    source: str = ""
    severity: Severity = Severity.CRITICAL
    occurred_at: datetime | None = None
    component: str | None = None
    group: str | None = None
    class_name: str | None = None
    custom_details: Any = None
    labels: dict[str, str] = {}  # msgspec gives each event its own empty dict / list
    links: list[dict[str, str]] = []
    images: list[dict[str, str]] = []
    client: str | None = None
    client_url: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A deploy, config or flag change recorded on one or more services."""

    service_ids: tuple[str, ...]
    origin: str
    summary: str
    received_at: datetime
    occurred_at: datetime
    source: str | None = None
    custom_details: Any = None
    links: list[dict[str, str]] = field(default_factory=list)

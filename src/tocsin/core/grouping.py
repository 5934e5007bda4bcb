"""Grouping: which incident a newly paging alert belongs to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class GroupingMode(StrEnum):
    """How a service turns alerts into incidents."""

    OPEN_INCIDENT = "open_incident"  # join the service's open incident, if there is one
    TIME_WINDOW = "time_window"  # join it only if it opened within the grouping window
    LABELS = "labels"  # join the open incident of alerts sharing the grouping labels
    PER_ALERT = "per_alert"  # every alert opens its own incident


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident alerts may still join, and how many of its alerts are triggered: at
    least ``triggered_alerts`` (counted up to a cap; None when not counted)."""

    id: str
    created_at: datetime
    triggered_alerts: int | None = None


def group_key(mode: GroupingMode, grouping_labels: Sequence[str], labels: Mapping[str, str]) -> str:
    """What alerts of one incident share: their values of the grouping labels (``labels``
    mode), or nothing (every other mode groups per service)."""
    if mode is not GroupingMode.LABELS:
        return ""
    return "|".join(f"{name}={labels.get(name, '')}" for name in grouping_labels)


def choose_incident(
    mode: GroupingMode,
    open_incident: OpenIncident | None,
    at: datetime,
    window: timedelta | None = None,
) -> str | None:
    """The incident a new alert at ``at`` joins, or None when it must open a new one.

    ``open_incident`` is the newest open incident with the alert's group key.
    """
    if mode is GroupingMode.PER_ALERT or open_incident is None:
        return None
    too_old = window is None or at - open_incident.created_at > window
    if mode is GroupingMode.TIME_WINDOW and too_old:
        return None
    return open_incident.id

"""Grouping: which incident a newly opened alert belongs to."""

from __future__ import annotations

from enum import StrEnum


class GroupingMode(StrEnum):
    """How a service turns alerts into incidents."""

    OPEN_INCIDENT = "open_incident"  # join the service's open incident, if there is one
    PER_ALERT = "per_alert"  # every alert opens its own incident


def choose_incident(mode: GroupingMode, open_incident_id: str | None) -> str | None:
    """The incident a new alert joins, or None when it must open a new one."""
    if mode is GroupingMode.OPEN_INCIDENT:
        return open_incident_id
    return None

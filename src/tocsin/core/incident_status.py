"""Incident status derived from its alerts, for the minimal incident of the intake layer."""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    """The states an incident can be in (a later lifecycle adds more)."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def status_after_alert_change(
    current: IncidentStatus,
    *,
    has_triggered_alert: bool,
    has_open_alert: bool,
    auto_resolve: bool,
) -> IncidentStatus:
    """The incident's status once one of its alerts was acknowledged or resolved.

    An incident resolves when its last open alert resolves (if the service says so); it is
    acknowledged once none of its open alerts is still triggered. It never goes back to
    triggered here: a new alert joining an acknowledged incident does not re-page.
    """
    if current is IncidentStatus.RESOLVED:
        return current
    if not has_open_alert:
        return IncidentStatus.RESOLVED if auto_resolve else current
    if not has_triggered_alert:
        return IncidentStatus.ACKNOWLEDGED
    return current

"""Why an alert paged or did not: the decisions recorded on it, in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tocsin.alerts.models import AlertEventOut

_HOLDS = {
    "maintenance_window": "maintenance window",
    "silence": "silence",
    "transient_pause": "transient pause",
    "flapping": "flap detection",
}


def explain(
    *,
    suppressed_by: str | None,
    suppressed_until: datetime | None,
    incident_id: str | None,
    grouping: str | None,
    group_key: str | None,
    events: Sequence[AlertEventOut],
) -> list[str]:
    """Plain sentences: which window, silence, pause or grouping rule applied, and when."""
    lines = []
    if suppressed_by:
        kind, _, name = suppressed_by.partition(":")
        until = f" until {suppressed_until.isoformat()}" if suppressed_until else ""
        lines.append(f"Held by {_HOLDS.get(kind, kind)} {name}{until}: it opened no incident.")
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        reason = payload.get("tocsin")
        if reason and event.outcome != "ignored":
            lines.append(
                f"{event.received_at.isoformat()}: {reason} ({event.action}: {event.outcome})."
            )
    if incident_id:
        rule = {
            "open_incident": "the service groups alerts into its open incident",
            "time_window": "the service groups alerts opened within its grouping window",
            "labels": f"the service groups alerts by labels ({group_key})",
            "per_alert": "the service opens one incident per alert",
        }.get(grouping or "", f"grouping {grouping}")
        lines.append(f"Paged through incident {incident_id}: {rule}.")
    elif not suppressed_by:
        lines.append("No incident: the alert resolved before anything paged.")
    return lines

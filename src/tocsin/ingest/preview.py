"""What a payload would become, without storing anything (``tocsin integrations test``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tocsin.ingest import alertmanager, generic, grafana, pagerduty
from tocsin.ingest.alert_list import Invalid, Notification
from tocsin.ingest.generic import GenericMapping


@dataclass(frozen=True, slots=True)
class Preview:
    """The alerts a payload describes, or the problems that stop it."""

    alerts: list[dict[str, Any]]
    errors: list[str]


def preview(
    integration_type: str, name: str, mapping: GenericMapping | None, body: bytes
) -> Preview:
    """Parse ``body`` as an integration of ``integration_type`` would, and describe it."""
    if integration_type == "pagerduty":
        parsed = pagerduty.parse_enqueue(body)
        if isinstance(parsed, pagerduty.Invalid):
            return Preview([], parsed.errors)
        fields = {k: v for k, v in parsed.fields.items() if v not in (None, [], {})}
        return Preview(
            [{"action": parsed.action.value, "dedup_key": parsed.dedup_key, **fields}], []
        )
    notification: Notification | Invalid
    if integration_type == "alertmanager":
        notification = alertmanager.parse(body)
    elif integration_type == "grafana":
        notification = grafana.parse(body)
    elif integration_type == "generic" and mapping is not None:
        notification = generic.parse(body, mapping, name)
    else:
        return Preview([], [f"previewing {integration_type} payloads is not supported"])
    if isinstance(notification, Invalid):
        return Preview([], notification.errors)
    return Preview([_describe(a) for a in notification.alerts], [])


def _describe(alert: Any) -> dict[str, Any]:
    return {
        "action": alert.action.value,
        "dedup_key": alert.dedup_key,
        "summary": alert.summary,
        "severity": alert.severity.value,
        "source": alert.source,
        "labels": alert.labels,
        "occurred_at": alert.occurred_at.isoformat() if alert.occurred_at else None,
        "custom_details": alert.custom_details,
    }

"""A service's routing rules as a ``core.events.Route``: the one place a route is built.

Every path that makes alert events — ingest (from the routing-key cache), the hold sweep
releasing held alerts, heartbeat expiry and pings — reads the same service columns and
builds the route here, so an alert released from a hold or raised by a heartbeat groups
and is held exactly as one sent by the service's integrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import msgspec

from tocsin.core.events import Route
from tocsin.core.grouping import GroupingMode

# The services columns a route is made of, in the order ``service_route`` takes them.
SERVICE_ROUTE_COLUMNS = (
    "incident_grouping",
    "auto_resolve_incidents",
    "pause_new_alerts_seconds",
    "flap_changes",
    "flap_window_seconds",
    "grouping_window_seconds",
    "grouping_labels",
    "escalation_policy_id",
    "ack_timeout_seconds",
)


def route_columns(alias: str) -> str:
    """The route columns for a SQL select list, qualified with a table alias."""
    return ", ".join(f"{alias}.{column}" for column in SERVICE_ROUTE_COLUMNS)


def _seconds(value: int | None) -> timedelta | None:
    return timedelta(seconds=value) if value else None


def service_route(
    integration_id: str, service_id: str, integration_type: str, row: Sequence[Any]
) -> Route:
    """The route of events arriving through an integration (or heartbeat) of a service.

    ``row`` holds the ``SERVICE_ROUTE_COLUMNS`` values as any driver returns them
    (``grouping_labels`` as JSON text from a raw connection, or already decoded).
    """
    grouping, auto, pause, flaps, flap_seconds, window, labels, policy, ack = row
    if isinstance(labels, str | bytes):
        labels = msgspec.json.decode(labels)
    return Route(
        integration_id,
        service_id,
        integration_type,
        GroupingMode(grouping),
        bool(auto),
        _seconds(pause),
        flaps,
        _seconds(flap_seconds),
        _seconds(window),
        tuple(labels or ()),
        policy is not None,
        _seconds(ack) if policy is not None else None,
    )

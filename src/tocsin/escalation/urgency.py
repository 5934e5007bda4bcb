"""How loudly an incident pages: its urgency, and when a low-urgency page may go out.

A service maps each alert severity to ``high`` or ``low`` urgency (``DEFAULT_URGENCY``
unless its world file says otherwise); a user's notification rules are chosen by that
urgency. A service with support hours defers low-urgency escalations to them: an incident
opened at night with a ``warning`` alert pages when support hours start, not at 3 a.m.
Pure functions of their inputs; the support hours are restriction windows as schedules
write them (``schedules.restrictions``), with the same DST policy.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

from tocsin.schedules.model import Restrictions
from tocsin.schedules.restrictions import restriction_intervals


class Urgency(enum.StrEnum):
    HIGH = "high"
    LOW = "low"


SEVERITIES = ("critical", "error", "warning", "info")
DEFAULT_URGENCY: Mapping[str, Urgency] = {
    "critical": Urgency.HIGH,
    "error": Urgency.HIGH,
    "warning": Urgency.LOW,
    "info": Urgency.LOW,
}
# Support hours recur at least weekly; a look this far ahead always finds their next start.
_LOOKAHEAD = timedelta(days=8)


def urgency_of(severity: str, mapping: Mapping[str, str]) -> Urgency:
    """The urgency of ``severity`` under a service's ``mapping`` (its overrides of the
    default); an unknown severity pages loudly rather than quietly."""
    written = mapping.get(severity)
    if written is not None:
        return Urgency(written)
    return DEFAULT_URGENCY.get(severity, Urgency.HIGH)


def support_hours_start(hours: Restrictions, now: datetime) -> datetime | None:
    """None when ``now`` is inside support hours; otherwise when they next start."""
    windows = restriction_intervals(hours, "UTC", now, now + _LOOKAHEAD)
    if not windows:
        return None  # windows that never occur: nothing to wait for, page now
    start = windows[0][0]
    return None if start <= now else start


def page_from(urgency: Urgency, hours: Restrictions | None, now: datetime) -> datetime | None:
    """When an escalation of ``urgency`` may start paging: None for at once (high
    urgency, no support hours, or inside them), else the start of support hours."""
    if urgency is Urgency.HIGH or hours is None:
        return None
    return support_hours_start(hours, now)

"""What a handoff report says, read inside a writer batch: the open incidents, the last
24 hours' changes and the outgoing shift's alerts of the schedule's team's services
(every service when the schedule has no team), handed to the pure
``schedules.handoff.build_handoff_report``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tocsin.schedules.handoff import (
    CHANGE_LOOKBACK,
    AlertSummary,
    ChangeSummary,
    HandoffReport,
    IncidentSummary,
    build_handoff_report,
)
from tocsin.store.batch import Batch

LISTED = 50  # the most incidents, changes and alert sources a report reads


def handoff_report(
    store: Batch,
    cur: Any,
    *,
    schedule: str,
    team: str | None,
    time_zone: str,
    shift_start: datetime,
    shift_end: datetime,
    outgoing: str | None,
    outgoing_since: datetime | None,
    incoming: str,
    now: datetime,
) -> HandoffReport:
    """The report for ``incoming`` taking over from ``outgoing`` at ``shift_start``."""
    p = store.mark
    scope: tuple[str, ...]
    services, scope = "s.archived_at IS NULL", ()
    if team is not None:
        services += f" AND s.team_id = (SELECT id FROM teams WHERE name = {p})"
        scope = (team,)
    time = store.from_db_time
    cur.execute(
        "SELECT i.id, i.title, i.status, s.name, i.created_at, "
        "(SELECT a.severity FROM alerts a WHERE a.incident_id = i.id ORDER BY a.id LIMIT 1) "
        f"FROM incidents i JOIN services s ON s.id = i.service_id WHERE {services} "
        f"AND i.status != 'resolved' ORDER BY i.created_at LIMIT {LISTED}",
        scope,
    )
    incidents = [
        IncidentSummary(
            id=i, title=title, severity=severity or "critical", status=status, service=service,
            opened_at=time(opened) or now,
        )
        for i, title, status, service, opened, severity in cur.fetchall()
    ]  # fmt: skip
    cur.execute(
        "SELECT c.id, c.summary, s.name, c.occurred_at, c.source FROM changes c "
        f"JOIN services s ON s.id = c.service_id WHERE {services} AND c.occurred_at > {p} "
        f"AND c.occurred_at <= {p} ORDER BY c.occurred_at DESC LIMIT {LISTED}",
        (*scope, store.db_time(now - CHANGE_LOOKBACK), store.db_time(now)),
    )
    changes = [
        ChangeSummary(id=i, title=summary, service=service, at=time(at) or now, author=source)
        for i, summary, service, at, source in cur.fetchall()
    ]
    since = outgoing_since or shift_start - CHANGE_LOOKBACK
    cur.execute(
        "SELECT s.name, a.dedup_key, MIN(a.summary), SUM(a.occurrences), MAX(a.last_seen_at) "
        f"FROM alerts a JOIN services s ON s.id = a.service_id WHERE {services} "
        f"AND a.created_at >= {p} AND a.created_at < {p} GROUP BY s.name, a.dedup_key "
        f"ORDER BY SUM(a.occurrences) DESC, s.name, a.dedup_key LIMIT {LISTED}",
        (*scope, store.db_time(since), store.db_time(shift_start)),
    )
    alerts = [
        AlertSummary(
            key=f"{service}/{key}", title=title, service=service, count=int(count),
            last_seen=time(seen),
        )
        for service, key, title, count, seen in cur.fetchall()
    ]  # fmt: skip
    return build_handoff_report(
        team=team or schedule,
        time_zone=time_zone,
        shift_start=shift_start,
        shift_end=shift_end,
        now=now,
        outgoing=outgoing,
        incoming=incoming,
        incidents=incidents,
        changes=changes,
        alerts=alerts,
    )

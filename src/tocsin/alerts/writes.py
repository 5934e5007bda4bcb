"""Executing a dedup ``BatchPlan`` against the database, inside the caller's transaction.

This is the hot path of ingest: a handful of statements per group commit, whatever the
number of events in it (bulk ``executemany``; no per-event round trips except the incident
re-check, which touches only incidents whose alerts were acknowledged or resolved).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from tocsin.core.dedup import AlertChange, BatchPlan, OpenAlert
from tocsin.core.events import AlertEvent, AlertStatus, ChangeEvent
from tocsin.core.grouping import GroupingMode
from tocsin.core.incident_status import IncidentStatus, status_after_alert_change
from tocsin.ids import new_id
from tocsin.store.schema import alert_events, alerts, changes, incidents, services

_OPEN = alerts.c.status != AlertStatus.RESOLVED.value

_UPDATE_ALERT = (
    update(alerts)
    .where(alerts.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        occurrences=alerts.c.occurrences + bindparam("b_added"),
        last_seen_at=func.coalesce(
            bindparam("b_last_seen", type_=alerts.c.last_seen_at.type), alerts.c.last_seen_at
        ),
        acknowledged_at=func.coalesce(
            bindparam("b_ack", type_=alerts.c.acknowledged_at.type), alerts.c.acknowledged_at
        ),
        resolved_at=bindparam("b_resolved", type_=alerts.c.resolved_at.type),
        summary=func.coalesce(
            bindparam("b_summary", type_=alerts.c.summary.type), alerts.c.summary
        ),
        severity=func.coalesce(
            bindparam("b_severity", type_=alerts.c.severity.type), alerts.c.severity
        ),
        custom_details=func.coalesce(
            bindparam("b_details", type_=alerts.c.custom_details.type), alerts.c.custom_details
        ),
    )
)


def lock_keys(conn: Connection, keys: Iterable[str]) -> None:
    """Serialise concurrent writers on PostgreSQL (several processes) per key.

    Locks are taken in sorted order so two batches can never deadlock. SQLite needs none:
    its single writer holds the database lock for the whole transaction.
    """
    if conn.dialect.name != "postgresql":
        return
    ids = sorted({_lock_id(k) for k in keys})
    if ids:
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM "
                "(SELECT unnest(CAST(:ids AS bigint[])) AS k ORDER BY 1) AS s"
            ),
            {"ids": ids},
        )


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def load_grouping(
    conn: Connection, service_ids: Sequence[str]
) -> tuple[dict[str, GroupingMode], dict[str, bool]]:
    """Each service's grouping mode and whether its incidents auto-resolve."""
    rows = conn.execute(
        select(
            services.c.id, services.c.incident_grouping, services.c.auto_resolve_incidents
        ).where(services.c.id.in_(service_ids))
    )
    grouping: dict[str, GroupingMode] = {}
    auto_resolve: dict[str, bool] = {}
    for sid, mode, auto in rows:
        grouping[sid] = GroupingMode(mode)
        auto_resolve[sid] = bool(auto)
    return grouping, auto_resolve


def load_open_alerts(
    conn: Connection, events: Sequence[AlertEvent]
) -> dict[tuple[str, str], OpenAlert]:
    """The open alerts that the events' (service, dedup key) pairs refer to."""
    wanted = {(e.route.service_id, e.dedup_key) for e in events}
    keys = sorted({k for _, k in wanted})
    service_ids = sorted({s for s, _ in wanted})
    rows = conn.execute(
        select(
            alerts.c.id,
            alerts.c.service_id,
            alerts.c.integration_id,
            alerts.c.dedup_key,
            alerts.c.status,
            alerts.c.incident_id,
        ).where(alerts.c.service_id.in_(service_ids), alerts.c.dedup_key.in_(keys), _OPEN)
    )
    found: dict[tuple[str, str], OpenAlert] = {}
    for aid, sid, iid, key, status, inc in rows:
        if (sid, key) in wanted:
            found[(sid, key)] = OpenAlert(aid, sid, iid, key, AlertStatus(status), inc)
    return found


def load_open_incidents(conn: Connection, service_ids: Iterable[str]) -> dict[str, str]:
    """The newest open incident of each service (for grouping into it)."""
    result: dict[str, str] = {}
    for sid in service_ids:
        row = conn.execute(
            select(incidents.c.id)
            .where(incidents.c.service_id == sid, incidents.c.status != "resolved")
            .order_by(incidents.c.created_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            result[sid] = row[0]
    return result


def apply_plan(
    conn: Connection, plan: BatchPlan, auto_resolve: dict[str, bool], payload_limit: int
) -> None:
    """Write the plan: alert updates first (they may free a dedup key), then inserts."""
    updated = plan.updated_alerts
    if updated:
        conn.execute(_UPDATE_ALERT, [_update_params(a) for a in updated])
    if plan.incidents:
        conn.execute(
            insert(incidents),
            [
                {
                    "id": i.id,
                    "service_id": i.service_id,
                    "title": i.title,
                    "status": IncidentStatus.TRIGGERED.value,
                    "created_at": i.created_at,
                    "updated_at": i.created_at,
                }
                for i in plan.incidents
            ],
        )
    new = plan.new_alerts
    if new:
        conn.execute(insert(alerts), [_insert_params(a) for a in new])
    if plan.events:
        conn.execute(
            insert(alert_events),
            [
                {
                    "received_at": r.event.received_at,
                    "integration_id": r.event.route.integration_id,
                    "service_id": r.event.route.service_id,
                    "alert_id": r.alert_id,
                    "dedup_key": r.event.dedup_key,
                    "action": r.event.action.value,
                    "outcome": r.outcome.value,
                    "payload": _limited(r.event.raw, payload_limit),
                }
                for r in plan.events
            ],
        )
    if plan.incidents_to_recheck:
        _recheck_incidents(conn, sorted(plan.incidents_to_recheck), auto_resolve, plan)


def _update_params(a: AlertChange) -> dict[str, object]:
    latest = a.latest
    return {
        "b_id": a.id,
        "b_status": a.status.value,
        "b_added": a.occurrences_added,
        "b_last_seen": a.last_seen_at,
        "b_ack": a.acknowledged_at,
        "b_resolved": a.resolved_at,
        "b_summary": latest.summary if latest else None,
        "b_severity": latest.severity.value if latest else None,
        "b_details": latest.custom_details if latest else None,
    }


def _insert_params(a: AlertChange) -> dict[str, object]:
    e = a.latest
    assert e is not None
    assert a.created_at is not None
    assert a.last_seen_at is not None
    return {
        "id": a.id,
        "service_id": a.service_id,
        "integration_id": a.integration_id,
        "incident_id": a.incident_id,
        "dedup_key": a.dedup_key,
        "status": a.status.value,
        "summary": e.summary,
        "source": e.source,
        "severity": e.severity.value,
        "component": e.component,
        "group_name": e.group,
        "class_name": e.class_name,
        "custom_details": e.custom_details,
        "links": e.links,
        "images": e.images,
        "client": e.client,
        "client_url": e.client_url,
        "occurred_at": e.occurred_at,
        "occurrences": a.occurrences_added,
        "created_at": a.created_at,
        "last_seen_at": a.last_seen_at,
        "acknowledged_at": a.acknowledged_at,
        "resolved_at": a.resolved_at,
    }


def _limited(raw: str, limit: int) -> str:
    if len(raw) <= limit:
        return raw
    return f'{{"_truncated": true, "size": {len(raw)}}}'


def _recheck_incidents(
    conn: Connection, incident_ids: Sequence[str], auto_resolve: dict[str, bool], plan: BatchPlan
) -> None:
    when = _latest_time(plan)
    for iid in incident_ids:
        row = conn.execute(
            select(incidents.c.status, incidents.c.service_id).where(incidents.c.id == iid)
        ).first()
        if row is None:
            continue
        current = IncidentStatus(row[0])
        has_triggered = _exists(conn, iid, alerts.c.status == AlertStatus.TRIGGERED.value)
        has_open = has_triggered or _exists(conn, iid, _OPEN)
        status = status_after_alert_change(
            current,
            has_triggered_alert=has_triggered,
            has_open_alert=has_open,
            auto_resolve=auto_resolve.get(row[1], True),
        )
        if status is current:
            continue
        values: dict[str, object] = {"status": status.value, "updated_at": when}
        if status is IncidentStatus.ACKNOWLEDGED:
            values["acknowledged_at"] = when
        if status is IncidentStatus.RESOLVED:
            values["resolved_at"] = when
        conn.execute(update(incidents).where(incidents.c.id == iid).values(**values))


def _exists(conn: Connection, incident_id: str, condition: object) -> bool:
    query = select(alerts.c.id).where(alerts.c.incident_id == incident_id, condition).limit(1)
    return conn.execute(query).first() is not None


def _latest_time(plan: BatchPlan) -> datetime:
    return max(r.event.received_at for r in plan.events)


def insert_changes(conn: Connection, events: Sequence[ChangeEvent]) -> None:
    """Record change events, one row per affected service."""
    rows = [
        {
            "id": new_id(c.received_at),
            "service_id": sid,
            "origin": c.origin,
            "summary": c.summary,
            "source": c.source,
            "occurred_at": c.occurred_at,
            "received_at": c.received_at,
            "custom_details": c.custom_details,
            "links": c.links,
        }
        for c in events
        for sid in c.service_ids
    ]
    if rows:
        conn.execute(insert(changes), rows)

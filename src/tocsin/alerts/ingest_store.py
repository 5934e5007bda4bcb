"""The ingest hot path's alert SQL, on a raw DB-API connection.

``IngestStore`` is a ``store.batch.Batch`` (the transaction, its time values and locks)
with the statements a group commit runs for alerts: find the open alerts the events refer
to, count a key's recent changes, and write a dedup plan. Incidents and change records
have their own statements in their domains (``incidents.ingest_store``,
``changes.ingest_store``), reached as ``store.incidents`` and ``store.changes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tocsin.changes.ingest_store import ChangeStatements
from tocsin.core.dedup import AlertChange, BatchPlan, OpenAlert
from tocsin.core.events import AlertEvent, AlertStatus, Route
from tocsin.incidents.ingest_store import IncidentStatements
from tocsin.store.batch import Batch, placeholders

_json = msgspec.json.Encoder().encode

_ALERT_COLUMNS = (
    "id, service_id, integration_id, incident_id, dedup_key, status, summary, source, "
    "severity, component, group_name, class_name, custom_details, labels, links, images, "
    "client, "
    "client_url, occurred_at, occurrences, created_at, last_seen_at, acknowledged_at, "
    "resolved_at, suppressed_by, suppressed_until"
)
_EVENT_COLUMNS = (
    "received_at, integration_id, service_id, alert_id, dedup_key, action, outcome, payload"
)


class IngestStore(Batch):
    """The statements of one group commit, for one DB-API connection."""

    def __init__(self, dbapi_conn: Any, dialect: str, payload_limit: int = 65536) -> None:
        super().__init__(dbapi_conn, dialect)
        self._payload_limit = payload_limit
        self.incidents = IncidentStatements(self)
        self.changes = ChangeStatements(self)
        p = self._p
        self._insert_alert = f"INSERT INTO alerts ({_ALERT_COLUMNS}) VALUES ({placeholders(26, p)})"
        self._insert_event = (
            f"INSERT INTO alert_events ({_EVENT_COLUMNS}) VALUES ({placeholders(8, p)})"
        )
        self._update_alert = (
            f"UPDATE alerts SET status = {p}, occurrences = occurrences + {p}, "
            f"last_seen_at = COALESCE({p}, last_seen_at), "
            f"acknowledged_at = COALESCE({p}, acknowledged_at), resolved_at = {p}, "
            f"summary = COALESCE({p}, summary), severity = COALESCE({p}, severity), "
            f"custom_details = COALESCE({p}, custom_details), "
            f"labels = COALESCE({p}, labels), incident_id = {p}, suppressed_by = {p}, "
            f"suppressed_until = {p} WHERE id = {p}"
        )

    # -- reads ------------------------------------------------------------------------

    def lock_keys(self, cur: Any, events: Sequence[AlertEvent]) -> None:
        """Serialise writers of other processes on the same (service, dedup key)."""
        self.advisory_locks(cur, {f"{e.route.service_id}\x00{e.dedup_key}" for e in events})

    def open_alerts(
        self, cur: Any, events: Sequence[AlertEvent]
    ) -> dict[tuple[str, str], OpenAlert]:
        """The open alerts the events' (service, dedup key) pairs refer to."""
        wanted = {(e.route.service_id, e.dedup_key) for e in events}
        services = sorted({s for s, _ in wanted})
        keys = sorted({k for _, k in wanted})
        head = (
            "SELECT id, service_id, integration_id, dedup_key, status, incident_id, "
            "suppressed_by, suppressed_until FROM alerts WHERE "
        )
        if self._pg:
            # One index lookup per (service, key) pair, whatever the planner estimates.
            # "service_id = ANY(..) AND dedup_key = ANY(..)" made PostgreSQL 15 walk every
            # index entry of the service and test it against the whole key array (63 ms
            # for 500 keys among 80,000 alerts); a plain join with unnest() became, once
            # psycopg prepared it, a generic plan that hashed the unnest and scanned the
            # whole table on every batch (most of PostgreSQL's CPU on a repeated key).
            # A LATERAL subquery with a LIMIT cannot be flattened into a join: the planner
            # is left with only the per-pair index scan (the unique index allows one row).
            pairs = sorted(wanted)
            cur.execute(
                "SELECT a.id, a.service_id, a.integration_id, a.dedup_key, a.status, "
                "a.incident_id, a.suppressed_by, a.suppressed_until "
                "FROM unnest(%s::text[], %s::text[]) AS k(service_id, dedup_key) "
                "CROSS JOIN LATERAL (SELECT * FROM alerts WHERE service_id = k.service_id "
                "AND dedup_key = k.dedup_key AND status <> 'resolved' LIMIT 1) AS a",
                ([s for s, _ in pairs], [k for _, k in pairs]),
            )
        else:
            cur.execute(
                head
                + f"service_id IN ({placeholders(len(services), '?')}) "
                + f"AND dedup_key IN ({placeholders(len(keys), '?')}) "
                + "AND status <> 'resolved'",
                (*services, *keys),
            )
        found: dict[tuple[str, str], OpenAlert] = {}
        for aid, sid, iid, key, status, inc, held_by, held_until in cur.fetchall():
            if (sid, key) in wanted:
                found[(sid, key)] = OpenAlert(
                    aid,
                    sid,
                    iid,
                    key,
                    AlertStatus(status),
                    inc,
                    held_by,
                    self.from_db_time(held_until),
                )
        return found

    def recent_changes(self, cur: Any, events: Sequence[AlertEvent]) -> dict[tuple[str, str], int]:
        """For flap detection: alerts opened or resolved per (service, key) within each
        flapping-rule service's window (only for services that have the rule)."""
        counts: dict[tuple[str, str], int] = {}
        p = self._p
        for e in {(e.route.service_id, e.dedup_key): e for e in events}.values():
            window = e.route.flap_window
            if not (e.route.flap_changes and window):
                continue
            cur.execute(
                f"SELECT count(*) FROM alert_events WHERE service_id = {p} AND dedup_key = {p} "
                f"AND received_at >= {p} AND outcome IN ('created', 'resolved')",
                (e.route.service_id, e.dedup_key, self._time(e.received_at - window)),
            )
            counts[(e.route.service_id, e.dedup_key)] = int(cur.fetchone()[0])
        return counts

    # -- writes -----------------------------------------------------------------------

    def apply(self, cur: Any, plan: BatchPlan, routes: Mapping[str, Route]) -> None:
        """Write the plan: new incidents (alerts refer to them), then alert updates (they may
        free a dedup key), then new alerts and the event log, then incident statuses."""
        if plan.incidents:
            paging = {r.event.route.service_id for r in plan.events if r.event.route.escalates}
            self.incidents.insert(cur, plan.incidents, paging)
        updated = plan.updated_alerts
        if updated:
            cur.executemany(self._update_alert, [self._update_row(a) for a in updated])
        new = plan.new_alerts
        if new:
            rows = [self._alert_row(a) for a in new]
            self.insert_rows(cur, "alerts", _ALERT_COLUMNS, self._insert_alert, rows)
        if plan.events:
            limit = self._payload_limit
            self.insert_rows(
                cur,
                "alert_events",
                _EVENT_COLUMNS,
                self._insert_event,
                [
                    (
                        self._time(r.event.received_at),
                        r.event.route.integration_id,
                        r.event.route.service_id,
                        r.alert_id,
                        r.event.dedup_key,
                        r.event.action.value,
                        r.outcome.value,
                        r.event.raw if len(r.event.raw) <= limit else _truncated(r.event.raw),
                    )
                    for r in plan.events
                ],
            )
        if plan.incidents_to_recheck:
            when = max(r.event.received_at for r in plan.events)
            for incident_id in sorted(plan.incidents_to_recheck):
                self.incidents.recheck(cur, incident_id, routes, when)

    def _update_row(self, a: AlertChange) -> tuple[Any, ...]:
        latest = a.latest
        return (
            a.status.value,
            a.occurrences_added,
            self._time(a.last_seen_at),
            self._time(a.acknowledged_at),
            self._time(a.resolved_at),
            latest.summary if latest else None,
            latest.severity.value if latest else None,
            self._jsonb(latest.custom_details) if latest else None,
            _json(latest.labels).decode() if latest and latest.labels else None,
            a.incident_id,
            a.suppressed_by,
            self._time(a.suppressed_until),
            a.id,
        )

    def _alert_row(self, a: AlertChange) -> tuple[Any, ...]:
        e = a.latest
        assert e is not None
        return (
            a.id,
            a.service_id,
            a.integration_id,
            a.incident_id,
            a.dedup_key,
            a.status.value,
            e.summary,
            e.source,
            e.severity.value,
            e.component,
            e.group,
            e.class_name,
            self._jsonb(e.custom_details),
            _json(e.labels).decode() if e.labels else "{}",
            _json(e.links).decode() if e.links else "[]",
            _json(e.images).decode() if e.images else "[]",
            e.client,
            e.client_url,
            self._time(e.occurred_at),
            a.occurrences_added,
            self._time(a.created_at),
            self._time(a.last_seen_at),
            self._time(a.acknowledged_at),
            self._time(a.resolved_at),
            a.suppressed_by,
            self._time(a.suppressed_until),
        )


def _truncated(raw: str) -> str:
    return _json({"_truncated": True, "size": len(raw), "head": raw[:1024]}).decode()

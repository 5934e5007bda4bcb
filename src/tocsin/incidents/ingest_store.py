"""The ingest hot path's incident SQL: finding the incident an alert joins, locking it,
opening new ones and re-deriving an incident's status from its alerts.

Statements on a ``store.batch.Batch``'s transaction (raw DB-API, like the alert SQL of
``alerts.ingest_store``, which uses these).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tocsin.core.dedup import NewIncident
from tocsin.core.events import Route
from tocsin.core.grouping import OpenIncident
from tocsin.core.incident_status import IncidentStatus, status_after_alert_change
from tocsin.store.batch import Batch, placeholders
from tocsin.store.timers import arm, arm_many

_COLUMNS = "id, service_id, title, status, created_at, updated_at, group_key"


ESCALATION_TIMER = "escalation"  # the timer kind whose subject is an incident


class IncidentStatements:
    """The incident statements of one group commit, on ``batch``'s connection."""

    def __init__(self, batch: Batch) -> None:
        self._batch = batch
        p = batch.mark
        pg = batch.concurrent_writers
        self._insert = f"INSERT INTO incidents ({_COLUMNS}) VALUES ({placeholders(7, p)})"
        # On PostgreSQL the incident row is locked: a writer joining it and one resolving it
        # (in another process) must not both decide on a stale view. Writers that only
        # join (their batch has no acknowledge or resolve, so it never rechecks an
        # incident) share the lock: several processes can add alerts to one incident at
        # once, while a resolver waits for them and they for it.
        lock = " FOR UPDATE" if pg else ""
        select_open = (
            f"SELECT id, created_at FROM incidents WHERE service_id = {p} AND group_key = {p} "
            "AND status <> 'resolved' ORDER BY created_at DESC LIMIT 1"
        )
        self._open = select_open + lock
        self._open_shared = select_open + (" FOR SHARE" if pg else "")
        self._state = (
            f"SELECT status, service_id, snoozed_until FROM incidents WHERE id = {p}{lock}"
        )
        self._has_triggered = (
            f"SELECT 1 FROM alerts WHERE incident_id = {p} AND status = 'triggered' LIMIT 1"
        )
        # Its triggered alerts, counted up to a cap: the batch planner only needs to know
        # whether the batch's acknowledgements and resolutions could leave none.
        self._triggered_up_to = (
            "SELECT COUNT(*) FROM (SELECT 1 FROM alerts "
            f"WHERE incident_id = {p} AND status = 'triggered' LIMIT {p}) AS t"
        )
        self._has_open = (
            f"SELECT 1 FROM alerts WHERE incident_id = {p} AND status <> 'resolved' LIMIT 1"
        )
        self._update = (
            f"UPDATE incidents SET status = {p}, updated_at = {p}, "
            f"acknowledged_at = COALESCE(acknowledged_at, {p}), resolved_at = {p} WHERE id = {p}"
        )

    def open_incidents(
        self,
        cur: Any,
        groups: Iterable[tuple[str, str]],
        *,
        only_joining: bool = False,
        count_triggered: int = 0,
    ) -> dict[tuple[str, str], OpenIncident]:
        """The newest open incident of each (service, group key), for grouping into it.

        ``only_joining``: the batch will not recheck (acknowledge or resolve) any incident,
        so a shared lock is enough on PostgreSQL. ``count_triggered``: also count each
        incident's triggered alerts, up to this many (the batch's acknowledgements and
        resolutions, plus one).
        """
        sql = self._open_shared if only_joining else self._open
        result: dict[tuple[str, str], OpenIncident] = {}
        for sid, key in sorted(set(groups)):
            cur.execute(sql, (sid, key))
            row = cur.fetchone()
            if row is None:
                continue
            opened = self._batch.from_db_time(row[1]) or datetime.min
            triggered = None
            if count_triggered > 0:
                cur.execute(self._triggered_up_to, (row[0], count_triggered))
                triggered = int(cur.fetchone()[0])
            result[(sid, key)] = OpenIncident(row[0], opened, triggered)
        return result

    def lock_creation(self, cur: Any, groups: Iterable[tuple[str, str]]) -> None:
        """Serialise writers that may open a (service, group)'s incident (only one may)."""
        self._batch.advisory_locks(cur, {f"incident\x00{s}\x00{g}" for s, g in groups})

    def lock(self, cur: Any, incident_ids: Iterable[str]) -> None:
        """Lock incident rows for a status recheck (PostgreSQL), in id order."""
        ids = sorted(set(incident_ids))
        if self._batch.concurrent_writers and ids:
            cur.execute(
                "SELECT id FROM incidents WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (ids,)
            )

    def insert(self, cur: Any, new: Sequence[NewIncident], paging: Collection[str] = ()) -> None:
        """Open the incidents a plan opened (before the alerts that refer to them);
        ``paging``: the services among theirs that have an escalation policy."""
        status = IncidentStatus.TRIGGERED.value
        when = self._batch.db_time
        rows = [
            (
                i.id,
                i.service_id,
                i.title,
                status,
                when(i.created_at),
                when(i.created_at),
                i.group_key,
            )
            for i in new
        ]
        self._batch.insert_rows(cur, "incidents", _COLUMNS, self._insert, rows)
        # Each of a service with an escalation policy starts its escalation at once
        # (escalation.service pages the policy).
        escalating = {i.id: i.created_at for i in new if i.service_id in paging}
        if escalating:
            arm_many(
                self._batch,
                cur,
                kind=ESCALATION_TIMER,
                due=escalating,
                now=max(escalating.values()),
            )

    def recheck(
        self, cur: Any, incident_id: str, routes: Mapping[str, Route], when: datetime
    ) -> None:
        """Re-derive an incident's status from its alerts after some were acknowledged or
        resolved (``core.incident_status``) by the events of ``routes`` (by service id).
        An acknowledgement of a service with an ack timeout arms the escalation timer for
        when it runs out (``escalation.service`` triggers the incident again then)."""
        cur.execute(self._state, (incident_id,))
        row = cur.fetchone()
        if row is None:
            return
        current = IncidentStatus(row[0])
        route = routes.get(row[1])
        cur.execute(self._has_triggered, (incident_id,))
        has_triggered = cur.fetchone() is not None
        has_open = has_triggered
        if not has_open:
            cur.execute(self._has_open, (incident_id,))
            has_open = cur.fetchone() is not None
        status = status_after_alert_change(
            current,
            has_triggered_alert=has_triggered,
            has_open_alert=has_open,
            auto_resolve=route.auto_resolve_incidents if route else True,
        )
        if status is current:
            return
        stamp = self._batch.db_time(when)
        acked = stamp if status is IncidentStatus.ACKNOWLEDGED else None
        resolved = stamp if status is IncidentStatus.RESOLVED else None
        cur.execute(self._update, (status.value, stamp, acked, resolved, incident_id))
        if acked is not None and route is not None and route.ack_timeout is not None:
            # A snooze, when there is one, says when it triggers again instead.
            again = self._batch.from_db_time(row[2]) or when + route.ack_timeout
            # Lock order: the incident row (locked or just updated), then its timer.
            arm(
                self._batch, cur, kind=ESCALATION_TIMER, subject=incident_id, due_at=again, now=when
            )

"""What the escalation firings of one batch read and write, shared and grouped.

Escalation timers come due many at a time (a burst of incidents, a schedule gap); fired
one by one, each waits on a dozen database round trips. ``FiringBatch`` is the one
context every firing decides with (``service._escalate``, alone or in a batch of one):
the incidents and their escalations are read in one query each, what does not depend on
the incident (a service's policy, who a schedule or team reaches at an instant, users'
contact methods) is read once per batch, and the writes (escalation rows, incident
events, outbox pages) wait for ``flush``, one statement per shape. Round-robin turns
(``targets.take_turn``) are not shared: each firing takes its own turn, at once.

A batch holds each incident once (a timer is unique per kind and subject), and nothing a
firing reads is written by another firing of the batch, so deferring the writes to the
end changes nothing a firing decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.policy import Policy, Position, Target, from_document
from tocsin.escalation.targets import TargetReads, users_reached
from tocsin.escalation.urgency import Urgency, urgency_of
from tocsin.incidents.timeline import Timeline
from tocsin.inputs import STORED
from tocsin.notify.outbox import Page, queue_decided
from tocsin.notify.recipients import ContactReads
from tocsin.schedules.definition import RestrictionsSpec, to_restrictions
from tocsin.schedules.model import Restrictions
from tocsin.store.batch import Batch, json_column, placeholders


@dataclass(frozen=True, slots=True)
class PagedIncident:
    id: str
    status: str
    title: str
    service_id: str
    service: str
    created_at: datetime
    severity: str
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    urgency: Urgency
    support_hours: Restrictions | None
    ack_timeout: timedelta | None

    def triggers_again_at(self) -> datetime | None:
        """When an acknowledged incident triggers again: its snooze's end, or its ack
        timeout; None when the acknowledgement holds for good."""
        if self.snoozed_until is not None:
            return self.snoozed_until
        if self.ack_timeout is not None and self.acknowledged_at is not None:
            return self.acknowledged_at + self.ack_timeout
        return None


@dataclass(frozen=True, slots=True)
class Escalation:
    """An incident's ``escalations`` row: the policy it snapshot, where it is."""

    policy: Policy
    position: Position
    state: str
    round: int


_INCIDENTS = (
    "SELECT i.id, i.status, i.title, i.service_id, s.name, i.created_at, "
    "(SELECT a.severity FROM alerts a WHERE a.incident_id = i.id ORDER BY a.id LIMIT 1), "
    "i.acknowledged_at, i.snoozed_until, s.urgency, s.support_hours, s.ack_timeout_seconds "
    "FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id IN "
)


def load_incidents(store: Batch, cur: Any, ids: Sequence[str]) -> dict[str, PagedIncident]:
    """The incidents of ``ids`` that exist, as escalation sees them (with their service's
    paging rules), in one query."""
    if not ids:
        return {}
    cur.execute(_INCIDENTS + f"({placeholders(len(ids), store.mark)})", list(ids))
    return {row[0]: _incident(store, row) for row in cur.fetchall()}


def load_incident(store: Batch, cur: Any, incident_id: str) -> PagedIncident | None:
    """The incident as escalation sees it (with its service's paging rules)."""
    return load_incidents(store, cur, [incident_id]).get(incident_id)


def _incident(store: Batch, row: Sequence[Any]) -> PagedIncident:
    created = store.from_db_time(row[5])
    assert created is not None
    severity = row[6] or "critical"
    hours = json_column(row[10])
    return PagedIncident(
        id=row[0],
        status=row[1],
        title=row[2],
        service_id=row[3],
        service=row[4],
        created_at=created,
        severity=severity,
        acknowledged_at=store.from_db_time(row[7]),
        snoozed_until=store.from_db_time(row[8]),
        urgency=urgency_of(severity, json_column(row[9]) or {}),
        support_hours=(
            to_restrictions(RestrictionsSpec.model_validate(hours, context=STORED))
            if hours
            else None
        ),
        ack_timeout=timedelta(seconds=row[11]) if row[11] else None,
    )


def load_escalations(store: Batch, cur: Any, ids: Sequence[str]) -> dict[str, Escalation]:
    """The escalations of the incidents ``ids`` that have one, in one query."""
    if not ids:
        return {}
    cur.execute(
        "SELECT incident_id, policy, repeat, level, state, round FROM escalations "
        f"WHERE incident_id IN ({placeholders(len(ids), store.mark)})",
        list(ids),
    )
    return {
        row[0]: Escalation(
            from_document(json_column(row[1])), Position(row[2], row[3]), row[4], row[5]
        )
        for row in cur.fetchall()
    }


class FiringBatch:
    """The reads and deferred writes of the escalation firings of one transaction, for
    the incidents ``ids``, at instants from ``since`` on (the earliest due time)."""

    def __init__(self, store: Batch, cur: Any, ids: Sequence[str], since: datetime) -> None:
        self.store, self.cur = store, cur
        self.incidents = load_incidents(store, cur, ids)
        self.escalations = load_escalations(store, cur, list(self.incidents))
        self.timeline = Timeline(store)
        self.contacts = ContactReads(store, cur)
        self.targets = TargetReads(store, cur, since)
        self.policies: dict[str, Policy | None] = {}
        self.pages: list[tuple[Page, datetime]] = []
        self.created: dict[str, dict[str, Any]] = {}  # incident id: the new row's columns
        self.changed: dict[str, dict[str, Any]] = {}  # incident id: the columns set

    def policy(self, service_id: str) -> Policy | None:
        """The policy the service pages now (None: it pages nobody)."""
        if service_id not in self.policies:
            self.cur.execute(
                "SELECT p.name, p.definition FROM services s "
                "JOIN escalation_policies p ON p.id = s.escalation_policy_id "
                f"WHERE s.id = {self.store.mark}",
                (service_id,),
            )
            row = self.cur.fetchone()
            self.policies[service_id] = (
                None
                if row is None
                else PolicyDefinition.model_validate(json_column(row[1]), context=STORED).to_policy(
                    row[0]
                )
            )
        return self.policies[service_id]

    def users_reached(self, targets: Sequence[Target], now: datetime) -> list[str]:
        """As ``targets.users_reached``, with this batch's reads."""
        return users_reached(self.store, self.cur, targets, now, self.targets)

    def queue(self, pages: Sequence[Page], now: datetime) -> None:
        """Queue ``pages`` decided at ``now``, at ``flush``."""
        self.pages += [(page, now) for page in pages]

    def create_escalation(self, incident_id: str, columns: dict[str, Any]) -> None:
        """Insert the incident's escalation row, at ``flush``."""
        self.created[incident_id] = dict(columns)

    def set_escalation(self, incident_id: str, **columns: Any) -> None:
        """Set columns of the incident's escalation row, at ``flush`` (merged with what
        this batch set or created before, as the statements in turn would leave it)."""
        row = self.created.get(incident_id)
        if row is None:
            row = self.changed.setdefault(incident_id, {})
        row.update(columns)

    def flush(self) -> None:
        """Write what the firings decided: one statement per shape of write."""
        p, cur = self.store.mark, self.cur
        by_shape: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for incident_id, row in self.created.items():
            shape = tuple(sorted(row))
            by_shape.setdefault(shape, []).append((incident_id, *(row[c] for c in shape)))
        for shape, rows in by_shape.items():
            cur.executemany(
                f"INSERT INTO escalations (incident_id, {', '.join(shape)}) "
                f"VALUES ({placeholders(len(shape) + 1, p)})",
                rows,
            )
        by_shape = {}
        for incident_id, row in self.changed.items():
            shape = tuple(sorted(row))
            by_shape.setdefault(shape, []).append((*(row[c] for c in shape), incident_id))
        for shape, rows in by_shape.items():
            sets = ", ".join(f"{c} = {p}" for c in shape)
            cur.executemany(f"UPDATE escalations SET {sets} WHERE incident_id = {p}", rows)
        queue_decided(self.store, cur, self.pages)
        self.timeline.flush(cur)
        self.created, self.changed, self.pages = {}, {}, []

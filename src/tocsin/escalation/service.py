"""The escalation timer: page an incident's policy, level by level, until someone acts.

Every new incident of a service with a policy arms an ``escalation`` timer due when it
opened (``incidents.ingest_store``). Its first firing snapshots the service's policy into
``escalations`` (the escalation keeps it, whatever later edits do) and pages the first
level; each later firing pages the next step (``policy.advance``: timed from due times,
missed steps collapsed) and arms the one after. Everything happens inside the writer's
transaction: pages are outbox rows (``notify.outbox``) with keys unique in the database,
sent after the commit, and what the engine did is recorded on the incident
(``incidents.timeline``).

The states of an escalation (``escalations.state``):

- ``active``: paging level by level.
- ``deferred``: a low-urgency incident outside its service's support hours waits for
  them; ``due``: one of those started by hand ("escalate now").
- ``held``: acknowledged, and the acknowledgement times out (the service's
  ``ack_timeout``) or the snooze ends at a known time; then the incident triggers again
  and the escalation starts over from the first level in a new ``round``.
- ``stopped`` (acknowledged for good, or resolved) and ``exhausted`` (every level of
  every pass paged).

Lock order (``engine.timers``): the incident row, then its timer. Whatever changes an
incident's status locks the incident row first too (``IncidentStatements``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.pages import PageRun, pages_to
from tocsin.escalation.policy import (
    Policy,
    Position,
    Step,
    advance,
    from_document,
    start,
    to_document,
)
from tocsin.escalation.targets import take_turn, users_reached
from tocsin.escalation.urgency import Urgency, page_from, urgency_of
from tocsin.incidents import timeline
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.inputs import STORED
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page, queue
from tocsin.schedules.definition import RestrictionsSpec, to_restrictions
from tocsin.schedules.model import Restrictions
from tocsin.store.batch import Batch
from tocsin.store.timers import Firing, Timer, TimerHandler, lock_rows_skip_locked

log = logging.getLogger(__name__)

TIMER_KIND = ESCALATION_TIMER
_json = msgspec.json.Encoder().encode


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


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
class _Escalation:
    policy: Policy
    position: Position
    state: str
    round: int


def lock_incidents(store: Batch, cur: Any, ids: Sequence[str]) -> set[str]:
    """Lock the incidents before their escalation timers (``SubjectLock``): one another
    transaction holds (an acknowledgement being written) fires on the next pass."""
    return lock_rows_skip_locked(store, cur, "incidents", ids)


def escalation_handler(links: LinkMaker | None = None) -> TimerHandler:
    """The timer handler; ``links`` signs the ack and resolve links each page carries."""

    def handle(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        return _escalate(store, cur, timer, now, links)

    return handle


def on_escalation(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    """Timer handler without action links (tests, tools)."""
    return _escalate(store, cur, timer, now, None)


def _escalate(
    store: Batch, cur: Any, timer: Timer, now: datetime, links: LinkMaker | None
) -> Firing:
    """Page the incident's next escalation step, hold it, start it over, or stop."""
    incident = load_incident(store, cur, timer.subject)
    if incident is None:
        return Firing()
    escalation = _escalation(store, cur, incident.id)
    if incident.status == "resolved":
        _end(store, cur, incident, escalation, "stopped", None, now)
        return Firing()
    if incident.status == "acknowledged":
        again = incident.triggers_again_at()
        if again is None or now < again:
            _end(store, cur, incident, escalation, "held" if again else "stopped", again, now)
            return Firing(next_due=again)
        _trigger_again(store, cur, incident, now)
        incident = replace(incident, status="triggered")
        if escalation is not None:
            return _start(store, cur, incident, escalation.policy, escalation.round + 1, now, links)
    if escalation is None:
        policy = _service_policy(store, cur, incident.service_id)
        if policy is None:
            return Firing()  # the service pages nobody
        return _start(store, cur, incident, policy, 0, timer.due_at, links, first=True)
    if escalation.state == "deferred":
        return _start(store, cur, incident, escalation.policy, escalation.round, now, links)
    if escalation.state == "due":  # started by hand: support hours do not hold it back
        return _page(store, cur, incident, escalation, start(escalation.policy, now), now, links)
    if escalation.state != "active":
        return Firing()
    step = advance(escalation.policy, escalation.position, timer.due_at, now)
    if step is None:
        _set_state(store, cur, incident.id, "exhausted", now)
        return Firing()
    return _page(store, cur, incident, escalation, step, now, links)


def _start(
    store: Batch,
    cur: Any,
    incident: PagedIncident,
    policy: Policy,
    round_: int,
    due: datetime,
    links: LinkMaker | None,
    *,
    first: bool = False,
) -> Firing:
    """Start (or start over, in round ``round_``) from the first level, unless a
    low-urgency incident must wait for its service's support hours."""
    wait = page_from(incident.urgency, incident.support_hours, due)
    state = "deferred" if wait else "active"
    p = store.mark
    at = store.db_time(due)
    if first:
        cur.execute(
            "INSERT INTO escalations (incident_id, policy, repeat, level, state, round, "
            f"started_at, updated_at) VALUES ({p}, {p}, 0, 0, {p}, 0, {p}, {p})",
            (incident.id, _json(to_document(policy)).decode(), state, at, at),
        )
    else:
        cur.execute(
            f"UPDATE escalations SET repeat = 0, level = 0, state = {p}, round = {p}, "
            f"updated_at = {p} WHERE incident_id = {p}",
            (state, round_, at, incident.id),
        )
    if wait:
        timeline.record(
            store, cur, incident.id, "deferred", due,
            detail={"until": wait.isoformat(), "reason": "support_hours", "urgency": "low"},
        )  # fmt: skip
        return Firing(next_due=wait)
    escalation = _Escalation(policy, Position(0, 0), "active", round_)
    return _page(store, cur, incident, escalation, start(policy, due), due, links)


def _page(
    store: Batch,
    cur: Any,
    incident: PagedIncident,
    escalation: _Escalation,
    step: Step,
    now: datetime,
    links: LinkMaker | None,
) -> Firing:
    """Page ``step`` and arm the next one."""
    p = store.mark
    state = "active" if step.next_due is not None else "exhausted"
    cur.execute(
        f"UPDATE escalations SET repeat = {p}, level = {p}, state = {p}, updated_at = {p} "
        f"WHERE incident_id = {p}",
        (step.position.repeat, step.position.level, state, store.db_time(now), incident.id),
    )
    queue(store, cur, _pages(store, cur, escalation, step, incident, now, links), now)
    if step.next_due is None:
        timeline.record(store, cur, incident.id, "escalation_exhausted", now)
    return Firing(next_due=step.next_due)


def _end(
    store: Batch,
    cur: Any,
    incident: PagedIncident,
    escalation: _Escalation | None,
    state: str,
    again: datetime | None,
    now: datetime,
) -> None:
    """An acknowledgement or resolution ends the escalation (``held``: until ``again``).
    A resolution also ends one held by an acknowledgement."""
    if escalation is None or escalation.state in (state, "stopped"):
        return
    if state == "stopped" and escalation.state == "exhausted":
        return  # it keeps saying that every level was paged
    _set_state(store, cur, incident.id, state, now)
    detail: dict[str, Any] = {"reason": incident.status}
    if again is not None:
        detail["triggers_again_at"] = again.isoformat()
    timeline.record(store, cur, incident.id, "escalation_stopped", now, detail=detail)


def _trigger_again(store: Batch, cur: Any, incident: PagedIncident, now: datetime) -> None:
    """The acknowledgement ran out (ack timeout) or the snooze ended: the incident and
    the alerts acknowledged on it are triggered again, and whoever acknowledges next
    starts a new acknowledgement."""
    p = store.mark
    at = store.db_time(now)
    cur.execute(
        f"UPDATE alerts SET status = 'triggered', acknowledged_at = NULL "
        f"WHERE incident_id = {p} AND status = 'acknowledged'",
        (incident.id,),
    )
    cur.execute(
        f"UPDATE incidents SET status = 'triggered', acknowledged_at = NULL, "
        f"snoozed_until = NULL, updated_at = {p} WHERE id = {p}",
        (at, incident.id),
    )
    reason = "snooze_ended" if incident.snoozed_until is not None else "ack_timeout"
    timeline.record(store, cur, incident.id, "retriggered", now, detail={"reason": reason})


_INCIDENT = (
    "SELECT i.id, i.status, i.title, i.service_id, s.name, i.created_at, "
    "(SELECT a.severity FROM alerts a WHERE a.incident_id = i.id ORDER BY a.id LIMIT 1), "
    "i.acknowledged_at, i.snoozed_until, s.urgency, s.support_hours, s.ack_timeout_seconds "
    "FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = "
)


def load_incident(store: Batch, cur: Any, incident_id: str) -> PagedIncident | None:
    """The incident as escalation sees it (with its service's paging rules)."""
    cur.execute(_INCIDENT + store.mark, (incident_id,))
    row = cur.fetchone()
    if row is None:
        return None
    created = store.from_db_time(row[5])
    assert created is not None
    severity = row[6] or "critical"
    hours = _decode(row[10])
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
        urgency=urgency_of(severity, _decode(row[9]) or {}),
        support_hours=(
            to_restrictions(RestrictionsSpec.model_validate(hours, context=STORED))
            if hours
            else None
        ),
        ack_timeout=timedelta(seconds=row[11]) if row[11] else None,
    )


def _escalation(store: Batch, cur: Any, incident_id: str) -> _Escalation | None:
    cur.execute(
        "SELECT policy, repeat, level, state, round FROM escalations "
        f"WHERE incident_id = {store.mark}",
        (incident_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return _Escalation(from_document(_decode(row[0])), Position(row[1], row[2]), row[3], row[4])


def _service_policy(store: Batch, cur: Any, service_id: str) -> Policy | None:
    cur.execute(
        "SELECT p.name, p.definition FROM services s "
        "JOIN escalation_policies p ON p.id = s.escalation_policy_id "
        f"WHERE s.id = {store.mark}",
        (service_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    definition = PolicyDefinition.model_validate(_decode(row[1]), context=STORED)
    return definition.to_policy(row[0])


def _set_state(store: Batch, cur: Any, incident_id: str, state: str, now: datetime) -> None:
    p = store.mark
    cur.execute(
        f"UPDATE escalations SET state = {p}, updated_at = {p} WHERE incident_id = {p}",
        (state, store.db_time(now), incident_id),
    )


def page_message(incident: PagedIncident, reason: str) -> dict[str, Any]:
    """The part of a page every recipient gets alike (``docs/notifications.md``)."""
    return {
        "type": "tocsin.page",
        "reason": reason,
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "service": incident.service,
            "severity": incident.severity,
            "created_at": incident.created_at.isoformat(),
        },
    }


def _pages(
    store: Batch,
    cur: Any,
    escalation: _Escalation,
    step: Step,
    incident: PagedIncident,
    now: datetime,
    links: LinkMaker | None,
) -> list[Page]:
    """A page to every contact method of everyone the step reaches; when that is nobody
    (no one on call, or no one with a contact method), to the policy's fallback. Both
    are recorded on the incident."""
    policy = escalation.policy
    level = policy.levels[step.position.level]
    targets = level.pick(take_turn(store, cur, policy, step.position.level, level))
    message = {
        **page_message(incident, "escalation"),
        "policy": policy.name,
        "level": step.position.level + 1,
        "repeat": step.position.repeat,
        "round": escalation.round,
        "coverage_gap": False,
        "skipped_steps": step.skipped,
    }
    prefix = incident.id if escalation.round == 0 else f"{incident.id}.{escalation.round}"
    run = PageRun(
        incident.id,
        f"{prefix}/{step.position.repeat}/{step.position.level}",
        message,
        incident.urgency,
        now,
        links,
    )
    users = users_reached(store, cur, targets, now)
    pages = pages_to(store, cur, users, run)
    where = {"level": step.position.level + 1, "repeat": step.position.repeat}
    if not pages:
        fallback = users_reached(store, cur, policy.fallback, now)
        run = replace(run, message={**message, "coverage_gap": True})
        pages = pages_to(store, cur, fallback, run)
        paged_users = sorted({p.user for p in pages})
        timeline.record(
            store, cur, incident.id, "coverage_gap", now,
            detail={**where, "policy": policy.name, "reached": users, "fallback": paged_users},
        )  # fmt: skip
        log.warning(
            "incident %s: level %d of policy %s reaches nobody who can be paged; %s",
            incident.id,
            step.position.level + 1,
            policy.name,
            "paging its fallback" if pages else "its fallback cannot be paged either",
        )
    else:
        paged_users = sorted({p.user for p in pages})
    if pages:
        timeline.record(
            store, cur, incident.id, "paged", now,
            detail={
                **where, "round": escalation.round, "users": paged_users,
                "skipped_steps": step.skipped, "urgency": incident.urgency.value,
            },
        )  # fmt: skip
    return pages

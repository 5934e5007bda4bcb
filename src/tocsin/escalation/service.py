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

The timers of a pass are fired together (``on_escalations``, registered as a batch
handler): each firing makes the same decision as alone, with the reads and writes of the
batch shared and grouped (``escalation.batch``); a batch that fails is fired again one
timer at a time by the engine.

Lock order (``engine.timers``): the incident row, then its timer. Whatever changes an
incident's status locks the incident row first too (``IncidentStatements``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import msgspec

from tocsin.escalation.batch import Escalation, FiringBatch, PagedIncident, load_incident
from tocsin.escalation.pages import PageRun, pages_to
from tocsin.escalation.policy import Policy, Position, Step, advance, start, to_document
from tocsin.escalation.targets import take_turn
from tocsin.escalation.urgency import page_from
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page
from tocsin.store.batch import Batch
from tocsin.store.timers import (
    BatchTimerHandler,
    Firing,
    Timer,
    TimerHandler,
    lock_rows_skip_locked,
)

log = logging.getLogger(__name__)

TIMER_KIND = ESCALATION_TIMER
_json = msgspec.json.Encoder().encode

__all__ = ["PagedIncident", "load_incident", "page_message"]


def lock_incidents(store: Batch, cur: Any, ids: Sequence[str]) -> set[str]:
    """Lock the incidents before their escalation timers (``SubjectLock``): one another
    transaction holds (an acknowledgement being written) fires on the next pass."""
    return lock_rows_skip_locked(store, cur, "incidents", ids)


def escalation_handler(links: LinkMaker | None = None) -> TimerHandler:
    """The timer handler; ``links`` signs the ack and resolve links each page carries."""

    def handle(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        return _escalate_all(store, cur, [timer], now, links)[0]

    return handle


def escalation_batch_handler(links: LinkMaker | None = None) -> BatchTimerHandler:
    """The batch timer handler (``TIMER_BATCH_HANDLERS``); ``links`` as above."""

    def handle(store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
        return _escalate_all(store, cur, timers, now, links)

    return handle


def on_escalation(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    """Timer handler without action links (tests, tools)."""
    return _escalate_all(store, cur, [timer], now, None)[0]


def on_escalations(store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
    """Batch timer handler without action links (tests, tools)."""
    return _escalate_all(store, cur, timers, now, None)


def _escalate_all(
    store: Batch, cur: Any, timers: Sequence[Timer], now: datetime, links: LinkMaker | None
) -> list[Firing]:
    """Fire ``timers`` (one per incident) with shared reads, then write what they did."""
    since = min([now, *(t.due_at for t in timers)])
    batch = FiringBatch(store, cur, [t.subject for t in timers], since)
    firings = [_escalate(batch, timer, now, links) for timer in timers]
    batch.flush()
    return firings


def _escalate(b: FiringBatch, timer: Timer, now: datetime, links: LinkMaker | None) -> Firing:
    """Page the incident's next escalation step, hold it, start it over, or stop."""
    incident = b.incidents.get(timer.subject)
    if incident is None:
        return Firing()
    escalation = b.escalations.get(incident.id)
    if incident.status == "resolved":
        _end(b, incident, escalation, "stopped", None, now)
        return Firing()
    if incident.status == "acknowledged":
        again = incident.triggers_again_at()
        if again is None or now < again:
            _end(b, incident, escalation, "held" if again else "stopped", again, now)
            return Firing(next_due=again)
        _trigger_again(b, incident, now)
        incident = replace(incident, status="triggered")
        if escalation is not None:
            return _start(b, incident, escalation.policy, escalation.round + 1, now, links)
    if escalation is None:
        policy = b.policy(incident.service_id)
        if policy is None:
            return Firing()  # the service pages nobody
        return _start(b, incident, policy, 0, timer.due_at, links, first=True)
    if escalation.state == "deferred":
        return _start(b, incident, escalation.policy, escalation.round, now, links)
    if escalation.state == "due":  # started by hand: support hours do not hold it back
        return _page(b, incident, escalation, start(escalation.policy, now), now, links)
    if escalation.state == "held":
        # Held by a snooze or an acknowledgement that never took (a new alert joined the
        # incident in the same commit): it is triggered, so it pages again, from level 1.
        _clear_snooze(b, incident.id, now)
        return _start(b, incident, escalation.policy, escalation.round + 1, now, links)
    if escalation.state != "active":
        return Firing()
    step = advance(escalation.policy, escalation.position, timer.due_at, now)
    if step is None:
        b.set_escalation(incident.id, state="exhausted", updated_at=b.store.db_time(now))
        return Firing()
    return _page(b, incident, escalation, step, now, links)


def _start(
    b: FiringBatch,
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
    at = b.store.db_time(due)
    row = {"repeat": 0, "level": 0, "state": state, "round": round_, "updated_at": at}
    if first:
        policy_document = _json(to_document(policy)).decode()
        b.create_escalation(incident.id, {**row, "policy": policy_document, "started_at": at})
    else:
        b.set_escalation(incident.id, **row)
    if wait:
        b.timeline.record(
            incident.id, "deferred", due,
            detail={"until": wait.isoformat(), "reason": "support_hours", "urgency": "low"},
        )  # fmt: skip
        return Firing(next_due=wait)
    escalation = Escalation(policy, Position(0, 0), "active", round_)
    return _page(b, incident, escalation, start(policy, due), due, links)


def _page(
    b: FiringBatch,
    incident: PagedIncident,
    escalation: Escalation,
    step: Step,
    now: datetime,
    links: LinkMaker | None,
) -> Firing:
    """Page ``step`` and arm the next one."""
    b.set_escalation(
        incident.id,
        repeat=step.position.repeat,
        level=step.position.level,
        state="active" if step.next_due is not None else "exhausted",
        updated_at=b.store.db_time(now),
    )
    b.queue(_pages(b, escalation, step, incident, now, links), now)
    if step.next_due is None:
        b.timeline.record(incident.id, "escalation_exhausted", now)
    return Firing(next_due=step.next_due)


def _end(
    b: FiringBatch,
    incident: PagedIncident,
    escalation: Escalation | None,
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
    b.set_escalation(incident.id, state=state, updated_at=b.store.db_time(now))
    detail: dict[str, Any] = {"reason": incident.status}
    if again is not None:
        detail["triggers_again_at"] = again.isoformat()
    b.timeline.record(incident.id, "escalation_stopped", now, detail=detail)


def _trigger_again(b: FiringBatch, incident: PagedIncident, now: datetime) -> None:
    """The acknowledgement ran out (ack timeout) or the snooze ended: the incident and
    the alerts acknowledged on it are triggered again, and whoever acknowledges next
    starts a new acknowledgement."""
    p, cur = b.store.mark, b.cur
    cur.execute(
        f"UPDATE alerts SET status = 'triggered', acknowledged_at = NULL "
        f"WHERE incident_id = {p} AND status = 'acknowledged'",
        (incident.id,),
    )
    cur.execute(
        f"UPDATE incidents SET status = 'triggered', acknowledged_at = NULL, "
        f"snoozed_until = NULL, updated_at = {p} WHERE id = {p}",
        (b.store.db_time(now), incident.id),
    )
    reason = "snooze_ended" if incident.snoozed_until is not None else "ack_timeout"
    b.timeline.record(incident.id, "retriggered", now, detail={"reason": reason})


def _clear_snooze(b: FiringBatch, incident_id: str, now: datetime) -> None:
    p = b.store.mark
    b.cur.execute(
        f"UPDATE incidents SET snoozed_until = NULL, updated_at = {p} "
        f"WHERE id = {p} AND snoozed_until IS NOT NULL",
        (b.store.db_time(now), incident_id),
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
    b: FiringBatch,
    escalation: Escalation,
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
    targets = level.pick(take_turn(b.store, b.cur, policy, step.position.level, level))
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
    users = b.users_reached(targets, now)
    pages = pages_to(b.store, b.cur, users, run, b.contacts)
    where = {"level": step.position.level + 1, "repeat": step.position.repeat}
    if not pages:
        fallback = b.users_reached(policy.fallback, now)
        run = replace(run, message={**message, "coverage_gap": True})
        pages = pages_to(b.store, b.cur, fallback, run, b.contacts)
        paged_users = sorted({p.user for p in pages})
        b.timeline.record(
            incident.id, "coverage_gap", now,
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
        b.timeline.record(
            incident.id, "paged", now,
            detail={
                **where, "round": escalation.round, "users": paged_users,
                "skipped_steps": step.skipped, "urgency": incident.urgency.value,
            },
        )  # fmt: skip
    return pages

"""Acknowledging or resolving an incident by hand: its open alerts get the same
acknowledge or resolve events a sender would send, through the group-commit writer, so
the incident's status follows from its alerts by the one rule (``core.incident_status``)
and the event log says who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.core.events import Action, AlertEvent
from tocsin.core.routes import route_columns, service_route
from tocsin.incidents import timeline
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.store.batch import Batch
from tocsin.store.timers import arm

_json = msgspec.json.Encoder().encode


@dataclass(slots=True)
class ActResult:
    """What acting found (filled in by the work when it runs)."""

    found: bool = False
    title: str = ""
    service: str = ""
    status_before: str = ""
    alerts: int = 0  # alerts the action applied to
    # The incident itself was moved (it had no alert left to act on: a service that does
    # not resolve incidents with their alerts keeps one open after its alerts resolved).
    incident_only: bool = False

    @property
    def changed(self) -> bool:
        """Whether the action did anything (False: the incident already was so)."""
        return self.alerts > 0 or self.incident_only


def act_on_incident(
    incident_id: str, action: Action, *, by: str, via: str, now: datetime, result: ActResult
) -> Any:
    """Writer work (``GroupCommitWriter.run``) that acknowledges (``Action.ACKNOWLEDGE``)
    or resolves (``Action.RESOLVE``) the incident's open alerts as ``by``."""
    if action not in (Action.ACKNOWLEDGE, Action.RESOLVE):
        raise ValueError(action)

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        p = store.mark
        cur.execute(
            "SELECT i.status, i.title, s.name FROM incidents i "
            f"JOIN services s ON s.id = i.service_id WHERE i.id = {p}",
            (incident_id,),
        )
        row = cur.fetchone()
        if row is None:
            return []
        result.found, (result.status_before, result.title, result.service) = True, row
        result.alerts, events = _alert_events(store, cur, incident_id, action, by, via, now)
        if not events:
            result.incident_only = _move_incident(store, cur, incident_id, row[0], action, now)
        return events

    return work


def _alert_events(
    store: Batch, cur: Any, incident_id: str, action: Action, by: str, via: str, now: datetime
) -> tuple[int, list[AlertEvent]]:
    """The acknowledge (of triggered alerts) or resolve (of open alerts) events that act
    on the incident's alerts, as a sender would send them."""
    p = store.mark
    wanted = "= 'triggered'" if action is Action.ACKNOWLEDGE else "<> 'resolved'"
    cur.execute(
        "SELECT a.integration_id, a.service_id, a.dedup_key, "
        f"COALESCE(g.type, 'heartbeat'), {route_columns('s')} FROM alerts a "
        "JOIN services s ON s.id = a.service_id "
        "LEFT JOIN integrations g ON g.id = a.integration_id "
        f"WHERE a.incident_id = {p} AND a.status {wanted} ORDER BY a.id",
        (incident_id,),
    )
    raw = _json({"action": action.value, "by": by, "via": via}).decode()
    events = [
        AlertEvent(service_route(iid, sid, kind, rest), action, key, now, raw)
        for iid, sid, key, kind, *rest in cur.fetchall()
    ]
    return len(events), events


def _move_incident(
    store: Batch, cur: Any, incident_id: str, status: str, action: Action, now: datetime
) -> bool:
    """Acknowledge or resolve an incident with no alert left to act on; False when it
    already is (resolved, or acknowledged when acknowledging)."""
    p = store.mark
    at = store.db_time(now)
    if action is Action.ACKNOWLEDGE and status == "triggered":
        cur.execute(
            f"UPDATE incidents SET status = 'acknowledged', updated_at = {p}, "
            f"acknowledged_at = COALESCE(acknowledged_at, {p}) WHERE id = {p}",
            (at, at, incident_id),
        )
        cur.execute(
            "SELECT s.ack_timeout_seconds FROM incidents i JOIN services s "
            f"ON s.id = i.service_id WHERE i.id = {p} AND s.escalation_policy_id IS NOT NULL",
            (incident_id,),
        )
        timeout = cur.fetchone()
        if timeout is not None and timeout[0]:
            # As an alert acknowledgement does (``IncidentStatements.recheck``).
            due = now + timedelta(seconds=timeout[0])
            arm(store, cur, kind=ESCALATION_TIMER, subject=incident_id, due_at=due, now=now)
        return True
    if action is Action.RESOLVE and status != "resolved":
        cur.execute(
            f"UPDATE incidents SET status = 'resolved', updated_at = {p}, resolved_at = {p} "
            f"WHERE id = {p}",
            (at, at, incident_id),
        )
        return True
    return False


@dataclass(slots=True)
class EscalateResult:
    """What asking to escalate found: ``outcome`` is ``escalated``, ``not_triggered``,
    ``no_policy`` (its service pages nobody) or ``exhausted``; empty: no such incident."""

    outcome: str = ""
    status: str = ""


def escalate_now(
    incident_id: str, *, now: datetime, result: EscalateResult, by: str = "cli"
) -> Any:
    """Writer work that pages the incident's next escalation step now (the person paged
    is silent): its escalation timer is re-armed due now. An escalation waiting for
    support hours (``deferred``) starts now instead."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        # No lock on the incident here: the firing locks it and checks its status again,
        # and this work may share a transaction with alert writes that lock incidents in
        # id order (a lock taken here first could deadlock with them).
        p = store.mark
        cur.execute(
            "SELECT i.status, s.escalation_policy_id FROM incidents i "
            f"JOIN services s ON s.id = i.service_id WHERE i.id = {p}",
            (incident_id,),
        )
        row = cur.fetchone()
        if row is None:
            return []
        result.status = row[0]
        if row[0] != "triggered":
            result.outcome = "not_triggered"
            return []
        cur.execute(f"SELECT state FROM escalations WHERE incident_id = {p}", (incident_id,))
        escalation = cur.fetchone()
        if escalation is None and row[1] is None:
            result.outcome = "no_policy"
        elif escalation is not None and escalation[0] not in ("active", "deferred", "due"):
            result.outcome = "exhausted"
        else:
            # The timer before the escalations row: the order a firing takes them in.
            arm(store, cur, kind=ESCALATION_TIMER, subject=incident_id, due_at=now, now=now)
            if escalation is not None and escalation[0] == "deferred":
                cur.execute(
                    f"UPDATE escalations SET state = 'due' WHERE incident_id = {p}", (incident_id,)
                )
            timeline.record(store, cur, incident_id, "escalated_by_hand", now, actor=by)
            result.outcome = "escalated"
        return []

    return work


MAX_SNOOZE = timedelta(days=7)


@dataclass(slots=True)
class SnoozeResult:
    """What snoozing found: ``outcome`` is ``snoozed`` or ``resolved``; empty: no such
    incident. ``alerts``: triggered alerts it acknowledged."""

    outcome: str = ""
    status_before: str = ""
    alerts: int = 0


def snooze(
    incident_id: str, until: datetime, *, by: str, via: str, now: datetime, result: SnoozeResult
) -> Any:
    """Writer work that acknowledges the incident until ``until``, when it triggers again
    and its escalation starts over (``escalation.service``): "I have seen it, remind me
    at 9". Snoozing again moves the time; resolving ends it."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        p = store.mark
        cur.execute(f"SELECT status FROM incidents WHERE id = {p}", (incident_id,))
        row = cur.fetchone()
        if row is None:
            return []
        result.status_before = row[0]
        if row[0] == "resolved":
            result.outcome = "resolved"
            return []
        cur.execute(
            f"UPDATE incidents SET snoozed_until = {p} WHERE id = {p}",
            (store.db_time(until), incident_id),
        )
        cur.execute(
            f"UPDATE escalations SET state = 'held', updated_at = {p} "
            f"WHERE incident_id = {p} AND state IN ('active', 'deferred', 'due', 'exhausted')",
            (store.db_time(now), incident_id),
        )
        timeline.record(
            store, cur, incident_id, "snoozed", now, actor=by, detail={"until": until.isoformat()}
        )
        result.outcome = "snoozed"
        result.alerts, events = _alert_events(
            store, cur, incident_id, Action.ACKNOWLEDGE, by, via, now
        )
        if not events and row[0] == "triggered":
            _move_incident(store, cur, incident_id, row[0], Action.ACKNOWLEDGE, now)
        # After the acknowledgement (which may arm an ack timeout): the snooze decides.
        arm(store, cur, kind=ESCALATION_TIMER, subject=incident_id, due_at=until, now=now)
        return events

    return work

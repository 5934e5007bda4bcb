"""The escalation timer: page an incident's policy, level by level, until someone acts.

Every new incident arms an ``escalation`` timer due when it opened
(``incidents.ingest_store``). Its first firing snapshots the service's policy into
``escalations`` and pages the first level; each later firing pages the next step
(``policy.advance``: timed from due times, missed steps collapsed) and arms the one
after. An incident no longer triggered (acknowledged, resolved) stops its escalation at
the next firing. Everything happens inside the writer's transaction: the pages are
outbox rows (``notify.outbox``) with keys unique in the database, sent after the commit.

Lock order (``engine.timers``): the incident row, then its timer. Whatever changes an
incident's status locks the incident row first too (``IncidentStatements``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.core.durations import parse_duration
from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.policy import (
    Level,
    LevelMode,
    Policy,
    Position,
    Step,
    Target,
    TargetKind,
    advance,
    from_document,
    start,
    to_document,
)
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.inputs import STORED
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page, queue
from tocsin.schedules.store.in_batch import paged_by_schedule
from tocsin.store.batch import Batch, placeholders
from tocsin.store.timers import Firing, Timer, TimerHandler, lock_rows_skip_locked

log = logging.getLogger(__name__)

TIMER_KIND = ESCALATION_TIMER
# Severities that page with a user's high-urgency rules; the others use the low ones.
HIGH_URGENCY = ("critical", "error")
_json = msgspec.json.Encoder().encode


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class _Incident:
    id: str
    status: str
    title: str
    service_id: str
    service: str
    created_at: datetime
    severity: str


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
    """Page the incident's next escalation step, or stop."""
    incident = _incident(store, cur, timer.subject)
    if incident is None:
        return Firing()
    p = store.mark
    cur.execute(
        f"SELECT policy, repeat, level, state FROM escalations WHERE incident_id = {p}",
        (incident.id,),
    )
    row = cur.fetchone()
    if incident.status != "triggered":
        if row is not None and row[3] == "active":
            _set_state(store, cur, incident.id, "stopped", now)
        return Firing()
    step: Step | None
    if row is None:
        policy = _service_policy(store, cur, incident.service_id)
        if policy is None:
            return Firing()  # the service pages nobody
        step = start(policy, timer.due_at)
        cur.execute(
            "INSERT INTO escalations (incident_id, policy, repeat, level, state, started_at, "
            f"updated_at) VALUES ({p}, {p}, 0, 0, 'active', {p}, {p})",
            (
                incident.id,
                _json(to_document(policy)).decode(),
                store.db_time(now),
                store.db_time(now),
            ),
        )
    else:
        if row[3] != "active":
            return Firing()
        policy = from_document(_decode(row[0]))
        step = advance(policy, Position(row[1], row[2]), timer.due_at, now)
        if step is None:
            _set_state(store, cur, incident.id, "exhausted", now)
            return Firing()
        cur.execute(
            f"UPDATE escalations SET repeat = {p}, level = {p}, updated_at = {p} "
            f"WHERE incident_id = {p}",
            (step.position.repeat, step.position.level, store.db_time(now), incident.id),
        )
    queue(store, cur, _pages(store, cur, policy, step, incident, now, links), now)
    if step.next_due is None:
        _set_state(store, cur, incident.id, "exhausted", now)
    return Firing(next_due=step.next_due)


def _incident(store: Batch, cur: Any, incident_id: str) -> _Incident | None:
    p = store.mark
    cur.execute(
        "SELECT i.id, i.status, i.title, i.service_id, s.name, i.created_at, "
        "(SELECT a.severity FROM alerts a WHERE a.incident_id = i.id ORDER BY a.id LIMIT 1) "
        f"FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = {p}",
        (incident_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    created = store.from_db_time(row[5])
    assert created is not None
    return _Incident(row[0], row[1], row[2], row[3], row[4], created, row[6] or "critical")


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


def _pages(
    store: Batch,
    cur: Any,
    policy: Policy,
    step: Step,
    incident: _Incident,
    now: datetime,
    links: LinkMaker | None,
) -> list[Page]:
    """A page to every contact method of everyone the step reaches; when that is nobody
    (no one on call, or no one with a contact method), to the policy's fallback."""
    level = policy.levels[step.position.level]
    targets = level.pick(_turn(store, cur, policy, step.position.level, level))
    message = {
        "type": "tocsin.page",
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "service": incident.service,
            "severity": incident.severity,
            "created_at": incident.created_at.isoformat(),
        },
        "policy": policy.name,
        "level": step.position.level + 1,
        "repeat": step.position.repeat,
        "coverage_gap": False,
        "skipped_steps": step.skipped,
    }
    pages = _pages_to(
        store, cur, _users(store, cur, targets, now), incident, step, message, now, links
    )
    if not pages:
        message["coverage_gap"] = True
        fallback = _users(store, cur, policy.fallback, now)
        pages = _pages_to(store, cur, fallback, incident, step, message, now, links)
        log.warning(
            "incident %s: level %d of policy %s reaches nobody who can be paged; %s",
            incident.id,
            step.position.level + 1,
            policy.name,
            "paging its fallback" if pages else "its fallback cannot be paged either",
        )
    return pages


def _pages_to(
    store: Batch,
    cur: Any,
    users: Sequence[str],
    incident: _Incident,
    step: Step,
    message: dict[str, Any],
    now: datetime,
    links: LinkMaker | None,
) -> list[Page]:
    urgency = "high" if incident.severity in HIGH_URGENCY else "low"
    where = f"{incident.id}/{step.position.repeat}/{step.position.level}"
    pages = []
    for user, methods, rules in _contact_methods(store, cur, users):
        sent = {**message, "urgency": urgency}
        if links is not None:
            sent["links"] = links.links(incident.id, user, now)
        for r, (delay, via) in enumerate(_rules(rules, urgency)):
            for m, method in enumerate(methods):
                if via is not None and method["type"] != via:
                    continue
                pages.append(
                    Page(
                        f"{where}/{user}/{r}/{m}",
                        incident.id,
                        user,
                        method["type"],
                        method["address"],
                        sent,
                        method.get("secret"),
                        now + delay if delay else None,
                        tuple(method.get("fallback") or ()),
                    )
                )
    return pages


def _turn(store: Batch, cur: Any, policy: Policy, index: int, level: Level) -> int:
    """Whose turn it is at a round-robin level, moving the turn on in the same statement
    (two processes never take the same turn); 0 for a level that pages everyone."""
    if level.mode is not LevelMode.ROUND_ROBIN:
        return 0
    p = store.mark
    mod = "%%" if store.concurrent_writers else "%"  # psycopg: a literal % is %%
    count = len(level.targets)
    cur.execute(
        f"INSERT INTO escalation_turns (policy, level, next_turn) VALUES ({p}, {p}, 1) "
        "ON CONFLICT (policy, level) DO UPDATE "
        f"SET next_turn = (escalation_turns.next_turn + 1) {mod} {p} RETURNING next_turn",
        (policy.name, index, count),
    )
    taken = int(cur.fetchone()[0])
    return (taken - 1) % count


def _users(store: Batch, cur: Any, targets: Sequence[Target], now: datetime) -> list[str]:
    """The users ``targets`` reach at ``now``, each once, in the targets' order."""
    found: list[str] = []
    for target in targets:
        if target.kind is TargetKind.USER:
            names: Sequence[str] = (target.name,)
        elif target.kind is TargetKind.SCHEDULE:
            names = paged_by_schedule(store, cur, target.name, now)
        else:
            cur.execute(
                "SELECT u.name FROM team_members m JOIN teams t ON t.id = m.team_id "
                f"JOIN users u ON u.id = m.user_id WHERE t.name = {store.mark} ORDER BY u.name",
                (target.name,),
            )
            names = [row[0] for row in cur.fetchall()]
        found += [n for n in names if n not in found]
    return found


def _rules(rules: dict[str, Any], urgency: str) -> list[tuple[timedelta, str | None]]:
    """A user's rules for ``urgency`` as (delay, contact type); with none, every contact
    method at once."""
    written = rules.get(urgency) or []
    if not written:
        return [(timedelta(0), None)]
    return [(parse_duration(rule["after"]), rule["via"]) for rule in written]


def _contact_methods(
    store: Batch, cur: Any, users: Sequence[str]
) -> list[tuple[str, list[dict[str, str]], dict[str, Any]]]:
    if not users:
        return []
    cur.execute(
        "SELECT name, contact_methods, notification_rules FROM users "
        f"WHERE name IN ({placeholders(len(users), store.mark)})",
        list(users),
    )
    found = {
        name: (_decode(methods) or [], _decode(rules) or {})
        for name, methods, rules in cur.fetchall()
    }
    return [(user, *found[user]) for user in users if user in found]

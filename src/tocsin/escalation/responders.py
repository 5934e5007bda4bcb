"""Adding responders by hand: page more people on an incident now (the person paged is
silent, or the incident needs more hands; seed Q10).

Writer work, like the incident actions: it resolves the targets (users, whoever a
schedule has on call, a team's members) at that instant and queues a page to each of
their contact methods, with their notification rules for the incident's urgency, in
the same transaction that records ``responders_added`` on the incident. The pages'
keys carry that event's id, so one request pages each person once. Pages to responders
are cancelled only when the incident resolves: an acknowledged incident may still need
them (docs/escalation.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tocsin.core.events import AlertEvent
from tocsin.escalation.batch import load_incident
from tocsin.escalation.pages import PageRun, pages_to
from tocsin.escalation.policy import Target
from tocsin.escalation.service import page_message
from tocsin.escalation.targets import missing_targets, users_reached
from tocsin.ids import new_id
from tocsin.incidents import timeline
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import queue
from tocsin.store.batch import Batch

MAX_TARGETS = 50


@dataclass(slots=True)
class RespondersResult:
    """What adding responders found: ``outcome`` is ``paged``, ``resolved`` (nothing to
    add to), ``unknown`` (targets that do not exist: ``unknown``) or ``nobody`` (no one
    they reach has a contact method); empty: no such incident."""

    outcome: str = ""
    users: list[str] = field(default_factory=list)
    pages: int = 0
    unknown: list[str] = field(default_factory=list)
    event_id: str = ""


def add_responders(
    incident_id: str,
    targets: Sequence[Target],
    *,
    note: str,
    by: str,
    now: datetime,
    result: RespondersResult,
    links: LinkMaker | None = None,
) -> Any:
    """Writer work that pages ``targets`` on the incident now, saying ``note``."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        incident = load_incident(store, cur, incident_id)
        if incident is None:
            return []
        if incident.status == "resolved":
            result.outcome = "resolved"
            return []
        result.unknown = missing_targets(store, cur, targets)
        if result.unknown:
            result.outcome = "unknown"
            return []
        users = users_reached(store, cur, targets, now)
        event = new_id(now)
        message = {**page_message(incident, "responders_added"), "requested_by": by}
        if note:
            message["note"] = note
        key = f"{incident.id}/add/{event}"
        pages = pages_to(
            store, cur, users, PageRun(incident.id, key, message, incident.urgency, now, links)
        )
        if not pages:
            result.outcome = "nobody"
            return []
        written = [{t.kind.value: t.name} for t in targets]
        timeline.record(
            store, cur, incident.id, "responders_added", now, actor=by, event_id=event,
            detail={"targets": written, "users": users, "note": note},
        )  # fmt: skip
        queue(store, cur, pages, now)
        result.outcome, result.event_id = "paged", event
        result.users, result.pages = sorted({p.user for p in pages}), len(pages)
        return []

    return work

"""The pages a step sends: one outbox row per contact method of each user reached, per
step of the user's notification rules for the incident's urgency.

Keys are ``{incident}/{repeat}/{level}/{user}/{rule}/{method}`` for the first round of an
escalation; a later round (the incident triggered again after an ack timeout or a snooze)
writes ``{incident}.{round}`` first, and responders added by hand
``{incident}/add/{event}``, so each pages once and never collides with another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.escalation.urgency import Urgency
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page
from tocsin.notify.recipients import ContactReads, notification_rules
from tocsin.store.batch import Batch


@dataclass(frozen=True, slots=True)
class PageRun:
    """What every page of one step shares: the incident, the key prefix, the message."""

    incident_id: str
    key: str  # the idempotency key's prefix, before /{user}/{rule}/{method}
    message: Mapping[str, Any]
    urgency: Urgency
    now: datetime
    links: LinkMaker | None = None


def pages_to(
    store: Batch,
    cur: Any,
    users: Sequence[str],
    run: PageRun,
    contacts: ContactReads | None = None,
) -> list[Page]:
    """A page to every contact method of each of ``users`` (those who have one), at each
    step of their rules for ``run.urgency``; ``contacts`` shares the reads of a batch."""
    pages = []
    for user, methods, rules in (contacts or ContactReads(store, cur)).of(users):
        sent = {**run.message, "urgency": run.urgency.value}
        if run.links is not None:
            sent["links"] = run.links.links(run.incident_id, user, run.now)
        for r, (delay, via) in enumerate(notification_rules(rules, run.urgency.value)):
            for m, method in enumerate(methods):
                if via is not None and method["type"] != via:
                    continue
                pages.append(
                    Page(
                        f"{run.key}/{user}/{r}/{m}",
                        run.incident_id,
                        user,
                        method["type"],
                        method["address"],
                        sent,
                        method.get("secret"),
                        run.now + delay if delay else None,
                        tuple(method.get("fallback") or ()),
                    )
                )
    return pages

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
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.core.durations import parse_duration
from tocsin.escalation.urgency import Urgency
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page
from tocsin.store.batch import Batch, placeholders


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class PageRun:
    """What every page of one step shares: the incident, the key prefix, the message."""

    incident_id: str
    key: str  # the idempotency key's prefix, before /{user}/{rule}/{method}
    message: Mapping[str, Any]
    urgency: Urgency
    now: datetime
    links: LinkMaker | None = None


def pages_to(store: Batch, cur: Any, users: Sequence[str], run: PageRun) -> list[Page]:
    """A page to every contact method of each of ``users`` (those who have one), at each
    step of their rules for ``run.urgency``."""
    pages = []
    for user, methods, rules in _contact_methods(store, cur, users):
        sent = {**run.message, "urgency": run.urgency.value}
        if run.links is not None:
            sent["links"] = run.links.links(run.incident_id, user, run.now)
        for r, (delay, via) in enumerate(_rules(rules, run.urgency)):
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
                    )
                )
    return pages


def _rules(rules: dict[str, Any], urgency: Urgency) -> list[tuple[timedelta, str | None]]:
    """A user's rules for ``urgency`` as (delay, contact type); with none, every contact
    method at once."""
    written = rules.get(urgency.value) or []
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

"""Whom a message reaches and how: users' contact methods and notification rules.

Read inside a writer batch (the DB-API cursor of a group commit), by every decision that
queues messages in the outbox: escalation pages, on-call notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import msgspec

from tocsin.core.durations import parse_duration
from tocsin.store.batch import Batch, placeholders


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def notification_rules(rules: dict[str, Any], urgency: str) -> list[tuple[timedelta, str | None]]:
    """A user's rules for ``urgency`` as (delay, contact type); with none, every contact
    method at once."""
    written = rules.get(urgency) or []
    if not written:
        return [(timedelta(0), None)]
    return [(parse_duration(rule["after"]), rule["via"]) for rule in written]


def contact_methods(
    store: Batch, cur: Any, users: Sequence[str]
) -> list[tuple[str, list[dict[str, str]], dict[str, Any]]]:
    """(user, contact methods, notification rules) of each of ``users`` that exists, in
    the order given."""
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

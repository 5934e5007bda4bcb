"""Whom a message reaches and how: users' contact methods and notification rules.

Read inside a writer batch (the DB-API cursor of a group commit), by every decision that
queues messages in the outbox: escalation pages, on-call notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from tocsin.core.durations import parse_duration
from tocsin.store.batch import Batch, json_column, placeholders


def notification_rules(rules: dict[str, Any], urgency: str) -> list[tuple[timedelta, str | None]]:
    """A user's rules for ``urgency`` as (delay, contact type); with none, every contact
    method at once."""
    written = rules.get(urgency) or []
    if not written:
        return [(timedelta(0), None)]
    return [(parse_duration(rule["after"]), rule["via"]) for rule in written]


Contacts = tuple[list[dict[str, str]], dict[str, Any]]  # (contact methods, notification rules)


def contact_methods(
    store: Batch, cur: Any, users: Sequence[str]
) -> list[tuple[str, list[dict[str, str]], dict[str, Any]]]:
    """(user, contact methods, notification rules) of each of ``users`` that exists, in
    the order given."""
    return ContactReads(store, cur).of(users)


class ContactReads:
    """Users' contact methods and rules, each user read once however many decisions of one
    transaction page them (a batch of escalation firings): one query per call at most."""

    def __init__(self, store: Batch, cur: Any) -> None:
        self.store, self.cur = store, cur
        self.known: dict[str, Contacts | None] = {}  # None: no such user

    def of(self, users: Sequence[str]) -> list[tuple[str, list[dict[str, str]], dict[str, Any]]]:
        """As ``contact_methods``."""
        missing = list(dict.fromkeys(u for u in users if u not in self.known))
        if missing:
            self.cur.execute(
                "SELECT name, contact_methods, notification_rules FROM users "
                f"WHERE name IN ({placeholders(len(missing), self.store.mark)})",
                missing,
            )
            self.known.update(dict.fromkeys(missing))
            for name, methods, rules in self.cur.fetchall():
                self.known[name] = (json_column(methods) or [], json_column(rules) or {})
        found = [(user, self.known[user]) for user in users]
        return [(user, *known) for user, known in found if known is not None]

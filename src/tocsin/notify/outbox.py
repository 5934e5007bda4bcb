"""The outbox: pages queued in the transaction that decided them (decision 0006).

``queue`` runs inside a writer batch; the delivery worker (``notify.delivery``) claims,
sends and records them after the commit. The idempotency key is unique in the table:
a decision replayed (a retried batch, a second process firing the same step) queues
nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from tocsin.ids import new_id
from tocsin.store.batch import Batch

_json = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Page:
    """One message to one contact method of one user."""

    key: str  # the idempotency key: incident/repeat/level/user/method
    incident_id: str | None
    user: str
    method_type: str
    address: str
    message: Mapping[str, Any]
    secret: str | None = None  # where the method's signing secret is, never the secret
    due: datetime | None = None  # send at (a notification rule's delay); None: at once
    fallback: tuple[str, ...] = ()  # addresses to try, in order, when ``address`` fails


def queue(store: Batch, cur: Any, pages: Sequence[Page], now: datetime) -> None:
    """Queue ``pages`` to be sent when due (those whose key is queued already are not)."""
    queue_decided(store, cur, [(page, now) for page in pages])


def queue_decided(store: Batch, cur: Any, decided: Sequence[tuple[Page, datetime]]) -> None:
    """Queue pages each decided at its own instant (the firings of one batch of timers),
    in one statement."""
    if not decided:
        return
    p = store.mark
    cur.executemany(
        "INSERT INTO deliveries (id, idempotency_key, incident_id, user_name, method_type, "
        "address, secret_ref, fallback, message, state, attempts, next_attempt_at, created_at) "
        f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, 'pending', 0, {p}, {p}) "
        "ON CONFLICT (idempotency_key) DO NOTHING",
        [
            (
                new_id(now),
                page.key,
                page.incident_id,
                page.user,
                page.method_type,
                page.address,
                page.secret,
                _json(list(page.fallback)).decode() if page.fallback else None,
                _json(page.message).decode(),
                store.db_time(page.due) if page.due else store.db_time(now),
                store.db_time(now),
            )
            for page, now in decided
        ],
    )
    store.note_queued()

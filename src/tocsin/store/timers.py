"""The ``timers`` table: arming a timer, and reading the due ones.

A timer is a row (kind, subject, due_at) written in the same transaction as the change
that armed it; the engine (``engine.timers.TimerService``) fires it. This is the part every
domain needs to arm its own timers, below the domains: a domain arms, the engine fires,
and a kind's handler (a domain's function) is told a ``Timer`` and answers a ``Firing``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Connection
from sqlalchemy import delete as sa_delete

from tocsin.core.events import AlertEvent
from tocsin.ids import new_id
from tocsin.store.batch import Batch, placeholders, raw_batch
from tocsin.store.schema import timers

_json = msgspec.json.Encoder().encode
NOTIFY_CHANNEL = "tocsin_timers"
_COLUMNS = "id, kind, subject, due_at, payload, fire_count, generation, attempts"


@dataclass(frozen=True, slots=True)
class Timer:
    """A due timer, as handed to its kind's handler."""

    id: str
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]
    fire_count: int
    generation: int = 0
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Firing:
    """What a handler decided: alert events to store, and when to fire next (or never)."""

    events: Sequence[AlertEvent] = ()
    next_due: datetime | None = None


TimerHandler = Callable[[Batch, Any, Timer, datetime], Firing]
"""Runs one firing inside the writer's transaction (``store``, cursor, timer, now)."""

BatchTimerHandler = Callable[[Batch, Any, Sequence[Timer], datetime], Sequence[Firing]]
"""Fires many timers of one kind at once (one query for all their subjects): a ``Firing``
per timer, in order. Optional: a kind without one is fired a timer at a time."""

SubjectLock = Callable[[Batch, Any, Sequence[str]], Collection[str]]
"""Locks the subject rows of a batch of timers before the timers (PostgreSQL: ``FOR UPDATE
SKIP LOCKED``) and answers the subjects that may fire: one another transaction holds is
left out, and its firing waits for the next pass. A subject that no longer exists may
fire (its handler disarms the timer)."""


def lock_rows_skip_locked(store: Batch, cur: Any, table: str, ids: Sequence[str]) -> set[str]:
    """A ``SubjectLock`` body: lock the rows of ``ids`` in ``table`` (a table of ours,
    never user input) with ``FOR UPDATE SKIP LOCKED`` and answer the ids that may fire:
    those locked, and those no longer there (their handler disarms the timer). One another
    transaction holds is left out; it fires on a later pass. SQLite: every id."""
    if not store.concurrent_writers:
        return set(ids)
    marks = placeholders(len(ids), store.mark)
    cur.execute(f"SELECT id FROM {table} WHERE id IN ({marks}) FOR UPDATE SKIP LOCKED", ids)
    locked = {row[0] for row in cur.fetchall()}
    rest = [i for i in ids if i not in locked]
    if not rest:
        return locked
    cur.execute(f"SELECT id FROM {table} WHERE id IN ({placeholders(len(rest), store.mark)})", rest)
    held = {row[0] for row in cur.fetchall()}
    return locked | {i for i in rest if i not in held}


def arm(
    store: Batch,
    cur: Any,
    *,
    kind: str,
    subject: str,
    due_at: datetime | None,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Set (or clear, with ``due_at=None``) the next firing of ``kind``/``subject``.

    Lock order: when the timer belongs to a subject row (a heartbeat), lock or update
    that row first, then arm. Arming revives a dead timer and starts its attempts over.
    """
    arm_many(store, cur, kind=kind, due={subject: due_at}, now=now, payload=payload)


def arm_many(
    store: Batch,
    cur: Any,
    *,
    kind: str,
    due: Mapping[str, datetime | None],
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """``arm`` for many subjects of one kind (subject -> due time), in one statement."""
    if not due:
        return
    p = store.mark
    body = _json(payload or {}).decode()
    stamp = store.db_time(now)
    cur.executemany(
        "INSERT INTO timers (id, kind, subject, due_at, payload, fire_count, created_at, "
        f"updated_at) VALUES ({p}, {p}, {p}, {p}, {p}, 0, {p}, {p}) "
        "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at, "
        "payload = excluded.payload, updated_at = excluded.updated_at, "
        "generation = timers.generation + 1, attempts = 0, last_error = NULL, dead_at = NULL",
        [
            (new_id(now), kind, subject, store.db_time(at), body, stamp, stamp)
            for subject, at in due.items()
        ],
    )
    armed = [at for at in due.values() if at is not None]
    if armed:
        earliest = min(armed)
        store.note_armed(earliest)
        if store.concurrent_writers:
            # Delivered to the listeners of every process when (and only if) this commits.
            cur.execute(f"SELECT pg_notify('{NOTIFY_CHANNEL}', {p})", (earliest.isoformat(),))


def due_candidates(
    store: Batch, cur: Any, now: datetime, after: tuple[datetime, str] | None, limit: int
) -> list[Timer]:
    """Timers due at ``now`` after the ``after`` (due_at, id) cursor, oldest first.

    Not locked: each is locked (subject first) and checked again when it is fired.
    """
    p = store.mark
    where = f"due_at IS NOT NULL AND due_at <= {p}"
    params: list[Any] = [store.db_time(now)]
    if after is not None:
        where += f" AND (due_at > {p} OR (due_at = {p} AND id > {p}))"
        params += [store.db_time(after[0]), store.db_time(after[0]), after[1]]
    cur.execute(
        f"SELECT {_COLUMNS} FROM timers WHERE {where} ORDER BY due_at, id LIMIT {p}",
        (*params, limit),
    )
    return [_timer(store, row, now) for row in cur.fetchall()]


def _timer(store: Batch, row: Sequence[Any], now: datetime) -> Timer:
    tid, kind, subject, due, payload, count, generation, attempts = row
    due_at = store.from_db_time(due) or now
    payload = msgspec.json.decode(payload)
    return Timer(tid, kind, subject, due_at, payload, count, generation, attempts)


def arm_within(conn: Connection, **timer: Any) -> None:
    """``arm`` on a SQLAlchemy connection, in its transaction (``tocsin apply``)."""
    with raw_batch(conn) as (store, cur):
        arm(store, cur, **timer)


def disarm_within(conn: Connection, kind: str, subject: str) -> None:
    """Drop ``subject``'s ``kind`` timer in ``conn``'s transaction (its subject is deleted)."""
    conn.execute(sa_delete(timers).where(timers.c.kind == kind, timers.c.subject == subject))


def next_due(store: Batch, cur: Any) -> datetime | None:
    """When the earliest armed timer is due."""
    cur.execute("SELECT MIN(due_at) FROM timers WHERE due_at IS NOT NULL")
    row = cur.fetchone()
    return store.from_db_time(row[0]) if row else None

"""The breakers' rows (``provider_breakers``), shared by every delivery worker.

Each change reads the row, lets ``breaker`` decide, and writes the result only if the
row's ``version`` is still the one read (a compare-and-set), trying again otherwise: two
workers whose cool-down ends together both see ``open``, both decide PROBE, and only one
UPDATE matches, so only one probes. A provider with no row is closed; a row is written
only when something changes (a success through a healthy provider writes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from tocsin.notify.providers.breaker import (
    CLOSED,
    Breaker,
    Decision,
    Outcome,
    Policy,
    State,
    admit,
    record,
)
from tocsin.store.schema import provider_breakers

T = TypeVar("T")
TRIES = 8  # compare-and-set rounds before giving up (each lost round means another won)
_FIELDS = ("state", "failures", "window_start", "opened_at", "open_until", "last_error")


class BreakerOut(BaseModel):
    """A provider's circuit breaker, as ``GET /api/v1/providers`` shows it."""

    provider: str
    state: State
    failures: int
    window_start: datetime | None
    opened_at: datetime | None
    open_until: datetime | None
    last_error: str | None
    updated_at: datetime


def _load(conn: Connection, provider: str) -> tuple[Breaker, int | None]:
    """The breaker and its version; (closed, None) when the provider has no row."""
    row = conn.execute(
        select(provider_breakers).where(provider_breakers.c.provider == provider)
    ).first()
    if row is None:
        return CLOSED, None
    values = {name: getattr(row, name) for name in _FIELDS}
    return Breaker(**{**values, "state": State(row.state)}), row.version


def _store(
    conn: Connection, provider: str, version: int | None, new: Breaker, now: datetime
) -> bool:
    """Write ``new`` if the row is still at ``version``; False when another worker won."""
    values = {name: getattr(new, name) for name in _FIELDS}
    values["state"] = new.state.value
    if version is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(provider_breakers).values(
                        provider=provider, version=1, updated_at=now, **values
                    )
                )
        except IntegrityError:
            return False  # another worker inserted it first
        return True
    changed = conn.execute(
        update(provider_breakers)
        .where(provider_breakers.c.provider == provider, provider_breakers.c.version == version)
        .values(version=version + 1, updated_at=now, **values)
    ).rowcount
    return bool(changed)


def _change(
    engine: Engine, provider: str, now: datetime, decide: Callable[[Breaker], tuple[T, Breaker]]
) -> T:
    """Apply ``decide`` to the stored breaker by compare-and-set; what it answered."""
    for _ in range(TRIES):
        with engine.begin() as conn:
            old, version = _load(conn, provider)
            answer, new = decide(old)
            if new == old or _store(conn, provider, version, new, now):
                return answer
    raise RuntimeError(f"breaker of {provider}: {TRIES} concurrent changes in a row")


def take(engine: Engine, provider: str, now: datetime, policy: Policy) -> tuple[Decision, Breaker]:
    """May this worker send through ``provider`` now (``breaker.admit``, stored)? With the
    breaker as it was read."""

    def decide(old: Breaker) -> tuple[tuple[Decision, Breaker], Breaker]:
        decision, new = admit(old, now, policy)
        return (decision, old), new

    return _change(engine, provider, now, decide)


def note(
    engine: Engine,
    provider: str,
    outcome: Outcome,
    now: datetime,
    policy: Policy,
    error: str | None = None,
) -> Breaker:
    """Record what a send through ``provider`` showed; the breaker after it."""

    def decide(old: Breaker) -> tuple[Breaker, Breaker]:
        new = record(old, outcome, now, policy, error)
        return new, new

    return _change(engine, provider, now, decide)


def _out(row: object) -> BreakerOut:
    return BreakerOut.model_validate(row, from_attributes=True)


def list_breakers(conn: Connection) -> list[BreakerOut]:
    """Every provider that has a breaker row (it failed at least once), by name."""
    rows = conn.execute(select(provider_breakers).order_by(provider_breakers.c.provider))
    return [_out(row) for row in rows]


def reset(conn: Connection, provider: str, now: datetime) -> BreakerOut | None:
    """Close ``provider``'s breaker by hand (its count starts over); None: no such row."""
    table = provider_breakers
    changed = conn.execute(
        update(table)
        .where(table.c.provider == provider)
        .values(
            state=State.CLOSED.value,
            failures=0,
            window_start=None,
            opened_at=None,
            open_until=None,
            version=table.c.version + 1,
            updated_at=now,
        )
    ).rowcount
    if not changed:
        return None
    return _out(conn.execute(select(table).where(table.c.provider == provider)).one())

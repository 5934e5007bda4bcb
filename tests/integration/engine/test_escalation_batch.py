"""Escalation timers that come due together fire in one batch, deciding exactly what they
would decide one at a time, with a number of statements that does not grow per firing.

Two fresh databases of the same backend (SQLite, then PostgreSQL) get the same world and
the same alerts; one fires its escalation timers in batches (as ``build_runtime`` has
them), the other one at a time. Their outbox keys and incident events must match.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.integration.engine.test_escalation import KEY, T0, world
from tests.support.databases import database_url
from tests.support.writer_world import route_of
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.escalation import service as escalation
from tocsin.store.batch import Batch
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade
from tocsin.store.schema import alerts, deliveries, incident_events
from tocsin.store.timers import Firing, Timer
from tocsin.world import apply_world, load_world_text

INCIDENTS = 50
RESOLVED = 10  # resolved before level 2: their escalations stop instead
MINUTES = (0, 2, 5, 10)


class Counting:
    """A cursor that counts the statements sent through it (``executemany``: one)."""

    def __init__(self, cur: Any, counts: list[int]) -> None:
        self.cur, self.counts = cur, counts

    def execute(self, *args: Any) -> Any:
        self.counts[0] += 1
        return self.cur.execute(*args)

    def executemany(self, *args: Any) -> Any:
        self.counts[0] += 1
        return self.cur.executemany(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cur, name)


class Counted:
    """Statements and firings of each pass (by minute), and the batch sizes fired."""

    def __init__(self) -> None:
        self.statements: Counter[float] = Counter()
        self.firings: Counter[float] = Counter()
        self.batches: list[int] = []
        self.minute = 0.0

    def one(self, store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        return self.many(store, cur, [timer], now)[0]

    def many(self, store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
        counts = [0]
        firings = escalation.on_escalations(store, Counting(cur, counts), timers, now)
        self.statements[self.minute] += counts[0]
        self.firings[self.minute] += len(timers)
        self.batches.append(len(timers))
        return firings


def per_alert_world() -> str:
    text = world("http://127.0.0.1:9")
    return text.replace("  - name: web\n", "  - name: web\n    incident_grouping: per_alert\n")


def fire(engine: Engine, batched: bool) -> Counted:
    """Trigger ``INCIDENTS`` alerts at T0, resolve the first ``RESOLVED`` at minute 2, and
    fire the escalation timers due at each of ``MINUTES``."""
    apply_world(engine, load_world_text(per_alert_world()), T0)
    route = route_of(engine, KEY)
    clock = ManualClock(T0)
    counted = Counted()
    kind = escalation.TIMER_KIND

    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        timers = TimerService(
            writer,
            clock,
            {kind: counted.one},
            subject_locks={kind: escalation.lock_incidents},
            batch_handlers={kind: counted.many} if batched else {},
        )
        try:
            triggers = [
                AlertEvent(route, Action.TRIGGER, f"k{i:02}", T0, "{}", f"Disk {i}", "db1")
                for i in range(INCIDENTS)
            ]
            await writer.submit(triggers)
            for minute in MINUTES:
                counted.minute = minute
                clock.set(T0 + timedelta(minutes=minute))
                if minute == 2:
                    now = clock.now()
                    await writer.submit(
                        [
                            AlertEvent(route, Action.RESOLVE, f"k{i:02}", now, "{}")
                            for i in range(RESOLVED)
                        ]
                    )
                await timers.fire_due()
        finally:
            await writer.stop()

    asyncio.run(main())
    return counted


def outcome(engine: Engine) -> tuple[list[str], list[tuple[str, str]]]:
    """The outbox keys and the (alert, event kind) of each incident event, in order, with
    the incident ids (different in every database) named by their alert's dedup key."""
    with engine.connect() as conn:
        named = dict(conn.execute(select(alerts.c.incident_id, alerts.c.dedup_key)).all())
        keys = conn.execute(select(deliveries.c.idempotency_key)).scalars().all()
        events = conn.execute(
            select(incident_events.c.incident_id, incident_events.c.kind).order_by(
                incident_events.c.at, incident_events.c.id
            )
        ).all()
    renamed = sorted(f"{named[k.split('/')[0]]}/{k.split('/', 1)[1]}" for k in keys)
    by_incident = sorted((named[i], kind) for i, kind in events if i in named)
    return renamed, by_incident


@pytest.fixture
def other(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A second fresh database of the same backend as ``engine``."""
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
    (tmp_path / "other").mkdir()
    with database_url(backend, tmp_path / "other") as url:
        eng = create_db_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()


def test_a_batch_pages_each_incident_once_as_one_at_a_time_would(
    engine: Engine, other: Engine
) -> None:
    batched = fire(engine, batched=True)
    alone = fire(other, batched=False)

    assert max(batched.batches) == INCIDENTS  # they did fire together
    assert set(alone.batches) == {1}
    keys, events = outcome(engine)
    assert (keys, events) == outcome(other)
    # Level 1 pages alice for every incident, level 2 bob for those not resolved; once each.
    assert len(keys) == len(set(keys)) == INCIDENTS + (INCIDENTS - RESOLVED)
    kinds = Counter(kind for _, kind in events)
    assert kinds["paged"] == INCIDENTS + INCIDENTS - RESOLVED
    assert kinds["escalation_exhausted"] == INCIDENTS - RESOLVED
    assert kinds["escalation_stopped"] == RESOLVED

    # Statements the handler sends: a constant per batch, against several per firing.
    for minute in (0, 5):
        assert batched.firings[minute] == alone.firings[minute] > 1
        per_firing = alone.statements[minute] / alone.firings[minute]
        assert per_firing >= 5
        assert batched.statements[minute] <= 12
    print(  # the numbers the change reports (pytest -s)
        {m: (batched.statements[m], alone.statements[m], alone.firings[m]) for m in MINUTES}
    )

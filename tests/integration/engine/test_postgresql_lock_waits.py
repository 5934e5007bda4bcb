"""While the writer waits for another process's lock on PostgreSQL, the loop goes on.

Several processes write one PostgreSQL database; a batch touching a dedup key or an
incident another process is writing waits for that process to commit. That wait happens
on the commit thread: the event loop keeps reading and parsing requests meanwhile (they
form the next batch) instead of standing still for another process's fsync.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support.writer_world import route_of, writer_world
from tocsin.alerts.ingest_store import IngestStore
from tocsin.core.dedup import Outcome
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.writer import GroupCommitWriter, StorageError

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff04"
# The other "process" lets go after this long at the latest, so a writer that blocks the
# loop fails the test instead of hanging it.
SAFETY_RELEASE_SECONDS = 5.0


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, Route]]:
    with writer_world("postgresql", tmp_path, KEY, T0) as engine:
        yield engine, route_of(engine, KEY)


def event(route: Route, action: Action, key: str) -> AlertEvent:
    return AlertEvent(route, action, key, T0, "{}", "disk full", "tests")


def _hold_keys(store: IngestStore, cur: Any, route: Route) -> None:
    store.lock_keys(cur, [event(route, Action.TRIGGER, "db-1")])


def _hold_incident(store: IngestStore, cur: Any, route: Route) -> None:
    store.incidents.open_incidents(cur, [(route.service_id, "")])  # FOR UPDATE, as a resolver does


def _hold_service(store: IngestStore, cur: Any, route: Route) -> None:
    cur.execute("SELECT id FROM services WHERE id = %s FOR UPDATE", (route.service_id,))


@contextlib.contextmanager
def held_by_another_writer(
    engine: Engine, route: Route, hold: Callable[[IngestStore, Any, Route], None]
) -> Iterator[Callable[[], None]]:
    """Another writer (as another process would) takes a lock and keeps it until the
    yielded function is called (or the safety timer lets go)."""
    other = engine.raw_connection()
    store = IngestStore(other.driver_connection, "postgresql")
    hold(store, store.begin(), route)
    release = threading.Timer(SAFETY_RELEASE_SECONDS, other.rollback)
    release.start()
    try:
        yield other.rollback
    finally:
        release.cancel()
        other.close()


def _trigger(writer: GroupCommitWriter, route: Route) -> Awaitable[list[Outcome]]:
    return writer.submit([event(route, Action.TRIGGER, "db-1")])


def _work_touching_the_service(writer: GroupCommitWriter, route: Route) -> Awaitable[list[Outcome]]:
    """Work inside the batch (a heartbeat ping, a timer) that updates a row, then raises an
    alert event."""

    def work(store: IngestStore, cur: Any) -> list[AlertEvent]:
        cur.execute("UPDATE services SET name = name WHERE id = %s", (route.service_id,))
        return [event(route, Action.TRIGGER, "db-1")]

    return writer.run(work)


@pytest.mark.parametrize(
    ("hold", "send"),
    [
        (_hold_keys, _trigger),
        (_hold_incident, _trigger),
        (_hold_service, _work_touching_the_service),
    ],
    ids=["dedup-key-lock", "incident-row-lock", "row-lock-in-work"],
)
def test_the_loop_runs_while_the_writer_waits_for_another_writer(
    world: tuple[Engine, Route],
    hold: Callable[[IngestStore, Any, Route], None],
    send: Callable[[GroupCommitWriter, Route], Awaitable[list[Outcome]]],
) -> None:
    engine, route = world

    async def main() -> tuple[int, bool, list[str]]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            await writer.submit([event(route, Action.TRIGGER, "db-1")])  # opens an incident
            with held_by_another_writer(engine, route, hold) as release:
                pending = asyncio.ensure_future(send(writer, route))
                ticks = 0
                for _ in range(20):  # the loop keeps running while the writer waits...
                    await asyncio.sleep(0.01)
                    ticks += 1 if not pending.done() else 0
                waited = not pending.done()
                release()  # ... and the writer goes on once the lock is free
                outcomes = await pending
            return ticks, waited, [o.value for o in outcomes]
        finally:
            await writer.stop()

    ticks, waited, outcomes = asyncio.run(main())
    assert waited, "the event was stored while another writer held the lock"
    assert ticks == 20
    assert outcomes == ["appended"]


def test_stop_finishes_the_batch_in_progress(world: tuple[Engine, Route]) -> None:
    """A shutdown while a batch waits for another process's lock: the batch completes
    and its sender gets an answer, and only then does the writer stop."""
    engine, route = world

    async def main() -> tuple[bool, list[str], bool]:
        writer = GroupCommitWriter(engine)
        writer.start()
        await writer.submit([event(route, Action.TRIGGER, "db-1")])
        with held_by_another_writer(engine, route, _hold_keys) as release:
            pending = asyncio.ensure_future(_trigger(writer, route))
            await asyncio.sleep(0.05)  # the batch is now waiting for the lock
            stopping = asyncio.ensure_future(writer.stop())
            await asyncio.sleep(0.05)
            stopped_early = stopping.done()
            release()
            # A writer cancelled mid-batch never answers: fail instead of hanging.
            outcomes = await asyncio.wait_for(pending, SAFETY_RELEASE_SECONDS)
            await asyncio.wait_for(stopping, SAFETY_RELEASE_SECONDS)
        try:
            await writer.submit([event(route, Action.TRIGGER, "db-2")])
            refused = False
        except StorageError:
            refused = True
        return stopped_early, [o.value for o in outcomes], refused

    stopped_early, outcomes, refused = asyncio.run(main())
    assert not stopped_early
    assert outcomes == ["appended"]
    assert refused, "a stopped writer took an event it can never store"
    with engine.connect() as conn:
        occurrences = conn.exec_driver_sql(
            "SELECT occurrences FROM alerts WHERE dedup_key = 'db-1'"
        ).scalar_one()
    assert occurrences == 2

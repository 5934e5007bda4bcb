"""Timers fired by several processes at once, and pings racing their own timers.

The lock order (engine.timers): the subject before its timer. A ping locks its heartbeat,
then re-arms the timer; a firing locks the heartbeat (skipping it when held), then the
timer, then checks the timer's generation. Before, a firing held the timer and then
updated the heartbeat: against a ping in flight, PostgreSQL found a deadlock, or the
expiry acted on the ping it could not yet see and raised a false alert.

PostgreSQL only: SQLite has one writer, so nothing can interleave there.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from tocsin.alerts.ingest_store import IngestStore
from tocsin.clock import ManualClock
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.heartbeats import service as heartbeats
from tocsin.store.schema import alerts, timers
from tocsin.store.schema import heartbeats as heartbeat_table
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
BEATS = 60
# The other "process" lets go after this long at the latest: on code that waits for it,
# the test fails (a false alert) instead of hanging.
SAFETY_RELEASE_SECONDS = 5.0


def world(count: int) -> str:
    beats = "".join(
        f"  - {{name: job-{i}, service: batch, interval: 5m, key: hbkey{i:016d}}}\n"
        for i in range(count)
    )
    return f"version: 1\nservices:\n  - name: batch\nheartbeats:\n{beats}"


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    return pg_engine


def service(engine: Engine, clock: ManualClock) -> TimerService:
    return TimerService(
        GroupCommitWriter(engine),
        clock,
        {},
        subject_locks={heartbeats.TIMER_KIND: heartbeats.lock_heartbeats},
        batch_handlers={heartbeats.TIMER_KIND: heartbeats.on_expiries},  # as tocsin serve
        batch=10,
    )


def alert_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(alerts)).scalar_one())


def test_an_expiry_racing_a_ping_in_flight_waits_for_it_and_raises_nothing(
    engine: Engine,
) -> None:
    apply_world(engine, load_world_text(world(1)), T0)
    clock = ManualClock(T0 + timedelta(minutes=6))  # past the deadline
    ping_at = clock.now()
    other = engine.raw_connection()  # another process, mid-ping
    store = IngestStore(other.driver_connection, "postgresql")
    cur = store.begin()
    cur.execute(
        "UPDATE heartbeats SET last_ping_at = %s, updated_at = %s WHERE name = 'job-0'",
        (ping_at, ping_at),
    )
    safety = threading.Timer(SAFETY_RELEASE_SECONDS, other.rollback)
    safety.start()

    async def main() -> tuple[int, int]:
        timers_service = service(engine, clock)
        timers_service.writer.start()
        try:
            during = await timers_service.fire_due()  # the heartbeat is locked: skipped
            beat = heartbeats.load(store, cur, by="name", value="job-0")
            assert beat is not None
            arm(
                store,
                cur,
                kind=heartbeats.TIMER_KIND,
                subject=beat.id,
                due_at=ping_at + beat.interval,
                now=ping_at,
            )
            other.commit()  # the ping completes
            after = await timers_service.fire_due()
            return during, after
        finally:
            await timers_service.writer.stop()

    try:
        assert asyncio.run(main()) == (0, 0)
    finally:
        safety.cancel()
        other.close()
    assert alert_count(engine) == 0  # no false alert: the ping arrived in time
    with engine.connect() as conn:
        last = conn.execute(select(heartbeat_table.c.last_ping_at)).scalar_one()
    assert last == ping_at


def test_two_processes_fire_and_ping_at_once_without_deadlock_or_twins(engine: Engine) -> None:
    apply_world(engine, load_world_text(world(BEATS)), T0)
    clock = ManualClock(T0 + timedelta(minutes=6))  # every heartbeat is overdue

    async def main() -> None:
        first, second = service(engine, clock), service(engine, clock)
        pinger = GroupCommitWriter(engine)
        for writer in (first.writer, second.writer, pinger):
            writer.start()

        async def ping_all() -> None:
            for i in reversed(range(BEATS)):  # the opposite order to the firings
                result = heartbeats.PingResult()
                work = heartbeats.ping(
                    by="key", value=f"hbkey{i:016d}", now=clock.now(), result=result
                )
                await pinger.run(work)

        try:
            await asyncio.gather(first.fire_due(), second.fire_due(), ping_all())
        finally:
            for writer in (first.writer, second.writer, pinger):
                await writer.stop()

    asyncio.run(main())  # a deadlock or a lost lock would raise StorageError here
    with engine.connect() as conn:
        per_beat: dict[str, int] = dict(
            conn.execute(
                select(alerts.c.dedup_key, func.count()).group_by(alerts.c.dedup_key)
            ).all()
        )
        fire_counts = [row[0] for row in conn.execute(select(timers.c.fire_count))]
    assert set(per_beat.values()) <= {1}  # never two alerts for one expiry
    assert max(fire_counts) <= 1  # each timer fired by one process at most
    assert sum(fire_counts) == len(per_beat)  # every firing raised its alert

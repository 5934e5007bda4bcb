"""Durable timers and heartbeats on a real database, with a clock the test moves.

No sleeping: the test moves a ManualClock and asks the timer service to fire what is due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, insert, select

from tocsin.clock import ManualClock
from tocsin.core.events import AlertEvent
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.heartbeats import service as heartbeats
from tocsin.store.schema import alerts, services, timers
from tocsin.store.schema import heartbeats as heartbeat_table
from tocsin.store.timers import arm

T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
INTERVAL, GRACE = timedelta(minutes=5), timedelta(minutes=1)
T = TypeVar("T")


def run(engine: Engine, clock: ManualClock, body: Callable[[TimerService], Awaitable[T]]) -> T:
    """Run ``body`` with a started writer and timer service (like one server process)."""

    async def main() -> T:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            service = TimerService(writer, clock, {heartbeats.TIMER_KIND: heartbeats.on_expiry})
            return await body(service)
        finally:
            await writer.stop()

    return asyncio.run(main())


def seed(engine: Engine, clock: ManualClock) -> None:
    with engine.begin() as conn:
        conn.execute(insert(services).values(id="svc", name="batch", created_at=T0, updated_at=T0))
        conn.execute(
            insert(heartbeat_table).values(
                id="hb1",
                service_id="svc",
                name="nightly-backup",
                key="hbkey0000000000000001",
                interval_seconds=int(INTERVAL.total_seconds()),
                grace_seconds=int(GRACE.total_seconds()),
                created_at=T0,
                updated_at=T0,
            )
        )

    def arm_first_expiry(store: Any, cur: Any) -> list[AlertEvent]:
        arm(store, cur, kind="heartbeat", subject="hb1", due_at=T0 + INTERVAL + GRACE, now=T0)
        return []

    async def arm_first(service: TimerService) -> None:
        await service.writer.run(arm_first_expiry)

    run(engine, clock, arm_first)


def heartbeat_alerts(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.status, alerts.c.summary)
            .where(alerts.c.dedup_key == "heartbeat:nightly-backup")
            .order_by(alerts.c.id)
        )
        return [(r.status, r.summary) for r in rows]


def ping(clock: ManualClock) -> Callable[[TimerService], Awaitable[Any]]:
    async def body(service: TimerService) -> heartbeats.PingResult:
        result = heartbeats.PingResult()
        await service.writer.run(
            heartbeats.ping(by="key", value="hbkey0000000000000001", now=clock.now(), result=result)
        )
        return result

    return body


def fire(service: TimerService) -> Awaitable[int]:
    return service.fire_due()


def test_silent_heartbeat_raises_an_alert_when_interval_and_grace_pass(engine: Engine) -> None:
    clock = ManualClock(T0)
    seed(engine, clock)
    clock.advance(INTERVAL + GRACE - timedelta(seconds=1))
    assert run(engine, clock, fire) == 0
    assert heartbeat_alerts(engine) == []
    clock.advance(timedelta(seconds=1))
    assert run(engine, clock, fire) == 1
    [(status, summary)] = heartbeat_alerts(engine)
    assert status == "triggered"
    assert summary == "Heartbeat nightly-backup expired (last ping: never pinged)"


def test_pings_keep_it_quiet_and_the_next_ping_resolves_an_expiry(engine: Engine) -> None:
    clock = ManualClock(T0)
    seed(engine, clock)
    for _ in range(5):  # a job pinging every 4 minutes never alerts
        clock.advance(timedelta(minutes=4))
        assert run(engine, clock, ping(clock)).resolved is False
        run(engine, clock, fire)
    assert heartbeat_alerts(engine) == []
    clock.advance(INTERVAL + GRACE)
    run(engine, clock, fire)
    assert [s for s, _ in heartbeat_alerts(engine)] == ["triggered"]
    clock.advance(timedelta(minutes=30))
    run(engine, clock, fire)  # still silent: the open alert is not re-triggered
    assert [s for s, _ in heartbeat_alerts(engine)] == ["triggered"]
    result = run(engine, clock, ping(clock))
    assert result.found
    assert result.resolved
    assert [s for s, _ in heartbeat_alerts(engine)] == ["resolved"]


def test_a_timer_due_while_tocsin_was_down_fires_at_once_and_says_it_is_late(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(T0)
    seed(engine, clock)
    clock.advance(timedelta(hours=3))  # the process was down for three hours
    with caplog.at_level(logging.WARNING, logger="tocsin.engine.timers"):
        assert run(engine, clock, fire) == 1
    assert any("fired 10440.0s late" in r.getMessage() for r in caplog.records)
    assert [s for s, _ in heartbeat_alerts(engine)] == ["triggered"]
    with engine.connect() as conn:
        due = conn.execute(select(timers.c.due_at, timers.c.fire_count)).one()
    assert due == (None, 1)  # fired once, not re-armed until the next ping


def test_unknown_heartbeat_ping_changes_nothing(engine: Engine) -> None:
    clock = ManualClock(T0)
    seed(engine, clock)

    async def body(service: TimerService) -> heartbeats.PingResult:
        result = heartbeats.PingResult()
        await service.writer.run(heartbeats.ping(by="key", value="nope", now=T0, result=result))
        return result

    assert run(engine, clock, body).found is False

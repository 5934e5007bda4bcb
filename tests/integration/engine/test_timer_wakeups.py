"""A timer armed due now fires at once: the loop is nudged, it does not wait for a poll.

The timer loop here sleeps up to an hour between looks (``max_sleep``), so only a nudge
can make it fire within the test's patience: after the commit that armed the timer in the
same process, and through ``LISTEN/NOTIFY`` from another process on PostgreSQL. The wait
for the firing is bounded only so that a missed nudge fails instead of hanging.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from tocsin.clock import SystemClock
from tocsin.core.events import AlertEvent
from tocsin.engine.timer_wakeups import listen_forever
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.store.batch import Batch
from tocsin.store.timers import Firing, Timer, arm

PATIENCE_SECONDS = 20.0  # only reached when the nudge is missing


def arm_now(kind: str) -> Any:
    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        now = datetime.now(UTC)
        arm(store, cur, kind=kind, subject="s", due_at=now, now=now)
        return []

    return work


def service_firing_into(writer: GroupCommitWriter, fired: asyncio.Event) -> TimerService:
    def handler(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        fired.set()
        return Firing()

    return TimerService(writer, SystemClock(), {"page": handler}, max_sleep=3600.0)


def test_a_timer_armed_due_now_in_this_process_fires_at_once(engine: Engine) -> None:
    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        fired = asyncio.Event()
        timers = service_firing_into(writer, fired)
        writer.on_armed = timers.nudge
        loop = asyncio.create_task(timers.run_forever())
        try:
            await asyncio.sleep(0)  # the loop looks once, finds nothing, sleeps an hour
            await writer.run(arm_now("page"))
            await asyncio.wait_for(fired.wait(), PATIENCE_SECONDS)
        finally:
            loop.cancel()
            await writer.stop()

    asyncio.run(main())


def test_a_timer_armed_by_another_process_wakes_this_one_on_postgresql(
    pg_engine: Engine,
) -> None:
    engine = pg_engine

    async def main() -> None:
        here, there = GroupCommitWriter(engine), GroupCommitWriter(engine)
        here.start()
        there.start()
        fired = asyncio.Event()
        timers = service_firing_into(here, fired)
        tasks = [
            asyncio.create_task(timers.run_forever()),
            asyncio.create_task(listen_forever(engine, timers.nudge)),
        ]
        try:
            await asyncio.sleep(0.5)  # let the listener connect (not a clock: a start-up)
            await there.run(arm_now("page"))  # the other process arms it
            await asyncio.wait_for(fired.wait(), PATIENCE_SECONDS)
        finally:
            for task in tasks:
                task.cancel()
            await here.stop()
            await there.stop()

    asyncio.run(main())

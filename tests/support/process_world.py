"""One Tocsin process in a test: the real writer, timer service and delivery worker on a
``ManualClock`` the test moves (nothing sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine

from tocsin.clock import ManualClock
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.notify.delivery import DeliveryWorker
from tocsin.settings import Settings
from tocsin.store.timers import BatchTimerHandler, SubjectLock, TimerHandler

W = TypeVar("W", bound="ProcessWorld")


class ProcessWorld:
    """The writer, the timers (``handlers``; ``batch_handlers`` for the kinds fired many
    at a time, as ``build_runtime`` registers them) and the delivery worker of one process."""

    def __init__(
        self,
        engine: Engine,
        clock: ManualClock,
        start: datetime,
        handlers: dict[str, TimerHandler],
        subject_locks: dict[str, SubjectLock] | None = None,
        batch_handlers: dict[str, BatchTimerHandler] | None = None,
    ) -> None:
        self.engine, self.clock, self.start = engine, clock, start
        self.writer = GroupCommitWriter(engine)
        self.timers = TimerService(
            self.writer,
            clock,
            handlers,
            subject_locks=subject_locks or {},
            batch_handlers=batch_handlers or {},
        )
        # Each page on its own, at once: tests of bundling and rate limits set their own.
        self.delivery = DeliveryWorker(
            engine, clock, Settings(bundle_window=0, user_page_limit=1_000_000)
        )

    async def at(self, minutes: float) -> None:
        """Move the clock to start + ``minutes``, fire what is due and send what it queued."""
        self.clock.set(self.start + timedelta(minutes=minutes))
        await self.timers.fire_due()
        await self.delivery.deliver_due()


def run_in(world: W, body: Callable[[W], Awaitable[None]]) -> None:
    """Start ``world``'s writer, run ``body`` with it, stop the writer."""

    async def main() -> None:
        world.writer.start()
        try:
            await body(world)
        finally:
            await world.writer.stop()

    asyncio.run(main())

"""A service's own noise rules: transient pause, flap detection, auto-resolve timeout.

Time is a ManualClock moved by the test; the alert sweep is a durable timer it fires.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from tocsin.alerts import holds
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent
from tocsin.engine.suppressions import SuppressionDirectory
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.ingest.routing import KeyDirectory
from tocsin.store.schema import alerts
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff01"
WORLD = f"""
version: 1
services:
  - name: web
    pause_new_alerts: 90s
    auto_resolve_after: 4h
    flap_detection: {{changes: 4, within: 10m}}
    integrations: [{{name: pd, type: pagerduty, key: "{KEY}"}}]
"""


class World:
    """A writer, a sweeper and a clock over a database with the WORLD applied."""

    def __init__(self, engine: Engine) -> None:
        apply_world(engine, load_world_text(WORLD), T0)
        self.engine = engine
        self.clock = ManualClock(T0)
        keys = KeyDirectory(engine)
        keys.reload()
        info = keys.lookup(KEY)
        assert info is not None
        assert info.route is not None
        self.route = info.route

    def run(
        self, body: Callable[[GroupCommitWriter, TimerService], Coroutine[Any, Any, None]]
    ) -> None:
        async def main() -> None:
            directory = SuppressionDirectory(self.engine)
            directory.reload(self.clock.now())
            writer = GroupCommitWriter(self.engine, suppress=directory.check)
            writer.start()
            sweeper = TimerService(
                writer, self.clock, {holds.TIMER_KIND: holds.sweep_handler(directory)}
            )
            try:
                await body(writer, sweeper)
            finally:
                await writer.stop()

        asyncio.run(main())

    def event(self, action: Action, key: str) -> AlertEvent:
        return AlertEvent(self.route, action, key, self.clock.now(), "{}", "boom", "tests")

    async def sweep(self, writer: GroupCommitWriter, sweeper: TimerService) -> None:
        def arm_now(store: Any, cur: Any) -> list[AlertEvent]:
            arm(
                store,
                cur,
                kind=holds.TIMER_KIND,
                subject="all",
                due_at=self.clock.now(),
                now=self.clock.now(),
            )
            return []

        await writer.run(arm_now)
        await sweeper.fire_due()

    def alerts(self, key: str) -> list[tuple[str, str | None, str | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(alerts.c.status, alerts.c.suppressed_by, alerts.c.incident_id)
                .where(alerts.c.dedup_key == key)
                .order_by(alerts.c.id)
            )
            return [(s, held, inc) for s, held, inc in rows]


def test_transient_alert_that_resolves_within_the_pause_never_pages(engine: Engine) -> None:
    world = World(engine)

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        await writer.submit(
            [world.event(Action.TRIGGER, "blip"), world.event(Action.TRIGGER, "real")]
        )
        world.clock.advance(timedelta(seconds=30))
        await writer.submit([world.event(Action.RESOLVE, "blip")])
        world.clock.advance(timedelta(seconds=70))  # the 90 s pause is over
        await world.sweep(writer, sweeper)

    world.run(body)
    [(status, held, incident)] = world.alerts("blip")
    assert (status, held, incident) == ("resolved", "transient_pause:blip", None)
    [(status, held, incident)] = world.alerts("real")
    assert (status, held) == ("triggered", None)
    assert incident is not None  # still firing after the pause: it pages


def test_a_flapping_key_is_held_and_the_hold_is_visible(engine: Engine) -> None:
    world = World(engine)

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        for action in [Action.TRIGGER, Action.RESOLVE] * 2 + [Action.TRIGGER]:
            await writer.submit([world.event(action, "flappy")])
            world.clock.advance(timedelta(minutes=1))

    world.run(body)
    found = world.alerts("flappy")
    assert len(found) == 3
    assert found[-1][:2] == ("triggered", "flapping:flappy")  # 5th change within 10 minutes


def test_an_alert_not_triggered_again_for_auto_resolve_after_resolves(engine: Engine) -> None:
    world = World(engine)

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        await writer.submit([world.event(Action.TRIGGER, "stale")])
        world.clock.advance(timedelta(hours=3, minutes=59))
        await world.sweep(writer, sweeper)
        assert world.alerts("stale")[0][0] == "triggered"
        world.clock.advance(timedelta(minutes=2))
        await world.sweep(writer, sweeper)

    world.run(body)
    assert world.alerts("stale")[0][0] == "resolved"


def test_a_resend_during_the_transient_pause_keeps_the_alert_held(engine: Engine) -> None:
    world = World(engine)

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        await writer.submit([world.event(Action.TRIGGER, "resent")])
        for _ in range(2):  # Alertmanager and Grafana resend a firing alert every interval
            world.clock.advance(timedelta(seconds=30))
            await writer.submit([world.event(Action.TRIGGER, "resent")])
            await world.sweep(writer, sweeper)
            assert world.alerts("resent") == [("triggered", "transient_pause:resent", None)]
        world.clock.advance(timedelta(seconds=31))  # 91 s after the first trigger
        await world.sweep(writer, sweeper)

    world.run(body)
    [(status, held, incident)] = world.alerts("resent")
    assert (status, held) == ("triggered", None)
    assert incident is not None  # the pause ran to its end, then it paged


def test_a_resend_of_a_flapping_alert_keeps_it_held_until_the_flap_window_ends(
    engine: Engine,
) -> None:
    world = World(engine)

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        for action in [Action.TRIGGER, Action.RESOLVE] * 2 + [Action.TRIGGER]:
            await writer.submit([world.event(action, "flappy")])
            world.clock.advance(timedelta(minutes=1))
        await writer.submit([world.event(Action.TRIGGER, "flappy")])  # a resend, 1 min later
        await world.sweep(writer, sweeper)
        assert world.alerts("flappy")[-1] == ("triggered", "flapping:flappy", None)
        world.clock.advance(timedelta(minutes=10))  # the flap hold (10 minutes) is over
        await world.sweep(writer, sweeper)

    world.run(body)
    status, held, incident = world.alerts("flappy")[-1]
    assert (status, held) == ("triggered", None)
    assert incident is not None

"""When a maintenance window ends, its held alerts page (re-evaluate) or resolve.

The clock is moved by the test; the hold sweep is a durable timer fired by the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from tocsin.alerts import holds
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.suppressions import SuppressionDirectory
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.ingest.routing import KeyDirectory
from tocsin.silences.service import create_silence, expire_silence
from tocsin.store.schema import alerts, integrations, services
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
WINDOW_END = (T0 + timedelta(hours=1)).isoformat()

WORLD = f"""
version: 1
services:
  - name: search
    integrations: [{{name: pd, type: pagerduty, key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"}}]
  - name: batch
    integrations: [{{name: pd, type: pagerduty, key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"}}]
maintenance_windows:
  - name: reindex
    services: [search]
    start: "{T0.isoformat()}"
    end: "{WINDOW_END}"
  - name: batch-load
    services: [batch]
    start: "{T0.isoformat()}"
    end: "{(T0 + timedelta(hours=1)).isoformat()}"
    on_end: resolve
"""


def routes(engine: Engine) -> dict[str, Route]:
    """Each service's route as ingest builds it (from the routing-key cache)."""
    keys = KeyDirectory(engine)
    keys.reload()
    with engine.connect() as conn:
        rows = conn.execute(
            select(services.c.name, integrations.c.key).join(
                integrations, integrations.c.service_id == services.c.id
            )
        )
        found = {name: keys.lookup(key) for name, key in rows}
    return {name: info.route for name, info in found.items() if info and info.route}


def held_then_swept(engine: Engine) -> dict[str, tuple[str, str | None, str | None]]:
    apply_world(engine, load_world_text(WORLD), T0)
    clock = ManualClock(T0 + timedelta(minutes=10))
    directory = SuppressionDirectory(engine)
    by_service = routes(engine)

    async def main() -> None:
        directory.reload(clock.now())
        writer = GroupCommitWriter(engine, suppress=directory.check)
        writer.start()
        try:
            await writer.submit(
                [
                    AlertEvent(
                        by_service[name],
                        Action.TRIGGER,
                        f"{name}-slow",
                        clock.now(),
                        "{}",
                        "slow",
                        "tests",
                    )
                    for name in ("search", "batch")
                ]
            )

            def arm_sweep(store, cur):
                arm(
                    store,
                    cur,
                    kind=holds.TIMER_KIND,
                    subject="all",
                    due_at=clock.now(),
                    now=clock.now(),
                )
                return []

            await writer.run(arm_sweep)
            sweeper = TimerService(
                writer, clock, {holds.TIMER_KIND: holds.sweep_handler(directory)}
            )
            await sweeper.fire_due()  # inside the window: nothing to do
            clock.set(T0 + timedelta(hours=1, seconds=20))
            directory.reload(clock.now())
            await sweeper.fire_due()
        finally:
            await writer.stop()

    asyncio.run(main())
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                alerts.c.dedup_key, alerts.c.status, alerts.c.suppressed_by, alerts.c.incident_id
            )
        )
        return {key: (status, held, incident) for key, status, held, incident in rows}


def test_window_end_pages_held_alerts_or_resolves_them_as_configured(engine: Engine) -> None:
    after = held_then_swept(engine)
    status, held, incident = after["search-slow"]
    assert (status, held) == ("triggered", None)
    assert incident is not None  # re-evaluated: it pages now
    status, held, incident = after["batch-slow"]
    assert status == "resolved"  # on_end: resolve
    assert incident is None


def test_alerts_of_a_deleted_heartbeat_are_resolved_by_the_sweep(engine: Engine) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    clock = ManualClock(T0)
    route = routes(engine)["batch"]
    orphan = Route("deleted-heartbeat-id", route.service_id, "heartbeat")

    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            await writer.submit(
                [AlertEvent(orphan, Action.TRIGGER, "heartbeat:gone", T0, "{}", "expired", "hb")]
            )

            def arm_sweep(store, cur):
                arm(store, cur, kind=holds.TIMER_KIND, subject="all", due_at=T0, now=T0)
                return []

            await writer.run(arm_sweep)
            await TimerService(
                writer, clock, {holds.TIMER_KIND: holds.sweep_handler(SuppressionDirectory(engine))}
            ).fire_due()
        finally:
            await writer.stop()

    asyncio.run(main())
    with engine.connect() as conn:
        status = conn.execute(
            select(alerts.c.status).where(alerts.c.dedup_key == "heartbeat:gone")
        ).scalar()
    assert status == "resolved"


class Held:
    """One alert of "search" held by the test, a writer and a sweep over a moved clock.

    The sweep's rules are loaded once, before the test changes anything: the sweep must
    read them again itself, as when ``tocsin apply`` runs in another process.
    """

    def __init__(self, engine: Engine, world: str, at: datetime) -> None:
        apply_world(engine, load_world_text(world), T0)
        self.engine, self.clock = engine, ManualClock(at)
        self.directory = SuppressionDirectory(engine)
        self.directory.reload(at)
        self.route = routes(engine)["search"]

    def run(self, between: Callable[[], None]) -> tuple[str, str | None, str | None]:
        """Trigger the alert (once: the sender never resends), call ``between``, sweep."""

        async def main() -> None:
            writer = GroupCommitWriter(self.engine, suppress=self.directory.check)
            writer.start()
            try:
                now = self.clock.now()
                await writer.submit(
                    [
                        AlertEvent(
                            self.route,
                            Action.TRIGGER,
                            "quiet",
                            now,
                            "{}",
                            "slow",
                            "t",
                            labels={"team": "search"},
                        )
                    ]
                )
                between()
                self.clock.advance(timedelta(seconds=15))

                def arm_sweep(store: Any, cur: Any) -> list[AlertEvent]:
                    at = self.clock.now()
                    arm(store, cur, kind=holds.TIMER_KIND, subject="all", due_at=at, now=at)
                    return []

                await writer.run(arm_sweep)
                sweeper = TimerService(
                    writer, self.clock, {holds.TIMER_KIND: holds.sweep_handler(self.directory)}
                )
                await sweeper.fire_due()
            finally:
                await writer.stop()

        asyncio.run(main())
        with self.engine.connect() as conn:
            row = conn.execute(
                select(alerts.c.status, alerts.c.suppressed_by, alerts.c.incident_id).where(
                    alerts.c.dedup_key == "quiet"
                )
            ).one()
        return row[0], row[1], row[2]


SEARCH_ONLY = WORLD.split("maintenance_windows:")[0]


def test_ending_a_silence_early_releases_its_alerts_within_one_sweep(engine: Engine) -> None:
    held = Held(engine, SEARCH_ONLY, T0)
    with engine.begin() as conn:
        silence = create_silence(
            conn,
            matchers=["team=search"],
            starts_at=T0,
            ends_at=T0 + timedelta(days=3),
            created_by="ops",
            comment="db migration",
            service_names=["search"],
            now=T0,
        )
    held.directory.reload(T0)

    def end_it_now() -> None:
        with engine.begin() as conn:
            expire_silence(conn, silence.id, held.clock.now())

    status, held_by, incident = held.run(end_it_now)
    assert (status, held_by) == ("triggered", None)
    assert incident is not None  # paged now, not in three days


def test_removing_a_window_with_apply_releases_its_alerts(engine: Engine) -> None:
    held = Held(engine, WORLD, T0 + timedelta(minutes=10))

    def remove_windows() -> None:
        apply_world(engine, load_world_text(SEARCH_ONLY + "maintenance_windows: []\n"), T0)

    status, held_by, incident = held.run(remove_windows)
    assert (status, held_by) == ("triggered", None)
    assert incident is not None


def test_shortening_a_window_releases_its_alerts_at_the_new_end(engine: Engine) -> None:
    held = Held(engine, WORLD, T0 + timedelta(minutes=10))
    ended = T0 + timedelta(minutes=10, seconds=5)

    def shorten() -> None:
        apply_world(engine, load_world_text(WORLD.replace(WINDOW_END, ended.isoformat())), T0)

    status, held_by, incident = held.run(shorten)
    assert (status, held_by) == ("triggered", None)
    assert incident is not None


def test_a_window_shortened_but_not_over_holds_its_alerts_until_the_new_end(
    engine: Engine,
) -> None:
    held = Held(engine, WORLD, T0 + timedelta(minutes=10))
    new_end = T0 + timedelta(minutes=30)

    def shorten() -> None:
        apply_world(engine, load_world_text(WORLD.replace(WINDOW_END, new_end.isoformat())), T0)

    assert held.run(shorten) == ("triggered", "maintenance_window:reindex", None)
    with engine.connect() as conn:
        until = conn.execute(select(alerts.c.suppressed_until)).scalar()
    assert until == new_end

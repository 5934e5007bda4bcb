"""When a maintenance window ends, its held alerts page (re-evaluate) or resolve.

The clock is moved by the test; the hold sweep is a durable timer fired by the test.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from tocsin.alerts import holds
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.suppressions import SuppressionDirectory
from tocsin.engine.timers import TimerService, arm
from tocsin.engine.writer import GroupCommitWriter
from tocsin.store.schema import alerts, integrations, services
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)

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
    end: "{(T0 + timedelta(hours=1)).isoformat()}"
  - name: batch-load
    services: [batch]
    start: "{T0.isoformat()}"
    end: "{(T0 + timedelta(hours=1)).isoformat()}"
    on_end: resolve
"""


def routes(engine: Engine) -> dict[str, Route]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(services.c.name, integrations.c.id, services.c.id).join(
                integrations, integrations.c.service_id == services.c.id
            )
        )
        return {name: Route(iid, sid, "pagerduty") for name, iid, sid in rows}


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
                writer, clock, {holds.TIMER_KIND: holds.sweep_handler(directory.window_on_end)}
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
                writer, clock, {holds.TIMER_KIND: holds.sweep_handler(lambda _: "reevaluate")}
            ).fire_due()
        finally:
            await writer.stop()

    asyncio.run(main())
    with engine.connect() as conn:
        status = conn.execute(
            select(alerts.c.status).where(alerts.c.dedup_key == "heartbeat:gone")
        ).scalar()
    assert status == "resolved"

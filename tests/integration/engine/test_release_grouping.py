"""Alerts released from a hold, and heartbeat alerts, group as their service says.

The hold sweep and heartbeat expiry build their events' routes from the service's rules
(``core.routes.service_route``), like ingest does: a released alert of a ``labels``
service joins the incident of its labels, one of a ``time_window`` service joins a recent
incident. The clock is a ManualClock moved by the test.
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
from tocsin.heartbeats import service as heartbeats
from tocsin.ingest.routing import KeyDirectory
from tocsin.store.schema import alerts, incidents
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LABELS_KEY = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeee01"
WINDOW_KEY = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeee02"
WORLD = f"""
version: 1
services:
  - name: clusters
    incident_grouping: labels
    grouping_labels: [cluster]
    integrations: [{{name: am, type: pagerduty, key: "{LABELS_KEY}"}}]
  - name: batch
    incident_grouping: time_window
    grouping_window: 30m
    integrations: [{{name: pd, type: pagerduty, key: "{WINDOW_KEY}"}}]
heartbeats:
  - name: nightly
    service: batch
    interval: 10m
maintenance_windows:
  - name: upgrade
    services: [clusters, batch]
    start: "{T0.isoformat()}"
    end: "{(T0 + timedelta(hours=1)).isoformat()}"
"""


def run(
    engine: Engine,
    clock: ManualClock,
    body: Callable[[GroupCommitWriter, TimerService], Coroutine[Any, Any, None]],
) -> None:
    """Run ``body`` with a writer and a timer service firing sweeps and heartbeats."""

    async def main() -> None:
        directory = SuppressionDirectory(engine)
        directory.reload(clock.now())
        writer = GroupCommitWriter(engine, suppress=directory.check)
        writer.start()
        handlers = {
            holds.TIMER_KIND: holds.sweep_handler(directory),
            heartbeats.TIMER_KIND: heartbeats.on_expiry,
        }
        try:
            await body(writer, TimerService(writer, clock, handlers))
        finally:
            await writer.stop()

    asyncio.run(main())


def event(engine: Engine, key: str, dedup_key: str, at: datetime, **labels: str) -> AlertEvent:
    directory = KeyDirectory(engine)
    directory.reload()
    info = directory.lookup(key)
    assert info is not None
    assert info.route is not None
    return AlertEvent(
        info.route, Action.TRIGGER, dedup_key, at, "{}", dedup_key, "t", labels=labels
    )


async def sweep(writer: GroupCommitWriter, sweeper: TimerService, now: datetime) -> None:
    def arm_now(store: Any, cur: Any) -> list[AlertEvent]:
        arm(store, cur, kind=holds.TIMER_KIND, subject="all", due_at=now, now=now)
        return []

    await writer.run(arm_now)
    await sweeper.fire_due()


def incident_of(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """dedup key -> (incident id, the incident's group key)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(alerts.c.dedup_key, alerts.c.incident_id, incidents.c.group_key).outerjoin(
                incidents, incidents.c.id == alerts.c.incident_id
            )
        )
        return {key: (incident, group) for key, incident, group in rows}


def test_released_alerts_of_a_labels_service_group_by_their_labels(engine: Engine) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    clock = ManualClock(T0 + timedelta(minutes=5))

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        at = clock.now()
        await writer.submit(
            [
                event(engine, LABELS_KEY, "a-cpu", at, cluster="a"),
                event(engine, LABELS_KEY, "a-disk", at, cluster="a"),
                event(engine, LABELS_KEY, "b-cpu", at, cluster="b"),
            ]
        )
        assert {inc for inc, _ in incident_of(engine).values()} == {None}  # held
        clock.set(T0 + timedelta(hours=1, seconds=1))
        await sweep(writer, sweeper, clock.now())

    run(engine, clock, body)
    found = incident_of(engine)
    assert found["a-cpu"][1] == "cluster=a"
    assert found["a-cpu"][0] == found["a-disk"][0]
    assert found["b-cpu"][1] == "cluster=b"
    assert found["b-cpu"][0] != found["a-cpu"][0]


def test_released_alerts_of_a_time_window_service_join_one_incident(engine: Engine) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    clock = ManualClock(T0 + timedelta(minutes=5))

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        at = clock.now()
        await writer.submit([event(engine, WINDOW_KEY, k, at) for k in ("etl-1", "etl-2")])
        clock.set(T0 + timedelta(hours=1, seconds=1))
        await sweep(writer, sweeper, clock.now())

    run(engine, clock, body)
    found = incident_of(engine)
    assert found["etl-1"][0] is not None
    assert found["etl-1"][0] == found["etl-2"][0]


def test_a_heartbeat_alert_joins_its_time_window_services_recent_incident(engine: Engine) -> None:
    apply_world(engine, load_world_text(WORLD.split("maintenance_windows:")[0]), T0)
    clock = ManualClock(T0 + timedelta(minutes=5))

    async def body(writer: GroupCommitWriter, sweeper: TimerService) -> None:
        await writer.submit([event(engine, WINDOW_KEY, "etl-slow", clock.now())])
        clock.set(T0 + timedelta(minutes=11))  # the heartbeat (every 10m) never pinged
        await sweeper.fire_due()

    run(engine, clock, body)
    found = incident_of(engine)
    assert found["heartbeat:nightly"][0] is not None
    assert found["heartbeat:nightly"][0] == found["etl-slow"][0]

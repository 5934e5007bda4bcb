"""Retention deletes old change records, raw alert events and Opsgenie request records, in
chunks, on a moved clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from tocsin.alerts.ingest_store import IngestStore
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent, ChangeEvent, Route
from tocsin.engine import retention
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.store.schema import (
    alert_events,
    alerts,
    changes,
    incidents,
    opsgenie_requests,
    services,
)
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WORLD = "version: 1\nservices:\n  - name: web\n"
DAY = timedelta(days=1)


def change(service_id: str, summary: str, *, occurred: datetime, received: datetime) -> ChangeEvent:
    return ChangeEvent((service_id,), "tests", summary, received, occurred)


def store_changes(engine: Engine, records: list[ChangeEvent]) -> None:
    """Store change records through the writer, as ingest does."""

    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            await writer.submit(changes=records)
        finally:
            await writer.stop()

    asyncio.run(main())


def seed(engine: Engine, service_id: str) -> None:
    """Change records and Opsgenie requests of various ages, as ingest stored them."""
    store_changes(
        engine,
        [
            change(service_id, "a year ago", occurred=T0 - 365 * DAY, received=T0 - 365 * DAY),
            change(service_id, "last month", occurred=T0 - 30 * DAY, received=T0 - 30 * DAY),
            # Sent late: it happened long ago but arrived 10 days ago; kept 90 days from then.
            change(service_id, "backfilled", occurred=T0 - 365 * DAY, received=T0 - 10 * DAY),
        ],
    )
    with engine.begin() as conn:
        for request_id, age in (("old-request", 40 * DAY), ("fresh-request", 2 * DAY)):
            conn.execute(
                insert(opsgenie_requests).values(
                    request_id=request_id,
                    integration_id="i",
                    action="create",
                    processed_at=T0 - age,
                    created_at=T0 - age,
                )
            )


def fire(engine: Engine, clock: ManualClock, policy: retention.Retention) -> datetime | None:
    """Arm the retention timer for now, fire what is due, and say when it comes back."""
    handlers = {retention.TIMER_KIND: retention.retention_handler(policy)}

    def arm_now(store: IngestStore, cur: Any) -> list[AlertEvent]:
        now = clock.now()
        arm(store, cur, kind=retention.TIMER_KIND, subject="all", due_at=now, now=now)
        return []

    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            await writer.run(arm_now)
            await TimerService(writer, clock, handlers).fire_due()
        finally:
            await writer.stop()

    asyncio.run(main())
    with engine.connect() as conn:
        due = conn.exec_driver_sql(
            "SELECT due_at FROM timers WHERE kind = 'retention'"
        ).scalar_one()
    return due if due is None or isinstance(due, datetime) else datetime.fromisoformat(due)


def kept(engine: Engine) -> tuple[list[str], list[str]]:
    with engine.connect() as conn:
        summaries = conn.execute(select(changes.c.summary).order_by(changes.c.summary))
        requests = conn.execute(
            select(opsgenie_requests.c.request_id).order_by(opsgenie_requests.c.request_id)
        )
        return list(summaries.scalars()), list(requests.scalars())


def test_old_records_go_and_recent_ones_stay(engine: Engine) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    with engine.connect() as conn:
        service_id = conn.execute(select(services.c.id)).scalar_one()
    seed(engine, service_id)
    clock = ManualClock(T0)

    due = fire(engine, clock, retention.Retention(change_days=90, opsgenie_request_days=30))

    assert kept(engine) == (["backfilled", "last month"], ["fresh-request"])
    assert due is not None
    assert due.replace(tzinfo=UTC) == T0 + retention.RUN_EVERY

    # 85 days on, the backfilled change is 95 days past its arrival and goes too.
    clock.advance(85 * DAY)
    fire(engine, clock, retention.Retention(change_days=90, opsgenie_request_days=30))
    assert kept(engine) == ([], [])


def test_a_backlog_is_deleted_a_chunk_at_a_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    with engine.connect() as conn:
        service_id = conn.execute(select(services.c.id)).scalar_one()
    monkeypatch.setattr(retention, "CHUNK", 2)
    store_changes(
        engine,
        [
            change(service_id, f"old {n}", occurred=T0 - 200 * DAY, received=T0 - 200 * DAY)
            for n in range(5)
        ],
    )
    clock = ManualClock(T0)
    policy = retention.Retention(change_days=90, opsgenie_request_days=30)
    remaining = []
    dues = []
    for _ in range(3):
        dues.append(fire(engine, clock, policy))
        with engine.connect() as conn:
            remaining.append(conn.execute(select(func.count()).select_from(changes)).scalar_one())
    assert remaining == [3, 1, 0]
    # More may be left after a full chunk: the timer comes back soon, then hourly again.
    assert [d.replace(tzinfo=UTC) if d else None for d in dues] == [
        T0 + retention.AGAIN_SOON,
        T0 + retention.AGAIN_SOON,
        T0 + retention.RUN_EVERY,
    ]


def test_change_records_are_kept_at_least_90_days() -> None:
    with pytest.raises(ValueError, match="at least 90 days"):
        retention.Retention(change_days=30, opsgenie_request_days=30)


def test_raw_alert_events_older_than_their_retention_go_and_alerts_and_incidents_stay(
    engine: Engine,
) -> None:
    apply_world(engine, load_world_text(WORLD), T0)
    with engine.connect() as conn:
        service_id = conn.execute(select(services.c.id)).scalar_one()
    route = Route("int-web", service_id, "pagerduty")

    async def main() -> None:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            for age in (120, 100, 10):  # three triggers of one alert, days ago
                at = T0 - age * DAY
                await writer.submit([AlertEvent(route, Action.TRIGGER, "disk", at, "{}", "s", "t")])
        finally:
            await writer.stop()

    asyncio.run(main())
    clock = ManualClock(T0)
    fire(engine, clock, retention.Retention(change_days=90, opsgenie_request_days=30))
    with engine.connect() as conn:
        ages = conn.execute(select(alert_events.c.received_at)).scalars().all()
        assert ages == [T0 - 10 * DAY]  # the two older than 90 days are gone
        assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 1


def test_raw_alert_events_are_kept_at_least_a_week() -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        retention.Retention(change_days=90, opsgenie_request_days=30, alert_event_days=3)

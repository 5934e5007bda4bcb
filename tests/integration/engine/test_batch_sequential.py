"""A batch ends as the same events one at a time would, incidents included.

Group commit puts concurrent requests into one transaction; an Alertmanager notification
carries resolved and firing alerts together. When an alert joins an incident whose alerts
the same batch acknowledged or resolved, the writer stores the first part before planning
the rest, so the join sees the incident's real status (resolved: a new incident;
acknowledged: it stays acknowledged and does not page again).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.databases import BACKENDS
from tests.support.writer_world import route_of, writer_world
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.writer import GroupCommitWriter
from tocsin.store.schema import alerts, incidents

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff06"


def event(route: Route, action: Action, key: str, second: int) -> AlertEvent:
    return AlertEvent(route, action, key, T0 + timedelta(seconds=second), "{}", key, "t")


def stored(
    backend: str, tmp_path: Path, steps: list[tuple[Action, str]], together: bool
) -> tuple[dict[str, tuple[str, int | None]], list[str]]:
    """(alert key -> (status, incident number)), [incident statuses] after ``steps``."""
    tmp_path.mkdir(exist_ok=True)
    with writer_world(backend, tmp_path, KEY, T0) as engine:
        route = route_of(engine, KEY)
        events = [event(route, action, key, i) for i, (action, key) in enumerate(steps)]

        async def main() -> None:
            writer = GroupCommitWriter(engine)
            writer.start()
            try:
                if together:
                    await writer.submit(events)
                else:
                    for e in events:
                        await writer.submit([e])
            finally:
                await writer.stop()

        asyncio.run(main())
        with engine.connect() as conn:
            order = [i for (i,) in conn.execute(select(incidents.c.id).order_by(incidents.c.id))]
            statuses = [
                s for (s,) in conn.execute(select(incidents.c.status).order_by(incidents.c.id))
            ]
            rows = conn.execute(
                select(alerts.c.dedup_key, alerts.c.status, alerts.c.incident_id).order_by(
                    alerts.c.id
                )
            )
            found = {k: (s, order.index(i) if i else None) for k, s, i in rows}
        return found, statuses


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "steps",
    [
        [(Action.TRIGGER, "a"), (Action.RESOLVE, "a"), (Action.TRIGGER, "b")],
        [(Action.TRIGGER, "a"), (Action.ACKNOWLEDGE, "a"), (Action.TRIGGER, "b")],
        [
            (Action.TRIGGER, "a"),
            (Action.TRIGGER, "b"),
            (Action.RESOLVE, "a"),
            (Action.ACKNOWLEDGE, "b"),
            (Action.TRIGGER, "c"),
            (Action.RESOLVE, "b"),
            (Action.RESOLVE, "c"),
            (Action.TRIGGER, "a"),
        ],
    ],
    ids=["resolve-then-join", "ack-then-join", "interleaved"],
)
def test_one_batch_stores_what_the_same_events_one_at_a_time_store(
    backend: str, tmp_path: Path, steps: list[tuple[Action, str]]
) -> None:
    together = stored(backend, tmp_path / "together", steps, together=True)
    one_by_one = stored(backend, tmp_path / "one", steps, together=False)
    assert together == one_by_one


def test_a_join_after_the_last_alert_resolved_opens_a_new_incident(tmp_path: Path) -> None:
    steps = [(Action.TRIGGER, "a"), (Action.RESOLVE, "a"), (Action.TRIGGER, "b")]
    found, statuses = stored("sqlite", tmp_path, steps, together=True)
    assert found == {"a": ("resolved", 0), "b": ("triggered", 1)}
    assert statuses == ["resolved", "triggered"]


def test_a_join_after_an_acknowledgement_does_not_page_again(tmp_path: Path) -> None:
    steps = [(Action.TRIGGER, "a"), (Action.ACKNOWLEDGE, "a"), (Action.TRIGGER, "b")]
    found, statuses = stored("sqlite", tmp_path, steps, together=True)
    assert found == {"a": ("acknowledged", 0), "b": ("triggered", 0)}
    assert statuses == ["acknowledged"]

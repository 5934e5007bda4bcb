"""An alert storm pages a person once per bundling window, and never past their rate
limit: pages due together go out as one message, pages that must wait go out together
when they may, and the delivery log says why they waited.

In-process on SQLite and PostgreSQL with a moved clock: the real writer, timers and
delivery worker, pages to a local HTTP receiver."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from tests.integration.engine.test_escalation import T0, World, run, world
from tests.support.sinks import WebhookSink
from tocsin.clock import ManualClock
from tocsin.core.events import Action
from tocsin.settings import Settings
from tocsin.store.schema import deliveries, delivery_attempts
from tocsin.world import apply_world, load_world_text


def storm_world(url: str) -> str:
    """Every alert its own incident, each paging alice at once."""
    return world(url).replace(
        "    escalation_policy: web-critical\n",
        "    escalation_policy: web-critical\n    incident_grouping: per_alert\n",
    )


def kinds(sink: WebhookSink, user: str = "alice") -> list[tuple[str, int]]:
    """(type, pages inside) of each message ``user`` got (bob is level 2, at 5 minutes)."""
    return [(b["type"], b.get("count", 1)) for h, b in sink.received if h["path"] == f"/{user}"]


def test_pages_due_together_go_out_as_one_message_and_later_ones_wait_for_the_window(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(storm_world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        w.delivery.settings = Settings()  # the defaults: a 30 s window, 20 per 10 minutes
        for n in range(5):
            await w.send(Action.TRIGGER, key=f"disk-{n}")
        await w.at(0)
        assert kinds(sink) == [("tocsin.page_bundle", 5)]
        clock.set(T0 + timedelta(seconds=10))
        await w.send(Action.TRIGGER, key="disk-late")
        await w.at(10 / 60)
        assert len(sink.received) == 1  # alice was paged 10 s ago: it waits
        await w.at(29 / 60)
        assert len(sink.received) == 1
        await w.at(30 / 60)
        assert kinds(sink) == [("tocsin.page_bundle", 5), ("tocsin.page", 1)]

    run(engine, clock, body)
    headers, bundle = sink.received[0]
    keys = [p["idempotency_key"] for p in bundle["pages"]]
    assert len(set(keys)) == 5
    assert headers["Idempotency-Key"].startswith("bundle/")
    assert all("/act/" not in k for k in keys)
    with engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.state, deliveries.c.bundle_key)).all()
        held = (
            conn.execute(
                select(delivery_attempts.c.error).where(delivery_attempts.c.outcome == "held")
            )
            .scalars()
            .all()
        )
    assert sorted(state for state, _ in rows) == ["sent"] * 6
    assert len({b for _, b in rows if b}) == 1  # the five share one bundle
    assert len(held) == 1
    assert held[0].startswith("bundled: this contact method was paged at")


def test_a_user_past_the_rate_limit_gets_the_rest_together_when_the_window_frees(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(storm_world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        w.delivery.settings = Settings(
            bundle_window=30, user_page_limit=2, user_page_limit_window=600
        )
        for minute in range(4):
            clock.set(T0 + timedelta(minutes=minute))
            await w.send(Action.TRIGGER, key=f"disk-{minute}")
            await w.at(minute)
        assert kinds(sink) == [("tocsin.page", 1), ("tocsin.page", 1)]
        await w.at(9.9)
        assert len(kinds(sink)) == 2
        await w.at(10)  # the first message leaves the 10-minute window
        assert kinds(sink)[2:] == [("tocsin.page_bundle", 2)]

    run(engine, clock, body)
    with engine.connect() as conn:
        errors = (
            conn.execute(
                select(delivery_attempts.c.error).where(delivery_attempts.c.outcome == "held")
            )
            .scalars()
            .all()
        )
    assert errors
    assert all(e.startswith("rate limit: 2 messages to this user") for e in errors)


def test_an_acknowledged_incident_s_page_held_for_bundling_is_cancelled_not_sent(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(storm_world(sink.url)), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        w.delivery.settings = Settings()
        await w.send(Action.TRIGGER, key="first")
        await w.at(0)
        clock.set(T0 + timedelta(seconds=5))
        await w.send(Action.TRIGGER, key="second")
        await w.at(5 / 60)  # held until 30 s
        clock.set(T0 + timedelta(seconds=20))
        await w.send(Action.ACKNOWLEDGE, key="second")
        await w.at(30 / 60)

    run(engine, clock, body)
    assert kinds(sink) == [("tocsin.page", 1)]
    with engine.connect() as conn:
        states = conn.execute(select(deliveries.c.state).order_by(deliveries.c.id)).scalars()
        assert list(states) == ["sent", "cancelled"]

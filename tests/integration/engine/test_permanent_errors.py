"""From the world file to the receiver: a webhook's ``fallback`` address gets the page when
the address is down, and a permanent refusal (HTTP 401) is not retried and shows on the
contact method (as ``GET /api/v1/users/{name}`` reads it) until a page gets through.

On SQLite and PostgreSQL, with the escalation helpers of ``test_escalation``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from tests.integration.engine.test_escalation import T0, World, paged, run, world
from tests.support.sinks import WebhookSink
from tocsin.clock import ManualClock
from tocsin.core.events import Action
from tocsin.directory.users import ContactMethodOut, get_user
from tocsin.store.schema import deliveries, delivery_attempts
from tocsin.world import apply_world, load_world_text

DOWN = "http://127.0.0.1:9/alice"  # the discard port: nothing listens, refused


def alices_method(engine: Engine) -> ContactMethodOut:
    with engine.connect() as conn:
        alice = get_user(conn, "alice")
    assert alice is not None
    return alice.contact_methods[0]


def test_a_webhook_with_a_fallback_pages_it_when_its_address_is_down(
    engine: Engine, sink: WebhookSink
) -> None:
    text = world(sink.url).replace(
        f'address: "{sink.url}/alice"}}',
        f'address: "{DOWN}", fallback: ["{sink.url}/alice-fallback"]}}',
    )
    assert "fallback:" in text
    apply_world(engine, load_world_text(text), T0)
    clock = ManualClock(T0)

    async def body(w: World) -> None:
        await w.send(Action.TRIGGER)
        await w.at(0)

    run(engine, clock, body)
    assert [h["path"] for h, _ in sink.received] == ["/alice-fallback"]
    assert paged(sink) == [("alice", 1)]
    method = alices_method(engine)
    assert method.fallback == ["http://127.0.0.1/…"]  # scheme and host only
    assert method.last_error is None  # refused connections are not the address's fault
    with engine.connect() as conn:
        rows = conn.execute(
            select(delivery_attempts.c.provider, delivery_attempts.c.outcome).order_by(
                delivery_attempts.c.id
            )
        ).all()
    port = sink.url.rsplit(":", 1)[1]
    assert [tuple(r) for r in rows] == [
        ("webhook:127.0.0.1:9", "failover"),
        (f"webhook:127.0.0.1:{port}", "sent"),
    ]


def test_a_webhook_answering_401_is_not_retried_and_shows_on_the_method_until_a_success(
    engine: Engine, sink: WebhookSink
) -> None:
    apply_world(engine, load_world_text(world(sink.url)), T0)
    clock = ManualClock(T0)
    sink.status = 401

    async def first(w: World) -> None:
        await w.send(Action.TRIGGER, key="first")
        await w.at(0)
        await w.at(1)  # a retry would be due long before this: there is none
        await w.send(Action.RESOLVE, key="first")  # so the next alert opens a new incident

    run(engine, clock, first)
    assert len(sink.received) == 1
    with engine.connect() as conn:
        row = conn.execute(select(deliveries)).one()
        outcomes = conn.execute(select(delivery_attempts.c.outcome)).scalars().all()
    assert (row.state, row.attempts, row.last_error) == (
        "failed", 1, "webhook 127.0.0.1 answered HTTP 401",
    )  # fmt: skip
    assert outcomes == ["failed"]
    method = alices_method(engine)
    assert method.last_error == "webhook 127.0.0.1 answered HTTP 401"
    assert method.last_error_at == T0
    assert method.verified is False  # the error row is not a verification

    sink.status = 200  # the receiver's credential is fixed: the next page clears it

    async def second(w: World) -> None:
        await w.send(Action.TRIGGER, key="second")
        await w.at(2)

    clock.set(T0 + timedelta(minutes=2))
    run(engine, clock, second)
    assert len(sink.received) == 2
    method = alices_method(engine)
    assert (method.last_error, method.last_error_at) == (None, None)

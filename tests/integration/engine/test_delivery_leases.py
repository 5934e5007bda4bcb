"""The outbox's guarantees, with real claims on SQLite and PostgreSQL: a worker that dies
between sending and recording leaves a lease that expires, and another worker sends again
with the same key (at least once per key); two workers claiming at once on PostgreSQL
never take the same row (each key sent once)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from tests.support.sinks import WebhookSink
from tocsin.clock import ManualClock
from tocsin.core.events import AlertEvent
from tocsin.engine.writer import run_once
from tocsin.notify.delivery import LEASE, RENEW_AFTER, DeliveryWorker
from tocsin.notify.outbox import Page, queue
from tocsin.settings import Settings
from tocsin.store.batch import Batch
from tocsin.store.schema import deliveries, delivery_attempts

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def queue_pages(engine: Engine, sink: WebhookSink, count: int) -> None:
    """``count`` pages to the sink, queued through the writer as the escalation does."""
    pages = [
        Page(f"test/{i}", None, "alice", "webhook", f"{sink.url}/p{i}", {"n": i})
        for i in range(count)
    ]

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        queue(store, cur, pages, T0)
        return []

    run_once(engine, work)


def test_a_worker_killed_after_sending_is_replaced_and_the_key_travels_again(
    engine: Engine, sink: WebhookSink
) -> None:
    queue_pages(engine, sink, 1)
    clock = ManualClock(T0)
    first = DeliveryWorker(engine, clock, Settings(), owner="first")
    [claimed] = first.claim(clock.now())
    # It sends, then dies before recording: what send() does minus its last step.
    first_send = first._finish
    first._finish = lambda *args, **kwargs: None  # type: ignore[method-assign]
    first.send(claimed)
    first._finish = first_send  # type: ignore[method-assign]
    assert len(sink.received) == 1
    second = DeliveryWorker(engine, clock, Settings(), owner="second")
    assert second.claim(clock.now()) == []  # the lease still holds
    clock.advance(LEASE)
    [again] = second.claim(clock.now())
    second.send(again)
    keys = [headers["Idempotency-Key"] for headers, _ in sink.received]
    assert keys == ["test/0", "test/0"]  # sent twice, the same key both times
    with engine.connect() as conn:
        row = conn.execute(select(deliveries.c.state, deliveries.c.attempts)).one()
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_late_record_from_a_worker_whose_lease_expired_changes_nothing(
    engine: Engine, sink: WebhookSink
) -> None:
    queue_pages(engine, sink, 1)
    clock = ManualClock(T0)
    slow = DeliveryWorker(engine, clock, Settings(), owner="slow")
    [claimed] = slow.claim(clock.now())
    clock.advance(LEASE)
    fast = DeliveryWorker(engine, clock, Settings(), owner="fast")
    [taken] = fast.claim(clock.now())
    fast.send(taken)
    slow._finish(claimed, "failed", "too late", None)  # its lease is gone: ignored
    with engine.connect() as conn:
        assert conn.execute(select(deliveries.c.state)).scalar_one() == "sent"


def test_a_worker_renews_its_lease_while_a_send_lasts(engine: Engine, sink: WebhookSink) -> None:
    """A send outlasting the lease (a receiver answering slowly) keeps its row: no other
    worker may take it and send it again while the first is still sending."""
    queue_pages(engine, sink, 1)
    clock = ManualClock(T0)
    slow = DeliveryWorker(engine, clock, Settings(), owner="slow", renew_check=0.01)
    other = DeliveryWorker(engine, clock, Settings(), owner="other")
    sink.hold(drip=True)  # the answer comes a byte at a time until released

    def lease_ends() -> Any:
        with engine.connect() as conn:
            return conn.execute(select(deliveries.c.lease_expires_at)).scalar_one()

    async def scenario() -> None:
        sending = asyncio.create_task(slow.deliver_due())
        await asyncio.to_thread(sink.wait_for, 1)
        for _ in range(3):  # three renewals: past the first lease's end
            clock.advance(RENEW_AFTER)
            deadline = time.monotonic() + 15
            while lease_ends() != clock.now() + LEASE:
                assert time.monotonic() < deadline, "the lease was not renewed"
                await asyncio.sleep(0.01)
        assert clock.now() >= T0 + LEASE
        assert other.claim(clock.now()) == []  # still held by the worker sending it
        sink.release()
        await sending

    asyncio.run(scenario())
    assert [headers["Idempotency-Key"] for headers, _ in sink.received] == ["test/0"]
    with engine.connect() as conn:
        row = conn.execute(select(deliveries.c.state, deliveries.c.attempts)).one()
    assert (row.state, row.attempts) == ("sent", 1)


def test_two_workers_claiming_at_once_on_postgresql_send_each_key_once(
    pg_engine: Engine, sink: WebhookSink
) -> None:
    queue_pages(pg_engine, sink, 60)
    clock = ManualClock(T0)
    workers = [
        DeliveryWorker(pg_engine, clock, Settings(), owner=f"w{i}", batch=7) for i in range(2)
    ]
    start = threading.Barrier(2)

    def drain(worker: DeliveryWorker) -> None:
        start.wait()
        while claimed := worker.claim(clock.now()):
            for delivery in claimed:
                worker.send(delivery)

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    keys = [headers["Idempotency-Key"] for headers, _ in sink.received]
    assert sorted(keys) == sorted(f"test/{i}" for i in range(60))  # each once
    with pg_engine.connect() as conn:
        sent = conn.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.state == "sent")
        ).scalar_one()
        owners = conn.execute(select(func.count()).select_from(delivery_attempts)).scalar_one()
    assert (sent, owners) == (60, 60)

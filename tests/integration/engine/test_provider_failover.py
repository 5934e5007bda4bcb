"""Provider failover and circuit breakers, with real peers on SQLite and PostgreSQL: a
primary webhook that answers 500 and then hangs, a fallback that works; two SMTP relays
of which the first refuses connections; breakers shared by two workers on PostgreSQL.

Time is a ManualClock the tests move; the only waiting is a real HTTP client timeout
(0.5 s) against a receiver that never answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support.server import free_port
from tests.support.sinks import WebhookSink, webhook_sink
from tests.support.smtp import Inbox
from tocsin.clock import ManualClock
from tocsin.core.events import AlertEvent
from tocsin.engine.writer import run_once
from tocsin.notify.channels import Channel, channel_for
from tocsin.notify.channels.webhook import WebhookChannel
from tocsin.notify.delivery import DeliveryWorker, breaker_policy
from tocsin.notify.outbox import Page, queue
from tocsin.notify.providers import store
from tocsin.notify.providers.breaker import Decision, Outcome, State
from tocsin.notify.providers.chain import provider_name
from tocsin.notify.providers.store import list_breakers
from tocsin.settings import Settings
from tocsin.store.batch import Batch
from tocsin.store.schema import deliveries, delivery_attempts

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
COOL_DOWN = timedelta(seconds=60)
# Two failures in a row within 60 s open a breaker for 60 s.
SETTINGS = Settings(breaker_failures=2, breaker_window=60, breaker_cool_down=60)


def quick(method_type: str, settings: Settings) -> Channel:
    """Webhooks that give up after 0.5 s: the hanging receiver costs the test that much."""
    return (
        WebhookChannel(timeout=0.5)
        if method_type == "webhook"
        else channel_for(method_type, settings)
    )


@pytest.fixture
def primary() -> Iterator[WebhookSink]:
    with webhook_sink() as found:
        yield found


@pytest.fixture
def fallback() -> Iterator[WebhookSink]:
    with webhook_sink() as found:
        yield found


class Pager:
    """Queues a page to alice's webhook (primary, then fallback) and delivers it."""

    def __init__(self, engine: Engine, primary: WebhookSink, fallback: WebhookSink) -> None:
        self.engine, self.primary, self.fallback = engine, primary, fallback
        self.clock = ManualClock(T0)
        self.worker = DeliveryWorker(engine, self.clock, SETTINGS, owner="w1", channels=quick)
        self.count = 0

    def page(self, worker: DeliveryWorker | None = None) -> list[tuple[str, str]]:
        """One page, delivered by one attempt; each provider's (name, outcome) in the log."""
        self.count += 1
        key = f"failover/{self.count}"
        queue_page(
            self.engine,
            Page(key, None, "alice", "webhook", f"{self.primary.url}/alice", {"n": self.count},
                 fallback=(f"{self.fallback.url}/alice",)),
            self.clock.now(),
        )  # fmt: skip
        worker = worker or self.worker
        [claimed] = worker.claim(self.clock.now())
        worker.send(claimed)
        with self.engine.connect() as conn:
            state = conn.execute(
                select(deliveries.c.state).where(deliveries.c.idempotency_key == key)
            ).scalar_one()
            rows = conn.execute(
                select(delivery_attempts.c.provider, delivery_attempts.c.outcome)
                .join(deliveries, deliveries.c.id == delivery_attempts.c.delivery_id)
                .where(deliveries.c.idempotency_key == key)
                .order_by(delivery_attempts.c.id)
            ).all()
        assert state == "sent"
        return [(row.provider, row.outcome) for row in rows]

    def breaker(self) -> tuple[str, int]:
        """The primary's breaker: state and failures."""
        with self.engine.connect() as conn:
            found = {b.provider: b for b in list_breakers(conn)}
        b = found[provider_name("webhook", self.primary.url)]
        return b.state.value, b.failures


def queue_page(engine: Engine, page: Page, now: datetime) -> None:
    def work(batch: Batch, cur: Any) -> list[AlertEvent]:
        queue(batch, cur, [page], now)
        return []

    run_once(engine, work)


def test_a_failing_primary_fails_over_then_its_breaker_opens_probes_and_closes(
    engine: Engine, primary: WebhookSink, fallback: WebhookSink
) -> None:
    p = Pager(engine, primary, fallback)
    first = provider_name("webhook", primary.url)
    second = provider_name("webhook", fallback.url)

    primary.status = 500  # the page arrives through the fallback in the same attempt
    assert p.page() == [(first, "failover"), (second, "sent")]
    assert (len(primary.received), len(fallback.received)) == (1, 1)
    assert p.breaker() == ("closed", 1)

    primary.hang = True  # no answer: the client times out, the second failure opens it
    assert p.page() == [(first, "failover"), (second, "sent")]
    assert (len(primary.received), len(fallback.received)) == (2, 2)
    assert p.breaker() == ("open", 2)

    primary.hang, primary.status = False, 200  # healthy again, but the breaker is open:
    assert p.page() == [(first, "skipped"), (second, "sent")]
    assert len(primary.received) == 2  # the primary was not touched
    assert len(fallback.received) == 3

    p.clock.advance(COOL_DOWN)  # the cool-down is over: the next page probes the primary
    assert p.page() == [(first, "sent")]
    assert (len(primary.received), len(fallback.received)) == (3, 3)
    assert p.breaker() == ("closed", 0)
    # The key travels with every provider's copy.
    assert [h["Idempotency-Key"] for h, _ in primary.received] == [
        "failover/1", "failover/2", "failover/4",
    ]  # fmt: skip
    assert [h["Idempotency-Key"] for h, _ in fallback.received] == [
        "failover/1", "failover/2", "failover/3",
    ]  # fmt: skip

    primary.status = 500  # down again: two failures open it, the probe fails: open again
    p.page()
    p.page()
    assert p.breaker() == ("open", 2)
    p.clock.advance(COOL_DOWN)
    assert p.page() == [(first, "failover"), (second, "sent")]  # the probe, failed
    assert p.breaker() == ("open", 3)
    probed = len(primary.received)
    assert p.page() == [(first, "skipped"), (second, "sent")]
    assert len(primary.received) == probed


def test_a_delivery_is_retried_only_when_every_provider_failed(
    engine: Engine, primary: WebhookSink, fallback: WebhookSink
) -> None:
    p = Pager(engine, primary, fallback)
    primary.status = fallback.status = 503
    queue_page(
        engine,
        Page("both/down", None, "alice", "webhook", f"{primary.url}/a", {},
             fallback=(f"{fallback.url}/a",)),
        T0,
    )  # fmt: skip
    [claimed] = p.worker.claim(T0)
    p.worker.send(claimed)
    with engine.connect() as conn:
        row = conn.execute(select(deliveries)).one()
        outcomes = conn.execute(select(delivery_attempts.c.outcome)).scalars().all()
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > T0
    assert "HTTP 503" in row.last_error
    assert sorted(outcomes) == ["retry", "retry"]


def test_email_goes_out_through_the_second_relay_when_the_first_refuses(
    engine: Engine,
) -> None:
    inbox = Inbox()
    inbox.start()
    try:
        closed = free_port()  # nothing listens: connection refused
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=closed,
            smtp_from="tocsin@example.com",
            smtp_starttls=False,
            smtp_fallback_host="127.0.0.1",
            smtp_fallback_port=inbox.port,
            smtp_fallback_starttls=False,
        )
        page = {
            "incident": {"id": "i1", "title": "Disk full", "service": "web",
                         "severity": "critical", "created_at": T0.isoformat()},
            "policy": "web", "level": 1, "repeat": 0,
        }  # fmt: skip
        queue_page(engine, Page("mail/1", None, "alice", "email", "alice@example.com", page), T0)
        worker = DeliveryWorker(engine, ManualClock(T0), settings)
        [claimed] = worker.claim(T0)
        worker.send(claimed)
        mail = inbox.take("alice@example.com")
    finally:
        inbox.stop()
    assert mail["Subject"] == "[CRITICAL] Disk full (web)"
    assert mail["Message-ID"].startswith("<mail.1@")
    with engine.connect() as conn:
        rows = conn.execute(
            select(delivery_attempts.c.provider, delivery_attempts.c.outcome).order_by(
                delivery_attempts.c.id
            )
        ).all()
        state = conn.execute(select(deliveries.c.state)).scalar_one()
    assert state == "sent"
    assert [tuple(r) for r in rows] == [
        (f"smtp:127.0.0.1:{closed}", "failover"),
        (f"smtp:127.0.0.1:{inbox.port}", "sent"),
    ]


def test_two_workers_on_postgresql_share_one_breaker(
    pg_engine: Engine, primary: WebhookSink, fallback: WebhookSink
) -> None:
    p = Pager(pg_engine, primary, fallback)
    other = DeliveryWorker(pg_engine, p.clock, SETTINGS, owner="w2", channels=quick)
    first = provider_name("webhook", primary.url)
    primary.status = 500
    p.page()  # worker 1 sees one failure, worker 2 the second: together they open it
    p.page(other)
    assert p.breaker() == ("open", 2)
    seen = len(primary.received)
    assert p.page()[0] == (first, "skipped")  # worker 1 skips what worker 2 opened
    assert len(primary.received) == seen


def test_only_one_of_several_workers_takes_the_half_open_probe(pg_engine: Engine) -> None:
    policy = breaker_policy(SETTINGS)
    name = "webhook:probe.example"
    now = T0
    for _ in range(policy.failures):
        store.note(pg_engine, name, Outcome.FAILURE, now, policy, "HTTP 500")
    for _ in range(5):  # a race, five times over: exactly one probe each time
        now += policy.cool_down
        decisions = race(pg_engine, name, now, 4)
        assert sorted(d.value for d in decisions) == ["probe", "skip", "skip", "skip"]
        breaker = store.note(pg_engine, name, Outcome.FAILURE, now, policy, "HTTP 500")
        assert breaker.state is State.OPEN


def race(engine: Engine, name: str, at: datetime, workers: int) -> list[Decision]:
    """``workers`` threads asking to send through ``name`` at the same instant."""
    start = threading.Barrier(workers)
    decisions: list[Decision] = []

    def ask() -> None:
        start.wait()
        decisions.append(store.take(engine, name, at, breaker_policy(SETTINGS))[0])

    threads = [threading.Thread(target=ask) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return decisions

"""Paging survives real process deaths, on PostgreSQL: ``tocsin serve --role api`` takes
the alerts, ``--role worker`` processes fire the escalations and send the pages, and the
test SIGKILLs workers (no chance to clean up) where the outbox's guarantees matter.

- Two workers under load send every page once: no key twice, none lost.
- A worker killed after sending but before recording leaves its lease; once the lease
  ends another worker sends again, with the same ``Idempotency-Key`` (at least once).
- A worker killed mid-escalation is replaced: the next level pages once, the first not
  again.

Every process of a test reads one clock file (``MovedClock``): time moves when the test
says, never by sleeping; waits are for events, each with a timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, Row, create_engine, func, select

from tests.fixtures.alertmanager.samples import am_alert, am_notification
from tests.support.clocks import MovedClock
from tests.support.databases import postgres_database
from tests.support.server import ServerProcess, eventually, run_cli, start_server
from tests.support.sinks import WebhookSink
from tests.support.worlds import EVERY_PAGE_AT_ONCE, paging_world, write_world
from tocsin.notify.delivery import LEASE
from tocsin.store.schema import deliveries, delivery_attempts, escalations

KEY = "c" * 32
PAGES = 200
REQUESTS = 4  # the alerts arrive in this many concurrent Alertmanager notifications
PER_ALERT = "    incident_grouping: per_alert\n"  # every alert its own incident, paged
WAIT = 120.0  # the bound of every wait: a hung test fails, a slow machine still passes


@dataclass
class Fleet:
    """The ``tocsin serve`` processes of a test, on one database and one moved clock."""

    url: str
    tmp: Path
    clock: MovedClock
    engine: Engine
    started: list[ServerProcess] = field(default_factory=list)

    def start(self, name: str, role: str) -> ServerProcess:
        server = start_server(
            self.url,
            self.tmp / f"{name}.log",
            "--role",
            role,
            env={**self.clock.env(), **EVERY_PAGE_AT_ONCE},  # every key its own message
        )
        self.started.append(server)
        return server

    def deliveries(self) -> list[Row[Any]]:
        """The outbox, oldest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(deliveries).order_by(deliveries.c.created_at)))

    def all_sent(self, count: int) -> list[Row[Any]] | None:
        """The outbox once it holds ``count`` rows, every one recorded ``sent``."""
        rows = self.deliveries()
        return rows if len(rows) == count and all(r.state == "sent" for r in rows) else None

    def attempts_logged(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(delivery_attempts)).scalar_one()
            )


@contextmanager
def fleet(tmp_path: Path, world: str) -> Iterator[Fleet]:
    """A new PostgreSQL database with ``world`` applied; the processes a test starts in it
    are stopped at the end whatever happened (a killed one is already gone)."""
    clock = MovedClock(tmp_path / "clock", datetime.now(UTC).replace(microsecond=0))
    clock.advance(timedelta(0))
    with postgres_database() as url:
        run_cli(url, "db", "upgrade")
        run_cli(url, "apply", "-f", str(write_world(tmp_path, world)))
        engine = create_engine(url)
        started = Fleet(url, tmp_path, clock, engine)
        try:
            yield started
        finally:
            for server in started.started:
                server.stop()
            engine.dispose()


def trigger(api: ServerProcess, summary: str) -> None:
    body = {
        "routing_key": KEY,
        "event_action": "trigger",
        "payload": {"summary": summary, "source": "db1", "severity": "critical"},
    }
    response = httpx.post(f"{api.url}/v2/enqueue", json=body, timeout=30)
    assert response.status_code == 202, response.text


def pages_sent(worker: ServerProcess) -> int:
    """How many webhook pages ``worker`` sent, by its own ``/metrics``."""
    text = httpx.get(f"{worker.url}/metrics", timeout=30).text
    return sum(
        int(sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tocsin_delivery_attempt_seconds_count"
        and sample.labels == {"channel": "webhook", "outcome": "sent"}
    )


def test_two_worker_processes_under_load_send_every_page_once(
    tmp_path: Path, sink: WebhookSink
) -> None:
    world = paging_world(sink.url, KEY, PER_ALERT, integration="alertmanager")
    with fleet(tmp_path, world) as f:
        api = f.start("api", "api")
        workers = [f.start("worker-1", "worker"), f.start("worker-2", "worker")]
        # A worker sends one page at a time and waits for the answer: while the sink holds
        # its answers, two pages in at once were sent by two different workers.
        sink.hold(drip=True)  # answers trickle in: no client timeout, however slow the machine
        per_request = PAGES // REQUESTS
        notifications = [
            am_notification([am_alert(f"load-{r}-{i}") for i in range(per_request)])
            for r in range(REQUESTS)
        ]
        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(
                pool.map(
                    lambda n: httpx.post(f"{api.url}/v1/alertmanager/{KEY}", json=n, timeout=60),
                    notifications,
                )
            )
        assert [a.status_code for a in answers] == [200] * REQUESTS, answers[0].text
        sink.wait_for(2, timeout=WAIT)  # both workers are sending
        sink.release()
        sink.wait_for(PAGES, timeout=WAIT)
        rows = eventually(lambda: f.all_sent(PAGES), f"{PAGES} deliveries sent", WAIT)

        keys = sink.keys()
        assert len(set(keys)) == len(keys) == PAGES  # none twice, none lost
        assert sorted(keys) == sorted(r.idempotency_key for r in rows)
        assert {r.attempts for r in rows} == {1}
        assert f.attempts_logged() == PAGES
        # Both did part of the work, and together each page once.
        sent = [pages_sent(w) for w in workers]
        assert min(sent) >= 1, sent
        assert sum(sent) == PAGES, sent


def test_a_worker_killed_between_sending_and_recording_leaves_the_page_to_another_with_its_key(
    tmp_path: Path, sink: WebhookSink
) -> None:
    with fleet(tmp_path, paging_world(sink.url, KEY, PER_ALERT)) as f:
        api = f.start("api", "api")
        sink.hold(drip=True)  # the page arrives, its answer trickles: the worker is mid-send
        first = f.start("worker-a", "worker")  # the only worker: the page can only be its
        trigger(api, "Sent, never recorded")
        [page] = sink.wait_for(1, timeout=WAIT)
        first.kill()
        # Nothing was recorded: the row is pending under the dead worker's lease.
        [row] = f.deliveries()
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.lease_owner is not None
        assert row.lease_expires_at == f.clock.now + LEASE
        assert f.attempts_logged() == 0
        dead = (row.state, row.attempts, row.lease_owner, row.lease_expires_at)
        sink.release()

        # While the lease holds, a new worker passes the row by: it pages a newer incident
        # (one claim takes every due row at once), and the row keeps the dead lease.
        second = f.start("worker-b", "worker")
        f.clock.advance(LEASE - timedelta(seconds=1))
        trigger(api, "Sent while the lease holds")

        def newer_sent() -> list[Row[Any]] | None:
            rows = f.deliveries()
            return rows if len(rows) == 2 and rows[1].state == "sent" else None

        held, newer = eventually(newer_sent, "the newer page recorded sent", WAIT)
        assert (held.state, held.attempts, held.lease_owner, held.lease_expires_at) == dead
        assert sink.keys() == [held.idempotency_key, newer.idempotency_key]

        f.clock.advance(timedelta(seconds=2))  # the lease has run out
        sink.wait_for(3, timeout=WAIT)
        again, _ = eventually(lambda: f.all_sent(2), "the held page recorded sent", WAIT)
        # Sent twice, with the same key: at least once, and the receiver can tell.
        assert sink.keys() == [again.idempotency_key, newer.idempotency_key, again.idempotency_key]
        assert page["idempotency_key"] == again.idempotency_key
        assert (again.attempts, again.lease_owner) == (2, None)
        assert f.attempts_logged() == 2  # the replacement's; the dead worker's left none
        assert pages_sent(second) == 2


def test_a_worker_killed_mid_escalation_is_replaced_and_the_next_level_pages_once(
    tmp_path: Path, sink: WebhookSink
) -> None:
    with fleet(tmp_path, paging_world(sink.url, KEY, levels=("alice", "bob"))) as f:
        api = f.start("api", "api")
        first = f.start("worker-a", "worker")
        trigger(api, "Two levels")
        sink.wait_for(1, timeout=WAIT)
        eventually(lambda: f.all_sent(1), "level 1 recorded sent", WAIT)
        first.kill()

        second = f.start("worker-b", "worker")
        f.clock.advance(timedelta(minutes=5))  # level 1's delay is over
        sink.wait_for(2, timeout=WAIT)
        rows = eventually(lambda: f.all_sent(2), "level 2 recorded sent", WAIT)
        # Every row is sent, each after one attempt: nothing is left to send again.
        assert [r.attempts for r in rows] == [1, 1]
        assert [(h["path"], body["level"]) for h, body in sink.received] == [
            ("/alice", 1),
            ("/bob", 2),
        ]
        assert sink.keys() == [r.idempotency_key for r in rows]
        assert pages_sent(second) == 1

        # The replacement takes the escalation to its end, and pages nobody again.
        f.clock.advance(timedelta(minutes=5))

        def exhausted() -> bool:
            with f.engine.connect() as conn:
                state = conn.execute(select(escalations.c.state)).scalar_one()
            return bool(state == "exhausted")

        eventually(exhausted, "the escalation exhausted", WAIT)
        assert len(sink.received) == 2
        assert len(f.deliveries()) == 2


def test_a_worker_still_sending_when_its_lease_would_end_keeps_it(
    tmp_path: Path, sink: WebhookSink
) -> None:
    """Regression: the lease was renewed only before sending, so an attempt that outlasted
    it (a receiver answering slowly, several fallbacks timing out) let another worker
    send the same page while the first was still sending: doubled with nobody killed."""
    with fleet(tmp_path, paging_world(sink.url, KEY, PER_ALERT)) as f:
        api = f.start("api", "api")
        sink.hold(drip=True)  # answered a byte at a time: the send lasts until released
        f.start("worker-a", "worker")
        trigger(api, "Answered slowly")
        sink.wait_for(1, timeout=WAIT)
        [row] = f.deliveries()
        owner = row.lease_owner
        f.start("worker-b", "worker")

        def renewed() -> bool:
            [row] = f.deliveries()
            return bool(row.lease_owner == owner and row.lease_expires_at == f.clock.now + LEASE)

        for _ in range(3):  # past the first lease's end, and past the next one's
            f.clock.advance(LEASE / 2)
            eventually(renewed, "the lease renewed while sending", WAIT)
        sink.release()
        [row] = eventually(lambda: f.all_sent(1), "the page recorded sent", WAIT)
        assert sink.keys() == [row.idempotency_key]  # sent once
        assert row.attempts == 1

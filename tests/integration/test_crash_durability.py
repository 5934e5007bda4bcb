"""Kill -9 during ingest: every event that got a 202 is stored, and stored once.

On PostgreSQL also with two worker processes, both killed at once while their batches
wait for each other's locks (the hot keys are sent to both)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import BACKENDS, database_url
from tests.support.server import run_cli, start_server
from tests.support.worlds import CHECKOUT_KEY, write_world

SENDERS = 16
MAX_SECONDS = 20.0
KILL_AFTER = 1000
REPEATED = ["hot-1", "hot-2", "hot-3"]


def _stream(url: str, sender: int, stop: threading.Event, accepted: list[tuple[str, str]]) -> None:
    """Send triggers (new and repeated keys) and resolves until the server dies."""
    deadline = time.monotonic() + MAX_SECONDS
    with httpx.Client(base_url=url, timeout=5) as client:
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            if n % 5 == 0:
                action, key = "resolve", f"s{sender}-{n - 1}"
            elif n % 3 == 0:
                action, key = "trigger", REPEATED[n % len(REPEATED)]
            else:
                action, key = "trigger", f"s{sender}-{n}"
            body: dict[str, object] = {
                "routing_key": CHECKOUT_KEY,
                "event_action": action,
                "dedup_key": key,
            }
            if action == "trigger":
                body["payload"] = {"summary": key, "source": "crash-test", "severity": "error"}
            try:
                response = client.post("/v2/enqueue", json=body)
            except httpx.HTTPError:
                return
            if response.status_code == 202:
                accepted.append((action, key))


@pytest.mark.parametrize(
    ("backend", "workers"),
    [*((backend, 1) for backend in BACKENDS), ("postgresql", 2)],
    ids=[*BACKENDS, "postgresql-2-workers"],
)
def test_sigkill_mid_stream_loses_no_accepted_event(
    backend: str, workers: int, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url:
        run_cli(url, "apply", "-f", str(write_world(tmp_path)))
        server = start_server(url, tmp_path / "server.log", "--workers", str(workers))
        accepted: list[tuple[str, str]] = []
        stop = threading.Event()
        with ThreadPoolExecutor(SENDERS) as pool:
            senders = [pool.submit(_stream, server.url, n, stop, accepted) for n in range(SENDERS)]
            # Kill once enough events are in (or the senders' time is up), mid-stream.
            while len(accepted) < KILL_AFTER and not all(f.done() for f in senders):
                time.sleep(0.01)
            server.kill()  # SIGKILL (to every worker) while requests are in flight
            stop.set()
        assert accepted, "no event was accepted before the kill"

        restarted = start_server(url, tmp_path / "server2.log")
        try:
            engine = create_engine(url)
            with engine.connect() as conn:
                stored = Counter(
                    (row.action, row.dedup_key)
                    for row in conn.execute(text("SELECT action, dedup_key FROM alert_events"))
                )
                # Each alert counts its triggers once: the sum of occurrences equals the
                # triggers the event log says opened or appended to an alert, and there is
                # one alert per "created" (a batch written twice would break both).
                occurrences, opened = conn.execute(
                    text("SELECT coalesce(sum(occurrences), 0), count(*) FROM alerts")
                ).one()
                logged: dict[str, int] = dict(
                    conn.execute(
                        text(
                            "SELECT outcome, count(*) FROM alert_events "
                            "WHERE outcome IN ('created', 'appended') GROUP BY outcome"
                        )
                    ).all()
                )
            engine.dispose()
            missing = Counter(accepted) - stored
            assert not missing, f"{sum(missing.values())} accepted events were lost"
            # Stored but never answered: only what each sender had in flight at the kill
            # (the commit happened, the 202 did not). More would mean events written twice.
            unanswered = stored - Counter(accepted)
            assert sum(unanswered.values()) <= SENDERS, unanswered
            assert occurrences == logged.get("created", 0) + logged.get("appended", 0)
            assert opened == logged.get("created", 0)
            after = httpx.post(
                f"{restarted.url}/v2/enqueue",
                json={"routing_key": CHECKOUT_KEY, "event_action": "resolve", "dedup_key": "hot-1"},
            )
            assert after.status_code == 202
        finally:
            restarted.stop()

"""Several Tocsin processes on one PostgreSQL: incidents stay consistent under contention.

Two ``--workers`` processes take triggers (which join the service's open incident under a
shared lock) and resolves (which recheck it under an exclusive one) for the same service
at once. Afterwards every incident must agree with its alerts: resolved exactly when none
of them is open, and every trigger opened exactly one alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import postgres_database
from tests.support.server import run_cli, start_server
from tests.support.writer_world import one_service_world

KEY = "ffffffffffffffffffffffffffffff03"
WORLD = one_service_world(KEY)
KEYS = 40
ROUNDS = 6


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("pg-workers")
    world = tmp / "world.yaml"
    world.write_text(WORLD)
    with postgres_database() as url:
        run_cli(url, "db", "upgrade")
        run_cli(url, "apply", "-f", str(world))
        server = start_server(url, Path(tmp / "server.log"), "--workers", "2")
        try:
            yield server.url, url
        finally:
            server.stop()


def _send(base: str, action: str, key: str) -> int:
    body: dict[str, Any] = {"routing_key": KEY, "event_action": action, "dedup_key": key}
    if action == "trigger":
        body["payload"] = {"summary": f"boom {key}", "source": "tests", "severity": "error"}
    with httpx.Client(base_url=base, timeout=60) as client:
        return client.post("/v2/enqueue", json=body).status_code


def test_joins_and_resolves_from_two_processes_leave_incidents_consistent(
    two_workers: tuple[str, str],
) -> None:
    base, url = two_workers
    with ThreadPoolExecutor(32) as pool:
        for round_ in range(ROUNDS):
            keys = [f"r{round_}-k{i}" for i in range(KEYS)]
            assert set(pool.map(lambda k: _send(base, "trigger", k), keys)) == {202}
            # Resolve half while new triggers join: both processes get both kinds.
            work = [("resolve", k) for k in keys[::2]]
            work += [("trigger", f"r{round_}-late{i}") for i in range(KEYS // 2)]
            assert set(pool.map(lambda w: _send(base, *w), work)) == {202}

    engine = create_engine(url)
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT count(*) FROM alert_events WHERE outcome = 'created'")
        ).scalar_one()
        wrong = conn.execute(
            text(
                "SELECT i.id, i.status, count(a.id) FILTER (WHERE a.status <> 'resolved') "
                "FROM incidents i LEFT JOIN alerts a ON a.incident_id = i.id GROUP BY 1, 2 "
                "HAVING (i.status = 'resolved') = "
                "(count(a.id) FILTER (WHERE a.status <> 'resolved') > 0)"
            )
        ).all()
        opened = conn.execute(text("SELECT count(*) FROM alerts")).scalar_one()
    engine.dispose()
    assert wrong == []
    # Every trigger sent opened exactly one alert, and the log says so once per alert.
    assert opened == ROUNDS * (KEYS + KEYS // 2)
    assert logged == opened

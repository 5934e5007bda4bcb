"""Durable timers seen and retried over HTTP and the CLI, against a real server on SQLite
and PostgreSQL: a dead timer is listed with its error, counted in /metrics, and once
retried the server fires it by itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS
from tocsin.store.db import create_db_engine
from tocsin.store.schema import heartbeats, timers

WORLD = """\
version: 1
services:
  - name: batch
heartbeats:
  - name: weekly-report
    service: batch
    interval: 7d
"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"timers-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


def kill_the_heartbeat_timer(tocsin: Tocsin) -> None:
    """Make the heartbeat overdue and its timer dead, as ten failed firings would."""
    engine = create_db_engine(tocsin.database_url)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    try:
        with engine.begin() as conn:
            conn.execute(update(heartbeats).values(created_at=long_ago))
            conn.execute(
                update(timers)
                .where(timers.c.kind == "heartbeat")
                .values(due_at=None, attempts=10, last_error="OperationalError: disk full",
                        dead_at=long_ago)
            )  # fmt: skip
    finally:
        engine.dispose()


def test_a_dead_timer_is_listed_counted_and_fired_once_retried(tocsin: Tocsin) -> None:
    kill_the_heartbeat_timer(tocsin)
    with tocsin.api() as api:
        page = api.get("/api/v1/timers", params={"state": "dead"}).json()
        [dead] = page["timers"]
        assert (dead["kind"], dead["attempts"]) == ("heartbeat", 10)
        assert dead["last_error"] == "OperationalError: disk full"
        assert page["next_cursor"] is None
        metrics = api.get("/metrics").text
        assert 'tocsin_timers{kind="heartbeat",state="dead"} 1.0' in metrics

        listed = json.loads(tocsin.cli("timers", "list", "--state", "dead", "--json"))
        assert [t["id"] for t in listed["timers"]] == [dead["id"]]

        retried = api.post(f"/api/v1/timers/{dead['id']}/retry")
        assert retried.status_code == 200, retried.text
        assert (retried.json()["state"], retried.json()["attempts"]) == ("armed", 0)
        # The retry woke the server's timer loop: the overdue heartbeat expires at once.
        deadline = time.monotonic() + 15
        found: list[object] = []
        while not found and time.monotonic() < deadline:
            found = api.get(
                "/api/v1/alerts", params={"dedup_key": "heartbeat:weekly-report"}
            ).json()["alerts"]
            time.sleep(0.05)
        assert found, "the retried timer did not fire"
        assert api.get("/api/v1/timers", params={"state": "dead"}).json()["timers"] == []
        assert 'tocsin_timer_lateness_seconds_count{kind="heartbeat"}' in api.get("/metrics").text


def test_unknown_timers_and_bad_filters_get_json_errors(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        missing = api.post("/api/v1/timers/nosuchtimer/retry")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
        bad = api.get("/api/v1/timers", params={"state": "zombie"})
        assert bad.status_code == 400 or bad.status_code == 422
        assert "state" in bad.text

"""Heartbeats over HTTP against a real server, on SQLite and PostgreSQL: native and
Opsgenie-compatible pings, bad pings as JSON errors, and expiry found by the server's own
timer loop (no request needed), resolved by the next ping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.clocks import MovedClock
from tests.support.databases import BACKENDS
from tests.support.server import eventually

BACKUP_KEY = "de0000000000000000000000000000b1"
DRAIN_KEY = "de0000000000000000000000000000b2"
FAST_KEY = "de0000000000000000000000000000b3"
WORLD = f"""\
version: 1
services:
  - name: batch
heartbeats:
  - name: nightly-backup
    service: batch
    interval: 24h
    grace: 1h
    key: {BACKUP_KEY}
  - name: queue-drain
    service: batch
    interval: 5m
    key: {DRAIN_KEY}
"""
# A server whose clock is a file the test moves (TOCSIN_CLOCK_FILE): expiry is found by
# moving time past the deadline, not by waiting for it.
MOVED_WORLD = f"""\
version: 1
services:
  - name: batch
heartbeats:
  - name: every-five-minutes
    service: batch
    interval: 5m
    key: {FAST_KEY}
"""
PONG = {"status": "success", "message": "PONG - Heartbeat received"}


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    """Tocsin serving on SQLite, then on PostgreSQL, with three heartbeats."""
    tmp = tmp_path_factory.mktemp(f"heartbeats-{request.param}")
    with serving(request.param, tmp, WORLD) as served:
        yield served


@pytest.fixture(scope="module", params=BACKENDS)
def moved(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Tocsin, MovedClock]]:
    """Tocsin serving ``MOVED_WORLD`` with its clock read from a file the test writes."""
    tmp = tmp_path_factory.mktemp(f"heartbeats-clock-{request.param}")
    clock = MovedClock(tmp / "clock", datetime.now(UTC))
    clock.advance(timedelta(0))
    with serving(request.param, tmp, MOVED_WORLD, {"TOCSIN_CLOCK_FILE": str(clock.path)}) as s:
        yield s, clock


def heartbeat(tocsin: Tocsin, name: str) -> dict[str, Any]:
    with tocsin.api() as api:
        response = api.get("/api/v1/heartbeats")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = [h for h in response.json() if h["name"] == name]
    assert len(found) == 1, found
    return found[0]


def alerts(tocsin: Tocsin, dedup_key: str) -> list[dict[str, Any]]:
    with tocsin.api() as api:
        found: list[dict[str, Any]] = api.get(
            "/api/v1/alerts", params={"dedup_key": dedup_key}
        ).json()["alerts"]
    return found


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH"])
def test_native_ping_is_accepted_and_recorded(tocsin: Tocsin, method: str) -> None:
    before = heartbeat(tocsin, "nightly-backup")["last_ping_at"]
    response = httpx.request(method, f"{tocsin.url}/v1/heartbeats/{BACKUP_KEY}/ping")
    assert response.status_code == 202
    assert response.json() == PONG
    after = heartbeat(tocsin, "nightly-backup")
    assert after["last_ping_at"] is not None
    assert after["last_ping_at"] != before
    assert after["expired"] is False


def test_the_listing_gives_timing_and_both_ping_urls(tocsin: Tocsin) -> None:
    listed = heartbeat(tocsin, "nightly-backup")
    assert (listed["service"], listed["interval"], listed["grace"]) == ("batch", "1d", "1h")
    assert listed["ping_url"] == f"{tocsin.url}/v1/heartbeats/{BACKUP_KEY}/ping"
    assert listed["opsgenie_ping_url"] == f"{tocsin.url}/v2/heartbeats/nightly-backup/ping"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH"])
def test_opsgenie_ping_with_the_heartbeats_key_answers_like_opsgenie(
    tocsin: Tocsin, method: str
) -> None:
    response = httpx.request(
        method,
        f"{tocsin.url}/v2/heartbeats/queue-drain/ping",
        headers={"Authorization": f"GenieKey {DRAIN_KEY}"},
    )
    assert response.status_code == 202
    body = response.json()
    assert body["result"] == "PONG - Heartbeat received"
    assert set(body) == {"result", "took", "requestId"}
    assert heartbeat(tocsin, "queue-drain")["last_ping_at"] is not None


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/heartbeats/nosuchkey000000000000/ping", {}, 404),
        ("/v1/heartbeats//ping", {}, 404),
        ("/v2/heartbeats/queue-drain/ping", {"Authorization": f"GenieKey {BACKUP_KEY}"}, 404),
        ("/v2/heartbeats/no-such-beat/ping", {"Authorization": f"GenieKey {DRAIN_KEY}"}, 404),
        ("/v2/heartbeats/queue-drain/ping", {}, 401),
        ("/v2/heartbeats/queue-drain/ping", {"Authorization": f"Bearer {DRAIN_KEY}"}, 401),
        ("/v2/heartbeats/queue-drain/ping", {"Authorization": "GenieKey"}, 401),
    ],
)
def test_bad_pings_get_json_errors(
    tocsin: Tocsin, path: str, headers: dict[str, str], status: int
) -> None:
    response = httpx.post(f"{tocsin.url}{path}", headers=headers)
    assert response.status_code == status, response.text
    assert "message" in response.json()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"/v1/heartbeats/{BACKUP_KEY}/ping", {}),
        ("/v2/heartbeats/queue-drain/ping", {"Authorization": f"GenieKey {DRAIN_KEY}"}),
    ],
)
def test_delete_is_not_a_ping(tocsin: Tocsin, path: str, headers: dict[str, str]) -> None:
    response = httpx.delete(f"{tocsin.url}{path}", headers=headers)
    assert response.status_code == 405
    assert "message" in response.json()


def test_a_missed_heartbeat_alerts_by_itself_and_the_next_ping_resolves_it(
    moved: tuple[Tocsin, MovedClock],
) -> None:
    tocsin, clock = moved
    dedup_key = "heartbeat:every-five-minutes"
    assert alerts(tocsin, dedup_key) == []
    clock.advance(timedelta(minutes=6))  # past the deadline (apply ran a moment after T0)
    # Nothing pings: the server's timer loop must notice on its own.
    triggered = eventually(
        lambda: [a for a in alerts(tocsin, dedup_key) if a["status"] == "triggered"],
        "the expiry alert",
    )[0]
    assert triggered["service"] == "batch"
    assert "every-five-minutes expired" in triggered["summary"]
    assert heartbeat(tocsin, "every-five-minutes")["expired"] is True

    response = httpx.post(f"{tocsin.url}/v1/heartbeats/{FAST_KEY}/ping")
    assert response.status_code == 202

    def resolved() -> bool:
        with tocsin.api() as api:
            return bool(api.get(f"/api/v1/alerts/{triggered['id']}").json()["status"] == "resolved")

    eventually(resolved, "the ping to resolve the alert")


def test_cli_lists_heartbeats(tocsin: Tocsin) -> None:
    table = tocsin.cli("heartbeats", "list")
    assert "nightly-backup" in table
    assert "queue-drain" in table
    listed = {h["name"]: h for h in json.loads(tocsin.cli("heartbeats", "list", "--json"))}
    assert listed["nightly-backup"]["interval_seconds"] == 86400
    assert listed["nightly-backup"]["grace_seconds"] == 3600

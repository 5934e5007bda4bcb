"""Maintenance windows and silences over HTTP, on SQLite and PostgreSQL.

Held alerts are stored, say what holds them, and open no incident; when the hold is over
the next trigger pages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Tocsin, serving
from tests.support.databases import BACKENDS

QUIET_KEY = "5e000000000000000000000000000001"
AM_KEY = "5e000000000000000000000000000002"


def world(now: datetime) -> str:
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    return f"""
version: 1
services:
  - name: warehouse
    integrations:
      - {{name: pd, type: pagerduty, key: "{QUIET_KEY}"}}
  - name: web
    integrations:
      - {{name: am, type: alertmanager, key: "{AM_KEY}"}}
maintenance_windows:
  - name: warehouse-migration
    services: [warehouse]
    start: "{start}"
    end: "{end}"
"""


@pytest.fixture(scope="module", params=BACKENDS)
def tocsin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tocsin]:
    tmp = tmp_path_factory.mktemp(f"suppress-{request.param}")
    with serving(request.param, tmp, world(datetime.now(UTC))) as served:
        yield served


def page_alertmanager(tocsin: Tocsin, fingerprint: str, labels: dict[str, str]) -> None:
    body = {
        "version": "4",
        "status": "firing",
        "receiver": "tocsin",
        "groupKey": "{}",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "disk almost full"},
                "startsAt": "2026-11-28T01:00:00Z",
                "fingerprint": fingerprint,
            }
        ],
    }
    assert httpx.post(f"{tocsin.url}/v1/alertmanager/{AM_KEY}", json=body).status_code == 200


def alert(tocsin: Tocsin, key: str) -> dict[str, Any]:
    with tocsin.api() as api:
        [found] = api.get("/api/v1/alerts", params={"dedup_key": key}).json()["alerts"]
    return dict(found)


def test_alert_in_a_maintenance_window_is_stored_but_opens_no_incident(tocsin: Tocsin) -> None:
    key = f"etl-{uuid.uuid4().hex[:8]}"
    body = {
        "routing_key": QUIET_KEY,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {"summary": "ETL lag", "source": "etl", "severity": "critical"},
    }
    assert httpx.post(f"{tocsin.url}/v2/enqueue", json=body).status_code == 202
    found = alert(tocsin, key)
    assert found["suppressed_by"] == "maintenance_window:warehouse-migration"
    assert found["incident_id"] is None
    shown = tocsin.cli("alerts", "show", found["id"])
    assert "maintenance_window:warehouse-migration" in shown
    with tocsin.api() as api:
        detail = api.get(f"/api/v1/alerts/{found['id']}").json()
    assert detail["explanation"][0].startswith(
        "Held by maintenance window warehouse-migration until "
    )


def test_windows_api_says_which_window_holds_now(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        [window] = api.get("/api/v1/maintenance-windows").json()
        assert (window["name"], window["active"]) == ("warehouse-migration", True)
        later = api.get("/api/v1/maintenance-windows", params={"at": "2030-01-01T00:00:00Z"})
        assert later.json()[0]["active"] is False
        naive = api.get("/api/v1/maintenance-windows", params={"at": "2030-01-01T00:00:00"})
        assert naive.status_code == 400


def test_silence_holds_matching_alerts_and_its_end_lets_them_page(tocsin: Tocsin) -> None:
    disk = f"disk-{uuid.uuid4().hex[:8]}"
    page_alertmanager(tocsin, disk, {"alertname": "DiskFull", "host": disk})
    assert alert(tocsin, disk)["incident_id"] is not None  # no silence yet: it paged
    held = f"held-{uuid.uuid4().hex[:8]}"
    with tocsin.api() as api:
        preview = api.post(
            "/api/v1/silences",
            json={
                "matchers": [f"host={disk}"],
                "duration": "1h",
                "created_by": "alice",
                "dry_run": True,
            },
        )
        assert [m["dedup_key"] for m in preview.json()["matches"]] == [disk]
        created = api.post(
            "/api/v1/silences",
            json={
                "matchers": ["alertname=~Disk.*", f"host={held}"],
                "duration": "2h",
                "created_by": "alice",
                "comment": "replacing the disk",
            },
        )
        assert created.status_code == 201, created.text
        silence = created.json()
    page_alertmanager(tocsin, held, {"alertname": "DiskFull", "host": held})
    found = alert(tocsin, held)
    assert found["suppressed_by"] == f"silence:{silence['id']}"
    assert found["incident_id"] is None
    with tocsin.api() as api:
        assert api.delete(f"/api/v1/silences/{silence['id']}").json()["active"] is False
    page_alertmanager(tocsin, held, {"alertname": "DiskFull", "host": held})  # fires again
    found = alert(tocsin, held)
    assert found["suppressed_by"] is None
    assert found["incident_id"] is not None
    assert found["occurrences"] == 2
    with tocsin.api() as api:
        detail = api.get(f"/api/v1/alerts/{found['id']}").json()
    assert detail["explanation"][-1].startswith(f"Paged through incident {found['incident_id']}")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"matchers": ["alertname=~("], "duration": "1h", "created_by": "a"}, "invalid_silence"),
        ({"matchers": ["nonsense"], "duration": "1h", "created_by": "a"}, "invalid_silence"),
        ({"matchers": ["a=b"], "created_by": "a"}, "invalid_request"),
        ({"matchers": ["a=b"], "duration": "soon", "created_by": "a"}, "invalid_request"),
        (
            {"matchers": ["a=b"], "duration": "1h", "created_by": "a", "services": ["nope"]},
            "invalid_silence",
        ),
        ({"matchers": [], "duration": "1h", "created_by": "a"}, "invalid_request"),
        (
            {"matchers": ["a=b"], "ends_at": "2020-01-01T00:00:00Z", "created_by": "a"},
            "invalid_silence",
        ),
        (
            {"matchers": ["a=b"], "ends_at": "2030-01-01T00:00:00", "created_by": "a"},
            "invalid_request",
        ),
    ],
)
def test_bad_silences_get_code_and_message(tocsin: Tocsin, body: dict[str, Any], code: str) -> None:
    with tocsin.api() as api:
        response = api.post("/api/v1/silences", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_cli_adds_previews_and_lists_silences(tocsin: Tocsin) -> None:
    host = f"cli-{uuid.uuid4().hex[:8]}"
    page_alertmanager(tocsin, host, {"alertname": "CPU", "host": host})
    preview = json.loads(tocsin.cli("silence", "add", f"host={host}", "--dry-run", "--json"))
    assert [m["dedup_key"] for m in preview] == [host]
    created = json.loads(
        tocsin.cli("silence", "add", f"host={host}", "--for", "30m", "--by", "bob", "--json")
    )
    listed = json.loads(tocsin.cli("silence", "list", "--json"))
    assert created["id"] in [s["id"] for s in listed]
    assert "expired" in tocsin.cli("silence", "expire", created["id"])

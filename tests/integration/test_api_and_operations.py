"""The read API, its tokens, health, metrics, OpenAPI and the CLI listings, over a real server."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.integration.conftest import Tocsin
from tests.support.server import run_cli
from tests.support.worlds import CHECKOUT_KEY


def trigger(tocsin: Tocsin, key: str) -> None:
    body = {
        "routing_key": CHECKOUT_KEY,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {"summary": f"probe {key}", "source": "tests", "severity": "warning"},
    }
    assert httpx.post(f"{tocsin.url}/v2/enqueue", json=body).status_code == 202


def test_api_requires_a_bearer_token(tocsin: Tocsin) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = httpx.get(f"{tocsin.url}/api/v1/alerts", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_integration_keys_cannot_read_the_api(tocsin: Tocsin) -> None:
    response = httpx.get(
        f"{tocsin.url}/api/v1/alerts", headers={"Authorization": f"Bearer {CHECKOUT_KEY}"}
    )
    assert response.status_code == 401


def test_alerts_are_paginated_newest_first(tocsin: Tocsin) -> None:
    prefix = uuid.uuid4().hex[:8]
    keys = [f"page-{prefix}-{i}" for i in range(5)]
    for key in keys:
        trigger(tocsin, key)
    seen: list[str] = []
    cursor = None
    with tocsin.api() as api:
        for _ in range(10):
            params = {"limit": "2", "service": "checkout", "status": "triggered"}
            if cursor:
                params["cursor"] = cursor
            page = api.get("/api/v1/alerts", params=params).json()
            seen += [a["dedup_key"] for a in page["alerts"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
    mine = [k for k in seen if k.startswith(f"page-{prefix}")]
    assert mine == list(reversed(keys))


def test_incidents_filter_by_status(tocsin: Tocsin) -> None:
    trigger(tocsin, f"inc-{uuid.uuid4().hex[:8]}")
    with tocsin.api() as api:
        page = api.get("/api/v1/incidents", params={"status": "open", "service": "checkout"}).json()
    assert page["incidents"]
    assert all(i["status"] != "resolved" for i in page["incidents"])


def test_integrations_list_their_ingest_urls(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        items = api.get("/api/v1/integrations").json()
    prom = next(i for i in items if i["service"] == "checkout" and i["name"] == "prometheus")
    assert prom["key"] == CHECKOUT_KEY
    assert prom["ingest_url"].endswith("/v2/enqueue")


def test_health_readiness_and_metrics(tocsin: Tocsin) -> None:
    assert httpx.get(f"{tocsin.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{tocsin.url}/readyz").json() == {"status": "ready"}
    trigger(tocsin, f"metrics-{uuid.uuid4().hex[:8]}")
    text = httpx.get(f"{tocsin.url}/metrics").text
    assert 'tocsin_events_received_total{integration_type="pagerduty",outcome="created"}' in text
    assert "tocsin_ingest_latency_seconds_bucket" in text
    assert 'tocsin_open_alerts{status="triggered"}' in text


def test_openapi_describes_ingest_and_api_routes(tocsin: Tocsin) -> None:
    schema = httpx.get(f"{tocsin.url}/openapi.json").json()
    for path in (
        "/v2/enqueue",
        "/v2/change/enqueue",
        "/api/v1/alerts",
        "/api/v1/alerts/{alert_id}",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/changes",
        "/api/v1/integrations",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in schema["paths"], path


def test_cli_lists_alerts_incidents_and_integrations_as_json(tocsin: Tocsin) -> None:
    key = f"cli-{uuid.uuid4().hex[:8]}"
    trigger(tocsin, key)
    alerts = json.loads(tocsin.cli("alerts", "list", "--dedup-key", key, "--json"))["alerts"]
    assert [a["dedup_key"] for a in alerts] == [key]
    shown = json.loads(tocsin.cli("alerts", "show", alerts[0]["id"], "--json"))
    assert shown["events"][0]["outcome"] == "created"
    incidents = json.loads(tocsin.cli("incidents", "list", "--service", "checkout", "--json"))
    assert incidents["incidents"]
    listed = json.loads(tocsin.cli("integrations", "list", "--json"))
    assert any(i["key"] == CHECKOUT_KEY for i in listed["integrations"])
    assert "checkout" in tocsin.cli("alerts", "list")


def test_an_invalid_setting_is_named_as_the_user_sets_it(tocsin: Tocsin) -> None:
    done = run_cli(
        tocsin.database_url, "alerts", "list", check=False, TOCSIN_CHANGE_RETENTION_DAYS="30"
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "invalid settings: TOCSIN_CHANGE_RETENTION_DAYS='30'" in done.stderr
    assert "greater than or equal to 90" in done.stderr

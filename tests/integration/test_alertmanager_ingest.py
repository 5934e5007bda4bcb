"""Alertmanager webhooks over HTTP against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.fixtures.alertmanager.samples import (
    FIRING,
    PARTIALLY_RESOLVED,
    RESOLVED,
    am_alert,
    am_notification,
    sample,
)
from tests.fixtures.alertmanager.world import (
    AM_KEY,
    AM_LIMITED_KEY,
    AM_OTHER_KEY,
    GRAFANA_KEY,
    PAGERDUTY_KEY,
    alerts_by_key,
    post,
    tocsin_fixture,
    unique_fingerprints,
)
from tests.integration.conftest import Tocsin

JSON = {"content-type": "application/json"}


tocsin = tocsin_fixture()


def notify(tocsin: Tocsin, notification: dict[str, Any], key: str = AM_KEY) -> httpx.Response:
    return post(tocsin, f"/v1/alertmanager/{key}", notification)


def captures() -> list[dict[str, Any]]:
    """The three real captures (firing, partially resolved, resolved), unique to this test."""
    return unique_fingerprints(sample(FIRING), sample(PARTIALLY_RESOLVED), sample(RESOLVED))


def keys_of(notification: dict[str, Any]) -> list[str]:
    return [a["fingerprint"] for a in notification["alerts"]]


def test_firing_notification_creates_alerts_with_labels_start_time_and_links(
    tocsin: Tocsin,
) -> None:
    firing, _, _ = captures()
    response = notify(tocsin, firing)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "success", "alerts": 2}
    stored = alerts_by_key(tocsin, *keys_of(firing))
    first, second = (stored[k][0] for k in keys_of(firing))
    assert first["status"] == second["status"] == "triggered"
    assert first["service"] == "checkout"
    assert first["labels"] == firing["alerts"][0]["labels"]
    assert first["severity"] == "critical"
    assert first["summary"] == "5xx rate above 5% for 10m"
    assert first["source"] == "checkout-2b1d:8080"
    assert datetime.fromisoformat(first["occurred_at"]) == datetime.fromisoformat(
        "2026-11-27T23:27:53.207+00:00"
    )
    assert first["custom_details"]["annotations"]["description"] == "checkout 5xx ratio is 0.08"
    assert {"href": "https://runbooks.example.invalid/HighErrorRate", "text": "Runbook"} in (
        second["links"]
    )
    assert first["incident_id"] == second["incident_id"]


def test_partially_resolved_notification_resolves_only_the_resolved_alert(
    tocsin: Tocsin,
) -> None:
    firing, partial, _ = captures()
    notify(tocsin, firing)
    assert notify(tocsin, partial).json() == {"status": "success", "alerts": 2}
    stored = alerts_by_key(tocsin, *keys_of(firing))
    still_firing, resolved = (stored[k] for k in keys_of(firing))
    assert [a["status"] for a in still_firing] == ["triggered"]
    assert still_firing[0]["occurrences"] == 2
    assert [a["status"] for a in resolved] == ["resolved"]


def test_resolved_notification_resolves_every_alert(tocsin: Tocsin) -> None:
    firing, partial, resolved = captures()
    for notification in (firing, partial, resolved):
        assert notify(tocsin, notification).status_code == 200
    stored = alerts_by_key(tocsin, *keys_of(firing))
    assert [a["status"] for k in keys_of(firing) for a in stored[k]] == ["resolved", "resolved"]
    assert all(a["resolved_at"] for k in keys_of(firing) for a in stored[k])


def test_same_notification_twice_appends_and_does_not_duplicate(tocsin: Tocsin) -> None:
    firing, _, _ = captures()
    notify(tocsin, firing)
    notify(tocsin, firing)
    stored = alerts_by_key(tocsin, *keys_of(firing))
    assert [len(stored[k]) for k in keys_of(firing)] == [1, 1]
    assert [stored[k][0]["occurrences"] for k in keys_of(firing)] == [2, 2]
    with tocsin.api() as api:
        detail = api.get(f"/api/v1/alerts/{stored[keys_of(firing)[0]][0]['id']}").json()
    assert [e["outcome"] for e in detail["events"]] == ["created", "appended"]
    assert detail["events"][0]["payload"]["alert"] == firing["alerts"][0]
    assert detail["events"][0]["payload"]["receiver"] == "sink"


def test_grouped_notification_of_100_alerts_is_stored_by_one_request(tocsin: Tocsin) -> None:
    [grouped] = unique_fingerprints(
        am_notification([am_alert(f"disk{i:03}", summary=f"disk {i}") for i in range(100)])
    )
    response = notify(tocsin, grouped)
    assert response.json() == {"status": "success", "alerts": 100}
    stored = alerts_by_key(tocsin, *keys_of(grouped))
    assert all(len(found) == 1 for found in stored.values())
    # One submission: every alert was received at the same instant, in one transaction.
    assert len({found[0]["created_at"] for found in stored.values()}) == 1
    assert len({found[0]["incident_id"] for found in stored.values()}) == 1


def test_bearer_token_on_the_bare_path_is_the_same_integration(tocsin: Tocsin) -> None:
    firing, _, resolved = captures()
    auth = {"Authorization": f"Bearer {AM_KEY}"}
    assert post(tocsin, "/v1/alertmanager", firing, headers=auth).status_code == 200
    assert notify(tocsin, resolved).status_code == 200  # the key in the path resolves them
    stored = alerts_by_key(tocsin, *keys_of(firing))
    assert {a["status"] for k in keys_of(firing) for a in stored[k]} == {"resolved"}


def test_resolve_from_another_alertmanager_integration_is_ignored(tocsin: Tocsin) -> None:
    firing, _, resolved = captures()
    notify(tocsin, firing)
    assert notify(tocsin, resolved, key=AM_OTHER_KEY).json() == {"status": "success", "alerts": 2}
    stored = alerts_by_key(tocsin, *keys_of(firing))
    assert {a["status"] for k in keys_of(firing) for a in stored[k]} == {"triggered"}


def test_resolved_alert_never_seen_firing_is_accepted_and_stores_nothing(tocsin: Tocsin) -> None:
    _, _, resolved = captures()
    assert notify(tocsin, resolved).status_code == 200
    assert alerts_by_key(tocsin, *keys_of(resolved)) == {k: [] for k in keys_of(resolved)}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/alertmanager/f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", {}),
        (f"/v1/alertmanager/{PAGERDUTY_KEY}", {}),
        (f"/v1/alertmanager/{GRAFANA_KEY}", {}),
        (f"/v1/alertmanager/{AM_KEY}/extra", {}),
        ("/v1/alertmanager", {"Authorization": "Bearer f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"}),
        ("/v1/alertmanager", {"Authorization": f"Bearer {GRAFANA_KEY}"}),
    ],
    ids=[
        "unknown",
        "pagerduty key",
        "grafana key",
        "extra segment",
        "bearer unknown",
        "bearer grafana",
    ],
)
def test_every_key_that_is_not_an_alertmanager_key_gets_one_identical_404(
    tocsin: Tocsin, path: str, headers: dict[str, str]
) -> None:
    response = post(tocsin, path, sample(FIRING), headers=headers)
    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_integration_key",
        "message": "No alertmanager integration has this key",
        "errors": ["No alertmanager integration has this key"],
    }


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Basic dTpw"}, {"Authorization": "Bearer"}]
)
def test_notification_without_a_key_is_401_with_a_bearer_challenge(
    tocsin: Tocsin, headers: dict[str, str]
) -> None:
    response = post(tocsin, "/v1/alertmanager/", sample(FIRING), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "missing_integration_key"


def test_rate_limited_key_gets_429_with_retry_after(tocsin: Tocsin) -> None:
    codes = [notify(tocsin, captures()[0], key=AM_LIMITED_KEY) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert codes[2].headers["retry-after"] == "1"
    assert codes[2].json()["code"] == "rate_limited"


def encoded(notification: dict[str, Any]) -> bytes:
    return json.dumps(notification).encode()


def version(value: Any) -> bytes:
    return encoded({**sample(FIRING), "version": value})


BAD = [
    ("malformed JSON", b"{", JSON, 400, "invalid_payload"),
    ("JSON array", b"[]", JSON, 400, "invalid_payload"),
    ("invalid UTF-8", b'{"version":"\xc3\x28"}', JSON, 400, "invalid_payload"),
    ("deeply nested", b"[" * 100000 + b"]" * 100000, JSON, 400, "invalid_payload"),
    ("version 3", version("3"), JSON, 400, "unsupported_version"),
    ("Grafana version", version("1"), JSON, 400, "unsupported_version"),
    (
        "label not a string",
        encoded(am_notification([{**am_alert("x"), "labels": {"a": 1}}])),
        JSON,
        400,
        "invalid_payload",
    ),
    (
        "1001 alerts",
        encoded(am_notification([am_alert(f"{i}") for i in range(1001)])),
        JSON,
        413,
        "too_many_alerts",
    ),
    ("oversize body", b'{"x":"' + b"a" * (6 * 1024 * 1024) + b'"}', JSON, 413, "payload_too_large"),
    ("text/plain", version("4"), {"content-type": "text/plain"}, 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(("name", "raw", "headers", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_notification_gets_documented_4xx_json_and_stores_nothing(
    tocsin: Tocsin, name: str, raw: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = httpx.post(
        f"{tocsin.url}/v1/alertmanager/{AM_KEY}", content=raw, headers=headers, timeout=30
    )
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["code"] == code
    assert answer["message"]
    assert answer["errors"]
    assert alerts_by_key(tocsin, "745b1c372cacd427") == {"745b1c372cacd427": []}


def test_get_is_405_naming_the_method_to_use(tocsin: Tocsin) -> None:
    response = httpx.get(f"{tocsin.url}/v1/alertmanager/{AM_KEY}", timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


def test_integrations_list_gives_the_url_with_the_key_in_its_path(tocsin: Tocsin) -> None:
    with tocsin.api() as api:
        items = {i["name"]: i for i in api.get("/api/v1/integrations").json()}
    assert items["prometheus"]["ingest_url"].endswith(f"/v1/alertmanager/{AM_KEY}")
    assert items["prometheus"]["key_in"] == "URL path (or Bearer token)"
    assert items["grafana"]["ingest_url"].endswith(f"/v1/grafana/{GRAFANA_KEY}")
    assert items["ci"]["ingest_url"].endswith("/v2/enqueue")


def test_openapi_describes_both_webhook_paths(tocsin: Tocsin) -> None:
    paths = httpx.get(f"{tocsin.url}/openapi.json", timeout=10).json()["paths"]
    assert set(paths["/v1/alertmanager/{key}"]) == {"post"}
    assert set(paths["/v1/grafana/{key}"]) == {"post", "put"}
    assert "/v1/alertmanager" in paths
    assert "/v2/enqueue" in paths


def test_metrics_count_each_alert_by_outcome(tocsin: Tocsin) -> None:
    notify(tocsin, captures()[0])
    text = httpx.get(f"{tocsin.url}/metrics", timeout=10).text
    assert 'tocsin_events_received_total{integration_type="alertmanager",outcome="created"}' in text
    assert 'tocsin_ingest_latency_seconds_count{endpoint="alertmanager"}' in text

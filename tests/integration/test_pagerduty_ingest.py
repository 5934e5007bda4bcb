"""PagerDuty Events API v2 over HTTP against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.integration.conftest import Tocsin
from tests.support.worlds import (
    CHECKOUT_KEY,
    CHECKOUT_OTHER_KEY,
    DEPLOYS_KEY,
    LIMITED_KEY,
    PAYMENTS_KEY,
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def send(
    tocsin: Tocsin, action: str, dedup_key: str | None, key: str = CHECKOUT_KEY, **payload: Any
) -> httpx.Response:
    body: dict[str, Any] = {"routing_key": key, "event_action": action}
    if dedup_key is not None:
        body["dedup_key"] = dedup_key
    if action == "trigger":
        body["payload"] = {
            "summary": "Disk full on web1",
            "source": "web1",
            "severity": "critical",
            **payload,
        }
    return httpx.post(f"{tocsin.url}/v2/enqueue", json=body, timeout=10)


def alerts(tocsin: Tocsin, **params: str) -> list[dict[str, Any]]:
    with tocsin.api() as api:
        response = api.get("/api/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["alerts"])


def test_trigger_answers_like_pagerduty_and_stores_the_alert(tocsin: Tocsin) -> None:
    key = unique("disk")
    response = send(tocsin, "trigger", key, component="disk", custom_details={"free": "1%"})
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": key}
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["status"] == "triggered"
    assert alert["service"] == "checkout"
    assert alert["summary"] == "Disk full on web1"
    assert alert["component"] == "disk"
    assert alert["custom_details"] == {"free": "1%"}
    assert alert["incident_id"]


def test_repeated_trigger_appends_to_the_open_alert(tocsin: Tocsin) -> None:
    key = unique("cpu")
    send(tocsin, "trigger", key)
    send(tocsin, "trigger", key, summary="CPU still high")
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["occurrences"] == 2
    assert alert["summary"] == "CPU still high"
    with tocsin.api() as api:
        detail = api.get(f"/api/v1/alerts/{alert['id']}").json()
    assert [e["outcome"] for e in detail["events"]] == ["created", "appended"]
    assert detail["events"][0]["payload"]["payload"]["summary"] == "Disk full on web1"


def test_acknowledge_then_resolve_closes_alert_and_its_incident(tocsin: Tocsin) -> None:
    key = unique("mem")
    send(tocsin, "trigger", key, key=PAYMENTS_KEY)
    [alert] = alerts(tocsin, dedup_key=key)
    assert send(tocsin, "acknowledge", key, key=PAYMENTS_KEY).status_code == 202
    with tocsin.api() as api:
        incident = api.get(f"/api/v1/incidents/{alert['incident_id']}").json()
        assert incident["status"] == "acknowledged"
        assert send(tocsin, "resolve", key, key=PAYMENTS_KEY).status_code == 202
        incident = api.get(f"/api/v1/incidents/{alert['incident_id']}").json()
    assert incident["status"] == "resolved"
    assert incident["alerts"][0]["status"] == "resolved"
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["acknowledged_at"]
    assert alert["resolved_at"]


def test_trigger_after_resolve_opens_a_new_alert(tocsin: Tocsin) -> None:
    key = unique("flap")
    send(tocsin, "trigger", key)
    send(tocsin, "resolve", key)
    send(tocsin, "trigger", key)
    statuses = sorted(a["status"] for a in alerts(tocsin, dedup_key=key))
    assert statuses == ["resolved", "triggered"]


def test_follow_up_without_open_alert_is_accepted_and_changes_nothing(tocsin: Tocsin) -> None:
    key = unique("ghost")
    response = send(tocsin, "resolve", key)
    assert response.status_code == 202
    assert response.json()["dedup_key"] == key
    assert alerts(tocsin, dedup_key=key) == []


def test_follow_up_from_another_routing_key_is_ignored(tocsin: Tocsin) -> None:
    key = unique("scoped")
    send(tocsin, "trigger", key)
    assert send(tocsin, "resolve", key, key=CHECKOUT_OTHER_KEY).status_code == 202
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["status"] == "triggered"


def test_trigger_without_dedup_key_returns_a_usable_generated_key(tocsin: Tocsin) -> None:
    response = send(tocsin, "trigger", None)
    key = response.json()["dedup_key"]
    assert len(key) == 32
    send(tocsin, "resolve", key)
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["status"] == "resolved"


def test_alerts_join_the_open_incident_or_open_their_own(tocsin: Tocsin) -> None:
    grouped = [unique("g") for _ in range(2)]
    for key in grouped:
        send(tocsin, "trigger", key)
    incidents = {alerts(tocsin, dedup_key=k)[0]["incident_id"] for k in grouped}
    assert len(incidents) == 1
    separate = [unique("p") for _ in range(2)]
    for key in separate:
        send(tocsin, "trigger", key, key=PAYMENTS_KEY)
    incidents = {alerts(tocsin, dedup_key=k)[0]["incident_id"] for k in separate}
    assert len(incidents) == 2


def test_concurrent_triggers_with_one_key_never_create_twins(tocsin: Tocsin) -> None:
    key = unique("storm")
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: send(tocsin, "trigger", key).status_code, range(48)))
    assert codes == [202] * 48
    [alert] = alerts(tocsin, dedup_key=key)
    assert alert["occurrences"] == 48


def test_change_events_are_recorded_on_each_service_of_the_source(tocsin: Tocsin) -> None:
    summary = unique("Deploy checkout v42")
    body = {"routing_key": DEPLOYS_KEY, "payload": {"summary": summary, "source": "ci"}}
    response = httpx.post(f"{tocsin.url}/v2/change/enqueue", json=body)
    assert response.status_code == 202
    assert response.json()["status"] == "success"
    with tocsin.api() as api:
        changes = api.get("/api/v1/changes", params={"limit": 50}).json()["changes"]
    mine = [c for c in changes if c["summary"] == summary]
    assert sorted(c["service"] for c in mine) == ["checkout", "payments-api"]
    assert mine[0]["origin"] == "change_source:deploys"


def test_change_event_through_an_integration_key_lands_on_its_service(tocsin: Tocsin) -> None:
    summary = unique("Feature flag on")
    body = {"routing_key": CHECKOUT_KEY, "payload": {"summary": summary}}
    assert httpx.post(f"{tocsin.url}/v2/change/enqueue", json=body).status_code == 202
    with tocsin.api() as api:
        changes = api.get("/api/v1/changes", params={"service": "checkout"}).json()["changes"]
    assert any(c["summary"] == summary for c in changes)


def test_a_routing_key_over_its_rate_limit_gets_429(tocsin: Tocsin) -> None:
    codes = [send(tocsin, "trigger", unique("rl"), key=LIMITED_KEY).status_code for _ in range(6)]
    assert codes[:3] == [202, 202, 202]
    assert 429 in codes[3:]
    throttled = send(tocsin, "trigger", unique("rl"), key=LIMITED_KEY)
    assert throttled.status_code == 429
    assert throttled.json()["status"] == "throttle event"
    assert throttled.headers["retry-after"] == "1"

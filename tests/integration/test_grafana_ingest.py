"""Grafana webhook contact points over HTTP against a real server, on SQLite and PostgreSQL.

The rules Grafana shares with Alertmanager (keys, follow-ups, bad input) are specified in
test_alertmanager_ingest.py; this file covers Grafana's endpoint and what its payload adds.
"""

from __future__ import annotations

import httpx

from tests.fixtures.alertmanager.samples import FIRING, GRAFANA_FIRING, sample
from tests.fixtures.alertmanager.world import (
    AM_KEY,
    GRAFANA_KEY,
    alerts_by_key,
    post,
    tocsin_fixture,
    unique_fingerprints,
)
from tests.integration.conftest import Tocsin

tocsin = tocsin_fixture()


def test_firing_alert_is_stored_with_query_values_links_and_screenshot(tocsin: Tocsin) -> None:
    [notification] = unique_fingerprints(sample(GRAFANA_FIRING))
    response = post(tocsin, f"/v1/grafana/{GRAFANA_KEY}", notification)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "success", "alerts": 2}
    firing_key, resolved_key = (a["fingerprint"] for a in notification["alerts"])
    stored = alerts_by_key(tocsin, firing_key, resolved_key)
    [alert] = stored[firing_key]
    assert alert["status"] == "triggered"
    assert alert["severity"] == "warning"
    assert alert["summary"] == "Checkout p99 latency above 800 ms"
    assert alert["labels"]["grafana_folder"] == "checkout"
    assert alert["custom_details"]["values"] == {"A": 0.912, "B": 1}
    assert [link["text"] for link in alert["links"]] == [
        "Runbook",
        "Alert rule",
        "Dashboard",
        "Panel",
        "Silence",
    ]
    assert alert["images"] == [{"src": notification["alerts"][0]["imageURL"]}]
    # The resolved alert was never seen firing: accepted, nothing to resolve.
    assert stored[resolved_key] == []


def test_put_with_a_bearer_token_then_resolve_closes_the_alert(tocsin: Tocsin) -> None:
    [notification] = unique_fingerprints(sample(GRAFANA_FIRING))
    auth = {"Authorization": f"Bearer {GRAFANA_KEY}"}
    response = httpx.put(f"{tocsin.url}/v1/grafana", json=notification, headers=auth, timeout=30)
    assert response.status_code == 200, response.text
    resolved = {
        **notification,
        "alerts": [{**a, "status": "resolved"} for a in notification["alerts"]],
    }
    assert post(tocsin, f"/v1/grafana/{GRAFANA_KEY}/", resolved).status_code == 200
    firing_key = notification["alerts"][0]["fingerprint"]
    [alert] = alerts_by_key(tocsin, firing_key)[firing_key]
    assert alert["status"] == "resolved"


def test_alertmanager_key_on_the_grafana_path_is_an_unknown_key(tocsin: Tocsin) -> None:
    response = post(tocsin, f"/v1/grafana/{AM_KEY}", sample(GRAFANA_FIRING))
    assert response.status_code == 404
    assert response.json()["message"] == "No grafana integration has this key"


def test_alertmanager_payload_on_the_grafana_path_points_to_the_right_endpoint(
    tocsin: Tocsin,
) -> None:
    response = post(tocsin, f"/v1/grafana/{GRAFANA_KEY}", sample(FIRING))
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "unsupported_version"
    assert any("/v1/alertmanager/KEY" in e for e in answer["errors"])


def test_delete_is_405_naming_post_and_put(tocsin: Tocsin) -> None:
    response = httpx.delete(f"{tocsin.url}/v1/grafana/{GRAFANA_KEY}", timeout=10)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, PUT"

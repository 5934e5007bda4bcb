"""Grafana alerting webhook notifications (payload version 1) as Tocsin alerts.

Grafana shares Alertmanager's shape, so the shared rules (keys, summary, severity, bad
alerts) are specified in test_alertmanager_parse.py; this file covers what Grafana adds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fixtures.alertmanager.samples import FIRING, GRAFANA_FIRING, sample, sample_bytes
from tocsin.core.events import Action, Severity
from tocsin.ingest import grafana
from tocsin.ingest.alert_list import (
    INVALID_PAYLOAD,
    TOO_MANY_ALERTS,
    UNSUPPORTED_VERSION,
    Invalid,
    Notification,
    ParsedAlert,
)


def parsed(body: bytes) -> list[ParsedAlert]:
    result = grafana.parse(body)
    assert isinstance(result, Notification), result
    return result.alerts


def rejected(body: bytes) -> Invalid:
    result = grafana.parse(body)
    assert isinstance(result, Invalid), result
    return result


def test_each_alert_is_keyed_by_fingerprint_and_follows_its_status() -> None:
    alerts = parsed(sample_bytes(GRAFANA_FIRING))
    assert [(a.dedup_key, a.action) for a in alerts] == [
        ("3d2f7a6c11b9e0a4", Action.TRIGGER),
        ("9b04e1d3c27f5a86", Action.RESOLVE),
    ]


def test_firing_alert_keeps_labels_summary_severity_and_start_time() -> None:
    alert = parsed(sample_bytes(GRAFANA_FIRING))[0]
    assert alert.labels["grafana_folder"] == "checkout"
    assert alert.summary == "Checkout p99 latency above 800 ms"
    assert alert.severity is Severity.WARNING
    assert alert.occurred_at == datetime(2026, 11, 27, 22, 40, 10, 481224, tzinfo=UTC)
    assert alert.source == "https://grafana.example.invalid/"


def test_query_values_and_grafana_org_are_kept_in_custom_details() -> None:
    details = parsed(sample_bytes(GRAFANA_FIRING))[0].custom_details
    assert details["values"] == {"A": 0.912, "B": 1}
    assert details["valueString"].startswith("[ var='A'")
    assert details["orgId"] == 1
    assert details["receiver"] == "tocsin"
    assert details["annotations"]["description"] == "p99 latency of checkout is above 800 ms"
    assert details["generatorURL"].endswith("/view?orgId=1")


def test_rule_dashboard_panel_and_silence_urls_become_links() -> None:
    links = parsed(sample_bytes(GRAFANA_FIRING))[0].links
    assert [link["text"] for link in links] == [
        "Runbook",
        "Alert rule",
        "Dashboard",
        "Panel",
        "Silence",
    ]
    assert links[3]["href"] == "https://grafana.example.invalid/d/checkout?orgId=1&viewPanel=4"


def test_blank_dashboard_and_panel_urls_are_left_out() -> None:
    links = parsed(sample_bytes(GRAFANA_FIRING))[1].links
    assert [link["text"] for link in links] == ["Alert rule", "Silence"]


def test_panel_screenshot_becomes_an_image() -> None:
    first, second = parsed(sample_bytes(GRAFANA_FIRING))
    assert first.images == [
        {"src": "https://grafana.example.invalid/public/img/attachments/kq8Ls.png"}
    ]
    assert second.images == []


def test_deprecated_title_state_and_message_are_not_stored_per_alert() -> None:
    for alert in parsed(sample_bytes(GRAFANA_FIRING)):
        raw = json.loads(alert.raw)
        assert raw["version"] == "1"
        assert raw["orgId"] == 1
        assert not {"title", "state", "message"} & set(raw)
        assert not {"title", "state", "message"} & set(alert.custom_details)


def test_grafana_test_notification_without_annotations_is_accepted() -> None:
    # What "Test" on a contact point sends: one firing alert named TestAlert.
    body = {
        **sample(GRAFANA_FIRING),
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "TestAlert", "instance": "Grafana"},
                "annotations": {"summary": "Notification test"},
                "startsAt": "2026-11-28T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": "57c6d9296de2ad39",
                "silenceURL": "https://grafana.example.invalid/alerting/silence/new",
                "dashboardURL": "",
                "panelURL": "",
                "values": None,
                "valueString": "",
            }
        ],
    }
    [alert] = parsed(json.dumps(body).encode())
    assert alert.summary == "Notification test"
    assert alert.source == "Grafana"


def with_changes(**changes: Any) -> bytes:
    return json.dumps({**sample(GRAFANA_FIRING), **changes}).encode()


BAD = [
    ("Alertmanager payload", sample_bytes(FIRING), UNSUPPORTED_VERSION, "/v1/alertmanager/KEY"),
    ("no version", with_changes(version=None), UNSUPPORTED_VERSION, "'version' must be \"1\""),
    ("legacy Grafana alert", b'{"ruleName":"x","state":"alerting"}', UNSUPPORTED_VERSION, "got"),
    ("alerts string", with_changes(alerts="x"), INVALID_PAYLOAD, "'alerts' is missing"),
    (
        "too many alerts",
        with_changes(alerts=sample(GRAFANA_FIRING)["alerts"] * 501),
        TOO_MANY_ALERTS,
        "at most 1000 alerts",
    ),
    (
        "numeric image URL",
        with_changes(alerts=[{**sample(GRAFANA_FIRING)["alerts"][0], "imageURL": 3}]),
        INVALID_PAYLOAD,
        "'alerts[0].imageURL' must be a string",
    ),
    (
        "list silence URL",
        with_changes(alerts=[{**sample(GRAFANA_FIRING)["alerts"][0], "silenceURL": []}]),
        INVALID_PAYLOAD,
        "'alerts[0].silenceURL' must be a string",
    ),
]


@pytest.mark.parametrize(("name", "raw", "code", "error"), BAD, ids=[b[0] for b in BAD])
def test_bad_grafana_notification_gets_its_documented_error(
    name: str, raw: bytes, code: str, error: str
) -> None:
    invalid = rejected(raw)
    assert invalid.code == code
    assert any(error in e for e in invalid.errors), invalid.errors

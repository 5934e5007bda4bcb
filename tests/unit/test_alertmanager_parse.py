"""Alertmanager webhook notifications (payload version 4) as Tocsin alerts: pure parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures.alertmanager.samples import (
    FIRING,
    PARTIALLY_RESOLVED,
    RESOLVED,
    am_alert,
    am_notification,
    sample,
    sample_bytes,
)
from tocsin.core.events import Action, Route, Severity
from tocsin.ingest import alertmanager
from tocsin.ingest.alert_list import (
    INVALID_PAYLOAD,
    MAX_ALERTS,
    MAX_REPORTED_PROBLEMS,
    MAX_SUMMARY,
    TOO_MANY_ALERTS,
    UNSUPPORTED_VERSION,
    Invalid,
    Notification,
    ParsedAlert,
    labels_key,
)

ROUTE = Route("int-am", "svc-checkout", "alertmanager")
NOW = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


def parsed(obj: dict[str, Any] | bytes) -> list[ParsedAlert]:
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    result = alertmanager.parse(body)
    assert isinstance(result, Notification), result
    return result.alerts


def rejected(body: bytes) -> Invalid:
    result = alertmanager.parse(body)
    assert isinstance(result, Invalid), result
    return result


def one(alert: dict[str, Any]) -> ParsedAlert:
    [only] = parsed(am_notification([alert]))
    return only


# --- the real captures ----------------------------------------------------------------


def test_firing_capture_triggers_one_alert_per_fingerprint() -> None:
    alerts = parsed(sample_bytes(FIRING))
    assert [(a.action, a.dedup_key) for a in alerts] == [
        (Action.TRIGGER, "745b1c372cacd427"),
        (Action.TRIGGER, "a4cd78c914668c47"),
    ]


def test_firing_capture_keeps_labels_start_time_and_annotations() -> None:
    first = parsed(sample_bytes(FIRING))[0]
    assert first.labels == {
        "alertname": "HighErrorRate",
        "instance": "checkout-2b1d:8080",
        "job": "checkout",
        "service": "checkout",
        "severity": "critical",
    }
    assert first.occurred_at == datetime(2026, 11, 27, 23, 27, 53, 207000, tzinfo=UTC)
    assert first.summary == "5xx rate above 5% for 10m"
    assert first.source == "checkout-2b1d:8080"
    assert first.severity is Severity.CRITICAL
    assert first.custom_details == {
        "annotations": {
            "description": "checkout 5xx ratio is 0.08",
            "summary": "5xx rate above 5% for 10m",
        },
        "generatorURL": "http://prometheus.example.invalid/graph?g0.expr=rate%28http_5xx%5B5m%5D%29",
        "receiver": "sink",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "externalURL": "http://vm:9093",
    }


def test_runbook_annotation_and_generator_url_become_links() -> None:
    second = parsed(sample_bytes(FIRING))[1]
    assert second.links == [
        {"href": "https://runbooks.example.invalid/HighErrorRate", "text": "Runbook"},
        {
            "href": "http://prometheus.example.invalid/graph?g0.expr=rate%28http_5xx%5B5m%5D%29",
            "text": "Source",
        },
    ]


def test_partially_resolved_capture_resolves_only_the_resolved_alert() -> None:
    alerts = parsed(sample_bytes(PARTIALLY_RESOLVED))
    assert [(a.dedup_key, a.action) for a in alerts] == [
        ("745b1c372cacd427", Action.TRIGGER),
        ("a4cd78c914668c47", Action.RESOLVE),
    ]


def test_resolved_capture_resolves_every_alert() -> None:
    assert {a.action for a in parsed(sample_bytes(RESOLVED))} == {Action.RESOLVE}


def test_event_log_keeps_the_alert_as_received_inside_its_envelope() -> None:
    capture = sample(FIRING)
    raw = json.loads(parsed(sample_bytes(FIRING))[0].raw)
    assert raw["alert"] == capture["alerts"][0]
    assert raw["receiver"] == "sink"
    assert raw["version"] == "4"
    assert raw["groupKey"] == capture["groupKey"]


def test_events_carry_the_route_and_every_parsed_field() -> None:
    notification = alertmanager.parse(sample_bytes(FIRING))
    assert isinstance(notification, Notification)
    events = notification.to_events(ROUTE, NOW)
    assert [e.route for e in events] == [ROUTE, ROUTE]
    assert events[1].received_at == NOW
    assert events[1].labels["instance"] == "checkout-7f9c:8080"
    assert events[1].links[0]["text"] == "Runbook"
    assert events[1].occurred_at == notification.alerts[1].occurred_at


# --- mapping rules ----------------------------------------------------------------------


def test_zero_start_time_means_no_occurrence_time() -> None:
    alert = {**am_alert("f1"), "startsAt": "0001-01-01T00:00:00Z"}
    assert one(alert).occurred_at is None


def test_start_time_with_nanoseconds_and_offset_is_read_as_utc() -> None:
    alert = {**am_alert("f1"), "startsAt": "2026-11-28T01:02:03.123456789+02:00"}
    assert one(alert).occurred_at == datetime(2026, 11, 27, 23, 2, 3, 123456, tzinfo=UTC)


def test_alert_without_fingerprint_is_keyed_by_its_label_set() -> None:
    alert = am_alert(None)
    reordered = {**alert, "labels": dict(reversed(list(alert["labels"].items())))}
    key = one(alert).dedup_key
    assert key.startswith("labels:")
    assert len(key) == len("labels:") + 64
    assert one(reordered).dedup_key == key
    assert key == labels_key(alert["labels"])


@given(st.dictionaries(st.text(min_size=1), st.text(), min_size=1), st.randoms())
def test_label_key_depends_on_the_label_set_not_its_order(labels: dict[str, str], rnd: Any) -> None:
    items = list(labels.items())
    rnd.shuffle(items)
    assert labels_key(dict(items)) == labels_key(labels)
    changed = {**labels, next(iter(labels)): next(iter(labels.values())) + "x"}
    assert labels_key(changed) != labels_key(labels)


@pytest.mark.parametrize(
    ("annotations", "labels", "summary"),
    [
        ({"summary": "Disk full", "description": "90%"}, {}, "Disk full"),
        ({"summary": "  ", "description": "Disk at 90%"}, {}, "Disk at 90%"),
        ({}, {"alertname": "DiskFull", "instance": "db-1:9100"}, "DiskFull on db-1:9100"),
        ({}, {"alertname": "DiskFull"}, "DiskFull"),
        ({}, {"job": "node"}, "Alert f1"),
    ],
)
def test_summary_falls_back_from_summary_to_description_to_alert_name(
    annotations: dict[str, str], labels: dict[str, str], summary: str
) -> None:
    alert = {**am_alert("f1"), "annotations": annotations, "labels": labels}
    assert one(alert).summary == summary


def test_long_summary_is_cut_rather_than_rejected() -> None:
    summary = one({**am_alert("f1"), "annotations": {"summary": "x" * 5000}}).summary
    assert len(summary) == MAX_SUMMARY
    assert summary.endswith("…")


@pytest.mark.parametrize(
    ("labels", "external_url", "source"),
    [
        ({"instance": "db-1:9100", "job": "node"}, "http://am:9093", "db-1:9100"),
        ({"job": "node"}, "http://am:9093", "node"),
        ({"alertname": "Watchdog"}, "http://am:9093", "http://am:9093"),
        ({"alertname": "Watchdog"}, None, "Alertmanager"),
    ],
)
def test_source_is_instance_else_job_else_the_alertmanager_url(
    labels: dict[str, str], external_url: str | None, source: str
) -> None:
    alert = {**am_alert("f1"), "labels": labels}
    body = am_notification([alert], externalURL=external_url)
    if external_url is None:
        del body["externalURL"]
    assert parsed(body)[0].source == source


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("P1", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("high", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("Warn", Severity.WARNING),
        ("ticket", Severity.WARNING),
        ("info", Severity.INFO),
        ("none", Severity.INFO),
        ("low", Severity.INFO),
        ("something-else", Severity.ERROR),
        (None, Severity.ERROR),
    ],
)
def test_severity_label_maps_to_tocsin_severity_with_error_as_default(
    label: str | None, severity: Severity
) -> None:
    alert = am_alert("f1")
    if label is not None:
        alert["labels"]["severity"] = label
    assert one(alert).severity is severity


def test_dashboard_annotation_is_a_link_and_blank_urls_are_not() -> None:
    alert = {
        **am_alert("f1", dashboard="https://grafana.example.invalid/d/db", runbook_url=" "),
        "generatorURL": "",
    }
    assert one(alert).links == [
        {"href": "https://grafana.example.invalid/d/db", "text": "Dashboard"}
    ]


def test_empty_notification_is_accepted_with_no_alerts() -> None:
    assert parsed(am_notification([])) == []


def test_a_full_notification_of_the_documented_maximum_is_accepted() -> None:
    alerts = [am_alert(f"f{i}") for i in range(MAX_ALERTS)]
    assert len(parsed(am_notification(alerts))) == MAX_ALERTS


# --- bad payloads -----------------------------------------------------------------------


def body(**changes: Any) -> bytes:
    return json.dumps({**am_notification([am_alert("f1")]), **changes}).encode()


def body_with_alert(**changes: Any) -> bytes:
    return json.dumps(am_notification([{**am_alert("f1"), **changes}])).encode()


BAD = [
    ("malformed JSON", b"{", INVALID_PAYLOAD, "Malformed JSON"),
    ("empty body", b"", INVALID_PAYLOAD, "Malformed JSON"),
    ("invalid UTF-8", b'{"version":"\xc3\x28"}', INVALID_PAYLOAD, "Malformed JSON"),
    ("JSON array", b"[]", INVALID_PAYLOAD, "must be a JSON object"),
    ("deeply nested", b"[" * 100000 + b"]" * 100000, INVALID_PAYLOAD, "nested too deeply"),
    ("no version", body(version=None), UNSUPPORTED_VERSION, "got nothing"),
    ("object version", body(version={"v": 4}), UNSUPPORTED_VERSION, "got an object"),
    ("version 3", body(version="3"), UNSUPPORTED_VERSION, "'version' must be \"4\""),
    ("numeric version", body(version=4), UNSUPPORTED_VERSION, "got 4"),
    ("Grafana payload", body(version="1"), UNSUPPORTED_VERSION, "/v1/grafana/KEY"),
    ("no alerts", body(alerts=None), INVALID_PAYLOAD, "'alerts' is missing or not an array"),
    ("alerts object", body(alerts={}), INVALID_PAYLOAD, "'alerts' is missing or not an array"),
    ("alert not object", body(alerts=["x"]), INVALID_PAYLOAD, "'alerts[0]' must be an object"),
    (
        "too many alerts",
        body(alerts=[am_alert(f"f{i}") for i in range(MAX_ALERTS + 1)]),
        TOO_MANY_ALERTS,
        f"at most {MAX_ALERTS} alerts",
    ),
    ("unknown status", body_with_alert(status="pending"), INVALID_PAYLOAD, "alerts[0].status"),
    ("no status", body_with_alert(status=None), INVALID_PAYLOAD, "alerts[0].status"),
    ("no labels", body_with_alert(labels=None), INVALID_PAYLOAD, "'alerts[0].labels' is missing"),
    ("labels list", body_with_alert(labels=["a"]), INVALID_PAYLOAD, "alerts[0].labels"),
    (
        "numeric label",
        body_with_alert(labels={"code": 500}),
        INVALID_PAYLOAD,
        "'alerts[0].labels.code' must be a string",
    ),
    (
        "annotations string",
        body_with_alert(annotations="x"),
        INVALID_PAYLOAD,
        "'alerts[0].annotations' is missing or not an object",
    ),
    (
        "bad start time",
        body_with_alert(startsAt="yesterday"),
        INVALID_PAYLOAD,
        "'alerts[0].startsAt' must be an ISO 8601 timestamp",
    ),
    (
        "fingerprint too long",
        body_with_alert(fingerprint="f" * 256),
        INVALID_PAYLOAD,
        "'alerts[0].fingerprint' must be at most 255 characters",
    ),
    (
        "numeric fingerprint",
        body_with_alert(fingerprint=7),
        INVALID_PAYLOAD,
        "'alerts[0].fingerprint' must be a string",
    ),
    (
        "generator URL object",
        body_with_alert(generatorURL={}),
        INVALID_PAYLOAD,
        "'alerts[0].generatorURL' must be a string",
    ),
]


@pytest.mark.parametrize(("name", "raw", "code", "error"), BAD, ids=[b[0] for b in BAD])
def test_bad_notification_gets_its_documented_error(
    name: str, raw: bytes, code: str, error: str
) -> None:
    invalid = rejected(raw)
    assert invalid.code == code
    assert invalid.message
    assert any(error in e for e in invalid.errors), invalid.errors


def test_every_problem_of_every_alert_is_reported_at_once() -> None:
    alerts = [
        {**am_alert("f1"), "status": "gone"},
        {**am_alert("f2"), "labels": {"a": 1}, "startsAt": "soon"},
    ]
    errors = rejected(json.dumps(am_notification(alerts)).encode()).errors
    assert errors == [
        "'alerts[0].status' must be one of firing, resolved",
        "'alerts[1].labels.a' must be a string",
        "'alerts[1].startsAt' must be an ISO 8601 timestamp",
    ]


def test_a_flood_of_problems_is_cut_short_with_a_count() -> None:
    alerts = [{**am_alert(f"f{i}"), "status": "x"} for i in range(MAX_ALERTS)]
    errors = rejected(json.dumps(am_notification(alerts)).encode()).errors
    assert len(errors) == MAX_REPORTED_PROBLEMS + 1
    assert errors[-1] == f"... and {MAX_ALERTS - MAX_REPORTED_PROBLEMS} more problems"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
ALERT_FIELDS = st.sampled_from(
    ["status", "labels", "annotations", "startsAt", "fingerprint", "generatorURL"]
)


@given(st.lists(st.dictionaries(ALERT_FIELDS, JSON_VALUES), max_size=4))
def test_any_alert_list_is_either_parsed_or_rejected_never_raises(
    alerts: list[dict[str, Any]],
) -> None:
    result = alertmanager.parse(json.dumps(am_notification(alerts)).encode())
    assert isinstance(result, Notification | Invalid)
    if isinstance(result, Invalid):
        assert result.code == INVALID_PAYLOAD
        assert result.errors

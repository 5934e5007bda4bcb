"""PagerDuty Events API v2 validation: what is accepted, and what each bad body is told."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tocsin.core.events import Action, Severity
from tocsin.ingest.pagerduty import Invalid, ParsedEvent, parse_change, parse_enqueue

KEY = "0123456789abcdef0123456789abcdef"


def trigger(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": "disk-web1",
        "payload": {"summary": "Disk full on web1", "source": "web1", "severity": "critical"},
    }
    body.update(overrides)
    return body


def parse(body: object) -> ParsedEvent | Invalid:
    return parse_enqueue(json.dumps(body).encode())


def test_full_trigger_keeps_every_field() -> None:
    body = trigger(
        payload={
            "summary": "Disk full",
            "source": "web1",
            "severity": "warning",
            "timestamp": "2026-11-27T23:27:53.207Z",
            "component": "disk",
            "group": "prod",
            "class": "storage",
            "custom_details": {"free": "1%"},
        },
        client="Nagios",
        client_url="https://nagios.example.com",
        links=[{"href": "https://runbook.example.com", "text": "Runbook"}],
        images=[{"src": "https://img.example.com/a.png", "alt": "graph"}],
    )
    parsed = parse(body)
    assert isinstance(parsed, ParsedEvent)
    assert parsed.action is Action.TRIGGER
    f = parsed.fields
    assert f["severity"] is Severity.WARNING
    assert f["occurred_at"] == datetime(2026, 11, 27, 23, 27, 53, 207000, tzinfo=UTC)
    assert (f["component"], f["group"], f["class_name"]) == ("disk", "prod", "storage")
    assert f["custom_details"] == {"free": "1%"}
    assert f["links"] == [{"href": "https://runbook.example.com", "text": "Runbook"}]
    assert f["images"][0]["src"] == "https://img.example.com/a.png"
    assert (f["client"], f["client_url"]) == ("Nagios", "https://nagios.example.com")


def test_trigger_without_dedup_key_gets_a_generated_one() -> None:
    body = trigger()
    del body["dedup_key"]
    parsed = parse(body)
    assert isinstance(parsed, ParsedEvent)
    assert parsed.dedup_key_generated
    assert len(parsed.dedup_key) == 32


def test_official_client_timestamp_with_offset_and_z_is_accepted() -> None:
    # pagerduty 7.x sends isoformat() + "Z", e.g. "...+00:00Z".
    payload = {"summary": "s", "source": "s", "severity": "info"}
    parsed = parse(trigger(payload={**payload, "timestamp": "2026-01-02T03:04:05+00:00Z"}))
    assert isinstance(parsed, ParsedEvent)
    assert parsed.fields["occurred_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_follow_ups_need_only_key_and_dedup_key(action: str) -> None:
    parsed = parse({"routing_key": KEY, "event_action": action, "dedup_key": "x"})
    assert isinstance(parsed, ParsedEvent)
    assert parsed.action.value == action


def test_nul_characters_are_replaced_so_every_database_can_store_them() -> None:
    parsed = parse(trigger(payload={"summary": "a\x00b", "source": "s", "severity": "info"}))
    assert isinstance(parsed, ParsedEvent)
    assert parsed.fields["summary"] == "a\ufffdb"


def test_unicode_summary_up_to_1024_characters_is_accepted() -> None:
    summary = "🔥" * 1024
    parsed = parse(trigger(payload={"summary": summary, "source": "s", "severity": "info"}))
    assert isinstance(parsed, ParsedEvent)
    assert parsed.fields["summary"] == summary


BAD = [
    ("malformed JSON", b"{not json", "Malformed JSON"),
    ("not an object", b"[1, 2]", "Event must be a JSON object"),
    ("empty body", b"", "Malformed JSON"),
    ("lone surrogate", b'{"routing_key": "\\ud800"}', "Malformed JSON"),
    ("invalid utf-8", b'{"routing_key": "\xff"}', "Malformed JSON"),
]


@pytest.mark.parametrize(("name", "raw", "message"), BAD, ids=[b[0] for b in BAD])
def test_undecodable_bodies_are_invalid_events(name: str, raw: bytes, message: str) -> None:
    result = parse_enqueue(raw)
    assert isinstance(result, Invalid)
    assert any(message in e for e in result.errors), result.errors


FIELD_ERRORS = [
    ("missing routing key", {"routing_key": None}, "'routing_key' is missing or blank"),
    ("routing key not a string", {"routing_key": 5}, "'routing_key' must be a string"),
    ("missing action", {"event_action": None}, "'event_action' is missing or blank"),
    ("unknown action", {"event_action": "explode"}, "'event_action' must be one of"),
    ("internal action", {"event_action": "reevaluate"}, "'event_action' must be one of"),
    ("dedup key too long", {"dedup_key": "x" * 256}, "'dedup_key' must be at most 255"),
    ("payload missing", {"payload": None}, "'payload' is missing or not an object"),
    (
        "summary missing",
        {"payload": {"source": "s", "severity": "info"}},
        "'payload.summary' is missing or blank",
    ),
    (
        "summary too long",
        {"payload": {"summary": "x" * 1025, "source": "s", "severity": "info"}},
        "'payload.summary' must be at most 1024",
    ),
    (
        "source missing",
        {"payload": {"summary": "s", "severity": "info"}},
        "'payload.source' is missing or blank",
    ),
    (
        "bad severity",
        {"payload": {"summary": "s", "source": "s", "severity": "apocalyptic"}},
        "'payload.severity' must be one of",
    ),
    (
        "bad timestamp",
        {"payload": {"summary": "s", "source": "s", "severity": "info", "timestamp": "yesterday"}},
        "'payload.timestamp' must be an ISO 8601",
    ),
    ("links not a list", {"links": "x"}, "'links' must be an array"),
    ("link without href", {"links": [{"text": "t"}]}, "'links[0].href' is missing"),
    ("image without src", {"images": [{"alt": "a"}]}, "'images[0].src' is missing"),
    ("client not a string", {"client": 1}, "'client' must be a string"),
]


@pytest.mark.parametrize(
    ("name", "overrides", "message"), FIELD_ERRORS, ids=[f[0] for f in FIELD_ERRORS]
)
def test_each_bad_field_is_named_in_the_errors(
    name: str, overrides: dict[str, object], message: str
) -> None:
    result = parse(trigger(**overrides))
    assert isinstance(result, Invalid)
    assert result.message == "Event object is invalid"
    assert any(message in e for e in result.errors), result.errors


def test_every_problem_is_reported_at_once() -> None:
    result = parse({"routing_key": KEY, "event_action": "trigger", "payload": {}})
    assert isinstance(result, Invalid)
    assert len(result.errors) == 3  # summary, source, severity


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_follow_up_without_dedup_key_is_invalid(action: str) -> None:
    result = parse({"routing_key": KEY, "event_action": action})
    assert isinstance(result, Invalid)
    assert "'dedup_key' is required" in result.errors[0]


def test_change_event_needs_a_summary() -> None:
    result = parse_change(json.dumps({"routing_key": KEY, "payload": {}}).encode())
    assert isinstance(result, Invalid)
    assert result.errors == ["'payload.summary' is missing or blank"]


def test_change_event_keeps_links_and_details() -> None:
    body = {
        "routing_key": KEY,
        "payload": {"summary": "Deploy v42", "source": "ci", "custom_details": {"sha": "abc"}},
        "links": [{"href": "https://ci.example.com/42"}],
    }
    parsed = parse_change(json.dumps(body).encode())
    assert not isinstance(parsed, Invalid)
    assert (parsed.summary, parsed.source, parsed.custom_details) == (
        "Deploy v42",
        "ci",
        {"sha": "abc"},
    )
    assert parsed.links == [{"href": "https://ci.example.com/42"}]

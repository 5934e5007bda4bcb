"""Opsgenie Alert API validation: what a create or an action becomes, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tocsin.core.events import Action, Route, Severity
from tocsin.ingest.opsgenie import (
    DEFAULT_SOURCE,
    UNPROCESSABLE,
    IdentifierType,
    Invalid,
    Operation,
    ParsedAction,
    ParsedCreate,
    applied_status,
    dedup_key_for,
    parse_action,
    parse_create,
    request_data,
)

ROUTE = Route("integration-1", "service-1", "opsgenie")


def create(body: Any, source: str = "10.0.0.7") -> ParsedCreate | Invalid:
    return parse_create(json.dumps(body).encode(), source)


def created(**fields: Any) -> ParsedCreate:
    parsed = create({"message": "Disk full on db1", **fields})
    assert isinstance(parsed, ParsedCreate), parsed
    return parsed


def refused(body: Any) -> dict[str, str]:
    parsed = create(body)
    assert isinstance(parsed, Invalid), parsed
    assert not parsed.syntax
    assert parsed.message == UNPROCESSABLE
    return parsed.errors


def test_full_create_becomes_a_trigger_with_labels_and_details() -> None:
    parsed = created(
        alias="db1-disk",
        description="95% used on /var",
        tags=["db", "prod", "db"],
        details={"host": "db1", "mount": "/var"},
        entity="db1",
        source="nagios",
        priority="P2",
        responders=[{"type": "team", "name": "dba"}],
        visibleTo=[{"type": "user", "username": "alice@example.com"}],
        actions=["Restart"],
        note="first seen by nagios",
        user="monitoring",
    )
    event = parsed.to_event(ROUTE, datetime(2026, 1, 1, tzinfo=UTC), "{}")
    assert event.action is Action.TRIGGER
    assert event.dedup_key == "db1-disk"
    assert event.summary == "Disk full on db1"
    assert event.severity is Severity.ERROR
    assert event.source == "nagios"
    assert event.component == "db1"
    assert event.labels == {
        "tag:db": "true",
        "tag:prod": "true",
        "priority": "P2",
        "source": "nagios",
        "entity": "db1",
    }
    assert event.custom_details == {
        "alias": "db1-disk",
        "priority": "P2",
        "description": "95% used on /var",
        "details": {"host": "db1", "mount": "/var"},
        "tags": ["db", "prod"],
        "entity": "db1",
        "responders": [{"type": "team", "name": "dba"}],
        "visibleTo": [{"type": "user", "username": "alice@example.com"}],
        "actions": ["Restart"],
        "note": "first seen by nagios",
        "user": "monitoring",
    }


def test_message_alone_is_a_p3_warning_from_the_senders_address() -> None:
    parsed = created()
    assert parsed.fields["severity"] is Severity.WARNING
    assert parsed.fields["source"] == "10.0.0.7"
    assert parsed.fields["labels"] == {"priority": "P3", "source": "10.0.0.7"}
    assert parsed.fields["custom_details"] == {"alias": parsed.alias, "priority": "P3"}


def test_without_an_address_the_source_is_opsgenie_api() -> None:
    parsed = parse_create(b'{"message": "m"}')
    assert isinstance(parsed, ParsedCreate)
    assert parsed.fields["source"] == DEFAULT_SOURCE == "opsgenie-api"


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ("P1", Severity.CRITICAL),
        ("P2", Severity.ERROR),
        ("P3", Severity.WARNING),
        ("P4", Severity.INFO),
        ("P5", Severity.INFO),
        (None, Severity.WARNING),
    ],
)
def test_priority_maps_to_severity(priority: str | None, severity: Severity) -> None:
    assert created(priority=priority).fields["severity"] is severity


def test_without_alias_each_create_gets_its_own_generated_alias() -> None:
    first, second = created(), created(alias="  ")
    assert first.alias_generated
    assert second.alias_generated
    assert first.alias != second.alias
    assert len(first.alias) == 32


def test_alias_over_255_characters_is_keyed_by_its_hash() -> None:
    alias = "a" * 512
    parsed = created(alias=alias)
    assert parsed.alias == alias
    assert parsed.dedup_key == dedup_key_for(alias)
    assert parsed.dedup_key.startswith("alias:")
    assert len(parsed.dedup_key) == len("alias:") + 64
    assert dedup_key_for("b" * 255) == "b" * 255


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("message", 130),
        ("alias", 512),
        ("description", 15000),
        ("entity", 512),
        ("source", 100),
        ("user", 100),
        ("note", 25000),
    ],
)
def test_text_fields_accept_their_limit_and_refuse_one_more(field: str, limit: int) -> None:
    base = {"message": "m"}
    assert isinstance(create({**base, field: "x" * limit}), ParsedCreate)
    errors = refused({**base, field: "x" * (limit + 1)})
    assert errors == {field: f"must be at most {limit} characters"}


def test_tags_are_limited_to_20_of_50_characters() -> None:
    assert isinstance(create({"message": "m", "tags": [f"t{i}" for i in range(20)]}), ParsedCreate)
    assert refused({"message": "m", "tags": [f"t{i}" for i in range(21)]}) == {
        "tags": "may hold at most 20 items"
    }
    assert refused({"message": "m", "tags": ["x" * 51]}) == {
        "tags[0]": "must be at most 50 characters"
    }


def test_details_are_limited_to_8000_characters_in_total() -> None:
    fits = {"k": "v" * 7999}
    assert isinstance(create({"message": "m", "details": fits}), ParsedCreate)
    assert refused({"message": "m", "details": {"k": "v" * 4000, "l": "v" * 4000}}) == {
        "details": "must be at most 8000 characters (keys and values)"
    }


def test_every_bad_field_is_named_at_once() -> None:
    errors = refused(
        {
            "message": "",
            "priority": "P9",
            "tags": "db",
            "details": {"n": 1},
            "actions": ["x"] * 11,
            "responders": [{"type": "robot"}, "dba"],
            "visibleTo": [{"type": "escalation", "name": "e"}],
            "entity": 7,
        }
    )
    assert errors == {
        "message": "is missing or blank",
        "priority": "must be one of P1, P2, P3, P4, P5",
        "tags": "must be an array of strings",
        "details.n": "must be a string",
        "actions": "may hold at most 10 items",
        "responders[0].type": "must be one of team, user, escalation, schedule",
        "responders[0]": "needs an id, a name or a username",
        "responders[1]": "must be an object",
        "visibleTo[0].type": "must be one of team, user",
        "entity": "must be a string",
    }


def test_a_thousand_bad_details_name_at_most_50_fields() -> None:
    errors = refused({"message": "m", "details": {f"k{i}": i for i in range(1000)}})
    assert len(errors) == 51
    assert errors["..."] == "more problems are not listed"


@pytest.mark.parametrize("body", [b"{", b"[1]", b"", b"\xff"])
def test_a_body_that_is_not_a_json_object_is_a_syntax_error(body: bytes) -> None:
    parsed = parse_create(body)
    assert isinstance(parsed, Invalid)
    assert parsed.syntax


def action(
    operation: Operation, identifier: str = "db1-disk", kind: str | None = "alias", **body: Any
) -> ParsedAction | Invalid:
    return parse_action(operation, identifier, kind, json.dumps(body).encode() if body else b"")


def test_actions_take_an_empty_body_and_default_to_identifier_type_id() -> None:
    parsed = parse_action(Operation.ACKNOWLEDGE, "06h20bkdvc2opru8", None, b"")
    assert parsed == ParsedAction(Operation.ACKNOWLEDGE, "06h20bkdvc2opru8", IdentifierType.ID, {})


def test_action_keeps_user_source_and_note() -> None:
    parsed = action(Operation.CLOSE, user="alice", source="cli", note="fixed")
    assert isinstance(parsed, ParsedAction)
    assert parsed.identifier_type is IdentifierType.ALIAS
    assert parsed.body == {"user": "alice", "source": "cli", "note": "fixed"}


def test_tiny_identifiers_are_refused_with_what_to_use_instead() -> None:
    parsed = action(Operation.ACKNOWLEDGE, "1234", "tiny")
    assert isinstance(parsed, Invalid)
    assert "use id" in parsed.errors["identifierType"]
    assert "or alias" in parsed.errors["identifierType"]


def test_unknown_identifier_type_and_blank_identifier_are_named() -> None:
    parsed = action(Operation.CLOSE, " ", "name")
    assert isinstance(parsed, Invalid)
    assert parsed.errors == {
        "identifier": "is missing or blank",
        "identifierType": "must be one of id, alias, tiny",
    }


def test_snooze_needs_an_iso_end_time() -> None:
    missing = action(Operation.SNOOZE)
    assert isinstance(missing, Invalid)
    assert missing.errors == {"endTime": "is missing or blank"}
    bad = action(Operation.SNOOZE, endTime="tomorrow")
    assert isinstance(bad, Invalid)
    assert bad.errors == {"endTime": "must be an ISO 8601 timestamp"}
    assert isinstance(action(Operation.SNOOZE, endTime="2026-12-01T10:00:00Z"), ParsedAction)


def test_add_note_needs_a_note_of_at_most_25000_characters() -> None:
    assert isinstance(action(Operation.ADD_NOTE), Invalid)
    assert isinstance(action(Operation.ADD_NOTE, note="x" * 25000), ParsedAction)
    too_long = action(Operation.ADD_NOTE, note="x" * 25001)
    assert isinstance(too_long, Invalid)
    assert too_long.errors == {"note": "must be at most 25000 characters"}


def test_action_with_malformed_body_is_a_syntax_error() -> None:
    parsed = parse_action(Operation.CLOSE, "a", "alias", b"{not json")
    assert isinstance(parsed, Invalid)
    assert parsed.syntax


@pytest.mark.parametrize(
    ("outcome", "success", "status"),
    [
        ("created", True, "Created alert"),
        ("acknowledged", True, "Acknowledged alert"),
        ("resolved", True, "Closed alert"),
        ("ignored", False, "Alert does not exist (no open alert of this integration has it)"),
        (None, False, "unknown"),
    ],
)
def test_request_status_follows_the_alert_events_outcome(
    outcome: str | None, success: bool, status: str
) -> None:
    found = applied_status(outcome)
    assert (found.success, found.status) == (success, status)


def test_request_data_has_opsgenies_shape() -> None:
    data = request_data(
        operation="Create",
        processed_at=datetime(2026, 5, 24, 14, 24, 20, 844000, tzinfo=UTC),
        integration_id="i1",
        status=applied_status("created"),
        alert_id="a1",
        alias=None,
    )
    assert data == {
        "success": True,
        "action": "Create",
        "processedAt": "2026-05-24T14:24:20.844Z",
        "integrationId": "i1",
        "isSuccess": True,
        "status": "Created alert",
        "alertId": "a1",
        "alias": "",
    }

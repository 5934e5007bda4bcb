"""PagerDuty Events API v2: ``/v2/enqueue`` alert events and ``/v2/change/enqueue``.

Field names, limits and messages follow PagerDuty's documentation so that any existing
sender can point at Tocsin by changing the host. Validation is pure: bytes in, a validated
event or the list of problems out. Routing-key lookup happens in the HTTP layer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.core.events import Action, AlertEvent, ChangeEvent, Route, Severity
from tocsin.ingest.fields import (
    Problems,
    decode_json_object,
    link_list,
    text_field,
    timestamp_field,
)

MAX_BODY = 512 * 1024
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
MAX_ROUTING_KEY = 128

_ACTIONS = {a.value: a for a in (Action.TRIGGER, Action.ACKNOWLEDGE, Action.RESOLVE)}
_SEVERITIES = {s.value: s for s in Severity}


@dataclass(frozen=True, slots=True)
class Invalid:
    """A payload PagerDuty would answer with 400 "invalid event"."""

    message: str
    errors: list[str]


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    """A valid ``/v2/enqueue`` body, before its routing key is resolved."""

    routing_key: str
    action: Action
    dedup_key: str
    dedup_key_generated: bool
    fields: dict[str, Any]

    def to_event(self, route: Route, received_at: datetime, raw: str) -> AlertEvent:
        """The internal event for this body, once the routing key named ``route``."""
        return AlertEvent(
            route=route,
            action=self.action,
            dedup_key=self.dedup_key,
            received_at=received_at,
            raw=raw,
            **self.fields,
        )


@dataclass(frozen=True, slots=True)
class ParsedChange:
    """A valid ``/v2/change/enqueue`` body, before its routing key is resolved."""

    routing_key: str
    summary: str
    source: str | None
    occurred_at: datetime | None
    custom_details: Any
    links: list[dict[str, str]]

    def to_change(
        self, service_ids: tuple[str, ...], origin: str, received_at: datetime
    ) -> ChangeEvent:
        """The internal change event, recorded on ``service_ids``."""
        return ChangeEvent(
            service_ids=service_ids,
            origin=origin,
            summary=self.summary,
            received_at=received_at,
            occurred_at=self.occurred_at or received_at,
            source=self.source,
            custom_details=self.custom_details,
            links=self.links,
        )


def _decode_object(body: bytes) -> dict[str, Any] | Invalid:
    obj = decode_json_object(body)
    if isinstance(obj, str):
        return Invalid("Event object is invalid", [obj])
    return obj


def _routing_key(obj: dict[str, Any], problems: Problems) -> str:
    key = text_field(obj, "routing_key", "routing_key", problems, required=True)
    if key is not None and len(key) > MAX_ROUTING_KEY:
        problems.add("'routing_key' is invalid")
        return ""
    return key or ""


def parse_enqueue(body: bytes) -> ParsedEvent | Invalid:
    """Validate a ``/v2/enqueue`` body the way PagerDuty does, reporting every problem."""
    obj = _decode_object(body)
    if isinstance(obj, Invalid):
        return obj
    problems = Problems()
    routing_key = _routing_key(obj, problems)
    action = _action(obj, problems)
    dedup_key = text_field(obj, "dedup_key", "dedup_key", problems, max_length=MAX_DEDUP_KEY)
    generated = False
    dedup_key = dedup_key or None
    if dedup_key is None and action in (Action.ACKNOWLEDGE, Action.RESOLVE):
        problems.add("'dedup_key' is required for acknowledge and resolve events")
    fields: dict[str, Any] = {}
    if action is Action.TRIGGER:
        fields = _trigger_fields(obj, problems)
        if dedup_key is None and not problems:
            dedup_key, generated = uuid.uuid4().hex, True
    if problems or action is None:
        return Invalid("Event object is invalid", problems.messages)
    assert dedup_key is not None
    return ParsedEvent(routing_key, action, dedup_key, generated, fields)


def _action(obj: dict[str, Any], problems: Problems) -> Action | None:
    value = obj.get("event_action")
    if value is None:
        problems.add("'event_action' is missing or blank")
        return None
    action = _ACTIONS.get(value) if isinstance(value, str) else None
    if action is None:
        problems.add("'event_action' must be one of trigger, acknowledge, resolve")
    return action


def _trigger_fields(obj: dict[str, Any], problems: Problems) -> dict[str, Any]:
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        problems.add("'payload' is missing or not an object")
        return {}
    summary = text_field(
        payload, "summary", "payload.summary", problems, required=True, max_length=MAX_SUMMARY
    )
    source = text_field(payload, "source", "payload.source", problems, required=True)
    severity = _severity(payload, problems)
    details = payload.get("custom_details")
    return {
        "summary": summary or "",
        "source": source or "",
        "severity": severity,
        "occurred_at": timestamp_field(payload, "timestamp", "payload.timestamp", problems),
        "component": text_field(payload, "component", "payload.component", problems),
        "group": text_field(payload, "group", "payload.group", problems),
        "class_name": text_field(payload, "class", "payload.class", problems),
        "custom_details": details,
        "links": link_list(obj, "links", "links", problems, url_key="href"),
        "images": link_list(obj, "images", "images", problems, url_key="src"),
        "client": text_field(obj, "client", "client", problems),
        "client_url": text_field(obj, "client_url", "client_url", problems),
    }


def _severity(payload: dict[str, Any], problems: Problems) -> Severity:
    value = payload.get("severity")
    severity = _SEVERITIES.get(value) if isinstance(value, str) else None
    if severity is None:
        problems.add("'payload.severity' must be one of critical, error, warning, info")
        return Severity.CRITICAL
    return severity


def parse_change(body: bytes) -> ParsedChange | Invalid:
    """Validate a ``/v2/change/enqueue`` body."""
    obj = _decode_object(body)
    if isinstance(obj, Invalid):
        return obj
    problems = Problems()
    routing_key = _routing_key(obj, problems)
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        problems.add("'payload' is missing or not an object")
        return Invalid("Change event object is invalid", problems.messages)
    summary = text_field(
        payload, "summary", "payload.summary", problems, required=True, max_length=MAX_SUMMARY
    )
    source = text_field(payload, "source", "payload.source", problems)
    occurred_at = timestamp_field(payload, "timestamp", "payload.timestamp", problems)
    links = link_list(obj, "links", "links", problems, url_key="href")
    if problems:
        return Invalid("Change event object is invalid", problems.messages)
    return ParsedChange(
        routing_key, summary or "", source, occurred_at, payload.get("custom_details"), links
    )

"""Opsgenie Alert API v2: create alert and the alert actions, as Opsgenie validates them.

Pure: bytes in, a parsed request or every problem found out. Field names, limits and the
422 shape (``errors`` maps each field to its problem) follow Opsgenie's Alert API, so a
sender changes only the host. A create body becomes a trigger whose dedup key is the
``alias`` (generated when absent), severity comes from ``priority``, and tags become labels
``tag:<tag>`` = ``"true"`` beside ``priority``, ``source`` and ``entity``, so silences can
match them. docs/ingest-opsgenie.md has the whole mapping and what each action does.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tocsin.core.events import Action, AlertEvent, Route, Severity
from tocsin.ingest.fields import (
    Problems,
    clean_text,
    decode_json_object,
    text_field,
    timestamp_field,
)

MAX_BODY = 512 * 1024
MAX_MESSAGE, MAX_ALIAS = 130, 512
# Optional text fields and their limits in characters.
TEXT_LIMITS: Mapping[str, int] = {
    "alias": MAX_ALIAS,
    "description": 15000,
    "entity": 512,
    "source": 100,
    "user": 100,
    "note": 25000,
}
MAX_TAGS, MAX_TAG, MAX_ACTIONS, MAX_ACTION = 20, 50, 10, 50
MAX_DETAILS = 8000  # characters of keys and values together
MAX_RECIPIENTS = 50
MAX_DEDUP_KEY = 255  # the dedup key column
MAX_REPORTED = 50  # fields named in one 422
DEFAULT_SOURCE = "opsgenie-api"
UNPROCESSABLE = "Request body is not processable. Please check the errors."

PRIORITIES: Mapping[str, Severity] = {
    "P1": Severity.CRITICAL,
    "P2": Severity.ERROR,
    "P3": Severity.WARNING,
    "P4": Severity.INFO,
    "P5": Severity.INFO,
}
DEFAULT_PRIORITY = "P3"  # Opsgenie's default
_RESPONDER_TYPES = ("team", "user", "escalation", "schedule")
_VISIBLE_TO_TYPES = ("team", "user")


class Operation(StrEnum):
    """A request, named as ``GET /v2/alerts/requests/{id}`` reports its ``action``."""

    CREATE = "Create"
    ACKNOWLEDGE = "Acknowledge"
    CLOSE = "Close"
    UNACKNOWLEDGE = "Unacknowledge"
    SNOOZE = "Snooze"
    ADD_NOTE = "AddNote"


# POST /v2/alerts/{identifier}/<path> -> the operation.
ACTION_PATHS: Mapping[str, Operation] = {
    "acknowledge": Operation.ACKNOWLEDGE,
    "close": Operation.CLOSE,
    "unacknowledge": Operation.UNACKNOWLEDGE,
    "snooze": Operation.SNOOZE,
    "notes": Operation.ADD_NOTE,
}
# What Tocsin applies to the alert; the other actions are recorded, not applied.
APPLIED: Mapping[Operation, Action] = {
    Operation.ACKNOWLEDGE: Action.ACKNOWLEDGE,
    Operation.CLOSE: Action.RESOLVE,
}
NOT_APPLIED: Mapping[Operation, str] = {
    Operation.UNACKNOWLEDGE: "Not applied: Tocsin cannot unacknowledge alerts yet; "
    "the request is recorded",
    Operation.SNOOZE: "Not applied: Tocsin cannot snooze alerts yet; the request is recorded",
    Operation.ADD_NOTE: "Not applied: Tocsin has no alert notes yet; "
    "the note is recorded with this request",
}


# An alert event's outcome -> (success, status) of the request that sent it.
_APPLIED_STATUS: Mapping[str, tuple[bool, str]] = {
    "created": (True, "Created alert"),
    "appended": (True, "Alert with this alias is already open: its count increased"),
    "acknowledged": (True, "Acknowledged alert"),
    "resolved": (True, "Closed alert"),
    "ignored": (False, "Alert does not exist (no open alert of this integration has it)"),
}


class IdentifierType(StrEnum):
    """How ``{identifier}`` names the alert (query ``identifierType``, default ``id``)."""

    ID = "id"  # the alertId GET /v2/alerts/requests/{id} reports: a Tocsin alert id
    ALIAS = "alias"
    TINY = "tiny"  # Opsgenie's short number: Tocsin has none, so it is refused


_IDENTIFIER_TYPES = {t.value: t for t in IdentifierType}


@dataclass(frozen=True, slots=True)
class Invalid:
    """A request Opsgenie would refuse: 400 when the body is not JSON, else 422."""

    message: str
    errors: dict[str, str]
    syntax: bool = False


@dataclass(frozen=True, slots=True)
class ParsedCreate:
    """A valid ``POST /v2/alerts`` body, before its key is resolved."""

    alias: str
    alias_generated: bool
    body: dict[str, Any]
    fields: dict[str, Any]  # AlertEvent fields

    @property
    def dedup_key(self) -> str:
        """The alert's dedup key: its alias, or the alias' hash when too long."""
        return dedup_key_for(self.alias)

    def to_event(self, route: Route, received_at: datetime, raw: str) -> AlertEvent:
        """The trigger event for this body, once the key named ``route``."""
        return AlertEvent(route, Action.TRIGGER, self.dedup_key, received_at, raw, **self.fields)


@dataclass(frozen=True, slots=True)
class ParsedAction:
    """A valid ``POST /v2/alerts/{identifier}/<action>`` request."""

    operation: Operation
    identifier: str
    identifier_type: IdentifierType
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """What ``GET /v2/alerts/requests/{id}`` says became of a request."""

    success: bool
    status: str


def dedup_key_for(alias: str) -> str:
    """The dedup key of ``alias``: itself, or ``alias:`` + its SHA-256 (hex) over 255 chars."""
    if len(alias) <= MAX_DEDUP_KEY:
        return alias
    return "alias:" + hashlib.sha256(alias.encode()).hexdigest()


def parse_create(body: bytes, default_source: str = DEFAULT_SOURCE) -> ParsedCreate | Invalid:
    """Validate a create-alert body, reporting every problem at once."""
    obj = decode_json_object(body)
    if isinstance(obj, str):
        return Invalid(obj, {"body": obj}, syntax=True)
    problems = Problems()
    message = text_field(obj, "message", "message", problems, required=True, max_length=MAX_MESSAGE)
    text = {f: text_field(obj, f, f, problems, max_length=n) for f, n in TEXT_LIMITS.items()}
    alias, source, entity = text["alias"], text["source"], text["entity"]
    priority = obj.get("priority")
    priority = DEFAULT_PRIORITY if priority is None else priority
    if not isinstance(priority, str) or priority not in PRIORITIES:
        problems.add("'priority' must be one of P1, P2, P3, P4, P5")
    tags = _strings(obj, "tags", problems, MAX_TAGS, MAX_TAG)
    details = _details(obj, problems)
    extra: dict[str, Any] = {
        "description": text["description"],
        "details": details or None,
        "tags": tags or None,
        "entity": entity,
        "responders": _recipients(obj, "responders", _RESPONDER_TYPES, problems),
        "visibleTo": _recipients(obj, "visibleTo", _VISIBLE_TO_TYPES, problems),
        "actions": _strings(obj, "actions", problems, MAX_ACTIONS, MAX_ACTION) or None,
        "note": text["note"],
        "user": text["user"],
    }
    if problems:
        return Invalid(UNPROCESSABLE, field_errors(problems))
    generated = alias is None or not alias.strip()
    alias = uuid.uuid4().hex if alias is None or generated else alias
    assert isinstance(priority, str)
    source = source if source and source.strip() else default_source
    labels = {f"tag:{t}": "true" for t in tags}
    labels.update(priority=priority, source=source)
    if entity:
        labels["entity"] = entity
    custom: dict[str, Any] = {"alias": alias, "priority": priority}
    custom.update((k, v) for k, v in extra.items() if v is not None)
    fields = {
        "summary": message or "",
        "source": source,
        "severity": PRIORITIES[priority],
        "component": entity,
        "custom_details": custom,
        "labels": labels,
    }
    return ParsedCreate(alias, generated, obj, fields)


def parse_action(
    operation: Operation, identifier: str, identifier_type: str | None, body: bytes
) -> ParsedAction | Invalid:
    """Validate an alert action: its identifier, ``identifierType`` and (optional) body."""
    obj = decode_json_object(body) if body.strip() else {}
    if isinstance(obj, str):
        return Invalid(obj, {"body": obj}, syntax=True)
    problems = Problems()
    if not identifier.strip():
        problems.add("'identifier' is missing or blank")
    elif len(identifier) > MAX_ALIAS:
        problems.add(f"'identifier' must be at most {MAX_ALIAS} characters")
    kind = _IDENTIFIER_TYPES.get(identifier_type or IdentifierType.ID)
    if kind is None:
        problems.add("'identifierType' must be one of id, alias, tiny")
    elif kind is IdentifierType.TINY:
        problems.add(
            "'identifierType' tiny is not supported by Tocsin: use id (the alertId that "
            "GET /v2/alerts/requests/{requestId} reports) or alias"
        )
    for name in ("user", "source", "note"):
        required = name == "note" and operation is Operation.ADD_NOTE
        text_field(obj, name, name, problems, required=required, max_length=TEXT_LIMITS[name])
    if operation is Operation.SNOOZE:
        if obj.get("endTime") is None:
            problems.add("'endTime' is missing or blank")
        else:
            timestamp_field(obj, "endTime", "endTime", problems)
    if problems or kind is None:
        return Invalid(UNPROCESSABLE, field_errors(problems))
    # Aliases were stored with NUL replaced (``clean_text``): look them up the same way.
    return ParsedAction(operation, clean_text(identifier), kind, obj)


def applied_status(outcome: str | None) -> RequestStatus:
    """The status of a request that became an alert event with ``outcome``.

    None means its event was not found (it cannot happen short of someone deleting event
    rows): the status is then ``unknown``.
    """
    if outcome is None:
        return RequestStatus(False, "unknown")
    success, status = _APPLIED_STATUS.get(outcome, (True, outcome))
    return RequestStatus(success, status)


def request_data(
    *,
    operation: str,
    processed_at: datetime,
    integration_id: str,
    status: RequestStatus,
    alert_id: str | None,
    alias: str | None,
) -> dict[str, Any]:
    """The ``data`` of ``GET /v2/alerts/requests/{id}``, in Opsgenie's shape."""
    stamp = processed_at.astimezone(UTC).isoformat(timespec="milliseconds")
    return {
        "success": status.success,
        "action": operation,
        "processedAt": stamp.replace("+00:00", "Z"),
        "integrationId": integration_id,
        "isSuccess": status.success,
        "status": status.status,
        "alertId": alert_id or "",
        "alias": alias or "",
    }


def field_errors(problems: Problems) -> dict[str, str]:
    """Opsgenie's ``errors``: field -> problem, from ``fields.py``'s "'<field>' <problem>"."""
    errors: dict[str, str] = {}
    for message in problems.messages:
        field, sep, problem = message[1:].partition("' ")
        if not (message.startswith("'") and sep):
            field, problem = "body", message
        if field not in errors and len(errors) == MAX_REPORTED:
            errors["..."] = "more problems are not listed"
            break
        errors[field] = f"{errors[field]}; {problem}" if field in errors else problem
    return errors


def _strings(
    obj: dict[str, Any], name: str, problems: Problems, max_items: int, max_length: int
) -> list[str]:
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"'{name}' must be an array of strings")
        return []
    if len(value) > max_items:
        problems.add(f"'{name}' may hold at most {max_items} items")
    items: dict[str, None] = {}  # ordered, without repeats
    for index, item in enumerate(value[:max_items]):
        if not isinstance(item, str):
            problems.add(f"'{name}[{index}]' must be a string")
        elif len(item) > max_length:
            problems.add(f"'{name}[{index}]' must be at most {max_length} characters")
        elif item.strip():
            items[clean_text(item)] = None
    return list(items)


def _details(obj: dict[str, Any], problems: Problems) -> dict[str, str]:
    value = obj.get("details")
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add("'details' must be an object of strings")
        return {}
    details: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(text, str):
            problems.add(f"'details.{key}' must be a string")
            continue
        details[clean_text(key)] = clean_text(text)
    if sum(len(k) + len(v) for k, v in details.items()) > MAX_DETAILS:
        problems.add(f"'details' must be at most {MAX_DETAILS} characters (keys and values)")
    return details


def _recipients(
    obj: dict[str, Any], name: str, types: tuple[str, ...], problems: Problems
) -> list[dict[str, str]] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add(f"'{name}' must be an array of objects")
        return None
    if len(value) > MAX_RECIPIENTS:
        problems.add(f"'{name}' may hold at most {MAX_RECIPIENTS} items")
    recipients = []
    for index, item in enumerate(value[:MAX_RECIPIENTS]):
        where = f"{name}[{index}]"
        if not isinstance(item, dict):
            problems.add(f"'{where}' must be an object")
            continue
        if item.get("type") not in types:
            problems.add(f"'{where}.type' must be one of {', '.join(types)}")
        named = [k for k in ("id", "name", "username") if isinstance(item.get(k), str)]
        if not any(item[k].strip() for k in named):
            problems.add(f"'{where}' needs an id, a name or a username")
        recipients.append({k: clean_text(v) for k, v in item.items() if isinstance(v, str)})
    return recipients

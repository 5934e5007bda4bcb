"""OpenAPI descriptions of the Opsgenie Alert API v2 ingest routes."""

from __future__ import annotations

from typing import Any

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

_OG_RECIPIENT = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": ["team", "user", "escalation", "schedule"]},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "username": {"type": "string"},
    },
}
_OG_CREATE = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "maxLength": 130},
        "alias": {"type": "string", "maxLength": 512, "description": "the dedup key"},
        "description": {"type": "string", "maxLength": 15000},
        "responders": {"type": "array", "maxItems": 50, "items": _OG_RECIPIENT},
        "visibleTo": {"type": "array", "maxItems": 50, "items": _OG_RECIPIENT},
        "actions": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 50}},
        "tags": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}},
        "details": {**_STRING_MAP, "description": "at most 8000 characters in all"},
        "entity": {"type": "string", "maxLength": 512},
        "source": {"type": "string", "maxLength": 100},
        "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4", "P5"], "default": "P3"},
        "user": {"type": "string", "maxLength": 100},
        "note": {"type": "string", "maxLength": 25000},
    },
}
_OG_ACTION_FIELDS: dict[str, Any] = {
    "user": {"type": "string", "maxLength": 100},
    "source": {"type": "string", "maxLength": 100},
    "note": {"type": "string", "maxLength": 25000},
}
_OG_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "integer", "description": "the HTTP status, or Opsgenie's 40301"},
        "message": {"type": "string"},
        "errors": {**_STRING_MAP, "description": "422 only: each field and its problem"},
        "took": {"type": "number"},
        "requestId": {"type": "string", "format": "uuid"},
    },
}
_OG_ACCEPTED = {
    "type": "object",
    "properties": {
        "result": {"type": "string", "example": "Request will be processed"},
        "took": {"type": "number"},
        "requestId": {"type": "string", "format": "uuid"},
    },
}
_OG_AUTH = (
    "Authenticated by `Authorization: GenieKey <key>`, the key of a Tocsin integration of "
    "type opsgenie. See docs/ingest-opsgenie.md."
)


def _og_errors(*statuses: int) -> dict[str, Any]:
    what = {
        400: "the body is not a JSON object",
        401: "no GenieKey, or one no integration has",
        403: "code 40301: the key of an integration of another type",
        404: "no such request (of this integration)",
        413: "body over 512 KB",
        415: "Content-Type is not application/json",
        422: "a field is invalid: `errors` names each",
        429: "the key is over its rate limit",
        503: "could not be stored; retry",
    }
    schema = {"application/json": {"schema": _OG_ERROR}}
    return {str(s): {"description": what[s], "content": schema} for s in statuses}


def _og_operation(summary: str, body: dict[str, Any] | None, *params: Any) -> dict[str, Any]:
    accepted = {
        "description": "stored durably",
        "content": {"application/json": {"schema": _OG_ACCEPTED}},
    }
    operation: dict[str, Any] = {
        "tags": ["ingest"],
        "summary": summary,
        "description": _OG_AUTH,
        "security": [],
        "parameters": list(params),
        "responses": {"202": accepted, **_og_errors(400, 401, 403, 413, 415, 422, 429, 503)},
    }
    if body is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return {"post": operation}


def _og_path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": description}  # fmt: skip


_OG_IDENTIFIER = _og_path_param("identifier", "an alert id (Tocsin's) or an alias")
_OG_IDENTIFIER_TYPE = {
    "name": "identifierType",
    "in": "query",
    "schema": {"type": "string", "enum": ["id", "alias"], "default": "id"},
    "description": "`tiny` is answered 422: Tocsin alerts have no tiny id",
}
_OG_ACTIONS = {
    "acknowledge": ("acknowledge the alert", {}),
    "close": ("close (resolve) the alert", {}),
    "unacknowledge": ("recorded, not applied yet (see the request's status)", {}),
    "snooze": (
        "recorded, not applied yet (see the request's status)",
        {"endTime": {"type": "string", "format": "date-time"}},
    ),
    "notes": ("recorded with the request, not applied yet", {}),
}


def _og_action_paths() -> dict[str, Any]:
    paths = {}
    for action, (summary, extra) in _OG_ACTIONS.items():
        body: dict[str, Any] = {"type": "object", "properties": {**_OG_ACTION_FIELDS, **extra}}
        required = {"snooze": ["endTime"], "notes": ["note"]}.get(action)
        if required:
            body["required"] = required
        paths[f"/v2/alerts/{{identifier}}/{action}"] = _og_operation(
            f"Opsgenie Alert API: {action}: {summary}", body, _OG_IDENTIFIER, _OG_IDENTIFIER_TYPE
        )
    return paths


OPSGENIE_PATHS: dict[str, Any] = {
    "/v2/alerts": _og_operation("Opsgenie Alert API: create an alert", _OG_CREATE),
    **_og_action_paths(),
    "/v2/alerts/requests/{requestId}": {
        "get": {
            "tags": ["ingest"],
            "summary": "Opsgenie Alert API: what became of a request (this integration's only)",
            "description": _OG_AUTH,
            "security": [],
            "parameters": [_og_path_param("requestId", "the requestId a 202 answered")],
            "responses": {
                "200": {
                    "description": "`data` as Opsgenie's: success, action, processedAt, "
                    "integrationId, isSuccess, status, alertId, alias",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **_og_errors(401, 403, 404),
            },
        }
    },
}

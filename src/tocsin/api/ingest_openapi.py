"""OpenAPI descriptions of the ingest routes (plain Starlette routes FastAPI cannot see)."""

from __future__ import annotations

from typing import Any

_LINK = {
    "type": "object",
    "required": ["href"],
    "properties": {"href": {"type": "string"}, "text": {"type": "string"}},
}
_IMAGE = {
    "type": "object",
    "required": ["src"],
    "properties": {
        "src": {"type": "string"},
        "href": {"type": "string"},
        "alt": {"type": "string"},
    },
}
_PD_EVENT = {
    "type": "object",
    "required": ["routing_key", "event_action"],
    "properties": {
        "routing_key": {"type": "string", "description": "the integration key"},
        "event_action": {"type": "string", "enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string", "maxLength": 255},
        "payload": {
            "type": "object",
            "required": ["summary", "source", "severity"],
            "properties": {
                "summary": {"type": "string", "maxLength": 1024},
                "source": {"type": "string"},
                "severity": {"type": "string", "enum": ["critical", "error", "warning", "info"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "component": {"type": "string"},
                "group": {"type": "string"},
                "class": {"type": "string"},
                "custom_details": {},
            },
        },
        "client": {"type": "string"},
        "client_url": {"type": "string"},
        "links": {"type": "array", "items": _LINK},
        "images": {"type": "array", "items": _IMAGE},
    },
}
_PD_CHANGE = {
    "type": "object",
    "required": ["routing_key", "payload"],
    "properties": {
        "routing_key": {"type": "string"},
        "payload": {
            "type": "object",
            "required": ["summary"],
            "properties": {
                "summary": {"type": "string", "maxLength": 1024},
                "source": {"type": "string"},
                "timestamp": {"type": "string", "format": "date-time"},
                "custom_details": {},
            },
        },
        "links": {"type": "array", "items": _LINK},
    },
}
_PD_ERROR = {
    "description": "invalid event (malformed JSON, missing or wrong fields, unknown key)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "status": {"type": "string", "example": "invalid event"},
                    "message": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "string"}},
                    "code": {"type": "string"},
                },
            }
        }
    },
}


def _post(summary: str, body: dict[str, Any], accepted: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "tags": ["ingest"],
            "summary": summary,
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                "202": {
                    "description": "stored durably",
                    "content": {"application/json": {"schema": accepted}},
                },
                "400": _PD_ERROR,
                "413": {"description": "body larger than 512 KB"},
                "415": {"description": "Content-Type is not application/json"},
                "429": {"description": "the routing key is over its rate limit"},
                "503": {"description": "could not be stored; retry"},
            },
        }
    }


INGEST_PATHS: dict[str, Any] = {
    "/v2/enqueue": _post(
        "PagerDuty Events API v2: trigger, acknowledge or resolve an alert",
        _PD_EVENT,
        {
            "type": "object",
            "properties": {
                "status": {"type": "string", "example": "success"},
                "message": {"type": "string", "example": "Event processed"},
                "dedup_key": {"type": "string"},
            },
        },
    ),
    "/v2/change/enqueue": _post(
        "PagerDuty Events API v2: record a change event",
        _PD_CHANGE,
        {
            "type": "object",
            "properties": {
                "status": {"type": "string", "example": "success"},
                "message": {"type": "string", "example": "Change event processed"},
            },
        },
    ),
}


# --- Alertmanager-shaped webhooks (Prometheus Alertmanager, Grafana) --------------------

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_NOTIFIED_ALERT_PROPERTIES: dict[str, Any] = {
    "status": {"type": "string", "enum": ["firing", "resolved"]},
    "labels": _STRING_MAP,
    "annotations": _STRING_MAP,
    "startsAt": {"type": "string", "format": "date-time"},
    "endsAt": {"type": "string", "format": "date-time"},
    "generatorURL": {"type": "string"},
    "fingerprint": {"type": "string", "maxLength": 255},
}
_GRAFANA_ALERT_EXTRAS: dict[str, Any] = {
    "silenceURL": {"type": "string"},
    "dashboardURL": {"type": "string"},
    "panelURL": {"type": "string"},
    "imageURL": {"type": "string"},
    "values": {"type": "object"},
    "valueString": {"type": "string"},
}
_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}


def _notification(version: str, alert_extras: dict[str, Any], maker: str) -> dict[str, Any]:
    alert = {
        "type": "object",
        "required": ["status", "labels"],
        "properties": {**_NOTIFIED_ALERT_PROPERTIES, **alert_extras},
    }
    return {
        "type": "object",
        "required": ["version", "alerts"],
        "description": f"the notification {maker} sends, unchanged",
        "properties": {
            "version": {"type": "string", "enum": [version]},
            "receiver": {"type": "string"},
            "status": {"type": "string", "enum": ["firing", "resolved"]},
            "alerts": {"type": "array", "maxItems": 1000, "items": alert},
            "groupLabels": _STRING_MAP,
            "commonLabels": _STRING_MAP,
            "commonAnnotations": _STRING_MAP,
            "externalURL": {"type": "string"},
            "groupKey": {"type": "string"},
            "truncatedAlerts": {"type": "integer"},
        },
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _notification_operation(summary: str, body: dict[str, Any], key_in_path: bool) -> Any:
    operation: dict[str, Any] = {
        "tags": ["ingest"],
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": {
                "description": "every alert of the notification stored in one transaction",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "string", "example": "success"},
                                "alerts": {"type": "integer"},
                            },
                        }
                    }
                },
            },
            "400": _error("invalid_payload (every problem listed) or unsupported_version"),
            "401": _error("missing_integration_key: no key in the path and no Bearer token"),
            "404": _error("unknown_integration_key (the same answer for every unknown key)"),
            "413": _error("too_many_alerts (over 1000) or payload_too_large (over 5 MB)"),
            "415": _error("unsupported_media_type: Content-Type is not application/json"),
            "429": _error("rate_limited: the key is over its rate limit"),
            "503": _error("storage_unavailable: could not be stored; retry"),
        },
    }
    if key_in_path:
        operation["security"] = []
        operation["parameters"] = [
            {
                "name": "key",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "the integration key",
            }
        ]
    else:
        operation["description"] = "The integration key goes in `Authorization: Bearer KEY`."
    return operation


def _notification_paths(
    path: str, summary: str, body: dict[str, Any], methods: tuple[str, ...]
) -> dict[str, Any]:
    return {
        f"{path}/{{key}}": {m: _notification_operation(summary, body, True) for m in methods},
        path: {m: _notification_operation(summary, body, False) for m in methods},
    }


INGEST_PATHS.update(
    _notification_paths(
        "/v1/alertmanager",
        "Prometheus Alertmanager webhook (payload version 4): one alert per fingerprint",
        _notification("4", {}, "Alertmanager's webhook_configs"),
        ("post",),
    )
)
INGEST_PATHS.update(
    _notification_paths(
        "/v1/grafana",
        "Grafana alerting webhook contact point (payload version 1)",
        _notification("1", _GRAFANA_ALERT_EXTRAS, "Grafana's webhook contact point"),
        ("post", "put"),
    )
)


# --- Opsgenie Alert API v2 --------------------------------------------------------------

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


INGEST_PATHS["/v2/alerts"] = _og_operation("Opsgenie Alert API: create an alert", _OG_CREATE)
INGEST_PATHS.update(_og_action_paths())
INGEST_PATHS["/v2/alerts/requests/{requestId}"] = {
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
}

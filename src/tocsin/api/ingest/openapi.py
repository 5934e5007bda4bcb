"""OpenAPI descriptions of the ingest routes (plain Starlette routes FastAPI cannot see)."""

from __future__ import annotations

from typing import Any

from tocsin.api.ingest.openapi_heartbeats import HEARTBEAT_PATHS
from tocsin.api.ingest.openapi_opsgenie import OPSGENIE_PATHS

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
INGEST_PATHS.update(
    _notification_paths(
        "/v1/webhook",
        "Generic JSON webhook: the integration's JMESPath mapping makes the alert",
        {
            "type": "object",
            "description": "any JSON object; the integration's `mapping:` in the world file "
            "says where its summary, dedup key, severity and action are",
        },
        ("post", "put"),
    )
)


INGEST_PATHS.update(OPSGENIE_PATHS)
INGEST_PATHS.update(HEARTBEAT_PATHS)

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

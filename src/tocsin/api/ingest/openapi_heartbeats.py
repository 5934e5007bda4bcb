"""OpenAPI descriptions of the heartbeat pings (``api.ingest.heartbeats``): native, with
the key in the path, and Opsgenie's Heartbeat API, by name with a GenieKey."""

from __future__ import annotations

from typing import Any

_METHODS = ("get", "post", "put", "patch")


def _json(description: str, properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_STRING = {"type": "string"}
_ERROR = {"code": _STRING, "message": _STRING}
_OPSGENIE_ANSWER = {"took": {"type": "number"}, "requestId": _STRING}
_OPSGENIE_ERROR = {"message": _STRING, "code": {"type": "integer"}, **_OPSGENIE_ANSWER}


def _ping(summary: str, parameter: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    operation = {
        "tags": ["ingest"],
        "summary": summary,
        "security": [],
        "parameters": [parameter],
        "responses": responses,
    }
    return {method: operation for method in _METHODS}


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": _STRING,
        "description": description,
    }


HEARTBEAT_PATHS: dict[str, Any] = {
    "/v1/heartbeats/{key}/ping": _ping(
        "Heartbeat ping: the job is alive (committed, and the deadline moved, before 202)",
        _path_parameter("key", "the heartbeat's key (`tocsin heartbeats list`)"),
        {
            "202": _json("recorded", {"status": _STRING, "message": _STRING}),
            "404": _json("unknown_heartbeat: no heartbeat has this key", _ERROR),
            "405": _json("method_not_allowed: use GET, POST, PUT or PATCH", _ERROR),
            "503": _json("storage_unavailable: not recorded; retry", _ERROR),
        },
    ),
    "/v2/heartbeats/{name}/ping": _ping(
        "Opsgenie Heartbeat API: ping by name with `Authorization: GenieKey <the key>`",
        _path_parameter("name", "the heartbeat's name"),
        {
            "202": _json("recorded", {"result": _STRING, **_OPSGENIE_ANSWER}),
            "401": _json("no GenieKey", _OPSGENIE_ERROR),
            "404": _json("no heartbeat of this name with this key", _OPSGENIE_ERROR),
            "405": _json("use GET, POST, PUT or PATCH", _OPSGENIE_ERROR),
            "503": _json("not recorded; retry", _OPSGENIE_ERROR),
        },
    ),
}

"""Small helpers for the schedule editing tests: call the API, make a schedule, read shifts."""

from __future__ import annotations

import copy
from typing import Any

from tests.integration.conftest import Tocsin

# A weekly alice/bob rotation handing off Monday 09:00 Berlin time, like the test world's.
WEEKLY: dict[str, Any] = {
    "name": "weekly",
    "rotation": {
        "participants": ["alice", "bob"],
        "turn": "1w",
        "handoff": "09:00",
        "start": "2026-01-05T09:00:00+01:00",
    },
}
# chandra on weekdays 09:00-17:00 Berlin, above the weekly layer.
DAYTIME: dict[str, Any] = {
    "name": "daytime",
    "rotation": {
        "participants": ["chandra"],
        "turn": "1d",
        "start": "2026-01-05T09:00:00+01:00",
        "restrictions": {
            "windows": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
            ]
        },
    },
}


def call(oncall: Tocsin, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    """The JSON answer of ``method path`` (None for 204), checking the status first."""
    with oncall.api() as api:
        response = api.request(method, path, **kwargs)
    assert response.status_code == status, (method, path, response.text)
    return None if status == 204 else response.json()


def refused(oncall: Tocsin, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
    """(status, code) of a request the API must refuse with a JSON error, never a 500."""
    with oncall.api() as api:
        response = api.request(method, path, **kwargs)
    body = response.json()
    assert set(body) >= {"code", "message"}, body
    assert 400 <= response.status_code < 500, (method, path, kwargs, response.text)
    return response.status_code, body["code"]


def definition(*layers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A schedule definition in Berlin time with ``layers`` (default: the weekly one)."""
    return {
        "time_zone": "Europe/Berlin",
        "layers": copy.deepcopy(list(layers) or [WEEKLY]),
        **fields,
    }


def new_schedule(oncall: Tocsin, name: str, *layers: dict[str, Any], **fields: Any) -> Any:
    """Create schedule ``name`` through the API and return its detail."""
    body = {"name": name, **definition(*layers, **fields)}
    return call(oncall, "POST", "/api/v1/schedules", 201, json=body)


def shifts(oncall: Tocsin, name: str, start: str, end: str) -> list[tuple[str, str, str]]:
    """(user, start, end) of the final shifts of ``name`` over [start, end), in UTC."""
    found = call(
        oncall, "GET", f"/api/v1/schedules/{name}/shifts", params={"from": start, "to": end}
    )
    return [(s["user"], s["start"], s["end"]) for s in found["shifts"]]

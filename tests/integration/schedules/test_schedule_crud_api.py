"""Creating, replacing and deleting schedules over HTTP, validated by the world file's own
model, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Tocsin
from tests.integration.schedules.editing import (
    WEEKLY,
    call,
    definition,
    new_schedule,
    refused,
    shifts,
)
from tocsin.world import WorldFileError, load_world_text

JAN = ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_a_schedule_made_from_primarys_definition_has_primarys_shifts(oncall: Tocsin) -> None:
    primary = call(oncall, "GET", "/api/v1/schedules/primary")["definition"]
    created = call(
        oncall, "POST", "/api/v1/schedules", 201, json={"name": "primary-copy", **primary}
    )
    assert created["definition"] == primary
    assert created["ical_path"].startswith("/ical/schedules/")
    assert shifts(oncall, "primary-copy", *JAN) == shifts(oncall, "primary", *JAN)
    names = [s["name"] for s in call(oncall, "GET", "/api/v1/schedules")]
    assert "primary-copy" in names


def test_a_taken_name_is_a_409(oncall: Tocsin) -> None:
    new_schedule(oncall, "taken")
    for name in ("taken", "primary"):
        body = {"name": name, **definition()}
        assert refused(oncall, "POST", "/api/v1/schedules", json=body) == (409, "already_exists")


def _rotation(**changes: Any) -> dict[str, Any]:
    return {"name": "weekly", "rotation": {**WEEKLY["rotation"], **changes}}


# Each definition is wrong in one way; the world file refuses it too.
BAD_DEFINITIONS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown zone", definition(time_zone="Mars/Olympus"), "unknown time zone"),
    ("no layers", {"time_zone": "UTC", "layers": []}, "at least 1 item"),
    ("zone is a number", definition(time_zone=1), "string"),
    ("unknown field", definition(colour="red"), "colour"),
    ("bad turn", definition(_rotation(turn="fortnightly")), "turn length"),
    ("start without offset", definition(_rotation(start="2026-01-05T09:00:00")), "UTC offset"),
    ("handoff on hour turns", definition(_rotation(turn="12h")), "hour turns"),
    ("end before start", definition(_rotation(end="2026-01-01T00:00:00Z")), "after"),
    ("duplicate layers", definition(WEEKLY, WEEKLY), "unique"),
    ("participants not a list", definition(_rotation(participants="alice")), "list"),
    (
        "overrides end first",
        definition(
            overrides=[
                {"user": "bob", "start": "2026-02-02T00:00:00Z", "end": "2026-02-01T00:00:00Z"}
            ]
        ),
        "after",
    ),
]


@pytest.mark.parametrize(
    ("spec", "phrase"),
    [(s, p) for _, s, p in BAD_DEFINITIONS],
    ids=[i for i, _, _ in BAD_DEFINITIONS],
)
def test_bad_definitions_are_refused_as_the_world_file_refuses_them(
    oncall: Tocsin, spec: dict[str, Any], phrase: str
) -> None:
    with oncall.api() as api:
        response = api.post("/api/v1/schedules", json={"name": "bad", **spec})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "invalid_request"
    assert phrase in body["message"]
    world = {"version": 1, "schedules": [{"name": "bad", **spec}]}
    with pytest.raises(WorldFileError) as caught:
        load_world_text(json.dumps(world))  # JSON is YAML
    assert phrase.split()[-1] in str(caught.value)
    assert refused(oncall, "PUT", "/api/v1/schedules/primary", json=spec) == (
        400,
        "invalid_request",
    )


def test_unknown_users_and_teams_are_refused_with_a_suggestion(oncall: Tocsin) -> None:
    typo = {"name": "typo", **definition(_rotation(participants=["alice", "bobb"]))}
    with oncall.api() as api:
        response = api.post("/api/v1/schedules", json=typo)
    assert response.status_code == 400
    assert response.json() == {
        "code": "unknown_user",
        "message": "no user named 'bobb'; did you mean 'bob'?",
    }
    shadow = {"name": "x", **definition(shadows=[{"user": "zed"}])}
    assert refused(oncall, "POST", "/api/v1/schedules", json=shadow) == (400, "unknown_user")
    team = {"name": "x", **definition(team="nobody")}
    assert refused(oncall, "POST", "/api/v1/schedules", json=team) == (400, "unknown_team")
    for name in ("", " padded ", "x" * 201):
        body = {"name": name, **definition()}
        assert refused(oncall, "POST", "/api/v1/schedules", json=body) == (400, "invalid_request")
    assert refused(oncall, "POST", "/api/v1/schedules", content=b"{not json") == (
        400,
        "invalid_request",
    )


def test_put_replaces_the_definition(oncall: Tocsin) -> None:
    new_schedule(oncall, "replaced")
    swapped = definition(_rotation(participants=["bob", "alice"]), team="payments")
    detail = call(oncall, "PUT", "/api/v1/schedules/replaced", json=swapped)
    assert detail["team"] == "payments"
    assert detail["definition"]["layers"][0]["rotation"]["participants"] == ["bob", "alice"]
    first_week = shifts(oncall, "replaced", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z")
    assert [user for user, _, _ in first_week] == ["bob"]
    assert refused(oncall, "PUT", "/api/v1/schedules/nope", json=swapped) == (404, "not_found")


def test_delete_takes_the_overrides_and_swaps_with_it(oncall: Tocsin) -> None:
    new_schedule(oncall, "short-lived")
    base = "/api/v1/schedules/short-lived"
    window = {"start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"}
    call(oncall, "POST", f"{base}/overrides", 201, json={"user": "chandra", **window})
    swap = call(
        oncall,
        "POST",
        f"{base}/swaps",
        201,
        json={"from_user": "chandra", "to_user": "bob", **window},
    )
    call(oncall, "POST", f"{base}/swaps/{swap['id']}/accept")  # bob now has the window
    call(
        oncall,
        "POST",
        f"{base}/swaps",
        201,
        json={"from_user": "bob", "to_user": "alice", **window},
    )

    call(oncall, "DELETE", base, 204)

    assert refused(oncall, "GET", base) == (404, "not_found")
    assert refused(oncall, "DELETE", base) == (404, "not_found")
    new_schedule(oncall, "short-lived")  # the name is free again, and starts clean
    assert call(oncall, "GET", f"{base}/overrides") == []
    assert call(oncall, "GET", f"{base}/swaps") == []


def test_openapi_describes_every_editing_route(oncall: Tocsin) -> None:
    with oncall.server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/api/v1/schedules": {"get", "post"},
        "/api/v1/schedules/{name}": {"get", "put", "delete"},
        "/api/v1/schedules/{name}/layers": {"get", "post"},
        "/api/v1/schedules/{name}/layers/{layer}": {"put", "delete"},
        "/api/v1/schedules/{name}/overrides": {"get", "post"},
        "/api/v1/schedules/{name}/swaps": {"get", "post"},
        "/api/v1/schedules/{name}/swaps/{swap_id}/accept": {"post"},
        "/api/v1/schedules/{name}/swaps/{swap_id}/decline": {"post"},
        "/api/v1/schedules/{name}/swaps/{swap_id}/cancel": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
    create = paths["/api/v1/schedules"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["$ref"].endswith("/ScheduleSpec")

"""Editing layers over HTTP: a change of participants or rotation is a new revision from
``effective_from``, so who was on call before that instant never changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.conftest import Tocsin
from tests.integration.schedules.editing import (
    DAYTIME,
    WEEKLY,
    call,
    new_schedule,
    refused,
    shifts,
)

YEAR = ("2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z")
EDIT_AT = "2026-03-04T12:00:00+01:00"  # a Wednesday: alice's week (Mon 2 March 09:00)
EDIT_AT_UTC = "2026-03-04T11:00:00Z"


def layers(oncall: Tocsin, name: str) -> Any:
    return call(oncall, "GET", f"/api/v1/schedules/{name}/layers")


def test_layers_are_listed_lowest_first_and_added_on_top_or_at_a_position(
    oncall: Tocsin,
) -> None:
    new_schedule(oncall, "stacked")
    path = "/api/v1/schedules/stacked/layers"
    on_top = call(oncall, "POST", path, 201, json=DAYTIME)
    assert on_top["position"] == 1
    lowest = {**WEEKLY, "name": "backstop", "position": 0}
    assert call(oncall, "POST", path, 201, json=lowest)["position"] == 0
    assert [layer["name"] for layer in layers(oncall, "stacked")] == [
        "backstop",
        "weekly",
        "daytime",
    ]
    # chandra's daytime layer wins on a weekday afternoon.
    afternoon = shifts(oncall, "stacked", "2026-01-07T12:00:00Z", "2026-01-07T13:00:00Z")
    assert [user for user, _, _ in afternoon] == ["chandra"]


def test_changing_participants_keeps_every_shift_before_effective_from(oncall: Tocsin) -> None:
    new_schedule(oncall, "edited")
    before = shifts(oncall, "edited", *YEAR)

    edited = call(
        oncall,
        "PUT",
        "/api/v1/schedules/edited/layers/weekly",
        json={"participants": ["chandra", "bob"], "effective_from": EDIT_AT, "anchor": "continue"},
    )

    assert edited["revisions"][-1]["effective_from"] == EDIT_AT
    after = shifts(oncall, "edited", *YEAR)
    assert shifts(oncall, "edited", YEAR[0], EDIT_AT_UTC) == shifts_until(before, EDIT_AT_UTC)
    # From the edit on, the cycle continues with the new list: chandra holds alice's turn.
    assert ("chandra", EDIT_AT_UTC, "2026-03-09T08:00:00Z") in after
    assert "alice" not in {user for user, _, end in after if end > EDIT_AT_UTC}


def shifts_until(found: list[tuple[str, str, str]], instant: str) -> list[tuple[str, str, str]]:
    """``found`` clipped to end at ``instant`` (the API's strings sort as instants)."""
    return [(u, s, min(e, instant)) for u, s, e in found if s < instant]


def test_by_default_new_participants_take_over_at_the_next_handoff(oncall: Tocsin) -> None:
    new_schedule(oncall, "next-handoff")
    edited = call(
        oncall,
        "PUT",
        "/api/v1/schedules/next-handoff/layers/weekly",
        json={"participants": ["chandra"], "effective_from": EDIT_AT},
    )
    revision = edited["revisions"][-1]
    assert revision["effective_from"] == "2026-03-09T09:00:00+01:00"
    assert revision["rotation"]["start"] == "2026-03-09T09:00:00+01:00"
    week = shifts(oncall, "next-handoff", "2026-03-02T08:00:00Z", "2026-03-16T08:00:00Z")
    assert [(user, start) for user, start, _ in week] == [
        ("alice", "2026-03-02T08:00:00Z"),
        ("chandra", "2026-03-09T08:00:00Z"),
    ]


def test_a_new_rotation_is_a_revision_and_the_past_stays(oncall: Tocsin) -> None:
    new_schedule(oncall, "daily-now")
    before = shifts(oncall, "daily-now", *YEAR)
    daily = {"participants": ["bob", "chandra"], "turn": "1d", "start": EDIT_AT}
    edited = call(
        oncall,
        "PUT",
        "/api/v1/schedules/daily-now/layers/weekly",
        json={"rotation": daily, "effective_from": EDIT_AT},
    )
    assert edited["rotation"] == {**WEEKLY["rotation"], "end": None, "restrictions": None}
    assert edited["revisions"][0]["rotation"]["turn"] == "1d"
    assert shifts(oncall, "daily-now", YEAR[0], EDIT_AT_UTC) == shifts_until(before, EDIT_AT_UTC)
    days = shifts(oncall, "daily-now", EDIT_AT_UTC, "2026-03-06T11:00:00Z")
    assert [user for user, _, _ in days] == ["bob", "chandra"]


def test_effective_from_defaults_to_now_and_the_past_stays(oncall: Tocsin) -> None:
    new_schedule(oncall, "edited-now")
    asked_at = datetime.now(UTC)  # the server's clock reads the same system time
    since = _z(asked_at - timedelta(days=300))
    before = shifts(oncall, "edited-now", since, _z(asked_at))

    edited = call(
        oncall,
        "PUT",
        "/api/v1/schedules/edited-now/layers/weekly",
        json={"participants": ["chandra"], "anchor": "restart"},
    )

    took_effect = datetime.fromisoformat(edited["revisions"][-1]["effective_from"])
    assert took_effect >= asked_at
    assert shifts(oncall, "edited-now", since, _z(asked_at)) == before
    week = shifts(oncall, "edited-now", _z(took_effect), _z(took_effect + timedelta(days=7)))
    assert {user for user, _, _ in week} == {"chandra"}


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_rename_and_delete_layers(oncall: Tocsin) -> None:
    new_schedule(oncall, "renamed", WEEKLY, DAYTIME)
    base = "/api/v1/schedules/renamed/layers"
    renamed = call(oncall, "PUT", f"{base}/daytime", json={"name": "office-hours"})
    assert renamed["name"] == "office-hours"
    assert renamed["position"] == 1
    assert refused(oncall, "PUT", f"{base}/daytime", json={"name": "x"}) == (404, "not_found")
    assert refused(oncall, "PUT", f"{base}/weekly", json={"name": "office-hours"}) == (
        409,
        "duplicate_layer",
    )
    assert refused(oncall, "POST", base, json=WEEKLY) == (409, "duplicate_layer")
    call(oncall, "DELETE", f"{base}/office-hours", 204)
    assert [layer["name"] for layer in layers(oncall, "renamed")] == ["weekly"]
    assert refused(oncall, "DELETE", f"{base}/weekly") == (409, "last_layer")
    assert refused(oncall, "DELETE", f"{base}/office-hours") == (404, "not_found")


def test_bad_layer_edits_are_4xx_json(oncall: Tocsin) -> None:
    new_schedule(oncall, "strict")
    layer = "/api/v1/schedules/strict/layers/weekly"
    new = "/api/v1/schedules/strict/layers"
    cases: list[tuple[str, str, Any, tuple[int, str]]] = [
        ("PUT", layer, {"participants": ["alice", "zed"]}, (400, "unknown_user")),
        ("PUT", layer, {"participants": "alice"}, (400, "invalid_request")),
        ("PUT", layer, {"participants": []}, (400, "invalid_request")),
        (
            "PUT",
            layer,
            {"participants": ["bob"], "rotation": WEEKLY["rotation"]},
            (400, "invalid_request"),
        ),
        ("PUT", layer, {"anchor": "restart"}, (400, "invalid_request")),
        ("PUT", layer, {"participants": ["bob"], "anchor": "sometime"}, (400, "invalid_request")),
        (
            "PUT",
            layer,
            {"participants": ["bob"], "effective_from": "2026-03-04T12:00:00"},
            (400, "invalid_request"),
        ),
        (
            "PUT",
            layer,
            {"participants": ["bob"], "effective_from": 1772622000},
            (400, "invalid_request"),
        ),
        (
            "PUT",
            layer,
            {"rotation": {**WEEKLY["rotation"], "turn": "12h"}},
            (400, "invalid_layer_change"),
        ),
        ("PUT", layer, {}, (400, "invalid_request")),
        ("PUT", layer, {"colour": "red"}, (400, "invalid_request")),
        ("PUT", "/api/v1/schedules/nope/layers/weekly", {"name": "x"}, (404, "not_found")),
        ("POST", new, {**DAYTIME, "position": 5}, (400, "invalid_position")),
        ("POST", new, {**DAYTIME, "position": -1}, (400, "invalid_request")),
        ("POST", new, {"name": "empty"}, (400, "invalid_request")),
        ("POST", "/api/v1/schedules/nope/layers", DAYTIME, (404, "not_found")),
    ]
    for method, path, body, expected in cases:
        assert refused(oncall, method, path, json=body) == expected, body
    assert refused(oncall, "GET", "/api/v1/schedules/nope/layers") == (404, "not_found")
    assert [layer["name"] for layer in layers(oncall, "strict")] == ["weekly"]
    assert layers(oncall, "strict")[0]["revisions"] == []

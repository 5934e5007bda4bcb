"""The schedules API over HTTP: who is on call, shifts and gaps, overrides, and errors
that are always a JSON code and message. Time is passed in with ``at``/``from``/``to``."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Tocsin

MONDAY_MORNING = "2026-03-02T10:00:00+01:00"  # inside the file's override for chandra


def get(oncall: Tocsin, path: str, **params: str) -> Any:
    with oncall.api() as api:
        response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def error(oncall: Tocsin, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
    with oncall.api() as api:
        response = api.request(method, path, **kwargs)
    body = response.json()
    assert set(body) >= {"code", "message"}, body
    return response.status_code, body["code"]


def test_oncall_lists_who_is_on_call_on_every_schedule(oncall: Tocsin) -> None:
    answers = get(oncall, "/api/v1/oncall", at=MONDAY_MORNING)
    assert {a["schedule"]: a["users"] for a in answers} == {
        "follow-the-sun": ["alice"],
        "primary": ["chandra"],
    }


def test_schedule_oncall_shows_the_shadow_beside_the_person_on_call(oncall: Tocsin) -> None:
    answer = get(oncall, "/api/v1/schedules/primary/oncall", at="2026-01-06T10:00:00+01:00")
    assert answer["users"] == ["alice"]
    assert answer["shadows"] == ["chandra"]
    assert answer["shifts"][0]["start"].startswith("2026-01-05T08:00:00")


def test_weekly_handoff_stays_at_nine_berlin_time_across_dst(oncall: Tocsin) -> None:
    week = get(
        oncall,
        "/api/v1/schedules/primary/shifts",
        **{"from": "2026-03-23T09:00:00+01:00", "to": "2026-04-06T09:00:00+02:00"},
    )
    # Mon 30 March 09:00 is CEST (UTC+2) after the 29 March change: 07:00 UTC.
    assert [(s["user"], s["start"][:16]) for s in week["shifts"]] == [
        ("bob", "2026-03-23T08:00"),
        ("alice", "2026-03-30T07:00"),
    ]
    assert week["gaps"] == []


def test_shifts_report_the_gaps_nobody_covers(oncall: Tocsin) -> None:
    weekend = get(
        oncall,
        "/api/v1/schedules/follow-the-sun/shifts",
        **{"from": "2026-03-07T00:00:00Z", "to": "2026-03-09T00:00:00Z"},
    )
    assert [(g["start"][:16], g["end"][:16]) for g in weekend["gaps"]] == [
        ("2026-03-07T07:00", "2026-03-09T00:00")
    ]


def test_listing_and_detail_show_definition_and_a_secret_calendar_path(oncall: Tocsin) -> None:
    names = [s["name"] for s in get(oncall, "/api/v1/schedules")]
    assert names == ["follow-the-sun", "primary"]
    detail = get(oncall, "/api/v1/schedules/primary")
    assert detail["team"] == "payments"
    assert detail["users"] == ["alice", "bob", "chandra"]
    assert detail["definition"]["layers"][0]["rotation"]["turn"] == "1w"
    assert detail["ical_path"].startswith("/ical/schedules/")
    assert detail["ical_path"].endswith(".ics")


def test_override_through_the_api_replaces_then_deleting_it_restores(oncall: Tocsin) -> None:
    at = "2026-05-06T12:00:00+02:00"
    before = get(oncall, "/api/v1/schedules/primary/oncall", at=at)["users"]
    body = {"user": "chandra", "start": "2026-05-06T11:00:00+02:00", "end": at.replace("12", "13")}
    with oncall.api() as api:
        created = api.post("/api/v1/schedules/primary/overrides", json=body)
        assert created.status_code == 201, created.text
        assert get(oncall, "/api/v1/schedules/primary/oncall", at=at)["users"] == ["chandra"]
        override_id = created.json()["id"]
        deleted = api.delete(f"/api/v1/schedules/primary/overrides/{override_id}")
        assert deleted.status_code == 204
    assert get(oncall, "/api/v1/schedules/primary/oncall", at=at)["users"] == before


def test_bad_overrides_are_refused_with_a_code(oncall: Tocsin) -> None:
    path = "/api/v1/schedules/primary/overrides"
    start, end = "2026-05-06T11:00:00+02:00", "2026-05-06T13:00:00+02:00"
    cases = [
        ({"user": "zed", "start": start, "end": end}, (400, "unknown_user")),
        ({"user": "bob", "start": end, "end": start}, (400, "invalid_override")),
        ({"user": "bob", "start": "2026-05-06T11:00:00", "end": end}, (400, "invalid_request")),
        ({"user": "bob", "start": "tomorrow", "end": end}, (400, "invalid_request")),
        ({"user": "bob"}, (400, "invalid_request")),
    ]
    for body, expected in cases:
        assert error(oncall, "POST", path, json=body) == expected, body
    assert error(oncall, "DELETE", f"{path}/nope") == (404, "not_found")


def test_bad_queries_are_400_and_unknown_schedules_404(oncall: Tocsin) -> None:
    shifts = "/api/v1/schedules/primary/shifts"
    cases = [
        ("/api/v1/oncall", {"at": "2026-03-02T10:00:00"}, (400, "invalid_request")),
        ("/api/v1/oncall", {"at": "noon"}, (400, "invalid_request")),
        (shifts, {"from": "2026-01-01T00:00:00Z"}, (400, "invalid_request")),
        (
            shifts,
            {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            (400, "invalid_range"),
        ),
        (
            shifts,
            {"from": "2026-01-01T00:00:00Z", "to": "2027-02-06T00:00:00Z"},
            (400, "range_too_long"),
        ),
        ("/api/v1/schedules/nope/oncall", {}, (404, "not_found")),
        ("/api/v1/schedules/nope", {}, (404, "not_found")),
    ]
    for path, params, expected in cases:
        assert error(oncall, "GET", path, params=params) == expected, (path, params)


def test_schedules_need_a_token(oncall: Tocsin) -> None:
    with oncall.server.client() as client:
        response = client.get("/api/v1/oncall")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_fairness_splits_hours_by_kind_and_adds_up(oncall: Tocsin) -> None:
    hours = get(
        oncall,
        "/api/v1/schedules/primary/fairness",
        **{"from": "2026-01-05T09:00:00+01:00", "to": "2026-01-19T09:00:00+01:00"},
    )
    assert [h["user"] for h in hours] == ["alice", "bob"]
    for h in hours:
        assert h["total_hours"] == 168
        parts = ("business_hours", "off_hours", "night_hours", "weekend_hours")
        assert sum(h[p] for p in parts) == h["total_hours"]


def test_users_show_contact_methods_teams_and_their_feed(oncall: Tocsin) -> None:
    users = {u["name"]: u for u in get(oncall, "/api/v1/users")}
    assert sorted(users) == ["alice", "bob", "chandra"]
    assert users["alice"]["teams"] == {"payments": "manager"}
    assert users["alice"]["contact_methods"][1] == {
        "type": "sms",
        "address": "+4915100000001",
        "fallback": [],
        "verified": False,
        "verified_at": None,
        "test_confirmed": False,
        "test_confirmed_at": None,
        "last_error": None,
        "last_error_at": None,
    }
    assert users["chandra"]["contact_methods"] == []
    assert get(oncall, "/api/v1/users/bob")["ical_path"].startswith("/ical/users/")
    assert error(oncall, "GET", "/api/v1/users/zed") == (404, "not_found")

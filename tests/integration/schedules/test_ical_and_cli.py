"""The calendar feed (parsed with ``icalendar`` and compared with the core's final
schedule) and the ``tocsin oncall`` / ``tocsin schedule`` commands."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from icalendar import Calendar

from tests.integration.conftest import Tocsin
from tests.support.server import run_cli
from tocsin.schedules import final_schedule
from tocsin.schedules.store.schedules import load_schedule
from tocsin.store.db import create_db_engine


def feed(oncall: Tocsin, schedule: str, kind: str = "schedules") -> Calendar:
    with oncall.api() as api:
        path = api.get(f"/api/v1/{kind}/{schedule}").json()["ical_path"]
    with oncall.server.client() as client:  # calendar apps send no token
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


@pytest.mark.parametrize(
    ("schedule", "zone"), [("primary", "Europe/Berlin"), ("follow-the-sun", "UTC")]
)
def test_calendar_feed_has_every_shift_of_the_final_schedule(
    oncall: Tocsin, schedule: str, zone: str
) -> None:
    calendar = feed(oncall, schedule)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert events
    if zone == "UTC":  # RFC 5545 writes UTC as 20260105T090000Z, without a VTIMEZONE
        starts = [x for x in calendar.to_ical().decode().splitlines() if x.startswith("DTSTART")]
        assert all(x.endswith("Z") for x in starts)
    else:
        assert all(e["DTSTART"].params["TZID"] == zone for e in events)
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    seen = [
        (
            str(e["SUMMARY"]),
            e.decoded("DTSTART").astimezone(UTC),
            e.decoded("DTEND").astimezone(UTC),
        )
        for e in events
    ]
    engine = create_db_engine(oncall.database_url)
    with engine.connect() as conn:
        core = load_schedule(conn, schedule).schedule
    engine.dispose()
    lo, hi = min(s for _, s, _ in seen), max(e for _, _, e in seen)
    expected = [
        (f"On call: {s.user} ({schedule})", s.start, s.end)
        for s in final_schedule(core, lo, hi).shifts
    ]
    assert seen == expected
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_user_feed_has_their_shifts_from_every_schedule_in_their_zone(oncall: Tocsin) -> None:
    calendar = feed(oncall, "alice", kind="users")
    events = calendar.walk("VEVENT")
    summaries = {str(e["SUMMARY"]) for e in events}
    assert summaries == {"On call: alice (primary)", "On call: alice (follow-the-sun)"}
    assert all(e["DTSTART"].params["TZID"] == "Europe/Berlin" for e in events)
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == sorted(starts)


@pytest.mark.parametrize("kind", ["schedules", "users"])
def test_unknown_feed_token_is_a_404(oncall: Tocsin, kind: str) -> None:
    with oncall.server.client() as client:
        response = client.get(f"/ical/{kind}/not-a-token.ics")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_oncall_command_answers_for_a_given_time(oncall: Tocsin) -> None:
    out = oncall.cli("oncall", "--at", "2026-03-02T10:00:00+01:00", "--json")
    assert {a["schedule"]: a["users"] for a in json.loads(out)} == {
        "follow-the-sun": ["alice"],
        "primary": ["chandra"],
    }
    table = oncall.cli("oncall", "--schedule", "primary", "--at", "2026-01-06T10:00:00+01:00")
    assert "alice" in table
    assert "chandra" in table


def test_oncall_command_refuses_a_time_without_offset(oncall: Tocsin) -> None:
    done = run_cli(oncall.database_url, "oncall", "--at", "2026-03-02T10:00", check=False)
    assert done.returncode == 1
    assert "needs a UTC offset" in done.stderr


def test_preview_prints_shifts_and_gaps_in_the_schedule_zone(oncall: Tocsin) -> None:
    out = oncall.cli(
        "schedule",
        "preview",
        "primary",
        "--from",
        "2026-03-23T00:00:00+01:00",
        "--to",
        "2026-04-06T00:00:00+02:00",
    )
    assert "Mon 2026-03-30 09:00" in out  # the handoff, on Berlin's wall clock after DST
    assert "bob" in out
    assert "alice" in out


def test_fairness_command_prints_hours_per_person(oncall: Tocsin) -> None:
    out = oncall.cli(
        "schedule",
        "fairness",
        "primary",
        "--from",
        "2026-01-05T09:00:00+01:00",
        "--to",
        "2026-01-19T09:00:00+01:00",
        "--json",
    )
    assert [(h["user"], h["total_hours"]) for h in json.loads(out)] == [
        ("alice", 168),
        ("bob", 168),
    ]


def test_check_reports_users_without_verified_contact_methods_and_exits_1(oncall: Tocsin) -> None:
    done = run_cli(oncall.database_url, "schedule", "check", "--days", "14", "--json", check=False)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    # Nobody has verified a method yet; chandra has none at all.
    assert report["users_without_verified_contact_methods"] == ["alice", "bob", "chandra"]
    assert "follow-the-sun" in report["gaps"]  # weekends have nobody

"""Users, team members and schedules in the world file, on SQLite and on PostgreSQL:
validation with file positions, references, idempotence, export round trip, and how
applying the file treats overrides made through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tocsin.schedules import on_call_at
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.store.schedules import add_override, load_schedule
from tocsin.store.schema import schedule_overrides, team_members, users
from tocsin.world import WorldFileError, apply_world, export_world, load_world_text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
WORLD = (Path(__file__).parents[1] / "schedules" / "world.yaml").read_text()


def apply(engine: Engine, text: str) -> list[str]:
    """Apply ``text`` and return the plan's change labels."""
    return [c.label for c in apply_world(engine, load_world_text(text), NOW).changes]


def problems(text: str) -> str:
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text)
    return str(caught.value)


def test_users_teams_and_schedules_apply_once_then_plan_nothing(engine: Engine) -> None:
    first = apply(engine, WORLD)
    assert "user alice" in first
    assert "team_member payments/alice" in first
    assert "schedule primary" in first
    assert apply(engine, WORLD) == []


def test_export_applies_back_with_no_changes(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        exported = export_world(conn)
    assert "follow-the-sun" in exported
    assert "contact_methods" in exported
    assert apply(engine, exported) == []


def test_stored_schedule_answers_who_is_on_call(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        primary = load_schedule(conn, "primary").schedule
    # Second week of the weekly rotation (from Mon 12 Jan 09:00 Berlin): bob.
    assert on_call_at(primary, datetime(2026, 1, 14, 12, 0, tzinfo=UTC)).users == ("bob",)
    # The file's override: chandra on 2 March 09:00-18:00 Berlin.
    assert on_call_at(primary, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)).users == ("chandra",)


def test_feed_tokens_are_generated_once_and_survive_edits(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        before = sorted(conn.execute(select(users.c.feed_token)).scalars())
        schedule_token = load_schedule(conn, "primary").feed_token
    assert all(len(token) == 32 for token in before)
    edited = WORLD.replace("full_name: Alice Example", "full_name: Alice E.").replace(
        "participants: [alice, bob]", "participants: [bob, alice]"
    )
    assert apply(engine, edited) == ["user alice", "schedule primary"]
    with engine.connect() as conn:
        assert sorted(conn.execute(select(users.c.feed_token)).scalars()) == before
        assert load_schedule(conn, "primary").feed_token == schedule_token
        exported = export_world(conn)
    assert schedule_token not in exported


def test_changing_a_role_updates_one_membership(engine: Engine) -> None:
    apply(engine, WORLD)
    changed = WORLD.replace("{user: bob}", "{user: bob, role: manager}")
    assert apply(engine, changed) == ["team_member payments/bob"]
    with engine.connect() as conn:
        roles = sorted(conn.execute(select(team_members.c.role)).scalars())
    assert roles == ["manager", "manager"]


def test_unknown_time_zone_is_reported_at_its_line() -> None:
    message = problems(WORLD.replace("time_zone: America/New_York", "time_zone: Mars/Olympus"))
    assert "users[1].time_zone: unknown time zone 'Mars/Olympus'" in message


def test_unknown_contact_method_type_is_refused() -> None:
    message = problems(WORLD.replace("{type: sms,", "{type: pigeon,"))
    assert "contact_methods[1].type" in message


def test_schedule_naming_an_unknown_user_is_refused_with_a_hint() -> None:
    message = problems(WORLD.replace("participants: [alice, bob]", "participants: [alice, bobb]"))
    assert "unknown user 'bobb'" in message
    assert "did you mean 'bob'?" in message


def test_turn_and_handoff_must_be_readable() -> None:
    assert "is not a turn length like 12h, 1d or 1w" in problems(WORLD.replace("1w", "1 week"))
    assert "is not a time like 09:00" in problems(WORLD.replace('"09:00"', '"9am"'))


def test_times_without_an_offset_are_refused() -> None:
    message = problems(WORLD.replace("2026-01-05T09:00:00+01:00", '"2026-01-05T09:00:00"'))
    assert "needs a UTC offset" in message


def test_handoff_on_an_hour_turn_is_refused_by_the_core() -> None:
    message = problems(WORLD.replace("turn: 1w", "turn: 12h"))
    assert "hour turns hand off every N elapsed hours" in message


def test_deleting_a_user_still_in_a_schedule_is_refused(engine: Engine) -> None:
    apply(engine, WORLD)
    without_chandra = WORLD.replace("  - name: chandra\n    time_zone: Asia/Kolkata\n", "")
    with pytest.raises(WorldFileError, match="unknown user 'chandra'"):
        apply(engine, without_chandra)


def test_editing_a_schedule_keeps_api_overrides_and_deleting_it_removes_them(
    engine: Engine,
) -> None:
    apply(engine, WORLD)
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        add_override(
            conn,
            schedule="primary",
            user="chandra",
            start=start,
            end=datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
            created_by="test",
            now=NOW,
        )
    assert apply(engine, WORLD.replace("participants: [alice, bob]", "participants: [bob, alice]"))
    with engine.connect() as conn:
        assert on_call_at(load_schedule(conn, "primary").schedule, start).users == ("chandra",)
    without_primary = (
        WORLD[: WORLD.index("  - name: primary")] + WORLD[WORLD.index("  - name: follow-the-sun") :]
    )
    assert apply(engine, without_primary) == ["schedule primary"]
    with engine.connect() as conn:
        assert conn.execute(select(schedule_overrides)).first() is None
        with pytest.raises(ScheduleError):
            load_schedule(conn, "primary")

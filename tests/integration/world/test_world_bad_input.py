"""Bad values in a world file are refused at their line, never a traceback, on both
databases; nothing is written, and what the database holds keeps reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from tocsin.schedules.store_views import on_call
from tocsin.store.schema import schedules
from tocsin.world import WorldFileError, apply_world, load_world_text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
BASE = """\
version: 1
teams:
  - name: payments
services:
  - name: checkout
    team: payments
users:
  - name: alice
    time_zone: Europe/Berlin
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: weekly
        rotation:
          participants: [alice]
          turn: 1w
          start: "2026-01-05T09:00:00+01:00"
"""
RANGE = "must be between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z"
ZONE = "unknown time zone"


def edit(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


CASES = [
    (
        "rotation start in year 1 with an offset",
        edit('"2026-01-05T09:00:00+01:00"', '"0001-01-01T00:00:00+05:00"'),
        f"18:18: schedules[0].layers[0].rotation.start: '0001-01-01T00:00:00+05:00' {RANGE}",
    ),
    (
        "rotation start as a YAML timestamp in year 9999",
        edit('"2026-01-05T09:00:00+01:00"', "9999-12-31T23:59:59-05:00"),
        f"schedules[0].layers[0].rotation.start: '9999-12-31T23:59:59-05:00' {RANGE}",
    ),
    (
        "rotation end in year 9999",
        edit("turn: 1w", 'turn: 1w\n          end: "9999-12-31T23:59:59Z"'),
        f"schedules[0].layers[0].rotation.end: '9999-12-31T23:59:59Z' {RANGE}",
    ),
    (
        "a turn of 99999999999 weeks",
        edit("turn: 1w", "turn: 99999999999w"),
        "17:17: schedules[0].layers[0].rotation.turn.function-after[_turn(), str]: "
        "a turn must be at most 3650 days",
    ),
    (
        "a ten-thousand character zone",
        edit("time_zone: Europe/Berlin\nschedules", f"time_zone: {'x' * 10_000}\nschedules"),
        f"9:16: users[0].time_zone: {ZONE} 'xxxxxxxx",
    ),
    (
        "a zone that is a directory",
        edit("    time_zone: Europe/Berlin\n    layers", "    time_zone: Europe\n    layers"),
        f"12:16: schedules[0].time_zone: {ZONE} 'Europe'",
    ),
    (
        "a path as a zone",
        edit("time_zone: Europe/Berlin\nschedules", "time_zone: ../../etc/passwd\nschedules"),
        f"users[0].time_zone: {ZONE} '../../etc/passwd'",
    ),
    (
        "a zone with a NUL",
        edit("time_zone: Europe/Berlin\nschedules", 'time_zone: "UTC\\0"\nschedules'),
        f"users[0].time_zone: {ZONE} 'UTC\\x00'",
    ),
    (
        "a restriction zone that is a directory",
        edit(
            "turn: 1w",
            "turn: 1w\n          restrictions:\n            time_zone: America\n"
            '            windows: [{start: "09:00", end: "17:00"}]',
        ),
        f"schedules[0].layers[0].rotation.restrictions.time_zone: {ZONE} 'America'",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_value_is_refused_at_its_line_and_nothing_changes(
    engine: Engine, text: str, expected: str
) -> None:
    apply_world(engine, load_world_text(BASE), NOW)
    with pytest.raises(WorldFileError) as caught:
        apply_world(engine, load_world_text(text), NOW)
    assert expected in str(caught.value)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schedules)).scalar() == 1
        [primary] = on_call(conn, NOW)
    assert primary.users == ["alice"]

"""Bad values in a world file are refused at their line, never a traceback, on both
databases; nothing is written, and what the database holds keeps reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from tocsin.schedules.store.views import on_call_everywhere
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
heartbeats:
  - name: backup
    service: checkout
    interval: 24h
maintenance_windows:
  - name: nightly
    services: [checkout]
    time_zone: Europe/Berlin
    at: "01:00"
    duration: 2h
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
    (
        "a one-off window starting in year 1 with an offset",
        edit(
            '    at: "01:00"\n    duration: 2h',
            '    start: "0001-01-01T00:00:00+05:00"\n    end: "2026-01-01T00:00:00Z"',
        ),
        f"maintenance_windows[0].start: '0001-01-01T00:00:00+05:00' {RANGE}",
    ),
    (
        "a one-off window ending in year 9999",
        edit(
            '    at: "01:00"\n    duration: 2h',
            '    start: "2026-01-01T00:00:00Z"\n    end: 9999-12-31T23:59:59-05:00',
        ),
        f"maintenance_windows[0].end: '9999-12-31T23:59:59-05:00' {RANGE}",
    ),
    (
        "a window zone that is a directory",
        edit("    time_zone: Europe/Berlin\n    at", "    time_zone: Europe\n    at"),
        f"maintenance_windows[0].time_zone: {ZONE} 'Europe'",
    ),
    (
        "a window lasting 99999999999 weeks",
        edit("duration: 2h", "duration: 99999999999w"),
        "maintenance_windows[0].duration: '99999999999w' is too long a duration",
    ),
    (
        "a window lasting a century",
        edit("duration: 2h", "duration: 5000w"),
        "maintenance_windows[0].duration: must be at most 3650d (ten years)",
    ),
    (
        "a matcher regex nested too deeply to compile",
        edit(
            "    services: [checkout]\n    time_zone",
            f"    services: [checkout]\n    matchers: ['a=~{'(' * 990}']\n    time_zone",
        ),
        "maintenance_windows[0]: regex for a is too complex to compile",
    ),
    (
        "a heartbeat interval of 99999999999 weeks",
        edit("interval: 24h", "interval: 99999999999w"),
        "heartbeats[0].interval: '99999999999w' is too long a duration",
    ),
    (
        "a heartbeat interval of 10**20 seconds",
        edit("interval: 24h", "interval: 100000000000000000000"),
        "heartbeats[0].interval: '100000000000000000000' is too long a duration",
    ),
    (
        "a heartbeat grace of a century (too large for PostgreSQL's integer column)",
        edit("interval: 24h", "interval: 24h\n    grace: 5000w"),
        "heartbeats[0].grace: must be at most 3650d (ten years)",
    ),
    (
        "a service pausing alerts for 99999999999 weeks",
        edit(
            "    team: payments\nusers",
            "    team: payments\n    pause_new_alerts: 99999999999w\nusers",
        ),
        "services[0].pause_new_alerts: '99999999999w' is too long a duration",
    ),
    (
        "a NUL in a description (PostgreSQL cannot store it)",
        edit(
            "  - name: payments\nservices", '  - name: payments\n    description: "a\\0b"\nservices'
        ),
        "4:18: teams[0].description: must not contain the NUL character",
    ),
    (
        "a NUL in a contact address",
        edit(
            "    time_zone: Europe/Berlin\nschedules",
            '    time_zone: Europe/Berlin\n    contact_methods: [{type: email, address: "a\\0@x"}]'
            "\nschedules",
        ),
        "users[0].contact_methods[0].address: must not contain the NUL character",
    ),
    (
        "a full name longer than its column (PostgreSQL refused it mid-apply)",
        edit("  - name: alice\n", f"  - name: alice\n    full_name: {'x' * 201}\n"),
        "users[0].full_name: String should have at most 200 characters",
    ),
    (
        "an email longer than its column",
        edit("  - name: alice\n", f"  - name: alice\n    email: a@{'x' * 320}\n"),
        "users[0].email: String should have at most 320 characters",
    ),
    (
        "a mapping expression nested too deeply to parse",
        edit(
            "    team: payments\nusers",
            "    team: payments\n    integrations:\n      - name: hook\n        type: generic\n"
            f"        mapping: {{summary: '{'(' * 3000}title{')' * 3000}'}}\nusers",
        ),
        "services[0].integrations[0].mapping.summary: a JMESPath expression nested too deeply",
    ),
    (
        "flap detection over a century",
        edit(
            "    team: payments\nusers",
            "    team: payments\n    flap_detection: {changes: 3, within: 5000w}\nusers",
        ),
        "services[0].flap_detection.within: must be at most 3650d (ten years)",
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
        [primary] = on_call_everywhere(conn, NOW).items
    assert primary.users == ["alice"]


NAME_RULE = "may hold only letters, digits and . _ : @ - (starting with a letter or digit)"
BAD_NAMES = ["a/b", "../etc", "why?", "#1", "100%", "a b", "tab\there", "é", "-x", "x" * 201]
NAMED = [
    ("teams[0]", "  - name: payments\nservices", "  - name: {}\n    description: x\nservices"),
    ("services[0]", "  - name: checkout\n    team", "  - name: {}\n    team"),
    ("users[0]", "  - name: alice\n", "  - name: {}\n"),
    ("schedules[0]", "  - name: primary\n", "  - name: {}\n"),
    ("schedules[0].layers[0]", "      - name: weekly\n", "      - name: {}\n"),
    ("heartbeats[0]", "  - name: backup\n", "  - name: {}\n"),
    ("maintenance_windows[0]", "  - name: nightly\n", "  - name: {}\n"),
]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize(("where", "old", "new"), NAMED, ids=[n[0] for n in NAMED])
def test_a_name_that_cannot_stand_in_a_url_is_refused(
    where: str, old: str, new: str, name: str
) -> None:
    text = edit(old, new.format(f'"{name}"'))
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text)
    problem = "must be at most 200 characters" if len(name) > 200 else NAME_RULE
    assert f"{where}.name: {problem}" in str(caught.value)


def test_integrations_and_change_sources_follow_the_name_rule_too() -> None:
    text = (
        BASE.replace(
            "    team: payments\nusers",
            "    team: payments\n    integrations:\n"
            "      - {name: 'prometheus/eu', type: pagerduty}\nusers",
        )
        + "change_sources:\n  - {name: 'deploys?', services: [checkout]}\n"
    )
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text)
    message = str(caught.value)
    assert f"services[0].integrations[0].name: {NAME_RULE}" in message
    assert f"change_sources[0].name: {NAME_RULE}" in message


def test_names_in_the_rule_apply(engine: Engine) -> None:
    text = (
        BASE.replace("name: alice", "name: alice@example.com")
        .replace("participants: [alice]", "participants: [alice@example.com]")
        .replace("name: weekly", "name: weekly.v2")
        .replace("name: primary", "name: ops:primary_2")
    )
    apply_world(engine, load_world_text(text), NOW)
    with engine.connect() as conn:
        [primary] = on_call_everywhere(conn, NOW).items
    assert (primary.schedule, primary.users) == ("ops:primary_2", ["alice@example.com"])


def test_integration_and_change_source_names_fit_the_origin_of_change_events() -> None:
    long = "deploys-" + "x" * 43  # 51 characters
    text = (
        BASE.replace(
            "    team: payments\nusers",
            f"    team: payments\n    integrations:\n"
            f"      - {{name: {long}, type: pagerduty}}\nusers",
        )
        + f"change_sources:\n  - {{name: {long}, services: [checkout]}}\n"
    )
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text)
    problem = "must be at most 50 characters (change events record it)"
    assert f"services[0].integrations[0].name: {problem}" in str(caught.value)
    assert f"change_sources[0].name: {problem}" in str(caught.value)
    load_world_text(text.replace(long, long[:50]))

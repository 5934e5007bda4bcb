"""Heartbeats in the world file, on SQLite and PostgreSQL: creating one arms its timer,
new timing re-arms it from the last ping, deleting it removes it and its timer, and the
export applies with no changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from tocsin.store.schema import heartbeats, timers
from tocsin.world import (
    Plan,
    WorldFileError,
    apply_world,
    export_world,
    load_world_text,
    render_plan,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
BACKUP_KEY = "b0000000000000000000000000000001"

SERVICES = """\
version: 1
services:
  - name: batch
"""
WORLD = f"""{SERVICES}\
heartbeats:
  - name: nightly-backup
    service: batch
    interval: 24h
    grace: 30m
    key: {BACKUP_KEY}
  - name: queue-drain
    service: batch
    interval: 300
"""


def apply(engine: Engine, text: str, now: datetime = NOW) -> Plan:
    return apply_world(engine, load_world_text(text), now)


def timer_due(engine: Engine) -> dict[str, datetime | None]:
    """Each heartbeat's name and when its timer is due."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(heartbeats.c.name, timers.c.due_at)
            .join(timers, timers.c.subject == heartbeats.c.id)
            .where(timers.c.kind == "heartbeat")
        )
        return {name: due for name, due in rows}


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(table)).all())


def test_creating_a_heartbeat_arms_its_timer_for_interval_plus_grace(engine: Engine) -> None:
    plan = render_plan(apply(engine, WORLD))
    assert "+ heartbeat nightly-backup" in plan
    assert BACKUP_KEY not in plan  # keys are secrets
    assert timer_due(engine) == {
        "nightly-backup": NOW + timedelta(hours=24, minutes=30),
        "queue-drain": NOW + timedelta(minutes=5),
    }


def test_applying_the_same_file_again_changes_nothing(engine: Engine) -> None:
    apply(engine, WORLD)
    assert render_plan(apply(engine, WORLD, NOW + timedelta(hours=1))) == "No changes."
    assert timer_due(engine)["nightly-backup"] == NOW + timedelta(hours=24, minutes=30)


def test_durations_are_compared_by_length_not_spelling(engine: Engine) -> None:
    apply(engine, WORLD)
    respelled = WORLD.replace("interval: 24h", "interval: 1d").replace("grace: 30m", "grace: 1800")
    assert render_plan(apply(engine, respelled)) == "No changes."


def test_changing_the_interval_rearms_from_the_last_ping(engine: Engine) -> None:
    apply(engine, WORLD)
    pinged = NOW + timedelta(hours=2)
    with engine.begin() as conn:
        conn.execute(
            update(heartbeats)
            .where(heartbeats.c.name == "nightly-backup")
            .values(last_ping_at=pinged)
        )
    plan = render_plan(apply(engine, WORLD.replace("interval: 24h", "interval: 12h"), pinged))
    assert "~ heartbeat nightly-backup" in plan
    assert "interval" in plan
    assert timer_due(engine)["nightly-backup"] == pinged + timedelta(hours=12, minutes=30)


def test_changing_the_grace_of_a_never_pinged_heartbeat_rearms_from_creation(
    engine: Engine,
) -> None:
    apply(engine, WORLD)
    apply(
        engine,
        WORLD.replace("interval: 300", "interval: 300\n    grace: 1m"),
        NOW + timedelta(days=1),
    )
    assert timer_due(engine)["queue-drain"] == NOW + timedelta(minutes=6)


def test_deleting_a_heartbeat_removes_it_and_its_timer(engine: Engine) -> None:
    apply(engine, WORLD)
    plan = render_plan(apply(engine, f"{SERVICES}heartbeats: []\n"))
    assert "- heartbeat nightly-backup" in plan
    assert "- heartbeat queue-drain" in plan
    assert count(engine, heartbeats) == 0
    assert count(engine, timers) == 0


def test_a_file_without_a_heartbeats_section_leaves_them_alone(engine: Engine) -> None:
    apply(engine, WORLD)
    assert render_plan(apply(engine, SERVICES)) == "No changes."
    assert count(engine, heartbeats) == 2


def test_the_export_applies_with_no_changes_and_keeps_keys(engine: Engine) -> None:
    apply(engine, WORLD)
    exported = export_world_text(engine)
    assert BACKUP_KEY in exported
    assert "interval: 1d" in exported
    assert "grace: 30m" in exported
    assert render_plan(apply(engine, exported)) == "No changes."


def export_world_text(engine: Engine) -> str:
    with engine.connect() as conn:
        return export_world(conn)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("interval: soon", "is not a duration"),
        ("interval: 0", "must be longer than 0s"),
        ("interval: 1h\n    service: nowhere", "unknown service 'nowhere'"),
    ],
)
def test_bad_heartbeats_are_reported_with_their_line(
    engine: Engine, line: str, message: str
) -> None:
    text = f"{SERVICES}heartbeats:\n  - name: x\n    {line}\n"
    if "service:" not in line:
        text += "    service: batch\n"
    with pytest.raises(WorldFileError, match=message):
        apply(engine, text)

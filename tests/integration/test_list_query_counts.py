"""No list asks the database once per row: a page of 50 costs the statements a page of 1
does, on SQLite and PostgreSQL.

Each list's service function is called in-process (the API and the CLI call the same
ones) with one row of its kind stored, then with fifty, and the statements the
connection runs are counted with SQLAlchemy's ``before_cursor_execute`` event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select

from tocsin.core.events import Action, AlertEvent
from tocsin.core.paging import Page
from tocsin.directory import users
from tocsin.directory.services import list_integrations
from tocsin.engine.writer import GroupCommitWriter
from tocsin.heartbeats.queries import list_heartbeats
from tocsin.incidents.service import list_incidents
from tocsin.ingest.routing import KeyDirectory
from tocsin.schedules.store import edits, swaps, views
from tocsin.schedules.store import schedules as store
from tocsin.silences.service import create_silence, list_silences
from tocsin.silences.windows import list_windows
from tocsin.store.schema import alerts, schedule_overrides, schedule_swaps, silences
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 1, 5, tzinfo=UTC)
NOW = datetime(2026, 1, 4, tzinfo=UTC)
PAGER_KEY = "7c000000000000000000000000000001"
WEEK = timedelta(days=7)


def world(n: int) -> str:
    """``n`` of every kind the lists show (the names sort in the order they are made)."""
    users = [f"u{i:02d}" for i in range(n)]
    lines = [
        "version: 1",
        "teams: [{name: ops}]",
        "services:",
        f'  - {{name: pager, incident_grouping: per_alert, integrations: [{{name: pd, '
        f'type: pagerduty, key: "{PAGER_KEY}"}}]}}',
        *[f"  - {{name: svc{i:02d}, integrations: [{{name: pd, type: pagerduty}}]}}"
          for i in range(n)],
        "heartbeats:",
        *[f"  - {{name: hb{i:02d}, service: pager, interval: 1h}}" for i in range(n)],
        "maintenance_windows:",
        *[f"  - {{name: mw{i:02d}, services: [pager], start: '2030-01-01T00:00:00Z', "
          "end: '2030-01-02T00:00:00Z'}" for i in range(n)],
        "users:",
        "  - name: helper",
        *[f"  - {{name: {u}, contact_methods: [{{type: email, address: {u}@example.com}}]}}"
          for u in users],
        "team_members:",
        f"  - {{name: ops, members: [{', '.join(f'{{user: {u}}}' for u in users)}]}}",
        "schedules:",
        "  - name: rota",
        "    time_zone: UTC",
        f"    layers: [{{name: daily, rotation: {{participants: [{', '.join(users)}], "
        f"turn: 1d, start: '{T0.isoformat()}'}}}}]",
        "    overrides:",
        *[f"      - {{user: u00, start: '2026-12-01T{i // 4:02d}:{i % 4 * 15:02d}:00Z', "
          f"end: '2026-12-02T00:00:00Z'}}" for i in range(n)],
        "  - name: stack",
        "    time_zone: UTC",
        "    layers:",
        *[f"      - {{name: l{i:02d}, rotation: {{participants: [u00], turn: 1d, "
          f"start: '{T0.isoformat()}'}}}}" for i in range(n)],
        *[f"  - {{name: s{i:02d}, time_zone: UTC, layers: [{{name: one, rotation: "
          f"{{participants: [u00], turn: 1w, start: '{T0.isoformat()}'}}}}]}}" for i in range(n)],
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def count_rows(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def seed(engine: Engine, n: int) -> None:
    """Bring every kind up to ``n`` rows (the world, then what only the API makes)."""
    apply_world(engine, load_world_text(world(n)), NOW)
    with engine.begin() as conn:
        for i in range(count_rows(conn, silences), n):
            create_silence(
                conn, matchers=["env=test"], starts_at=NOW, ends_at=NOW + WEEK,
                created_by="tests", comment="", service_names=["pager", f"svc{i:02d}"], now=NOW,
            )  # fmt: skip
        for i in range(count_rows(conn, schedule_overrides), n):
            start = T0 + timedelta(days=200, hours=i)  # after the fairness period
            store.add_override(
                conn, schedule="rota", user="u00", start=start, end=start + timedelta(hours=1),
                created_by="tests", now=NOW,
            )  # fmt: skip
        for i in range(count_rows(conn, schedule_swaps), n):  # u00 is on call all of T0's day
            start = T0 + timedelta(minutes=20 * i)
            swaps.request_swap(
                conn, schedule="rota", from_user="u00", to_user="helper",
                start=start, end=start + timedelta(minutes=10), now=NOW,
            )  # fmt: skip
        have = count_rows(conn, alerts)
    asyncio.run(_trigger(engine, [f"disk-{i}" for i in range(have, n)]))


async def _trigger(engine: Engine, dedup_keys: list[str]) -> None:
    """One alert, and so one incident (per_alert grouping), per dedup key."""
    keys = KeyDirectory(engine)
    keys.reload()
    info = keys.lookup(PAGER_KEY)
    assert info is not None
    assert info.route is not None
    writer = GroupCommitWriter(engine)
    writer.start()
    try:
        await writer.submit(
            [AlertEvent(info.route, Action.TRIGGER, key, NOW, "{}", key, "t") for key in dedup_keys]
        )
    finally:
        await writer.stop()


Lister = Callable[[Connection], Page[Any]]
LISTS: dict[str, Lister] = {
    "integrations": lambda conn: list_integrations(conn, "http://tocsin"),
    "heartbeats": lambda conn: list_heartbeats(conn, "http://tocsin"),
    "maintenance windows": lambda conn: list_windows(conn, NOW),
    "silences": lambda conn: list_silences(conn, NOW),
    "users": lambda conn: users.list_users(conn),
    "schedules": lambda conn: views.list_schedule_summaries(conn),
    "who is on call": lambda conn: views.on_call_everywhere(conn, T0),
    "overrides": lambda conn: views.overrides(conn, "rota"),
    "swap requests": lambda conn: swaps.list_swaps(conn, schedule="rota"),
    "layers": lambda conn: edits.list_layers(conn, "stack"),
    "fairness": lambda conn: views.fairness(conn, "rota", T0, T0 + timedelta(days=60)),
    "incidents": lambda conn: Page(list_incidents(conn, limit=100).incidents, None),
}


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """The statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_per_list(engine: Engine, n: int) -> dict[str, int]:
    """How many statements each list ran for its first page, with ``n`` rows stored."""
    counts = {}
    with engine.connect() as conn:
        for name, lister in LISTS.items():
            with counting(engine) as seen:
                page = lister(conn)
            assert len(page.items) >= n, name
            counts[name] = len(seen)
    return counts


def test_every_list_costs_the_same_statements_for_1_row_as_for_50(engine: Engine) -> None:
    seed(engine, 1)
    with_one = statements_per_list(engine, 1)
    seed(engine, 50)
    with_fifty = statements_per_list(engine, 50)
    assert with_fifty == with_one
    # Users read the most: the users, their teams, their methods' verifications and
    # delivery errors, their test-page confirmations.
    assert max(with_one.values()) <= 4, with_one

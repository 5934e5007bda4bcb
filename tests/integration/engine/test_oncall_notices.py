"""On-call notices: a reminder before each shift, a notice at its start, the handoff
report to the incoming person; overrides and restarts taken into account.

In-process on SQLite and PostgreSQL: the schedule's ``oncall_notice`` timer through the
real timer engine on a ManualClock the test moves (nothing sleeps), the notices through
the real delivery worker to a local HTTP receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from tests.support.process_world import ProcessWorld, run_in
from tests.support.sinks import WebhookSink
from tocsin.clock import ManualClock
from tocsin.notify import oncall
from tocsin.schedules.store.schedules import add_override, load_schedule
from tocsin.store.schema import deliveries
from tocsin.store.timers import arm
from tocsin.world import apply_world, load_world_text

# Thursday 07:00 UTC: alice is on call since Wednesday 09:00; bob takes over at 09:00.
T0 = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def world(url: str, rotation: str, notify: str = "") -> str:
    people = "\n".join(
        f'  - name: {n}\n    contact_methods: [{{type: webhook, address: "{url}/{n}"}}]'
        for n in ("alice", "bob", "carol")
    )
    return f"""\
version: 1
users:
{people}
schedules:
  - name: web-primary
    time_zone: UTC
    layers:
      - name: main
        rotation: {rotation}
{notify}"""


DAILY = '{start: "2026-11-30T09:00:00+00:00", turn: 1d, participants: [alice, bob]}'


class World(ProcessWorld):
    """One process firing on-call notice timers."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        super().__init__(engine, clock, T0, {oncall.TIMER_KIND: oncall.on_oncall_notice})


def run(engine: Engine, text: str, body: Any) -> None:
    """Apply ``text`` at T0 (arming the schedule's timer), then run ``body``."""
    apply_world(engine, load_world_text(text), T0)
    run_in(World(engine, ManualClock(T0)), body)


def told(sink: WebhookSink, since: int = 0) -> list[tuple[str, str]]:
    """(user, kind) of every notice the receiver got after the first ``since``, sorted
    (notices due at one instant go out in no particular order)."""
    return sorted((h["path"].lstrip("/"), b["kind"]) for h, b in sink.received[since:])


def notice(sink: WebhookSink, user: str, kind: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The one notice of ``kind`` ``user`` got: (headers, body)."""
    [found] = [(h, b) for h, b in sink.received if h["path"] == f"/{user}" and b["kind"] == kind]
    return found


def test_a_reminder_an_hour_before_and_a_notice_and_the_report_at_the_handoff(
    engine: Engine, sink: WebhookSink
) -> None:
    async def body(w: World) -> None:
        await w.at(0)
        assert told(sink) == []  # alice's shift began yesterday: nothing to say now
        await w.at(59)
        assert told(sink) == []
        await w.at(60)
        assert told(sink) == [("bob", "shift_reminder")]
        await w.at(120)
        assert told(sink, 1) == [("bob", "handoff_report"), ("bob", "shift_start")]

    run(engine, world(sink.url, DAILY), body)
    reminder = sink.received[0][1]
    assert reminder["type"] == "tocsin.on_call"
    assert reminder["title"] == "On call soon: web-primary from Thu 03 Dec 09:00 UTC"
    assert reminder["text"] == (
        "You are on call for web-primary from Thu 03 Dec 09:00 UTC to Fri 04 Dec 09:00 UTC."
    )
    assert reminder["shift"] == {
        "start": "2026-12-03T09:00:00+00:00",
        "end": "2026-12-04T09:00:00+00:00",
    }
    report = notice(sink, "bob", "handoff_report")[1]
    assert report["title"] == "On-call handoff for web-primary: alice -> bob"
    assert "Open incidents (0)" in report["text"]
    assert report["previous"] == "alice"
    key = notice(sink, "bob", "shift_start")[0]["Idempotency-Key"]
    assert key.endswith("/bob/2026-12-03T09:00:00+00:00/shift_start/0/0")


def test_an_override_made_after_the_timer_was_armed_changes_who_is_told(
    engine: Engine, sink: WebhookSink
) -> None:
    async def body(w: World) -> None:
        await w.at(0)  # armed for bob's reminder at 08:00
        with engine.begin() as conn:
            add_override(
                conn,
                schedule="web-primary",
                user="carol",
                start=T0 + timedelta(hours=2),
                end=T0 + timedelta(hours=3),
                replaces="bob",
                created_by="test",
                now=w.clock.now(),
            )
        await w.at(0)  # the override re-armed it: it looks again at once
        await w.at(60)
        assert told(sink) == [("carol", "shift_reminder")]  # bob starts at 10:00 now
        await w.at(120)
        assert told(sink, 1) == [
            ("bob", "shift_reminder"),
            ("carol", "handoff_report"),
            ("carol", "shift_start"),
        ]
        await w.at(180)
        assert told(sink, 4) == [("bob", "handoff_report"), ("bob", "shift_start")]

    run(engine, world(sink.url, DAILY), body)
    report = notice(sink, "carol", "handoff_report")[1]
    assert report["title"] == "On-call handoff for web-primary: alice -> carol"


HOURLY = '{start: "2026-12-03T00:00:00+00:00", turn: 1h, participants: [alice, bob, carol]}'
NO_REPORT = "    notify: {reminder_before: 30m, handoff_report: false}\n"


def test_a_restart_after_three_hours_down_sends_only_the_newest_notice(
    engine: Engine, sink: WebhookSink
) -> None:
    async def before(w: World) -> None:
        await w.at(0)  # 07:00: carol's hour begins (hour 7 of a three-person rotation)

    run(engine, world(sink.url, HOURLY, NO_REPORT), before)
    assert told(sink) == [("bob", "shift_start")]

    async def after(w: World) -> None:
        await w.at(185)  # up again at 10:05: six notices came due meanwhile

    run_in(World(engine, ManualClock(T0)), after)
    assert told(sink, 1) == [("bob", "shift_start")]  # 10:00, bob's; nothing older
    assert sink.received[1][1]["shift"]["start"] == "2026-12-03T10:00:00+00:00"


def test_a_replayed_firing_sends_nothing_twice(engine: Engine, sink: WebhookSink) -> None:
    async def body(w: World) -> None:
        await w.at(60)
        assert told(sink) == [("bob", "shift_reminder")]
        with engine.connect() as conn:
            schedule_id = load_schedule(conn, "web-primary").id

        def again(store: Any, cur: Any) -> list[Any]:
            due = T0 + timedelta(hours=1)
            arm(store, cur, kind=oncall.TIMER_KIND, subject=schedule_id, due_at=due, now=due)
            return []

        await w.writer.run(again)
        await w.at(60)
        await w.at(61)

    run(engine, world(sink.url, DAILY), body)
    assert told(sink) == [("bob", "shift_reminder")]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(deliveries)) == 1

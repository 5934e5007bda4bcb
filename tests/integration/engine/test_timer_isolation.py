"""Each timer firing is isolated: one failing handler never stops the others.

Timers of test kinds are armed on a real database (SQLite and PostgreSQL); the clock is a
ManualClock the test moves, and the test calls ``fire_due`` itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.timers import MAX_ATTEMPTS, TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.store.batch import Batch
from tocsin.store.schema import alerts, timers
from tocsin.store.timers import BatchTimerHandler, Firing, Timer, TimerHandler, arm

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
T = TypeVar("T")


def fired_ok(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    return Firing()


def raises(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    cur.execute('UPDATE timers SET payload = \'{"half": "done"}\'')  # rolled back with it
    raise RuntimeError(f"handler bug for {timer.subject}")


def again_now(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    return Firing(next_due=now)


def unstorable(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    """An alert for a service that does not exist: the batch's insert fails (foreign key)."""
    route = Route("no-integration", "no-such-service", "tests")
    return Firing([AlertEvent(route, Action.TRIGGER, timer.subject, now, "{}", "x", "t")])


BATCH_CALLS: list[int] = []


def batch_ok(store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
    BATCH_CALLS.append(len(timers))
    return [Firing() for _ in timers]


def batch_picky(store: Batch, cur: Any, timers: Sequence[Timer], now: datetime) -> list[Firing]:
    """Writes for every timer of the batch, then fails the batch holding ``picky-2``."""
    for timer in timers:
        cur.execute(
            f'UPDATE timers SET payload = \'{{"by": "batch"}}\' WHERE id = {store.mark}',
            (timer.id,),
        )
    if any(timer.subject == "picky-2" for timer in timers):
        raise RuntimeError("picky-2 cannot be fired")
    return [Firing() for _ in timers]


BATCH_HANDLERS: dict[str, BatchTimerHandler] = {"many": batch_ok, "picky": batch_picky}
HANDLERS: dict[str, TimerHandler] = {
    "ok": fired_ok,
    "boom": raises,
    "again": again_now,
    "unstorable": unstorable,
}


def run(engine: Engine, clock: ManualClock, body: Callable[[TimerService], Awaitable[T]]) -> T:
    async def main() -> T:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            return await body(
                TimerService(writer, clock, HANDLERS, batch=4, batch_handlers=BATCH_HANDLERS)
            )
        finally:
            await writer.stop()

    return asyncio.run(main())


def arm_all(engine: Engine, clock: ManualClock, kinds: dict[str, int]) -> None:
    """Arm ``count`` timers of each kind, all due now."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        now = clock.now()
        for kind, count in kinds.items():
            for i in range(count):
                arm(store, cur, kind=kind, subject=f"{kind}-{i}", due_at=now, now=now)
        return []

    async def body(service: TimerService) -> None:
        await service.writer.run(work)

    run(engine, clock, body)


def state(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """subject -> (fire_count, attempts, due_at, dead_at, last_error, payload)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                timers.c.subject,
                timers.c.fire_count,
                timers.c.attempts,
                timers.c.due_at,
                timers.c.dead_at,
                timers.c.last_error,
                timers.c.payload,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def fire(service: TimerService) -> Awaitable[int]:
    return service.fire_due()


def test_a_failing_handler_does_not_stop_the_other_timers(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"ok": 5, "boom": 5})  # batches of 4: failures in every batch
    assert run(engine, clock, fire) == 5
    found = state(engine)
    for i in range(5):
        assert found[f"ok-{i}"][:2] == (1, 0)
        count, attempts, due, dead, error, payload = found[f"boom-{i}"]
        assert (count, attempts, dead) == (0, 1, None)
        assert due == T0 + timedelta(seconds=1)  # backoff: tried again in a second
        assert error == f"RuntimeError: handler bug for boom-{i}"
        assert payload == {}  # the handler's own writes were rolled back


def test_a_timer_that_keeps_failing_backs_off_then_is_dead(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"boom": 1})
    delays = []
    for _ in range(MAX_ATTEMPTS):
        run(engine, clock, fire)
        _, attempts, due, dead, _, _ = state(engine)["boom-0"]
        if due is None:
            break
        delays.append(due - clock.now())
        clock.set(due)
    assert delays[:4] == [timedelta(seconds=s) for s in (1, 2, 4, 8)]
    _, attempts, due, dead, error, _ = state(engine)["boom-0"]
    assert (attempts, due, dead) == (MAX_ATTEMPTS, None, clock.now())
    assert error == "RuntimeError: handler bug for boom-0"
    clock.advance(timedelta(days=1))
    assert run(engine, clock, fire) == 0  # dead: not fired again until retried


def test_a_timer_whose_alerts_cannot_be_stored_fails_alone(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"ok": 3, "unstorable": 1})
    assert run(engine, clock, fire) == 3
    found = state(engine)
    assert all(found[f"ok-{i}"][0] == 1 for i in range(3))
    count, attempts, due, dead, error, _ = found["unstorable-0"]
    assert (count, attempts, dead) == (0, 1, None)
    assert due == T0 + timedelta(seconds=1)
    assert "StorageError" in error
    with engine.connect() as conn:
        assert conn.execute(select(alerts.c.id)).first() is None


def test_a_handler_that_re_arms_due_now_does_not_loop(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"again": 9})  # more than a batch
    assert run(engine, clock, fire) == 9  # one pass, each fired once
    found = state(engine)
    assert {found[f"again-{i}"][0] for i in range(9)} == {1}
    assert {found[f"again-{i}"][2] for i in range(9)} == {T0 + timedelta(seconds=1)}


def test_arming_again_revives_a_dead_timer(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"boom": 1})
    for _ in range(MAX_ATTEMPTS):
        run(engine, clock, fire)
        clock.advance(timedelta(minutes=10))
    assert state(engine)["boom-0"][3] is not None  # dead
    arm_all(engine, clock, {"boom": 1})
    _, attempts, due, dead, error, _ = state(engine)["boom-0"]
    assert (attempts, due, dead, error) == (0, clock.now(), None, None)


def test_a_kind_with_a_batch_handler_fires_a_batch_with_one_call(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"many": 9})
    BATCH_CALLS.clear()
    assert run(engine, clock, fire) == 9
    assert BATCH_CALLS == [4, 4, 1]  # batches of 4; the last alone
    assert {count for count, *_ in state(engine).values()} == {1}


def test_a_failing_batch_is_fired_again_one_timer_at_a_time(engine: Engine) -> None:
    clock = ManualClock(T0)
    arm_all(engine, clock, {"picky": 5})
    assert run(engine, clock, fire) == 4
    found = state(engine)
    for i in (0, 1, 3, 4):
        assert found[f"picky-{i}"][:2] == (1, 0)
    count, attempts, due, dead, error, payload = found["picky-2"]
    assert (count, attempts, dead) == (0, 1, None)
    assert due == T0 + timedelta(seconds=1)
    assert error == "RuntimeError: picky-2 cannot be fired"
    assert payload == {}  # the failed batch's writes were rolled back with it

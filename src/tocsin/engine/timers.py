"""Durable timers: work that must happen at a time, surviving restarts.

A timer is a row (kind, subject, due_at) written in the same transaction as the change
that armed it. ``TimerService.fire_due`` finds the due rows and runs each kind's handler
inside the group-commit writer's transaction, so the alerts a handler raises are stored
atomically with the timer's new state. Time comes from the injected clock: tests move a
``ManualClock`` and call ``fire_due``; nothing sleeps.

Rules every firing follows:

- **Batched.** The due timers of a kind with a batch handler are fired by one call (one
  query for all their subjects, in one savepoint); if it raises, they are fired again one
  at a time, so the failing one is found and isolated.
- **Isolated.** Each single firing runs in its own savepoint. A handler that raises rolls
  back only its own writes; the timer records the attempt and its error and is tried again
  after a backoff, and after ``MAX_ATTEMPTS`` failures in a row it is *dead* (not armed,
  ``dead_at`` set) until an operator retries it. If the batch's alert events cannot be
  stored, the timers are fired again one per transaction, so one bad timer never holds
  back the others.
- **One lock order: the subject before its timer.** Work that changes a subject (a
  heartbeat ping) locks the subject's row, then arms its timer. A firing does the same:
  it locks the subjects (``SubjectLock``, a batch's in one statement, skipping those
  another transaction holds), then the timer rows, then checks each timer is still due
  and of the generation it read. Two processes never wait on each other in opposite
  orders, and a firing never acts on a subject changed after it looked (the change
  re-armed the timer: new generation).
- **Generations.** Every ``arm`` bumps the timer's generation, so a firing for a subject
  cancelled and re-armed meanwhile is recognised and dropped.
- **One pass ends.** A pass fires what was due when it started; a handler asking to fire
  again at once is moved ``MIN_REFIRE`` ahead, so a pass never loops on its own timers.
- **Prompt.** ``arm`` notes the earliest due time it set; once the transaction commits
  the writer hands it to ``TimerService.nudge``, which wakes the loop when that is sooner
  than its sleep (on PostgreSQL other processes hear it through ``LISTEN/NOTIFY``:
  ``engine.timer_wakeups``). Otherwise the loop sleeps until the earliest due timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tocsin.clock import Clock
from tocsin.core.events import AlertEvent
from tocsin.engine.writer import GroupCommitWriter, StorageError, Work
from tocsin.store.batch import Batch, placeholders
from tocsin.store.timers import (
    BatchTimerHandler,
    Firing,
    SubjectLock,
    Timer,
    TimerHandler,
    due_candidates,
    next_due,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BACKOFF_FIRST = timedelta(seconds=1)
BACKOFF_MAX = timedelta(minutes=5)
MIN_REFIRE = timedelta(seconds=1)
SKIPPED_RETRY_SECONDS = 0.1


def backoff(attempts: int) -> timedelta:
    """How long a timer waits after its ``attempts``-th failure in a row."""
    delay: timedelta = BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, BACKOFF_MAX)


@dataclass(slots=True)
class _Pass:
    """What one batch of firings did (filled in by the work inside the writer)."""

    seen: list[Timer] = field(default_factory=list)
    fired: int = 0
    failed: int = 0
    next_due: datetime | None = None  # the earliest timer left armed, after the last batch


@dataclass
class TimerService:
    """Fires due timers through the writer; one per process."""

    writer: GroupCommitWriter
    clock: Clock
    handlers: dict[str, TimerHandler]
    subject_locks: dict[str, SubjectLock] = field(default_factory=dict)
    batch_handlers: dict[str, BatchTimerHandler] = field(default_factory=dict)
    batch: int = 100
    late_after: timedelta = timedelta(seconds=5)
    # The longest the loop sleeps without looking (for timers armed by another process
    # that cannot notify this one: ``tocsin apply`` on SQLite).
    max_sleep: float = 5.0
    on_fired: Callable[[str, float], None] | None = None  # (kind, lateness seconds)
    on_failed: Callable[[str], None] | None = None  # kind
    fired: int = field(default=0, init=False)
    _wake: asyncio.Event | None = field(default=None, init=False)
    _sleeping_until: datetime | None = field(default=None, init=False)

    async def fire_due(self) -> int:
        """Fire every timer due now (in batches); return how many fired."""
        return (await self._pass())[0]

    async def _pass(self) -> tuple[int, datetime | None]:
        """Fire what is due now; (how many fired, when the earliest timer left is due)."""
        now = self.clock.now()
        total = 0
        after: tuple[datetime, str] | None = None
        while True:
            done = _Pass()
            work = functools.partial(self._fire_batch, now=now, after=after, done=done)
            try:
                await self.writer.run(work)
                total += done.fired
            except StorageError:
                # The batch's alert events could not be stored: fire each timer alone,
                # so the one whose events fail is found and the others go ahead.
                total += await self._fire_one_by_one(done.seen, now)
            if len(done.seen) < self.batch:
                self.fired += total
                return total, done.next_due
            last = done.seen[-1]
            after = (last.due_at, last.id)

    async def _fire_one_by_one(self, timers: Sequence[Timer], now: datetime) -> int:
        fired = 0
        for timer in timers:
            done = _Pass()
            try:
                await self.writer.run(
                    functools.partial(self._fire_batch, now=now, only=timer, done=done)
                )
                fired += done.fired
            except StorageError as error:
                await self.writer.run(self._failure_work(timer, now, error))
        return fired

    def _failure_work(self, timer: Timer, now: datetime, error: BaseException) -> Work:
        def work(store: Batch, cur: Any) -> list[AlertEvent]:
            return self._record_failure(store, cur, timer, now, error)

        return work

    def _fire_batch(
        self,
        store: Batch,
        cur: Any,
        *,
        now: datetime,
        done: _Pass,
        after: tuple[datetime, str] | None = None,
        only: Timer | None = None,
    ) -> list[AlertEvent]:
        """Fire the timers due by ``now`` (the pass's cutoff), at the clock's time now: a
        batch late in a long pass fires, and says it fired, later than the pass began."""
        done.seen = [only] if only else due_candidates(store, cur, now, after, self.batch)
        now = max(now, self.clock.now())
        events: list[AlertEvent] = []
        by_kind: dict[str, list[Timer]] = {}
        for timer in done.seen:
            by_kind.setdefault(timer.kind, []).append(timer)
        for kind, group in by_kind.items():
            ready = self._lock(store, cur, kind, group, now)
            many = self.batch_handlers.get(kind)
            if many is not None and len(ready) > 1:
                events += self._fire_together(store, cur, many, ready, now, done)
            else:
                for timer in ready:
                    events += self._fire_isolated(store, cur, timer, now, done)
        if len(done.seen) < self.batch:
            done.next_due = next_due(store, cur)
        return events

    def _lock(
        self, store: Batch, cur: Any, kind: str, group: Sequence[Timer], now: datetime
    ) -> list[Timer]:
        """Subjects, then timers (one statement each); the timers, as read, still ours to
        fire: not held by another process, not re-armed since (generation), still due."""
        lock_subjects = self.subject_locks.get(kind)
        if lock_subjects is not None:
            free = set(lock_subjects(store, cur, [t.subject for t in group]))
            group = [t for t in group if t.subject in free]
        if not group:
            return []
        skip = " FOR UPDATE SKIP LOCKED" if store.concurrent_writers else ""
        cur.execute(
            f"SELECT id, generation, due_at FROM timers "
            f"WHERE id IN ({placeholders(len(group), store.mark)}){skip}",
            [t.id for t in group],
        )
        current = {row[0]: (row[1], store.from_db_time(row[2])) for row in cur.fetchall()}
        ready = []
        for timer in group:
            generation, due = current.get(timer.id, (None, None))
            if generation == timer.generation and due is not None and due <= now:
                ready.append(timer)
        return ready

    def _fire_together(
        self,
        store: Batch,
        cur: Any,
        many: BatchTimerHandler,
        ready: Sequence[Timer],
        now: datetime,
        done: _Pass,
    ) -> list[AlertEvent]:
        """Fire a kind's timers with one call of its batch handler, in one savepoint; if it
        raises, fire them one at a time instead, so only the failing one is held back."""
        cur.execute("SAVEPOINT tocsin_timers")
        try:
            firings = many(store, cur, ready, now)
            if len(firings) != len(ready):
                raise RuntimeError(f"{len(firings)} firings for {len(ready)} timers")
        except Exception:
            cur.execute("ROLLBACK TO SAVEPOINT tocsin_timers")
            cur.execute("RELEASE SAVEPOINT tocsin_timers")
            log.warning(
                "batch of %d %s timers failed; firing them one at a time",
                len(ready),
                ready[0].kind,
                exc_info=True,
            )
            events: list[AlertEvent] = []
            for timer in ready:
                events += self._fire_isolated(store, cur, timer, now, done)
            return events
        cur.execute("RELEASE SAVEPOINT tocsin_timers")
        self._record_fired(store, cur, list(zip(ready, firings, strict=True)), now)
        done.fired += len(ready)
        return [event for firing in firings for event in firing.events]

    def _fire_isolated(
        self, store: Batch, cur: Any, timer: Timer, now: datetime, done: _Pass
    ) -> Sequence[AlertEvent]:
        """Fire one (locked) timer in a savepoint; a handler error is recorded on it."""
        cur.execute("SAVEPOINT tocsin_timer")
        try:
            firing = self._handle(store, cur, timer, now)
        except Exception as error:
            cur.execute("ROLLBACK TO SAVEPOINT tocsin_timer")
            cur.execute("RELEASE SAVEPOINT tocsin_timer")
            self._record_failure(store, cur, timer, now, error, done=done)
            return ()
        cur.execute("RELEASE SAVEPOINT tocsin_timer")
        self._record_fired(store, cur, [(timer, firing)], now)
        done.fired += 1
        return firing.events

    def _handle(self, store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
        handler = self.handlers.get(timer.kind)
        if handler is not None:
            return handler(store, cur, timer, now)
        many = self.batch_handlers.get(timer.kind)
        if many is not None:
            return many(store, cur, [timer], now)[0]
        log.error("no handler for timer kind %r; disarming %s", timer.kind, timer.subject)
        return Firing()

    def _record_fired(
        self, store: Batch, cur: Any, fired: Sequence[tuple[Timer, Firing]], now: datetime
    ) -> None:
        """Move each fired timer to its next due time (or disarm it), in one statement."""
        p = store.mark
        rows = []
        worst: tuple[timedelta, Timer] | None = None
        late = 0
        for timer, firing in fired:
            next_due = firing.next_due
            if next_due is not None:
                next_due = max(next_due, now + MIN_REFIRE)
                store.note_armed(next_due)
            rows.append((store.db_time(next_due), store.db_time(now), store.db_time(now), timer.id))
            lateness = now - timer.due_at
            if lateness > self.late_after:
                late += 1
                if worst is None or lateness > worst[0]:
                    worst = (lateness, timer)
            if self.on_fired is not None:
                self.on_fired(timer.kind, max(lateness.total_seconds(), 0.0))
        cur.executemany(
            f"UPDATE timers SET due_at = {p}, fire_count = fire_count + 1, last_fired_at = {p}, "
            f"updated_at = {p}, attempts = 0, last_error = NULL WHERE id = {p}",
            rows,
        )
        if worst is not None:
            lateness, timer = worst
            others = (
                f", the latest of {late} over {self.late_after.total_seconds():.0f}s late"
                if late > 1
                else ""
            )
            log.warning(
                "timer %s/%s fired %.1fs late%s (was Tocsin down?)",
                timer.kind,
                timer.subject,
                lateness.total_seconds(),
                others,
                extra={"timer_kind": timer.kind, "late_seconds": lateness.total_seconds()},
            )

    def _record_failure(
        self,
        store: Batch,
        cur: Any,
        timer: Timer,
        now: datetime,
        error: BaseException,
        *,
        done: _Pass | None = None,
    ) -> list[AlertEvent]:
        """Count a failed attempt: try again after a backoff, or declare the timer dead."""
        attempts = timer.attempts + 1
        dead = attempts >= MAX_ATTEMPTS
        retry_at = None if dead else now + backoff(attempts)
        message = f"{type(error).__name__}: {error}"[:2000]
        log.error(
            "timer %s/%s failed (attempt %d of %d)%s",
            timer.kind,
            timer.subject,
            attempts,
            MAX_ATTEMPTS,
            "; it is dead until retried" if dead else f"; retry at {retry_at}",
            exc_info=error,
            extra={"timer_kind": timer.kind, "timer_id": timer.id},
        )
        p = store.mark
        cur.execute(
            f"UPDATE timers SET attempts = {p}, last_error = {p}, due_at = {p}, dead_at = {p}, "
            f"updated_at = {p} WHERE id = {p} AND generation = {p}",
            (
                attempts,
                message,
                store.db_time(retry_at),
                store.db_time(now if dead else None),
                store.db_time(now),
                timer.id,
                timer.generation,
            ),
        )
        if done is not None:
            done.failed += 1
        if self.on_failed is not None:
            self.on_failed(timer.kind)
        return []

    # -- the loop ------------------------------------------------------------------------

    def nudge(self, due_at: datetime) -> None:
        """A timer was armed for ``due_at``: wake the loop if it sleeps past that."""
        if self._wake is None:
            return
        if self._sleeping_until is None or due_at < self._sleeping_until:
            self._wake.set()

    async def run_forever(self) -> None:
        """Fire due timers for the life of the process, sleeping until the next is due."""
        self._wake = asyncio.Event()
        while True:
            # Cleared before the pass, not after: a timer armed while it runs keeps the
            # loop from going to sleep past it.
            self._wake.clear()
            fired = 0
            try:
                fired, earliest = await self._pass()
            except Exception:
                log.exception("firing timers failed; will retry")
                earliest = None
            now = self.clock.now()
            wait = self.max_sleep
            if earliest is not None:
                wait = min(max((earliest - now).total_seconds(), 0.0), self.max_sleep)
                if fired == 0 and wait == 0.0:
                    # Due but not fired: another transaction holds their subjects (an
                    # acknowledgement being written). Look again shortly, not at once.
                    wait = min(SKIPPED_RETRY_SECONDS, self.max_sleep)
            self._sleeping_until = now + timedelta(seconds=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._sleeping_until = None

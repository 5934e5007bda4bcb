"""Group commit: many concurrent ingest requests share one durable transaction.

Request handlers hand their validated events to ``GroupCommitWriter.submit`` and await it;
the writer takes everything queued so far, applies it in a single transaction, commits,
and only then wakes the handlers, which answer 2xx. While a commit is being
flushed to disk the next batch accumulates, so throughput rises with concurrency while
every answered event is on disk. SQLite wants exactly one writer; on PostgreSQL each
process has its own writer and advisory locks keep them from racing on a service.

A little over the house's 400 lines on purpose: batching, the commit on its thread, and
the recovery paths (one-by-one retry, a lost connection's unknown commit) share the
batch's state and read best together.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine

from tocsin.alerts.ingest_store import IngestStore
from tocsin.core.dedup import Outcome
from tocsin.core.events import AlertEvent, ChangeEvent
from tocsin.core.suppression import Suppression
from tocsin.engine.alert_writes import write_alerts

log = logging.getLogger(__name__)
T = TypeVar("T")
# What the WAL file is cut back to once a checkpoint lets it start over (bytes).
WAL_KEEP = 64 * 1024 * 1024


class StorageError(RuntimeError):
    """The events could not be committed; the sender must retry (answered 5xx)."""


@dataclass(slots=True)
class _Attempt:
    """One try at writing a batch: its PostgreSQL transaction id, and whether the commit
    had been sent when it failed (then it may have happened)."""

    transaction_id: int | None = None
    committing: bool = False


Work = Callable[[IngestStore, Any], Sequence[AlertEvent]]
"""Writes done inside a batch's transaction (timers, heartbeats...); may return more events."""


@dataclass(slots=True)
class _Submission:
    alerts: Sequence[AlertEvent]
    changes: Sequence[ChangeEvent]
    future: asyncio.Future[list[Outcome]]
    work: Work | None = None
    outcomes: list[Outcome] = field(default_factory=list)


class GroupCommitWriter:
    """The single writer of ingest events for this process.

    It runs as a task on the event loop and executes a batch's statements synchronously
    (tens of microseconds each, far cheaper than handing the GIL back and forth with a
    writer thread for every statement); only the commit, which waits for the disk, runs
    on a thread. Requests arriving meanwhile are parsed and form the next batch.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 512,
        payload_limit: int = 65536,
        on_batch: Callable[[int], None] | None = None,
        suppress: Callable[[AlertEvent], Suppression | None] | None = None,
        checkpoint_every: float | None = 1.0,
    ):
        self._engine = engine
        self._suppress = suppress or (lambda _event: None)
        self._on_batch = on_batch
        self._max_batch = max_batch
        self._payload_limit = payload_limit
        self._pending: list[_Submission] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._store: IngestStore | None = None
        self._raw: Any = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._catch_up = False  # the writer should finish a checkpoint between batches
        self._stopping = False  # stop() was called: write what is queued, then return
        self._checkpoint_every = checkpoint_every  # seconds; None: only when asked
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="tocsin-commit")
        self.batches_committed = 0
        self.events_committed = 0
        # Told the earliest timer a committed batch armed (the timer loop wakes for it).
        self.on_armed: Callable[[datetime], None] | None = None
        # Told after a commit that queued messages in the outbox (wakes the sender).
        self.on_queued: Callable[[], None] | None = None

    def start(self) -> None:
        """Start the writer task on the running loop."""
        if self._task is None:
            self._stopping = False
            self._wakeup = asyncio.Event()
            self._connect()
            if self._engine.dialect.name == "sqlite" and self._checkpoint_every is not None:
                self._checkpointer = asyncio.get_running_loop().create_task(
                    self._checkpoint_forever(self._checkpoint_every), name="tocsin-checkpoint"
                )
            self._task = asyncio.get_running_loop().create_task(self._run(), name="tocsin-writer")

    def _connect(self) -> IngestStore:
        """Open the writer's own connection (at start, and after the old one was lost)."""
        raw: Any = self._engine.raw_connection()
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            # Checkpoints copy the WAL into the database file and fsync it: done inside a
            # commit they would stall ingest, so a background task does them instead. Once
            # a checkpoint has copied every frame, the next write starts the WAL over; the
            # size limit then gives back what a burst made it grow to.
            raw.driver_connection.execute("PRAGMA wal_autocheckpoint=0")
            raw.driver_connection.execute(f"PRAGMA journal_size_limit={WAL_KEEP}")
        self._raw = raw
        self._store = IngestStore(raw.driver_connection, dialect, self._payload_limit)
        return self._store

    def _connection_lost(self) -> bool:
        """Whether the writer's connection is gone (PostgreSQL restarted or failed over,
        the network cut): psycopg marks such a connection broken or closed."""
        driver = self._raw.driver_connection if self._raw is not None else None
        return driver is None or bool(
            getattr(driver, "broken", False) or getattr(driver, "closed", False)
        )

    def _reconnect(self) -> IngestStore | None:
        """Replace a lost connection; None while the database cannot be reached (the next
        batch tries again)."""
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.invalidate()
            self._raw, self._store = None, None
        try:
            store = self._connect()
        except Exception as error:
            log.warning("the database cannot be reached (%s); ingest answers 503", error)
            return None
        log.warning("the writer's database connection was lost; reconnected")
        return store

    async def stop(self) -> None:
        """Finish the batch in progress, write what is queued, then stop.

        The writer is asked to stop rather than cancelled: a cancelled batch would leave
        its transaction open on the connection (a step of it may still be running on the
        commit thread) for the next one to join, and its senders without an answer.
        """
        if self._task is None:
            return
        assert self._wakeup is not None
        self._stopping = True
        self._wakeup.set()
        try:
            await self._task  # returns once nothing is left to write
        finally:
            if self._checkpointer is not None:
                self._checkpointer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._checkpointer
            self._task = self._checkpointer = None
            if self._raw is not None:
                self._raw.close()
                self._raw, self._store = None, None

    async def submit(
        self, alerts: Sequence[AlertEvent] = (), changes: Sequence[ChangeEvent] = ()
    ) -> list[Outcome]:
        """Store the events durably; return each alert event's outcome once committed."""
        return await self._enqueue(_Submission(alerts, changes, self._future()))

    async def run(self, work: Work) -> list[Outcome]:
        """Run ``work`` inside the next batch's transaction; the alert events it returns
        are deduplicated and stored with the batch. Returns their outcomes once committed.
        """
        return await self._enqueue(_Submission((), (), self._future(), work))

    def _future(self) -> asyncio.Future[list[Outcome]]:
        if self._wakeup is None or self._stopping:
            raise StorageError("the writer is not running")
        return asyncio.get_running_loop().create_future()

    async def _enqueue(self, sub: _Submission) -> list[Outcome]:
        assert self._wakeup is not None
        self._pending.append(sub)
        self._wakeup.set()
        return await sub.future

    async def _checkpoint_forever(self, interval: float) -> None:
        """Copy the WAL into the database every ``interval`` seconds, in two steps.

        A checkpoint beside a busy writer never catches up with it (frames are appended
        while it copies), and the WAL only starts over after one that copied everything:
        under sustained ingest it grew without bound (600 MB in 25 s), and every read got
        slower with it. So the bulk is copied here, on another connection, while the
        writer goes on; then the writer itself, between two batches, copies the few
        frames appended meanwhile (``_catch_up``), which completes the checkpoint.
        """
        raw = await asyncio.to_thread(self._engine.raw_connection)
        sqlite_conn: Any = raw.driver_connection
        try:
            while True:
                await asyncio.sleep(interval)
                try:
                    await asyncio.to_thread(sqlite_conn.execute, "PRAGMA wal_checkpoint(PASSIVE)")
                except Exception:
                    log.exception("WAL checkpoint failed; will retry")
                    continue
                self.request_checkpoint()
        finally:
            raw.close()

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            # Let every request that is already readable reach submit() first: one more
            # pass of the loop turns a burst of requests into one transaction.
            await asyncio.sleep(0)
            self._wakeup.clear()
            while self._pending or self._catch_up:
                if self._catch_up:
                    self._catch_up = False
                    await self._finish_checkpoint()
                if self._pending:
                    await self._flush()
            if self._stopping:
                return

    def request_checkpoint(self) -> None:
        """Have the writer finish a checkpoint (SQLite) before its next batch."""
        self._catch_up = True
        if self._wakeup is not None:
            self._wakeup.set()

    async def _finish_checkpoint(self) -> None:
        assert self._store is not None
        try:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._committer, self._store.checkpoint)
        except Exception:
            log.exception("WAL checkpoint failed; will retry")

    async def _flush(self) -> None:
        count = size = 0
        for sub in self._pending:
            count += 1
            size += len(sub.alerts) + len(sub.changes)
            if size >= self._max_batch:
                break
        batch = self._pending[:count]
        del self._pending[:count]
        store = self._store if not self._connection_lost() else self._reconnect()
        if store is None:
            for sub in batch:
                _settle(sub, StorageError("the database cannot be reached"))
            return
        await self._commit(store, batch)

    async def _commit(
        self, store: IngestStore, batch: list[_Submission], *, retried: bool = False
    ) -> None:
        attempt = _Attempt()
        try:
            await self._write(store, batch, attempt)
            attempt.committing = True
            # The fsync runs on a thread (the driver releases the GIL): requests keep
            # being parsed meanwhile, and they form the next batch.
            await asyncio.get_running_loop().run_in_executor(self._committer, store.commit)
        except Exception:
            with contextlib.suppress(Exception):
                store.rollback()
            store.take_armed()  # rolled back (or unknown): the timer loop polls anyway
            if self._connection_lost():
                await self._after_lost_connection(batch, attempt, retried)
                return
            if len(batch) == 1:
                log.exception("ingest batch failed; the sender is told to retry")
                _settle(batch[0], StorageError("could not store the event"))
                return
            # One bad submission must not fail its neighbours: retry each on its own.
            log.warning("ingest batch of %d failed; retrying one by one", len(batch))
            for sub in batch:
                await self._commit(store, [sub], retried=retried)
            return
        armed = store.take_armed()
        if armed is not None and self.on_armed is not None:
            self.on_armed(armed)
        if store.take_queued() and self.on_queued is not None:
            self.on_queued()
        self._succeeded(batch)

    def _succeeded(self, batch: list[_Submission]) -> None:
        """The batch is committed: answer its senders."""
        size = 0
        for sub in batch:
            size += len(sub.alerts) + len(sub.changes)
            _settle(sub, None)
        self.batches_committed += 1
        self.events_committed += size
        if self._on_batch is not None:
            self._on_batch(size)

    async def _after_lost_connection(
        self, batch: list[_Submission], attempt: _Attempt, retried: bool
    ) -> None:
        """The connection died under a batch: find out whether its commit happened, and
        write it again on a new connection (once) only if it did not.

        A commit whose answer is lost may have happened: writing the batch again would
        count its occurrences twice and store an Opsgenie request id a second time. So
        the new connection asks PostgreSQL (``txid_status``) what became of the lost
        transaction, waiting while it is still being decided.
        """
        fresh = None if retried else self._reconnect()
        if fresh is None:
            for sub in batch:
                _settle(sub, StorageError("the database connection was lost"))
            return
        if attempt.committing and attempt.transaction_id is not None:
            xid = attempt.transaction_id
            try:
                status = await asyncio.get_running_loop().run_in_executor(
                    self._committer, fresh.commit_status, xid
                )
            except Exception as error:
                log.warning("cannot tell whether batch %s committed (%s): 503", xid, error)
                for sub in batch:
                    _settle(sub, StorageError("the database connection was lost"))
                return
            if status == "committed":
                log.warning("the commit whose answer was lost had succeeded: not written twice")
                self._succeeded(batch)
                return
        await self._commit(fresh, batch, retried=True)

    async def _may_wait(self, store: IngestStore, step: Callable[[], T]) -> T:
        """Run a step that may wait for another process's lock (PostgreSQL) on the commit
        thread: the loop meanwhile keeps reading requests. On SQLite, with one writer
        and nothing to wait for, it runs here."""
        if not store.concurrent_writers:
            return step()
        return await asyncio.get_running_loop().run_in_executor(self._committer, step)

    async def _write(self, store: IngestStore, batch: list[_Submission], attempt: _Attempt) -> None:
        cur = store.begin()
        try:
            if store.concurrent_writers:
                # Should the answer to the commit be lost, this says whether it happened.
                attempt.transaction_id = store.transaction_id(cur)

            # Work runs first: the events it produces join the batch's dedup plan. It
            # updates rows other processes may hold (a heartbeat pinged in two, a timer
            # being fired), so it may wait too.
            def work() -> list[list[AlertEvent]]:
                return [[*(sub.work(store, cur) if sub.work else ()), *sub.alerts] for sub in batch]

            has_work = any(sub.work for sub in batch)
            per_sub = await self._may_wait(store, work) if has_work else work()
            events = [e for sub_events in per_sub for e in sub_events]
            changes = [c for sub in batch for c in sub.changes]
            if events:
                outcomes = iter(
                    await write_alerts(
                        store, cur, events, self._suppress, functools.partial(self._may_wait, store)
                    )
                )
                for sub, sub_events in zip(batch, per_sub, strict=True):
                    sub.outcomes = [next(outcomes) for _ in sub_events]
            if changes:
                store.changes.insert(cur, changes)
        finally:
            cur.close()


def _settle(sub: _Submission, error: Exception | None) -> None:
    if sub.future.done():
        return
    if error is None:
        sub.future.set_result(sub.outcomes)
    else:
        sub.future.set_exception(error)


def run_once(engine: Engine, work: Work) -> list[Outcome]:
    """Run ``work`` through a writer of its own and stop it (the CLI, tools, tests: a
    process with no writer running), with the same transaction and lock order."""

    async def main() -> list[Outcome]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            return await writer.run(work)
        finally:
            await writer.stop()

    return asyncio.run(main())

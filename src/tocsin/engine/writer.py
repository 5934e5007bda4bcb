"""Group commit: many concurrent ingest requests share one durable transaction.

Request handlers hand their validated events to ``GroupCommitWriter.submit`` and await it;
the writer takes everything queued so far, applies it in a single transaction, commits,
and only then wakes the handlers, which answer 2xx. While a commit is being
flushed to disk the next batch accumulates, so throughput rises with concurrency while
every answered event is on disk. SQLite wants exactly one writer; on PostgreSQL each
process has its own writer and advisory locks keep them from racing on a service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from tocsin.alerts import writes
from tocsin.core.dedup import Outcome, plan_batch
from tocsin.core.events import AlertEvent, ChangeEvent
from tocsin.core.grouping import GroupingMode
from tocsin.ids import new_id

log = logging.getLogger(__name__)


class StorageError(RuntimeError):
    """The events could not be committed; the sender must retry (answered 5xx)."""


@dataclass(slots=True)
class _Submission:
    alerts: Sequence[AlertEvent]
    changes: Sequence[ChangeEvent]
    future: asyncio.Future[list[Outcome]]
    outcomes: list[Outcome] = field(default_factory=list)


class GroupCommitWriter:
    """The single writer of ingest events for this process.

    It runs as a task on the event loop and writes synchronously: a batch blocks the loop
    for the length of one transaction (a few hundred microseconds), which is far cheaper
    than handing the GIL back and forth with a writer thread (each hand-off can wait for
    Python's 5 ms switch interval). Requests arriving meanwhile queue in the socket
    buffers and form the next batch.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 512,
        payload_limit: int = 65536,
        on_batch: Callable[[int], None] | None = None,
    ):
        self._engine = engine
        self._on_batch = on_batch
        self._max_batch = max_batch
        self._payload_limit = payload_limit
        self._pending: list[_Submission] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._conn: Connection | None = None
        self.batches_committed = 0
        self.events_committed = 0

    def start(self) -> None:
        """Start the writer task on the running loop."""
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._conn = self._engine.connect()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="tocsin-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        while self._pending:
            self._flush()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def submit(
        self, alerts: Sequence[AlertEvent] = (), changes: Sequence[ChangeEvent] = ()
    ) -> list[Outcome]:
        """Store the events durably; return each alert event's outcome once committed."""
        if self._wakeup is None:
            raise StorageError("the writer is not running")
        future: asyncio.Future[list[Outcome]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Submission(alerts, changes, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            # Let every request that is already readable reach submit() first: one more
            # pass of the loop turns a burst of requests into one transaction.
            await asyncio.sleep(0)
            self._wakeup.clear()
            while self._pending:
                self._flush()
                await asyncio.sleep(0)

    def _flush(self) -> None:
        count = size = 0
        for sub in self._pending:
            count += 1
            size += len(sub.alerts) + len(sub.changes)
            if size >= self._max_batch:
                break
        batch = self._pending[:count]
        del self._pending[:count]
        assert self._conn is not None
        self._commit(self._conn, batch)

    def _commit(self, conn: Connection, batch: list[_Submission]) -> None:
        try:
            self._write(conn, batch)
        except Exception:
            if len(batch) == 1:
                log.exception("ingest batch failed; the sender is told to retry")
                _settle(batch[0], StorageError("could not store the event"))
                return
            # One bad submission must not fail its neighbours: retry each on its own.
            log.warning("ingest batch of %d failed; retrying one by one", len(batch))
            for sub in batch:
                self._commit(conn, [sub])
            return
        size = 0
        for sub in batch:
            size += len(sub.alerts) + len(sub.changes)
            _settle(sub, None)
        self.batches_committed += 1
        self.events_committed += size
        if self._on_batch is not None:
            self._on_batch(size)

    def _write(self, conn: Connection, batch: list[_Submission]) -> None:
        events = [e for sub in batch for e in sub.alerts]
        changes = [c for sub in batch for c in sub.changes]
        with conn.begin():
            if events:
                self._write_alerts(conn, batch, events)
            if changes:
                writes.insert_changes(conn, changes)

    def _write_alerts(
        self, conn: Connection, batch: list[_Submission], events: list[AlertEvent]
    ) -> None:
        service_ids = sorted({e.route.service_id for e in events})
        writes.lock_keys(conn, service_ids)
        grouping, auto_resolve = writes.load_grouping(conn, service_ids)
        open_alerts = writes.load_open_alerts(conn, events)
        grouped = [s for s in service_ids if grouping.get(s) is GroupingMode.OPEN_INCIDENT]
        open_incidents = writes.load_open_incidents(conn, grouped)
        plan = plan_batch(events, open_alerts, open_incidents, grouping, new_id)
        writes.apply_plan(conn, plan, auto_resolve, self._payload_limit)
        outcomes = iter(r.outcome for r in plan.events)
        for sub in batch:
            sub.outcomes = [next(outcomes) for _ in sub.alerts]


def _settle(sub: _Submission, error: Exception | None) -> None:
    if sub.future.done():
        return
    if error is None:
        sub.future.set_result(sub.outcomes)
    else:
        sub.future.set_exception(error)

"""Group commit: many concurrent ingest requests share one durable transaction.

Request handlers hand their validated events to ``GroupCommitWriter.submit`` and await it;
one writer thread takes everything queued so far, applies it in a single transaction,
commits, and only then wakes the handlers, which answer 2xx. While a commit is being
flushed to disk the next batch accumulates, so throughput rises with concurrency while
every answered event is on disk. SQLite wants exactly one writer; on PostgreSQL each
process has its own writer and advisory locks keep them from racing on a service.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
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
    loop: asyncio.AbstractEventLoop
    outcomes: list[Outcome] = field(default_factory=list)


_STOP = object()


class GroupCommitWriter:
    """The single writer of ingest events for this process."""

    def __init__(self, engine: Engine, *, max_batch: int = 512, payload_limit: int = 65536):
        self._engine = engine
        self._max_batch = max_batch
        self._payload_limit = payload_limit
        self._queue: queue.SimpleQueue[_Submission | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches_committed = 0
        self.events_committed = 0

    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tocsin-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    async def submit(
        self, alerts: Sequence[AlertEvent] = (), changes: Sequence[ChangeEvent] = ()
    ) -> list[Outcome]:
        """Store the events durably; return each alert event's outcome once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Outcome]] = loop.create_future()
        self._queue.put(_Submission(alerts, changes, future, loop))
        return await future

    def _run(self) -> None:
        with self._engine.connect() as conn:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                assert isinstance(first, _Submission)
                batch, stop = self._drain(first)
                self._commit(conn, batch)
                if stop:
                    return

    def _drain(self, first: _Submission) -> tuple[list[_Submission], bool]:
        batch, size = [first], len(first.alerts) + len(first.changes)
        while size < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            assert isinstance(item, _Submission)
            batch.append(item)
            size += len(item.alerts) + len(item.changes)
        return batch, False

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
        self.batches_committed += 1
        for sub in batch:
            self.events_committed += len(sub.alerts) + len(sub.changes)
            _settle(sub, None)

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
    def resolve() -> None:
        if sub.future.done():
            return
        if error is None:
            sub.future.set_result(sub.outcomes)
        else:
            sub.future.set_exception(error)

    sub.loop.call_soon_threadsafe(resolve)

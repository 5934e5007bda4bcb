"""The maintenance windows and silences in force, cached for the ingest hot path.

Reloaded every couple of seconds (and at once after this process changes a silence), so a
window or silence created elsewhere — ``tocsin apply``, another server process — holds
alerts within that delay. The decision itself is ``core.suppression.suppression_for``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tocsin.core.events import AlertEvent
from tocsin.core.matchers import Matcher
from tocsin.core.suppression import (
    MaintenanceWindow,
    Silence,
    Suppression,
    suppression_for,
    window_from_definition,
)
from tocsin.store.batch import Batch, json_column

log = logging.getLogger(__name__)


class SuppressionDirectory:
    """Windows and not-yet-expired silences, as core objects."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self.windows: list[MaintenanceWindow] = []
        self.silences: list[Silence] = []
        self.on_end: dict[str, str] = {}
        self._loaded_at = float("-inf")

    def stale(self) -> bool:
        """True when it is time to reload."""
        return self._monotonic() - self._loaded_at > self._ttl

    def reload(self, now: datetime) -> None:
        """Read windows and live silences (blocking: call it off the event loop)."""
        raw: Any = self._engine.raw_connection()
        try:
            store = Batch(raw.driver_connection, self._engine.dialect.name)
            cur = raw.driver_connection.cursor()
            try:
                self._read(store, cur, now)
            finally:
                cur.close()
        finally:
            raw.close()  # back to the pool, its read transaction (PostgreSQL) rolled back

    def reload_within(self, store: Batch, cur: Any, now: datetime) -> None:
        """Read them through the writer's own transaction (the hold sweep does, so what it
        releases and what still holds come from one snapshot: a window changed by
        ``tocsin apply`` a moment ago is never held again by a stale copy)."""
        self._read(store, cur, now)

    def _read(self, store: Batch, cur: Any, now: datetime) -> None:
        # Raw DB-API statements: this also runs inside the writer's transaction, where a
        # second SQLAlchemy connection on SQLite would wait for the writer's own lock.
        cur.execute("SELECT name, id FROM services")
        ids = dict(cur.fetchall())
        windows, on_end = [], {}
        cur.execute("SELECT name, definition FROM maintenance_windows")
        for name, text in cur.fetchall():
            definition = json_column(text)
            sids = frozenset(ids[s] for s in definition.get("services", []) if s in ids)
            try:
                windows.append(window_from_definition({**definition, "name": name}, sids))
            except (ValueError, KeyError, OverflowError) as error:
                # Stored by an older release under looser rules: one such window must not
                # leave every other window and silence unread.
                log.error("maintenance window %r cannot be read (%s); ignoring it", name, error)
                continue
            on_end[name] = definition.get("on_end") or "reevaluate"
        cur.execute(
            "SELECT id, matchers, starts_at, ends_at, created_by, comment, service_ids "
            f"FROM silences WHERE ends_at > {store.mark}",
            (store.db_time(now),),
        )
        live = [
            Silence(
                id=sid,
                matchers=tuple(Matcher.parse(m) for m in json_column(matchers)),
                starts_at=store.from_db_time(starts) or now,
                ends_at=store.from_db_time(ends) or now,
                created_by=created_by,
                comment=comment,
                service_ids=frozenset(json_column(services) or []),
            )
            for sid, matchers, starts, ends, created_by, comment, services in cur.fetchall()
        ]
        self.windows, self.silences, self.on_end = windows, live, on_end
        self._loaded_at = self._monotonic()

    def window_on_end(self, name: str) -> str:
        """What happens to a window's held alerts when it ends (``reevaluate`` by default)."""
        return self.on_end.get(name, "reevaluate")

    def check(self, event: AlertEvent) -> Suppression | None:
        """What holds this event's alert at the time it was received, if anything."""
        if not self.windows and not self.silences:
            return None
        return suppression_for(
            event.route.service_id, event.labels, event.received_at, self.windows, self.silences
        )

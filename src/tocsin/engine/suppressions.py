"""The maintenance windows and silences in force, cached for the ingest hot path.

Reloaded every couple of seconds (and at once after this process changes a silence), so a
window or silence created elsewhere — ``tocsin apply``, another server process — holds
alerts within that delay. The decision itself is ``core.suppression.suppression_for``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select

from tocsin.core.events import AlertEvent
from tocsin.core.matchers import Matcher
from tocsin.core.suppression import (
    MaintenanceWindow,
    Silence,
    Suppression,
    suppression_for,
    window_from_definition,
)
from tocsin.store.schema import maintenance_windows, services, silences


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
        with self._engine.connect() as conn:
            ids = {name: sid for name, sid in conn.execute(select(services.c.name, services.c.id))}
            windows, on_end = [], {}
            for name, definition in conn.execute(
                select(maintenance_windows.c.name, maintenance_windows.c.definition)
            ):
                sids = frozenset(ids[s] for s in definition.get("services", []) if s in ids)
                windows.append(window_from_definition({**definition, "name": name}, sids))
                on_end[name] = definition.get("on_end") or "reevaluate"
            live = [
                Silence(
                    id=row.id,
                    matchers=tuple(Matcher.parse(m) for m in row.matchers),
                    starts_at=row.starts_at,
                    ends_at=row.ends_at,
                    created_by=row.created_by,
                    comment=row.comment,
                    service_ids=frozenset(row.service_ids or []),
                )
                for row in conn.execute(select(silences).where(silences.c.ends_at > now))
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

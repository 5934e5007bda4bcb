"""Who is on call, read inside a writer batch (the DB-API cursor of a group commit).

The escalation timer fires inside the writer's transaction, where SQLAlchemy's
connection is not at hand: these reads use the batch's cursor, and the same pure core
(``to_schedule``, ``on_call_at``) as every other view.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tocsin.inputs import STORED
from tocsin.schedules.definition import ScheduleDefinition, to_schedule
from tocsin.schedules.final import on_call_at
from tocsin.schedules.model import Override
from tocsin.store.batch import Batch, json_column

log = logging.getLogger(__name__)


def paged_by_schedule(store: Batch, cur: Any, name: str, now: datetime) -> tuple[str, ...]:
    """Whom a page to schedule ``name`` reaches at ``now``: those on call, then those
    shadowing them; nobody in a gap, or when the schedule is gone or cannot be computed."""
    return ScheduleReads(store, cur, now).paged(name, now)


_Read = tuple[str, ScheduleDefinition | None, tuple[Override, ...]]  # name, definition, overrides


class ScheduleReads:
    """``paged_by_schedule`` for many decisions of one transaction (a batch of escalation
    firings): each schedule and its overrides are read and validated once, for every
    instant from ``since`` on, and who it pages at one instant is computed once."""

    def __init__(self, store: Batch, cur: Any, since: datetime) -> None:
        self.store, self.cur, self.since = store, cur, since
        self.read: dict[str, _Read | None] = {}  # None: no such schedule
        self.paged_at: dict[tuple[str, datetime], tuple[str, ...]] = {}

    def paged(self, name: str, now: datetime) -> tuple[str, ...]:
        """As ``paged_by_schedule``; ``now`` no earlier than ``since``."""
        if now < self.since:
            raise ValueError(f"{now} is before {self.since}, the earliest instant read")
        found = self.paged_at.get((name, now))
        if found is None:
            found = self.paged_at[name, now] = self._paged(name, now)
        return found

    def _paged(self, name: str, now: datetime) -> tuple[str, ...]:
        if name not in self.read:
            self.read[name] = self._read(name)
        read = self.read[name]
        if read is None or read[1] is None:
            return ()
        # The overrides a read at ``now`` gets: those still running then, in the same order.
        overrides = tuple(o for o in read[2] if o.end > now)
        try:
            on_call = on_call_at(to_schedule(name, read[1], overrides), now)
        except (ValueError, OverflowError):
            log.exception("schedule %r cannot be computed: paging nobody through it", name)
            return ()
        return on_call.users + tuple(u for u in on_call.shadows if u not in on_call.users)

    def _read(self, name: str) -> _Read | None:
        p, cur = self.store.mark, self.cur
        cur.execute(f"SELECT id, definition FROM schedules WHERE name = {p}", (name,))
        row = cur.fetchone()
        if row is None:
            return None
        schedule_id, document = row
        cur.execute(
            "SELECT user_name, starts_at, ends_at, replaces FROM schedule_overrides "
            f"WHERE schedule_id = {p} AND ends_at > {p} ORDER BY created_at, id",
            (schedule_id, self.store.db_time(self.since)),
        )
        from_db = self.store.from_db_time
        overrides = tuple(
            Override(user, from_db(start), from_db(end), replaces)  # type: ignore[arg-type]
            for user, start, end, replaces in cur.fetchall()
        )
        try:
            definition = ScheduleDefinition.model_validate(
                json_column(document),
                context=STORED,
            )
        except ValueError:
            log.exception("schedule %r cannot be computed: paging nobody through it", name)
            return name, None, overrides
        return name, definition, overrides

"""Who is on call, read inside a writer batch (the DB-API cursor of a group commit).

The escalation timer fires inside the writer's transaction, where SQLAlchemy's
connection is not at hand: these reads use the batch's cursor, and the same pure core
(``to_schedule``, ``on_call_at``) as every other view.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import msgspec

from tocsin.inputs import STORED
from tocsin.schedules.definition import ScheduleDefinition, to_schedule
from tocsin.schedules.final import on_call_at
from tocsin.schedules.model import Override
from tocsin.store.batch import Batch

log = logging.getLogger(__name__)


def paged_by_schedule(store: Batch, cur: Any, name: str, now: datetime) -> tuple[str, ...]:
    """Whom a page to schedule ``name`` reaches at ``now``: those on call, then those
    shadowing them; nobody in a gap, or when the schedule is gone or cannot be computed."""
    p = store.mark
    cur.execute(f"SELECT id, definition FROM schedules WHERE name = {p}", (name,))
    row = cur.fetchone()
    if row is None:
        return ()
    schedule_id, document = row
    cur.execute(
        "SELECT user_name, starts_at, ends_at, replaces FROM schedule_overrides "
        f"WHERE schedule_id = {p} AND ends_at > {p} ORDER BY created_at, id",
        (schedule_id, store.db_time(now)),
    )
    overrides = tuple(
        Override(user, store.from_db_time(start), store.from_db_time(end), replaces)  # type: ignore[arg-type]
        for user, start, end, replaces in cur.fetchall()
    )
    try:
        definition = ScheduleDefinition.model_validate(
            msgspec.json.decode(document) if isinstance(document, str | bytes) else document,
            context=STORED,
        )
        on_call = on_call_at(to_schedule(name, definition, overrides), now)
    except (ValueError, OverflowError):
        log.exception("schedule %r cannot be computed: paging nobody through it", name)
        return ()
    return on_call.users + tuple(u for u in on_call.shadows if u not in on_call.users)

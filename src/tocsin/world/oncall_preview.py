"""Who-is-on-call before and after applying a world file, for ``tocsin apply --dry-run``."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from tocsin.schedules import final_schedule
from tocsin.schedules.definition import to_schedule
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.oncall_diff import oncall_changes
from tocsin.schedules.store.schedules import computed, load_schedules
from tocsin.world.document import World
from tocsin.world.kinds.schedules import ScheduleSpec

PREVIEW_DAYS = 14


def oncall_preview(
    conn: Connection, world: World, now: datetime, days: int = PREVIEW_DAYS
) -> list[str]:
    """One line per interval of the next ``days`` whose on-call people the file changes."""
    desired = world.items("schedules", ScheduleSpec)
    if desired is None:  # the file does not manage schedules
        return []
    end = now + timedelta(days=days)
    stored = {s.name: s for s in load_schedules(conn)}
    wanted = {s.name: s for s in desired}
    lines = []
    for name in sorted(set(stored) | set(wanted)):
        old, new = stored.get(name), wanted.get(name)
        api = old.extra_overrides if old else ()
        before = None
        if old is not None:  # one that cannot be computed shows as nobody on call
            with contextlib.suppress(ScheduleError):
                before = computed(old, lambda schedule: final_schedule(schedule, now, end))
        after = final_schedule(to_schedule(name, new, api), now, end) if new else None
        zone = ZoneInfo(new.time_zone if new else old.spec.time_zone if old else "UTC")
        for change in oncall_changes(before, after, now, end):
            start = change.start.astimezone(zone).strftime("%a %d %b %H:%M")
            stop = change.end.astimezone(zone).strftime("%a %d %b %H:%M %Z")
            was = ", ".join(change.before) or "nobody"
            becomes = ", ".join(change.after) or "nobody"
            lines.append(f"  {name}: {start} – {stop}: {was} → {becomes}")
    return lines

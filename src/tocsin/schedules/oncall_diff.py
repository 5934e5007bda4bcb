"""How who-is-on-call changes between two versions of a schedule, over a period.

Used by ``tocsin apply --dry-run`` to show, beside the object diff, what a schedule edit
does to the next days' on-call. Pure: two final schedules in, the differing intervals out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from tocsin.schedules.model import FinalSchedule


@dataclass(frozen=True, slots=True)
class OnCallChange:
    """An interval in which the people on call differ."""

    start: datetime
    end: datetime
    before: tuple[str, ...]
    after: tuple[str, ...]


def _on_call(final: FinalSchedule | None, at: datetime) -> tuple[str, ...]:
    if final is None:
        return ()
    return tuple(sorted({s.user for s in final.shifts if s.start <= at < s.end}))


def oncall_changes(
    before: FinalSchedule | None, after: FinalSchedule | None, start: datetime, end: datetime
) -> list[OnCallChange]:
    """Maximal intervals of [start, end) where the on-call users differ (None = no schedule)."""
    edges = {start, end}
    for final in (before, after):
        if final is not None:
            for shift in final.shifts:
                edges.update(t for t in (shift.start, shift.end) if start < t < end)
    points = sorted(edges)
    changes: list[OnCallChange] = []
    for lo, hi in itertools.pairwise(points):
        was, now = _on_call(before, lo), _on_call(after, lo)
        if was == now:
            continue
        last = changes[-1] if changes else None
        if last is not None and last.end == lo and (last.before, last.after) == (was, now):
            changes[-1] = OnCallChange(last.start, hi, was, now)
        else:
            changes.append(OnCallChange(lo, hi, was, now))
    return changes

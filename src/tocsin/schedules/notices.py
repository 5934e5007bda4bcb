"""On-call notices: when each person of a schedule is told about their shifts.

Pure: the final schedule's shifts in, the notices and their instants out. A person's
**shift** here is the time they are on call without a break, whatever layer or override
it comes from (Alice's weekly turn interrupted by nobody is one shift; an override of
Bob in the middle makes two). For each shift three notices may go out: a reminder
``reminder_before`` its start, a notice at its start, and the handoff report at its start.

``due`` decides what one firing sends at ``now``: what came due in the last ``GRACE``
(so a firing a little late still sends), nothing older (a restart after hours down does
not page people about shifts long begun), no reminder for a shift already started, and
per person and kind only the newest shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin.schedules.final import final_schedule
from tocsin.schedules.model import Schedule, Shift

GRACE = timedelta(minutes=15)
LOOKBACK = timedelta(days=2)  # how far back a shift's start and the one before it are seen
HORIZON = timedelta(days=35)  # how far ahead shifts (and their ends) are computed
RECHECK = timedelta(days=28)  # with no notice ahead, look again after this long


class NoticeKind(StrEnum):
    """What a notice says."""

    SHIFT_REMINDER = "shift_reminder"
    SHIFT_START = "shift_start"
    HANDOFF_REPORT = "handoff_report"


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    """Which notices a schedule sends; ``reminder_before`` None: no reminders."""

    shift_start: bool = True
    reminder_before: timedelta | None = timedelta(hours=1)
    handoff_report: bool = True


@dataclass(frozen=True, slots=True)
class OnCallShift:
    """``user`` on call from ``start`` without a break until ``end`` (None: past the
    horizon); ``previous`` was on call until ``start`` (None after a gap), since
    ``previous_start``."""

    user: str
    start: datetime
    end: datetime | None
    previous: str | None = None
    previous_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice of ``kind`` about ``shift``, due ``at``."""

    kind: NoticeKind
    at: datetime
    shift: OnCallShift


@dataclass(frozen=True, slots=True)
class NoticePlan:
    """What a firing at ``now`` sends, and when the next notice is due."""

    due: tuple[Notice, ...]
    next_at: datetime


def on_call_shifts(shifts: Sequence[Shift], start: datetime, end: datetime) -> list[OnCallShift]:
    """The unbroken on-call time of each person in the final ``shifts`` of [start, end).

    Touching shifts of one person merge; a shift cut by the window's start is left out
    (its real start is unknown), one cut by its end has no ``end``.
    """
    runs: list[tuple[str, datetime, datetime]] = []  # (user, start, end)
    for shift in sorted(shifts, key=lambda s: (s.start, s.user)):
        if runs and runs[-1][0] == shift.user and runs[-1][2] == shift.start:
            runs[-1] = (shift.user, runs[-1][1], shift.end)
        else:
            runs.append((shift.user, shift.start, shift.end))
    found: list[OnCallShift] = []
    for i, (user, begins, ends) in enumerate(runs):
        if begins <= start:
            continue
        before = runs[i - 1] if i and runs[i - 1][2] == begins else None
        found.append(
            OnCallShift(
                user,
                begins,
                None if ends >= end else ends,
                before[0] if before else None,
                before[1] if before else None,
            )
        )
    return found


def notices(shifts: Iterable[OnCallShift], settings: NoticeSettings) -> list[Notice]:
    """Every notice the ``settings`` ask for about ``shifts``, by due time."""
    found: list[Notice] = []
    for shift in shifts:
        if settings.reminder_before is not None:
            at = shift.start - settings.reminder_before
            found.append(Notice(NoticeKind.SHIFT_REMINDER, at, shift))
        if settings.shift_start:
            found.append(Notice(NoticeKind.SHIFT_START, shift.start, shift))
        if settings.handoff_report:
            found.append(Notice(NoticeKind.HANDOFF_REPORT, shift.start, shift))
    return sorted(found, key=lambda n: (n.at, n.shift.user, n.kind))


def due(candidates: Iterable[Notice], now: datetime, grace: timedelta = GRACE) -> list[Notice]:
    """The notices a firing at ``now`` sends: due in (now - grace, now], no reminder of a
    shift already begun, and per person and kind only the newest shift's."""
    newest: dict[tuple[str, NoticeKind], Notice] = {}
    for notice in candidates:
        if not now - grace < notice.at <= now:
            continue
        if notice.kind is NoticeKind.SHIFT_REMINDER and notice.shift.start <= now:
            continue
        key = (notice.shift.user, notice.kind)
        seen = newest.get(key)
        if seen is None or notice.shift.start > seen.shift.start:
            newest[key] = notice
    return sorted(newest.values(), key=lambda n: (n.at, n.shift.user, n.kind))


def plan(schedule: Schedule, settings: NoticeSettings, now: datetime) -> NoticePlan:
    """The notices of ``schedule`` due at ``now`` and when the next one is due (at the
    latest ``RECHECK`` from now, to look again at shifts beyond the horizon)."""
    start, end = now - LOOKBACK, now + HORIZON
    final = final_schedule(schedule, start, end)
    every = notices(on_call_shifts(final.shifts, start, end), settings)
    ahead = [n.at for n in every if n.at > now]
    return NoticePlan(tuple(due(every, now)), min([*ahead, now + RECHECK]))

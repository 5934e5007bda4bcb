"""Turns and handoffs of one rotation, computed in the schedule's wall-clock time.

Turn ``k`` (k = 0, 1, ...) belongs to ``participants[k % n]`` and runs from handoff ``k``
to handoff ``k + 1``. Handoff 0 is the rotation's ``start``. For day and week turns,
handoff ``k >= 1`` is the wall-clock ``handoff`` time on the date ``k * days`` after
``start``'s local date, resolved by ``wall_to_utc`` (the DST policy). For hour turns it
is ``start + k * hours`` of elapsed time. Finding the turn around an instant is O(1), so a
point query never walks the rotation from its start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tocsin.core.wallclock import ZoneLike, as_zone, to_utc, wall_to_utc
from tocsin.schedules.model import Rotation


@dataclass(frozen=True, slots=True)
class Turn:
    """Turn number ``index`` of a rotation: ``user`` from ``start`` to ``end`` (UTC).

    ``end`` is the next handoff, or the rotation's end if that comes first.
    """

    index: int
    user: str
    start: datetime
    end: datetime


def handoff_time(rotation: Rotation, time_zone: ZoneLike) -> time | None:
    """The wall-clock handoff time of a day or week rotation (None for hour turns)."""
    if rotation.turn.calendar_days is None:
        return None
    if rotation.handoff is not None:
        return rotation.handoff
    return rotation.start.astimezone(as_zone(time_zone)).time().replace(fold=0)


class HandoffGrid:
    """The handoff arithmetic of one rotation in one zone, prepared once per query.

    Used by the layer computation and by edits that need "the next handoff after X".
    """

    __slots__ = (
        "_seen",
        "days",
        "end",
        "first_day",
        "handoff",
        "participants",
        "start",
        "step",
        "zone",
    )

    def __init__(self, rotation: Rotation, zone: ZoneInfo) -> None:
        self.zone = zone
        self.participants = rotation.participants
        self.start = rotation.start.astimezone(UTC)
        self.end = rotation.end.astimezone(UTC) if rotation.end is not None else None
        days = rotation.turn.calendar_days
        self.days = days or 0
        self.step = timedelta(hours=rotation.turn.count)
        local_start = rotation.start.astimezone(zone)
        self.first_day: date = local_start.date()
        self.handoff: time = rotation.handoff or local_start.time().replace(fold=0)
        # Finding a turn and then walking from it asks for the same handoffs twice.
        self._seen: dict[int, datetime] = {}

    def handoff_at(self, index: int) -> datetime:
        """The instant turn ``index`` begins."""
        if index == 0:
            return self.start
        if self.days == 0:
            return self.start + index * self.step
        found = self._seen.get(index)
        if found is None:
            day = self.first_day + timedelta(days=index * self.days)
            found = self._seen[index] = wall_to_utc(day, self.handoff, self.zone)
        return found

    def index_at(self, instant: datetime) -> int:
        """The turn holding ``instant`` (which is at or after the start)."""
        if self.days == 0:
            return (instant - self.start) // self.step
        elapsed_days = (instant.astimezone(self.zone).date() - self.first_day).days
        index = max(0, elapsed_days // self.days)
        # The date estimate is off by at most one turn (the instant may be before the
        # handoff on its own date), so these loops run at most once or twice.
        while index > 0 and self.handoff_at(index) > instant:
            index -= 1
        while self.handoff_at(index + 1) <= instant:
            index += 1
        return index

    def turns(self, start: datetime, end: datetime) -> Iterator[Turn]:
        """Turns overlapping [start, end), unclipped except by the rotation's own end."""
        if end <= self.start or (self.end is not None and start >= self.end):
            return
        index = self.index_at(max(start, self.start))
        turn_start = self.handoff_at(index)
        count = len(self.participants)
        while turn_start < end and (self.end is None or turn_start < self.end):
            turn_end = self.handoff_at(index + 1)
            if self.end is not None and turn_end > self.end:
                turn_end = self.end
            yield Turn(index, self.participants[index % count], turn_start, turn_end)
            index += 1
            turn_start = turn_end


def turns_between(
    rotation: Rotation, time_zone: ZoneLike, start: datetime, end: datetime
) -> Iterator[Turn]:
    """Yield the turns of ``rotation`` overlapping [start, end), in order, with full extents.

    Handoffs are computed in ``time_zone`` (the schedule's zone). Restrictions are not
    applied here; see ``tocsin.schedules.layers``.
    """
    return HandoffGrid(rotation, as_zone(time_zone)).turns(to_utc(start), to_utc(end))


def turn_at(rotation: Rotation, time_zone: ZoneLike, instant: datetime) -> Turn | None:
    """The turn holding ``instant``, or None before the rotation starts or after it ends."""
    moment = to_utc(instant)
    return next(
        turns_between(rotation, time_zone, moment, moment + timedelta(microseconds=1)), None
    )


def handoffs_between(
    rotation: Rotation, time_zone: ZoneLike, start: datetime, end: datetime
) -> list[datetime]:
    """The handoff instants (UTC) of ``rotation`` in [start, end), the start included."""
    lo, hi = to_utc(start), to_utc(end)
    return [turn.start for turn in turns_between(rotation, time_zone, lo, hi) if turn.start >= lo]

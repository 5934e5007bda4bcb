"""Fairness report: how much on-call time each person carried, and when it fell.

Every moment of a shift falls in exactly one category, judged on the wall clock of the
report's zone and measured in elapsed time (a 23-hour spring-forward Sunday counts 23):

- ``weekend``: any time on a day that is not a workday (Saturday and Sunday by default).
- ``night``: on a workday, before ``night_end`` or from ``night_start`` (22:00-07:00).
  Friday 22:00-24:00 is night; Saturday 00:00-07:00 is weekend.
- ``business``: on a workday, inside business hours (09:00-18:00) and not night.
- ``off_hours``: the rest of a workday (07:00-09:00 and 18:00-22:00 by default).

So ``total == business + off_hours + night + weekend`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tocsin.core.wallclock import ZoneLike, as_zone, to_utc, wall_to_utc
from tocsin.schedules.model import Shift, Weekday

_MIDNIGHT = time(0)
_DAY = timedelta(days=1)
_MON_FRI = frozenset(
    {Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY}
)


class HourCategory(StrEnum):
    """The four disjoint kinds of on-call time."""

    BUSINESS = "business"
    OFF_HOURS = "off_hours"
    NIGHT = "night"
    WEEKEND = "weekend"


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Where business hours, nights and weekends lie on the wall clock."""

    start: time = time(9)
    end: time = time(18)
    workdays: frozenset[Weekday] = _MON_FRI
    night_start: time = time(22)
    night_end: time = time(7)

    def __post_init__(self) -> None:
        object.__setattr__(self, "workdays", frozenset(Weekday(d) for d in self.workdays))
        if self.end <= self.start:
            raise ValueError("business hours must end after they start on the same day")

    def category(self, day: date, at: time) -> HourCategory:
        """The category of the wall-clock reading ``at`` on ``day``."""
        if Weekday(day.weekday()) not in self.workdays:
            return HourCategory.WEEKEND
        if self.night_start > self.night_end:
            night = at >= self.night_start or at < self.night_end
        else:
            night = self.night_start <= at < self.night_end
        if night:
            return HourCategory.NIGHT
        if self.start <= at < self.end:
            return HourCategory.BUSINESS
        return HourCategory.OFF_HOURS


@dataclass(frozen=True, slots=True)
class OnCallHours:
    """One user's on-call time in a report period, split into disjoint categories."""

    user: str
    business: timedelta = timedelta()
    off_hours: timedelta = timedelta()
    night: timedelta = timedelta()
    weekend: timedelta = timedelta()

    @property
    def total(self) -> timedelta:
        """All on-call time; the sum of the four categories by construction."""
        return self.business + self.off_hours + self.night + self.weekend


def on_call_hours(
    shifts: Iterable[Shift],
    time_zone: ZoneLike,
    start: datetime,
    end: datetime,
    business_hours: BusinessHours | None = None,
) -> Mapping[str, OnCallHours]:
    """Each user's on-call time within [start, end), by category, keyed and sorted by user.

    ``shifts`` should be disjoint per user (as ``final_schedule`` returns them); overlapping
    shifts of one user would be counted twice.
    """
    rules = business_hours or BusinessHours()
    zone = as_zone(time_zone)
    lo, hi = to_utc(start), to_utc(end)
    day_cache: dict[date, list[tuple[datetime, datetime, HourCategory]]] = {}
    totals: dict[str, dict[HourCategory, timedelta]] = {}
    for shift in shifts:
        s, e = max(lo, to_utc(shift.start)), min(hi, to_utc(shift.end))
        if s >= e:
            continue
        per_user = totals.setdefault(shift.user, {c: timedelta() for c in HourCategory})
        day = s.astimezone(zone).date()
        while True:
            parts = day_cache.get(day)
            if parts is None:
                parts = day_cache[day] = _day_parts(day, zone, rules)
            if parts[0][0] >= e:
                break
            for part_start, part_end, category in parts:
                overlap = min(e, part_end) - max(s, part_start)
                if overlap > timedelta():
                    per_user[category] += overlap
            day += _DAY
    return {
        user: OnCallHours(
            user=user,
            business=cats[HourCategory.BUSINESS],
            off_hours=cats[HourCategory.OFF_HOURS],
            night=cats[HourCategory.NIGHT],
            weekend=cats[HourCategory.WEEKEND],
        )
        for user, cats in sorted(totals.items())
    }


def _day_parts(
    day: date, zone: ZoneInfo, rules: BusinessHours
) -> list[tuple[datetime, datetime, HourCategory]]:
    """One local day cut at every category boundary, as UTC intervals.

    Cutting on the wall clock and resolving each cut with the DST policy keeps the parts
    contiguous, so they add up to the day's real length (23, 24 or 25 hours).
    """
    cuts = sorted({_MIDNIGHT, rules.start, rules.end, rules.night_start, rules.night_end})
    instants = [wall_to_utc(day, cut, zone) for cut in cuts]
    instants.append(wall_to_utc(day + _DAY, _MIDNIGHT, zone))
    return [
        (instants[i], instants[i + 1], rules.category(day, cut))
        for i, cut in enumerate(cuts)
        if instants[i] < instants[i + 1]
    ]

"""Restriction windows as instants, and clipping turns to them.

A restricted rotation only has someone on call inside its windows; the turn order is
not changed by them (the person whose turn it is covers the windows that fall in their
turn). Window edges are wall-clock readings in the restriction's zone, resolved with the
same DST policy as handoffs (``wallclock.wall_to_utc``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tocsin.core.wallclock import ZoneLike, as_zone, to_utc, wall_to_utc
from tocsin.schedules.model import DailyWindow, Restrictions, WeeklyWindow

Interval = tuple[datetime, datetime]

_DAY = timedelta(days=1)


def restriction_intervals(
    restrictions: Restrictions, default_zone: ZoneLike, start: datetime, end: datetime
) -> list[Interval]:
    """The windows of ``restrictions`` within [start, end) as sorted, disjoint UTC intervals.

    Windows are read in ``restrictions.time_zone`` or, if unset, in ``default_zone`` (the
    schedule's zone). Overlapping and touching windows are merged.
    """
    lo, hi = to_utc(start), to_utc(end)
    if hi <= lo:
        return []
    zone = as_zone(restrictions.time_zone or default_zone)
    raw: list[Interval] = []
    for window in restrictions.windows:
        if isinstance(window, DailyWindow):
            raw.extend(_daily(window, zone, lo, hi))
        else:
            raw.extend(_weekly(window, zone, lo, hi))
    return merge_intervals(
        [(max(s, lo), min(e, hi)) for s, e in raw if s < hi and e > lo and s < e]
    )


def is_restricted_in(restrictions: Restrictions, default_zone: ZoneLike, instant: datetime) -> bool:
    """Whether ``instant`` falls inside one of the windows of ``restrictions``."""
    moment = to_utc(instant)
    return bool(
        restriction_intervals(restrictions, default_zone, moment, moment + timedelta(seconds=1))
    )


def _daily(window: DailyWindow, zone: ZoneInfo, lo: datetime, hi: datetime) -> list[Interval]:
    # A window that crosses midnight starts the day before, so begin one day early.
    first = lo.astimezone(zone).date() - _DAY
    last = hi.astimezone(zone).date()
    crosses = window.end <= window.start
    out: list[Interval] = []
    day = first
    while day <= last:
        end_day = day + _DAY if crosses else day
        out.append((wall_to_utc(day, window.start, zone), wall_to_utc(end_day, window.end, zone)))
        day += _DAY
    return out


def _weekly(window: WeeklyWindow, zone: ZoneInfo, lo: datetime, hi: datetime) -> list[Interval]:
    span = (window.end_day - window.start_day) % 7
    if span == 0 and window.end <= window.start:
        span = 7  # wraps the whole week
    # A window can last up to a week, so one starting the previous week may reach in.
    monday = _monday(lo.astimezone(zone).date()) - timedelta(days=7)
    last = hi.astimezone(zone).date()
    out: list[Interval] = []
    while monday <= last:
        first_day = monday + timedelta(days=int(window.start_day))
        out.append(
            (
                wall_to_utc(first_day, window.start, zone),
                wall_to_utc(first_day + timedelta(days=span), window.end, zone),
            )
        )
        monday += timedelta(days=7)
    return out


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """Sort intervals and merge the ones that overlap or touch."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(
    pieces: list[tuple[datetime, datetime, str]], windows: list[Interval]
) -> list[tuple[datetime, datetime, str]]:
    """Clip sorted, disjoint ``(start, end, user)`` pieces to sorted, disjoint windows."""
    out: list[tuple[datetime, datetime, str]] = []
    j = 0
    for start, end, user in pieces:
        while j < len(windows) and windows[j][1] <= start:
            j += 1
        k = j
        while k < len(windows) and windows[k][0] < end:
            s, e = max(start, windows[k][0]), min(end, windows[k][1])
            if s < e:
                out.append((s, e, user))
            k += 1
    return out

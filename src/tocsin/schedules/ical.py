"""Schedules as iCalendar (RFC 5545) feeds: one event per on-call shift.

Events carry local times with a ``TZID`` in the schedule's zone, and the calendar
includes the matching ``VTIMEZONE`` definitions, so calendar apps show shifts at the
right wall-clock time on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from tocsin.schedules.model import FinalSchedule, Shift
from tocsin.schedules.wallclock import as_zone

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)
PRODID = "-//Tocsin//On-call schedules//EN"


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The interval a feed covers: whole UTC days, from 30 days ago to 180 days ahead.

    Whole days keep the feed (and the first event's UID) the same all day long.
    """
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - FEED_PAST, midnight + FEED_FUTURE


def shift_uid(schedule: str, shift: Shift) -> str:
    """A stable UID: the same shift gets the same event in every refresh."""
    return f"{schedule}/{shift.user}/{shift.start:%Y%m%dT%H%M%SZ}@tocsin"


def schedule_calendar(
    name: str, time_zone: str, final: FinalSchedule, *, generated_at: datetime
) -> bytes:
    """A schedule's final shifts as an iCalendar document, times in ``time_zone``."""
    entries = [(name, shift) for shift in final.shifts]
    return shifts_calendar(f"On call: {name}", time_zone, entries, generated_at=generated_at)


def shifts_calendar(
    title: str,
    time_zone: str,
    entries: Sequence[tuple[str, Shift]],
    *,
    generated_at: datetime,
) -> bytes:
    """(schedule name, shift) pairs, sorted by start, as an iCalendar document.

    A user's own feed is this with their shifts from every schedule, in their zone.
    """
    zone = as_zone(time_zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", time_zone)
    for schedule, shift in entries:
        event = Event()
        event.add("uid", shift_uid(schedule, shift))
        event.add("dtstamp", generated_at)
        event.add("dtstart", shift.start.astimezone(zone))
        event.add("dtend", shift.end.astimezone(zone))
        what = "override" if shift.source == "override" else f"layer {shift.layer}"
        event.add("summary", f"On call: {shift.user} ({schedule})")
        event.add("description", f"{shift.user} is on call for {schedule} ({what}).")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if entries:
        first = min(shift.start for _, shift in entries).date() - timedelta(days=1)
        last = max(shift.end for _, shift in entries).date() + timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())

"""Schedules as iCalendar (RFC 5545) feeds: one event per on-call shift.

Events carry local times with a ``TZID`` in the schedule's zone, and the calendar
includes the matching ``VTIMEZONE`` (built by ``tocsin.schedules.vtimezone`` from the
IANA database), so calendar apps show shifts at the right wall-clock time on both sides
of a DST change, whether they read the zone's name or the feed's own definition.
Instants that local time cannot name (the second pass through a fall-back overlap) are
written in UTC instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tocsin.core.wallclock import as_zone, wall_to_utc
from tocsin.schedules.model import FinalSchedule, Shift
from tocsin.schedules.vtimezone import vtimezone

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


def event_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """How a feed writes ``instant``: local time in ``zone``, or UTC where that would lie.

    RFC 5545 §3.3.5 reads a local time that occurs twice as its first occurrence, so
    01:30 on the night New York falls back always means 01:30 EDT. A shift that starts
    or ends at 01:30 EST (an hour-based turn, an override) would be shown an hour early;
    written in UTC it is exact, and a client still shows it at 01:30 local time.
    """
    local = instant.astimezone(zone)
    # astimezone marks the second pass through an overlap with fold=1; the same reading
    # with fold=0 has the offset of the first pass.
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


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
        event.add("dtstart", event_time(shift.start, zone))
        event.add("dtend", event_time(shift.end, zone))
        what = "override" if shift.source == "override" else f"layer {shift.layer}"
        event.add("summary", f"On call: {shift.user} ({schedule})")
        event.add("description", f"{shift.user} is on call for {schedule} ({what}).")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    # Events in UTC (and its aliases) are written with a trailing Z and reference no
    # TZID, so such a feed needs no VTIMEZONE; otherwise the events name one TZID.
    tzids = sorted(calendar.get_missing_tzids())
    if entries and tzids:
        # Whole local days with a day to spare either side (from the midnight that
        # starts the day before the first shift to the one that ends the day after the
        # last), so a client laying out whole days around the events finds offsets too.
        first_day = min(shift.start for _, shift in entries).astimezone(zone).date()
        last_day = max(shift.end for _, shift in entries).astimezone(zone).date()
        first = wall_to_utc(first_day - timedelta(days=1), time(0), zone)
        last = wall_to_utc(last_day + timedelta(days=2), time(0), zone)
        # RFC 5545 does not order components, but some clients want a VTIMEZONE before
        # the events that use it.
        for position, tzid in enumerate(tzids):
            calendar.subcomponents.insert(position, vtimezone(zone, first, last, tzid=tzid))
    return bytes(calendar.to_ical())

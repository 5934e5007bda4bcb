"""The ``VTIMEZONE`` of a calendar feed, built from the IANA database through ``zoneinfo``.

A feed's events carry local times with a ``TZID``; calendar apps that do not know the
IANA name (or prefer the feed's own definition, as Outlook does) convert them with the
feed's ``VTIMEZONE`` alone. This module owns that definition: one ``STANDARD`` or
``DAYLIGHT`` observance per change of UTC offset in the feed's range, written the way
RFC 5545 §3.6.5 reads it, ``DTSTART`` being the local time of the change in the offset
in force *before* it (``TZOFFSETFROM``). See docs/decisions/0003-ical-vtimezone-from-zoneinfo.md.

Everything here is a function of the zone and the range passed in; nothing reads the
clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from tocsin.core.wallclock import require_aware

# How far apart the scan samples the zone's offset. A change is found between two
# samples and then pinned to the second by bisection, so the step only has to be shorter
# than the time between two changes. Since 1970 no zone in the IANA database (checked
# against releases 2025b and 2026f) has changed its offset twice within six days, so
# an hour leaves a wide margin, at a few thousand look-ups for a seven-month feed.
SCAN_STEP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Observance:
    """From ``onset`` (UTC) the zone's clocks read UTC + ``offset``, under ``name``.

    ``offset_before`` is the offset in force until then; for the observance a range
    starts with, which marks no change, it equals ``offset``.
    """

    onset: datetime
    offset_before: timedelta
    offset: timedelta
    name: str
    daylight: bool

    @property
    def local_onset(self) -> datetime:
        """The onset as the naive local time RFC 5545 puts in ``DTSTART``.

        That is the wall-clock reading in the offset before the change: New York springs
        forward at 07:00 UTC, which is 02:00 in -05:00 (not 03:00, the reading after it).
        """
        return (self.onset + self.offset_before).replace(tzinfo=None)


def observances(zone: ZoneInfo, start: datetime, end: datetime) -> list[Observance]:
    """The observances that describe ``zone`` from ``start`` to ``end``, in order.

    The first is the one in force at ``start`` (to the whole second); after it comes one
    for every change of UTC offset in (``start``, ``end``]. A zone with a fixed offset
    (Asia/Kolkata) gets just the first.
    """
    require_aware("start", start)
    require_aware("end", end)
    if end < start:
        raise ValueError(f"end {end!r} is before start {start!r}")
    # tzdata changes offsets at whole seconds, so whole-second bounds lose nothing.
    first = start.astimezone(UTC).replace(microsecond=0)
    last = end.astimezone(UTC).replace(microsecond=0)
    offset = _offset_at(zone, first)
    found = [_observance(zone, first, offset)]
    sample = first
    while sample < last:
        following = min(sample + SCAN_STEP, last)
        if _offset_at(zone, following) == offset:
            sample = following
            continue
        change = _first_instant_with_new_offset(zone, sample, following, offset)
        found.append(_observance(zone, change, offset))
        offset = _offset_at(zone, change)
        sample = change  # so a further change before ``following`` is found too
    return found


def vtimezone(
    zone: ZoneInfo, start: datetime, end: datetime, *, tzid: str | None = None
) -> Timezone:
    """A ``VTIMEZONE`` component for ``zone``, valid for every instant in [start, end].

    ``tzid`` is the ``TZID`` the events refer to (the zone's IANA name by default). Each
    observance becomes its own sub-component, with no ``RRULE`` or ``RDATE``: a feed
    covers months, so the list is short and needs no rule to be read right.
    """
    component = Timezone()
    component.add("tzid", tzid or zone.key)
    for observance in observances(zone, start, end):
        part = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        part.add("dtstart", observance.local_onset)
        part.add("tzoffsetfrom", observance.offset_before)
        part.add("tzoffsetto", observance.offset)
        part.add("tzname", observance.name)
        component.add_component(part)
    return component


def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    if offset is None:  # a ZoneInfo always has one; this keeps the types honest
        raise ValueError(f"{zone.key} has no UTC offset at {instant.isoformat()}")
    return offset


def _first_instant_with_new_offset(
    zone: ZoneInfo, before: datetime, after: datetime, old: timedelta
) -> datetime:
    """The first whole second in (before, after] whose offset is not ``old``.

    ``before`` has the old offset and ``after`` does not. tzdata records changes at
    whole seconds, so bisecting over seconds finds the exact instant.
    """
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(zone, before + timedelta(seconds=middle)) == old:
            low = middle
        else:
            high = middle
    return before + timedelta(seconds=high)


def _observance(zone: ZoneInfo, onset: datetime, offset_before: timedelta) -> Observance:
    local = onset.astimezone(zone)
    offset = _offset_at(zone, onset)
    dst = local.dst()
    return Observance(
        onset=onset,
        offset_before=offset_before,
        offset=offset,
        name=local.tzname() or _offset_name(offset),
        daylight=dst is not None and dst != timedelta(0),
    )


def _offset_name(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"

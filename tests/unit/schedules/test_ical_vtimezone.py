"""The feed's VTIMEZONE, read the way a client without the IANA database reads it.

Every test here converts times through the feed's own ``VTIMEZONE`` only (see
``ical_reader``), the way Outlook does, and compares with the true instants from
``zoneinfo``. A VTIMEZONE that puts a change of offset at the wrong time shows up as
shifts an hour (or 30 minutes) off around that change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.schedules.factories import NEW_YORK, rotation, schedule, utc, wall
from tests.unit.schedules.ical_reader import VTimezoneClock, parse, read_events, vtimezone_clock
from tocsin.schedules import Shift, TurnLength, final_schedule
from tocsin.schedules.ical import feed_window, schedule_calendar, shifts_calendar
from tocsin.schedules.vtimezone import vtimezone

GENERATED_AT = utc(2027, 1, 1)

# Both hemispheres, whole-hour, half-hour and 45-minute offsets, a 30-minute DST shift
# (Lord Howe), zones that change at local midnight (Santiago) or at 02:45 (Chatham),
# negative DST in the database (Dublin's winter, Casablanca's Ramadan), and zones that
# never change (Kolkata, Kathmandu).
ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Chatham",
    "America/Santiago",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "Asia/Kathmandu",
)
CHANGING_ZONES = tuple(z for z in ZONES if z not in ("Asia/Kolkata", "Asia/Kathmandu"))

# Long enough to hold every zone's changes in both directions.
RANGE_START = utc(2026, 9, 1)
RANGE_END = utc(2027, 12, 31)


def feed(zone: str, shifts: list[Shift]) -> str:
    """The feed Tocsin serves for ``shifts`` (one schedule, "s"), as text."""
    entries = [("s", shift) for shift in shifts]
    return shifts_calendar("t", zone, entries, generated_at=GENERATED_AT).decode()


def back_to_back(boundaries: list[datetime]) -> list[Shift]:
    """Shifts that hand off at each of ``boundaries`` (sorted, duplicates dropped)."""
    instants = sorted({b.astimezone(UTC) for b in boundaries})
    users = ("ann", "ben")
    return [
        Shift(users[n % 2], start, end, "L1", "rotation")
        for n, (start, end) in enumerate(pairwise(instants))
    ]


def assert_read_back_exactly(text: str, shifts: list[Shift]) -> None:
    """A VTIMEZONE-only client sees every shift start and end at its true instant."""
    seen = [(e.start, e.end) for e in read_events(text)]
    assert seen == [(s.start, s.end) for s in shifts]


@cache
def transitions(zone_name: str) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(instant, offset before, offset after) of each change in the test range.

    Found by brute force with zoneinfo (daily samples, then minute by minute): every
    change in these zones is at a whole minute.
    """
    zone = ZoneInfo(zone_name)

    def offset(instant: datetime) -> timedelta:
        value = instant.astimezone(zone).utcoffset()
        assert value is not None
        return value

    found = []
    day = RANGE_START
    while day < RANGE_END:
        following = day + timedelta(days=1)
        if offset(day) != offset(following):
            minute = day
            while offset(minute) == offset(day):
                minute += timedelta(minutes=1)
            found.append((minute, offset(day), offset(minute)))
        day = following
    return tuple(found)


def test_new_york_daylight_time_starts_at_0200_in_the_offset_before_the_change() -> None:
    text = feed("America/New_York", back_to_back([utc(2027, 3, 1), utc(2027, 3, 20)]))
    daylight = text.split("BEGIN:DAYLIGHT\r\n", 1)[1].split("END:DAYLIGHT", 1)[0]
    assert daylight.splitlines() == [
        "DTSTART:20270314T020000",
        "TZNAME:EDT",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
    ]


def test_new_york_standard_time_starts_at_0200_daylight_time() -> None:
    text = feed("America/New_York", back_to_back([utc(2027, 11, 1), utc(2027, 11, 20)]))
    (vtimezone,) = parse(text).walk("VTIMEZONE")
    onsets = [
        [(line.name, line.value) for line in part.lines]
        for part in vtimezone.children
        if part.name == "STANDARD" and part.one("TZOFFSETFROM").value == "-0400"
    ]
    assert onsets == [
        [
            ("DTSTART", "20271107T020000"),
            ("TZNAME", "EST"),
            ("TZOFFSETFROM", "-0400"),
            ("TZOFFSETTO", "-0500"),
        ]
    ]


def test_new_york_shifts_either_side_of_spring_forward_read_back_at_their_times() -> None:
    shifts = back_to_back(
        [
            wall(NEW_YORK, 2027, 3, 14, 0, 0),
            wall(NEW_YORK, 2027, 3, 14, 1, 30),  # EST, half an hour before the gap
            wall(NEW_YORK, 2027, 3, 14, 3, 30),  # EDT, half an hour after it
            wall(NEW_YORK, 2027, 3, 14, 12, 0),
            wall(NEW_YORK, 2027, 3, 15, 0, 0),
        ]
    )
    text = feed("America/New_York", shifts)
    events = read_events(text)
    assert [e.start_text for e in events] == [
        "20270314T000000",
        "20270314T013000",
        "20270314T033000",
        "20270314T120000",
    ]
    assert [e.start for e in events] == [
        utc(2027, 3, 14, h, m) for h, m in [(5, 0), (6, 30), (7, 30), (16, 0)]
    ]
    assert_read_back_exactly(text, shifts)


def test_new_york_shifts_either_side_of_fall_back_read_back_at_their_times() -> None:
    shifts = back_to_back(
        [
            wall(NEW_YORK, 2027, 11, 7, 0, 0),
            wall(NEW_YORK, 2027, 11, 7, 1, 30),  # EDT: the first 01:30, which RFC 5545 means
            wall(NEW_YORK, 2027, 11, 7, 2, 0),  # EST, after the repeated hour
            wall(NEW_YORK, 2027, 11, 7, 12, 0),
            wall(NEW_YORK, 2027, 11, 8, 0, 0),
        ]
    )
    text = feed("America/New_York", shifts)
    assert [e.start for e in read_events(text)] == [
        utc(2027, 11, 7, h, m) for h, m in [(4, 0), (5, 30), (7, 0), (17, 0)]
    ]
    assert_read_back_exactly(text, shifts)


def handoffs_around_changes(zone_name: str) -> list[datetime]:
    """Local 00:00 and 12:00 for two days either side of each change, and instants right
    at it: 30 minutes and 1 minute before, the first instant whose local reading is new
    (the change itself after spring forward, the end of the repeated hour after fall
    back), and 30 minutes after that."""
    zone = ZoneInfo(zone_name)
    around = [change for change, _, _ in transitions(zone_name)] or [utc(2027, 3, 1)]
    boundaries = []
    for change in around:
        for n in range(-2, 3):
            day = change.astimezone(zone).date() + timedelta(days=n)
            boundaries += [wall(zone, day.year, day.month, day.day, hour) for hour in (0, 12)]
    for change, before, after in transitions(zone_name):
        repeated = max(before - after, timedelta(0))
        boundaries += [
            change - timedelta(minutes=30),
            change - timedelta(minutes=1),
            change + repeated,
            change + repeated + timedelta(minutes=30),
        ]
    return boundaries


@pytest.mark.parametrize("zone", ZONES)
def test_every_shift_reads_back_at_its_true_instant_through_the_vtimezone_alone(
    zone: str,
) -> None:
    shifts = back_to_back(handoffs_around_changes(zone))
    assert_read_back_exactly(feed(zone, shifts), shifts)


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_changes_offset_exactly_when_the_zone_does(zone: str) -> None:
    clock = vtimezone_clock(feed(zone, back_to_back([RANGE_START, RANGE_END])))
    first, *changes = clock.onsets
    assert first.at <= RANGE_START
    assert first.offset_before == first.offset
    assert [(o.at, o.offset_before, o.offset) for o in changes] == list(transitions(zone))
    for onset in clock.onsets:
        local = onset.at.astimezone(ZoneInfo(zone))
        assert onset.name == local.tzname()
        assert onset.kind == ("STANDARD" if local.dst() == timedelta(0) else "DAYLIGHT")


@pytest.mark.parametrize(
    ("zone", "name", "offset"),
    [("Asia/Kolkata", "IST", "+0530"), ("Asia/Kathmandu", "+0545", "+0545")],
)
def test_a_zone_without_dst_gets_one_fixed_observance(zone: str, name: str, offset: str) -> None:
    text = feed(zone, back_to_back([utc(2027, 1, 10, 12), utc(2027, 7, 10, 12)]))
    (vtimezone,) = parse(text).walk("VTIMEZONE")
    (part,) = vtimezone.children
    assert part.name == "STANDARD"
    assert [(line.name, line.value) for line in part.lines] == [
        ("DTSTART", "20270109T000000"),  # local midnight, the day before the first shift
        ("TZNAME", name),
        ("TZOFFSETFROM", offset),
        ("TZOFFSETTO", offset),
    ]


def test_utc_feed_writes_times_with_z_and_needs_no_vtimezone() -> None:
    shifts = back_to_back([utc(2027, 3, 1), utc(2027, 3, 14, 7), utc(2027, 4, 1)])
    text = feed("UTC", shifts)
    assert "VTIMEZONE" not in text
    assert [e.start_text for e in read_events(text)] == ["20270301T000000Z", "20270314T070000Z"]
    assert_read_back_exactly(text, shifts)


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Lord_Howe"])
@pytest.mark.parametrize("now", [utc(2027, 3, 1, 15), utc(2027, 10, 1, 15)])
@pytest.mark.parametrize("turn", [TurnLength.days(1), TurnLength.hours(12)])
def test_a_served_feed_shows_every_shift_of_the_final_schedule_at_its_time(
    zone: str, now: datetime, turn: TurnLength
) -> None:
    tz = ZoneInfo(zone)
    # 02:30 is in (New York) or at the end of (Lord Howe) the spring-forward gap: daily
    # turns hand off at the first instant after it, and 12-hour turns, being elapsed
    # time, hand off an hour (half an hour) later on the wall clock once it has passed.
    rota = rotation(start=wall(tz, 2027, 1, 4, 2, 30), turn=turn)
    start, end = feed_window(now)
    final = final_schedule(schedule(rota, zone=tz), start, end)
    text = schedule_calendar("s", zone, final, generated_at=now).decode()
    assert [(e.start, e.end) for e in read_events(text)] == [(s.start, s.end) for s in final.shifts]


def test_a_shift_starting_in_the_repeated_hour_is_written_in_utc() -> None:
    # 06:30 UTC on 7 November is 01:30 EST, the second 01:30 of the night: written as
    # local time, RFC 5545 would read it as the first, 01:30 EDT, an hour early.
    shifts = back_to_back([utc(2027, 11, 7, 4), utc(2027, 11, 7, 6, 30), utc(2027, 11, 7, 12)])
    text = feed("America/New_York", shifts)
    assert [e.start_text for e in read_events(text)] == ["20271107T000000", "20271107T063000Z"]
    assert "DTEND:20271107T063000Z" in text.splitlines()
    assert_read_back_exactly(text, shifts)


@pytest.mark.parametrize("zone", CHANGING_ZONES)
def test_shifts_handing_off_during_a_repeated_hour_read_back_at_their_true_instants(
    zone: str,
) -> None:
    boundaries = [RANGE_START]
    for change, before, after in transitions(zone):
        repeated = before - after
        if repeated > timedelta(0):  # fall back: readings in [change, change + repeated) recur
            boundaries += [change, change + repeated / 2, change + repeated - timedelta(minutes=1)]
    shifts = back_to_back(boundaries)
    assert len(shifts) >= 3
    assert_read_back_exactly(feed(zone, shifts), shifts)


@st.composite
def instants_near_changes(draw: st.DrawFn, zone_name: str) -> datetime:
    """A whole-minute instant in the test range, usually within a day of a change."""
    changes = [change for change, _, _ in transitions(zone_name)]
    near_a_change = draw(st.booleans())
    if changes and near_a_change:
        change = draw(st.sampled_from(changes))
        return change + timedelta(minutes=draw(st.integers(-24 * 60, 24 * 60)))
    span = int((RANGE_END - RANGE_START) / timedelta(minutes=1))
    return RANGE_START + timedelta(minutes=draw(st.integers(0, span)))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_vtimezone_gives_the_zones_offset_at_every_instant_it_covers(
    data: st.DataObject, zone: str
) -> None:
    tz = ZoneInfo(zone)
    start, end = sorted(data.draw(instants_near_changes(zone)) for _ in range(2))
    clock = VTimezoneClock(parse(vtimezone(tz, start, end).to_ical().decode()))
    assert clock.onsets[0].at == start
    probes = data.draw(st.lists(instants_near_changes(zone), max_size=20))
    for change, _, _ in transitions(zone):  # to the second either side of each change
        probes += [change - timedelta(seconds=1), change]
    for probe in [start, end, *probes]:
        if start <= probe <= end:
            assert clock.offset_at(probe) == probe.astimezone(tz).utcoffset(), probe


def test_feed_range_is_whole_local_days_around_the_shifts() -> None:
    text = feed("America/New_York", back_to_back([utc(2027, 3, 14, 3), utc(2027, 3, 14, 4)]))
    clock = vtimezone_clock(text)
    # 03:00 UTC on 14 March is still 13 March in New York: the range starts at local
    # midnight on the 12th.
    assert clock.onsets[0].at == wall(NEW_YORK, 2027, 3, 12).astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_every_shift_of_any_feed_reads_back_at_its_true_instant(
    data: st.DataObject, zone: str
) -> None:
    boundaries = data.draw(st.lists(instants_near_changes(zone), min_size=2, max_size=8))
    shifts = back_to_back(boundaries)
    assert_read_back_exactly(feed(zone, shifts), shifts)

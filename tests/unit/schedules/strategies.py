"""Hypothesis strategies for schedules, biased towards daylight-saving transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tocsin.schedules import (
    DailyWindow,
    Layer,
    Override,
    Restrictions,
    Revision,
    Rotation,
    Schedule,
    Shadow,
    TurnLength,
    Weekday,
    WeeklyWindow,
)

ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
)
USERS = ("ann", "ben", "cat", "dan", "eve", "fay")

# Wall-clock times that land in and around the transitions of the zones above
# (New York 02:00, Europe 01:00-03:00, Lord Howe 01:30-02:30, Chatham 02:45-03:45).
WALL_TIMES = tuple(
    time(h, m)
    for h, m in [
        (0, 0),
        (1, 0),
        (1, 30),
        (1, 45),
        (2, 0),
        (2, 15),
        (2, 30),
        (2, 45),
        (3, 0),
        (3, 15),
        (9, 0),
        (17, 30),
        (22, 0),
        (23, 45),
    ]
)

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_DAYS = 2 * 365


@cache
def transition_days(zone_name: str) -> tuple[datetime, ...]:
    """Instants (UTC noon) on days when ``zone_name`` changes its offset, 2024-2025."""
    zone = ZoneInfo(zone_name)
    days = []
    previous = EPOCH.astimezone(zone).utcoffset()
    for n in range(1, SPAN_DAYS + 2):
        instant = EPOCH + timedelta(days=n, hours=12)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            days.append(instant - timedelta(days=1))
        previous = offset
    return tuple(days)


zones = st.sampled_from(ZONES)
wall_times = st.sampled_from(WALL_TIMES)


@st.composite
def instants(draw: st.DrawFn, zone_name: str) -> datetime:
    """A UTC instant at whole minutes, often within days of a DST transition."""
    near = transition_days(zone_name)
    if len(near) > 0 and draw(st.booleans()):
        base = draw(st.sampled_from(near))
        offset = draw(st.integers(min_value=-4 * 24 * 60, max_value=4 * 24 * 60))
        return base + timedelta(minutes=offset)
    return EPOCH + timedelta(minutes=draw(st.integers(0, SPAN_DAYS * 24 * 60)))


def naive_dates_near_transitions(zone_name: str) -> st.SearchStrategy[date]:
    """Local dates on or next to the zone's transition days (or any date without DST)."""
    near = transition_days(zone_name)
    if not near:
        return st.dates(date(2024, 1, 1), date(2025, 12, 31))
    return st.builds(
        lambda base, shift: (base + timedelta(days=shift)).date(),
        st.sampled_from(near),
        st.integers(-1, 1),
    )


turn_lengths = st.one_of(
    st.builds(TurnLength.hours, st.integers(1, 48)),
    st.builds(TurnLength.days, st.integers(1, 4)),
    st.builds(TurnLength.weeks, st.integers(1, 2)),
)

daily_windows = st.builds(DailyWindow, wall_times, wall_times)
weekly_windows = st.builds(
    WeeklyWindow,
    st.sampled_from(list(Weekday)),
    wall_times,
    st.sampled_from(list(Weekday)),
    wall_times,
)


@st.composite
def restrictions(draw: st.DrawFn) -> Restrictions:
    """One or two windows, in the schedule's zone or one of the test zones."""
    windows = draw(st.lists(st.one_of(daily_windows, weekly_windows), min_size=1, max_size=2))
    zone = draw(st.one_of(st.none(), zones))
    return Restrictions(tuple(windows), time_zone=zone)


@st.composite
def rotations(
    draw: st.DrawFn, zone_name: str, around: datetime, *, restricted: bool | None = None
) -> Rotation:
    """A rotation starting up to three weeks before ``around`` (or a little after)."""
    turn = draw(turn_lengths)
    participants = draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=4, unique=True))
    start = around + timedelta(minutes=draw(st.integers(-21 * 24 * 60, 2 * 24 * 60)))
    handoff = None
    if turn.calendar_days is not None:
        handoff = draw(st.one_of(st.none(), wall_times))
    end = None
    if draw(st.integers(0, 4)) == 0:
        end = start + timedelta(minutes=draw(st.integers(60, 30 * 24 * 60)))
    use_restrictions = draw(st.booleans()) if restricted is None else restricted
    return Rotation(
        participants=tuple(participants),
        turn=turn,
        start=start,
        handoff=handoff,
        end=end,
        restrictions=draw(restrictions()) if use_restrictions else None,
    )


@st.composite
def layers(draw: st.DrawFn, zone_name: str, around: datetime, name: str) -> Layer:
    """A layer with one or two revisions, the second sometimes keeping the first's start."""
    first = draw(rotations(zone_name, around))
    revisions = [Revision(first.start, first)]
    if draw(st.booleans()):
        effective = first.start + timedelta(minutes=draw(st.integers(1, 14 * 24 * 60)))
        second = draw(rotations(zone_name, effective))
        if draw(st.booleans()):
            second = Rotation(
                participants=second.participants,
                turn=first.turn,
                start=first.start,
                handoff=first.handoff,
                end=None,
                restrictions=second.restrictions,
            )
        revisions.append(Revision(effective, second))
    return Layer(name, tuple(revisions))


@st.composite
def overrides(draw: st.DrawFn, around: datetime) -> Override:
    """An override of up to three days near ``around``, sometimes replacing one user."""
    start = around + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 7 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    replaces = draw(st.one_of(st.none(), st.sampled_from(USERS)))
    return Override(user=draw(st.sampled_from(USERS)), start=start, end=end, replaces=replaces)


@st.composite
def shadows(draw: st.DrawFn, around: datetime) -> Shadow:
    """A shadow of one user or the whole schedule, sometimes limited to a window."""
    start = end = None
    if draw(st.booleans()):
        start = around + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 2 * 24 * 60)))
        end = start + timedelta(minutes=draw(st.integers(1, 5 * 24 * 60)))
    return Shadow(
        user=draw(st.sampled_from(USERS)),
        shadowing=draw(st.one_of(st.none(), st.sampled_from(USERS))),
        start=start,
        end=end,
    )


@st.composite
def schedules(
    draw: st.DrawFn, zone_name: str, around: datetime, *, with_overrides: bool = True
) -> Schedule:
    """One to three layers, plus (optionally) overrides and shadows, near ``around``."""
    count = draw(st.integers(1, 3))
    built = tuple(draw(layers(zone_name, around, f"L{n}")) for n in range(count))
    extra = draw(st.lists(overrides(around), max_size=3)) if with_overrides else []
    followers = draw(st.lists(shadows(around), max_size=2))
    return Schedule(
        name="generated",
        time_zone=zone_name,
        layers=built,
        overrides=tuple(extra),
        shadows=tuple(followers),
    )


@st.composite
def windows(draw: st.DrawFn, zone_name: str) -> tuple[datetime, datetime]:
    """A query interval of one hour to ten days, often spanning a DST transition."""
    middle = draw(instants(zone_name))
    before = timedelta(minutes=draw(st.integers(30, 5 * 24 * 60)))
    after = timedelta(minutes=draw(st.integers(30, 5 * 24 * 60)))
    # Whole minutes keep the brute-force DST oracle (which scans minutes) exact.
    return middle - before, middle + after

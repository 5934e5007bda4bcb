"""Small builders for schedule tests: readable instants, rotations and schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from tocsin.schedules import (
    FinalSchedule,
    Layer,
    Override,
    Restrictions,
    Rotation,
    Schedule,
    Shadow,
    Shift,
    TurnLength,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KOLKATA = ZoneInfo("Asia/Kolkata")
CHATHAM = ZoneInfo("Pacific/Chatham")


def wall(
    zone: ZoneInfo, y: int, m: int, d: int, hh: int = 0, mm: int = 0, fold: int = 0
) -> datetime:
    """An aware datetime read off the wall clock in ``zone``."""
    return datetime(y, m, d, hh, mm, tzinfo=zone, fold=fold)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def rotation(
    participants: Sequence[str] = ("alice", "bob", "carol"),
    *,
    start: datetime,
    turn: TurnLength | None = None,
    handoff: time | None = None,
    end: datetime | None = None,
    restrictions: Restrictions | None = None,
) -> Rotation:
    """A rotation with daily turns unless told otherwise."""
    return Rotation(
        participants=tuple(participants),
        turn=turn or TurnLength.days(),
        start=start,
        handoff=handoff,
        end=end,
        restrictions=restrictions,
    )


def schedule(
    *layers: Layer | Rotation,
    zone: ZoneInfo = NEW_YORK,
    overrides: Sequence[Override] = (),
    shadows: Sequence[Shadow] = (),
) -> Schedule:
    """A schedule of the given layers (bare rotations become layers named layer-N)."""
    built = tuple(
        item if isinstance(item, Layer) else Layer.of(f"layer-{n}", item)
        for n, item in enumerate(layers, start=1)
    )
    return Schedule(
        name="test",
        time_zone=zone.key,
        layers=built,
        overrides=tuple(overrides),
        shadows=tuple(shadows),
    )


def who(final: FinalSchedule, zone: ZoneInfo) -> list[tuple[str, str, str]]:
    """Shifts as (user, local start, local end) strings, for readable assertions."""
    return [(s.user, _local(s.start, zone), _local(s.end, zone)) for s in final.shifts]


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%m-%d %H:%M%z")


def hours(shift: Shift) -> float:
    """A shift's elapsed length in hours."""
    return shift.duration / timedelta(hours=1)


@cache
def first_instant_reading_at_least(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Test oracle for the DST policy, by brute force over whole minutes.

    The policy says a wall-clock reading resolves to the first instant at which the
    clock reads at least that time; scan for it minute by minute, using only the
    unambiguous UTC-to-local direction. No transition in the test zones moves the clock
    by more than an hour, so the answer is within 90 minutes of the naive guess.
    """
    naive = datetime.combine(day, at)
    guess = naive.replace(tzinfo=zone).astimezone(UTC).replace(second=0, microsecond=0)
    candidate = guess - timedelta(minutes=90)
    while candidate.astimezone(zone).replace(tzinfo=None) < naive:
        candidate += timedelta(minutes=1)
    return candidate

"""Wall-clock readings to instants: the one place the schedule DST policy is applied.

Schedules are written in wall-clock time ("hand off at 09:00 Berlin time") and computed in
instants. A wall-clock reading can name no instant (inside a spring-forward gap) or two
(inside a fall-back overlap). ``wall_to_utc`` settles both cases the same way everywhere:
the answer is the first instant at which the local clock reads at least that time. In a
gap that is the end of the gap; in an overlap it is the first occurrence (``fold=0``).
See docs/decisions/0002-schedule-dst-policy.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

ZoneLike = str | ZoneInfo


def as_zone(zone: ZoneLike) -> ZoneInfo:
    """Return the ``ZoneInfo`` for an IANA name (or the zone itself); ValueError if unknown."""
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {zone!r}") from exc


def require_aware(name: str, value: datetime) -> None:
    """Raise ValueError unless ``value`` is a timezone-aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC (ValueError for a naive one)."""
    require_aware("datetime", value)
    return value.astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date on the wall in ``zone`` at ``instant``."""
    return instant.astimezone(zone).date()


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first instant (in UTC) at which the clock in ``zone`` reads at least ``day at``.

    - An ordinary reading maps to its one instant.
    - A reading inside a spring-forward gap maps to the end of the gap (02:30 on the day
      New York springs forward from 02:00 to 03:00 becomes 03:00 EDT).
    - A reading inside a fall-back overlap maps to its first occurrence (01:30 on the day
      New York falls back becomes 01:30 EDT, not 01:30 EST).
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone)
    # PEP 495: fold=0 uses the offset in force before a transition, fold=1 the one after.
    # They differ only around a transition; an increase means the reading is in a gap.
    if _offset(first) >= _offset(first.replace(fold=1)):
        return first.astimezone(UTC)
    return _end_of_gap(naive, zone)


def _offset(value: datetime) -> timedelta:
    offset = value.utcoffset()
    if offset is None:  # pragma: no cover - ZoneInfo always answers
        raise ValueError(f"no UTC offset for {value!r}")
    return offset


def _end_of_gap(naive: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant of the gap that swallows ``naive`` (its first valid instant)."""
    before = _offset(naive.replace(tzinfo=zone))
    after = _offset(naive.replace(tzinfo=zone, fold=1))
    # The gap is [T + before, T + after) on the wall, so T lies in (naive - after,
    # naive - before]. The wall reading is below ``naive`` before T and above it from T
    # on, which makes a binary search over whole seconds exact (tzdata transitions fall
    # on whole seconds).
    low = _utc_naive(naive - after)  # reading < naive here
    high = _utc_naive(naive - before)  # reading > naive here
    lo, hi = 0, int((high - low).total_seconds())
    while lo < hi:
        mid = (lo + hi) // 2
        candidate = low + timedelta(seconds=mid)
        if _wall(candidate, zone) >= naive:
            hi = mid
        else:
            lo = mid + 1
    return low + timedelta(seconds=lo)


def _utc_naive(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)

"""Suppression: maintenance windows and silences, decided as pure functions of time.

A maintenance window is one-off (``start``..``end``) or recurring (a cron expression or
a weekly rule, with a duration, in an IANA time zone: "01:00-03:00 Europe/Berlin every
day"). Recurrences are computed in wall-clock time and turned into instants with the same
DST policy as schedules (docs/decisions/0002): a start in a spring-forward gap moves to
the end of the gap, a start in a fall-back overlap takes the first occurrence. A silence
is a set of label matchers with a start and an end. ``suppression_for`` says which one, if
any, holds an alert at an instant; the answer is recorded on the alert so it can be
explained later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from tocsin.core.durations import parse_duration
from tocsin.core.matchers import Matcher, match_all
from tocsin.core.wallclock import as_zone, local_date, wall_to_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a recurring window starts: a cron expression *or* weekdays + a start time."""

    time_zone: str
    duration: timedelta
    cron: str | None = None
    weekdays: tuple[str, ...] = WEEKDAYS
    start_time: time | None = None

    def __post_init__(self) -> None:
        as_zone(self.time_zone)
        if self.duration <= timedelta(0):
            raise ValueError("a window's duration must be positive")
        if (self.cron is None) == (self.start_time is None):
            raise ValueError("give either a cron expression or a start time, not both")
        if self.cron is not None and not croniter.is_valid(self.cron):
            raise ValueError(f"invalid cron expression {self.cron!r}")
        if any(d not in WEEKDAYS for d in self.weekdays):
            raise ValueError(f"weekdays must be among {', '.join(WEEKDAYS)}")


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """A planned period in which alerts of some services are stored but open no incident."""

    name: str
    service_ids: frozenset[str]
    matchers: tuple[Matcher, ...] = ()
    start: datetime | None = None  # one-off
    end: datetime | None = None
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        if self.recurrence is None and (self.start is None or self.end is None):
            raise ValueError("a one-off window needs start and end")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("a window must end after it starts")


@dataclass(frozen=True, slots=True)
class Silence:
    """Alerts whose labels match are held from paging between ``starts_at`` and ``ends_at``."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str = ""
    comment: str = ""
    service_ids: frozenset[str] = field(default_factory=frozenset)  # empty = every service


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why an alert was held: which window or silence, and until when."""

    kind: str  # "maintenance_window" or "silence"
    name: str
    until: datetime

    @property
    def reason(self) -> str:
        """``maintenance_window:NAME`` or ``silence:ID``, as stored on the alert."""
        return f"{self.kind}:{self.name}"


def occurrence_at(window: MaintenanceWindow, at: datetime) -> tuple[datetime, datetime] | None:
    """The (start, end) of the window's occurrence that contains ``at``, if any."""
    if window.recurrence is None:
        assert window.start is not None
        assert window.end is not None
        return (window.start, window.end) if window.start <= at < window.end else None
    rec = window.recurrence
    for start in _starts_before(rec, at):
        end = start + rec.duration
        if start <= at < end:
            bounded = window.end is None or start < window.end
            if bounded and (window.start is None or start >= window.start):
                return start, end
    return None


def _starts_before(rec: Recurrence, at: datetime) -> Iterable[datetime]:
    """Occurrence starts at or before ``at``, newest first, within one duration back."""
    zone = ZoneInfo(rec.time_zone)
    horizon = at - rec.duration - timedelta(days=1)
    if rec.cron is not None:
        # Step through cron in naive wall-clock time (no DST in it), then apply the policy.
        local = at.astimezone(zone).replace(tzinfo=None) + timedelta(hours=3)
        cron = croniter(rec.cron, local)
        while True:
            naive: datetime = cron.get_prev(datetime)
            start = wall_to_utc(naive.date(), naive.time(), zone)
            if start < horizon:
                return
            if start <= at:
                yield start
    assert rec.start_time is not None
    day = local_date(at, zone) + timedelta(days=1)
    while True:
        start = wall_to_utc(day, rec.start_time, zone)
        if start < horizon:
            return
        if start <= at and WEEKDAYS[day.weekday()] in rec.weekdays:
            yield start
        day -= timedelta(days=1)


def window_applies(
    window: MaintenanceWindow, service_id: str, labels: Mapping[str, str], at: datetime
) -> tuple[datetime, datetime] | None:
    """The occurrence holding an alert of ``service_id`` with ``labels`` at ``at``."""
    if service_id not in window.service_ids or not match_all(window.matchers, labels):
        return None
    return occurrence_at(window, at)


def silence_applies(
    silence: Silence, service_id: str, labels: Mapping[str, str], at: datetime
) -> bool:
    """True when the silence holds this alert at ``at``."""
    if not silence.starts_at <= at < silence.ends_at:
        return False
    if silence.service_ids and service_id not in silence.service_ids:
        return False
    return match_all(silence.matchers, labels)


def suppression_for(
    service_id: str,
    labels: Mapping[str, str],
    at: datetime,
    windows: Sequence[MaintenanceWindow] = (),
    silences: Sequence[Silence] = (),
) -> Suppression | None:
    """The window or silence that holds this alert now; windows first, then the silence
    that lasts longest (so the recorded reason is the one that holds it longest)."""
    for window in windows:
        occurrence = window_applies(window, service_id, labels, at)
        if occurrence is not None:
            return Suppression("maintenance_window", window.name, occurrence[1])
    held = [s for s in silences if silence_applies(s, service_id, labels, at)]
    if held:
        longest = max(held, key=lambda s: s.ends_at)
        return Suppression("silence", longest.id, longest.ends_at)
    return None


def window_from_definition(
    definition: dict[str, Any], service_ids: frozenset[str]
) -> MaintenanceWindow:
    """The core window for a stored (or written) definition; ValueError if incoherent."""
    matchers = tuple(Matcher.parse(m) for m in definition.get("matchers") or [])
    recurring = definition.get("cron") or definition.get("at")
    start, end = _instant(definition.get("start"), "start"), _instant(definition.get("end"), "end")
    if not recurring:
        if definition.get("duration") or definition.get("days"):
            raise ValueError("duration and days need cron or at (a recurring window)")
        if start is None or end is None:
            raise ValueError("give start and end (one-off) or cron/at with a duration")
        return MaintenanceWindow(definition["name"], service_ids, matchers, start, end)
    if not definition.get("duration"):
        raise ValueError("a recurring window needs a duration, e.g. 2h")
    if definition.get("cron") and (definition.get("at") or definition.get("days")):
        raise ValueError("give either cron or days/at, not both")
    at = definition.get("at")
    recurrence = Recurrence(
        time_zone=definition.get("time_zone") or "UTC",
        duration=parse_duration(definition["duration"]),
        cron=definition.get("cron"),
        weekdays=tuple(definition.get("days") or WEEKDAYS),
        start_time=time.fromisoformat(at) if at else None,
    )
    return MaintenanceWindow(definition["name"], service_ids, matchers, start, end, recurrence)


def _instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{field} must be an ISO 8601 time with an offset") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"{field} needs an offset (e.g. +01:00 or Z)")
    return parsed

"""The vocabulary of on-call schedules: rotations, layers, overrides, shadows and shifts.

Every type is a frozen dataclass checked on construction, so a schedule that exists is
one the computations can trust. The arithmetic lives next door: ``rotation`` (turns and
handoffs), ``restrictions`` (windows), ``layers`` (revisions), ``final`` (the merged
schedule). All datetimes going in must be timezone-aware; everything computed comes
out in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import IntEnum, StrEnum
from typing import Literal

from tocsin.core.wallclock import as_zone, require_aware

ShiftSource = Literal["rotation", "override"]


class TurnUnit(StrEnum):
    """What a turn is counted in. Hours are elapsed; days and weeks are calendar days."""

    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"


@dataclass(frozen=True, slots=True)
class TurnLength:
    """How long one participant's turn lasts: ``count`` hours, days or weeks.

    There is no separate "custom" unit: a custom length is any count, such as
    ``TurnLength(36, TurnUnit.HOURS)`` or ``TurnLength(3, TurnUnit.DAYS)``.
    """

    count: int
    unit: TurnUnit

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"turn count must be a positive integer, got {self.count!r}")
        object.__setattr__(self, "unit", TurnUnit(self.unit))

    @classmethod
    def hours(cls, count: int = 1) -> TurnLength:
        """A turn of ``count`` elapsed hours."""
        return cls(count, TurnUnit.HOURS)

    @classmethod
    def days(cls, count: int = 1) -> TurnLength:
        """A turn of ``count`` calendar days."""
        return cls(count, TurnUnit.DAYS)

    @classmethod
    def weeks(cls, count: int = 1) -> TurnLength:
        """A turn of ``count`` weeks of seven calendar days."""
        return cls(count, TurnUnit.WEEKS)

    @property
    def calendar_days(self) -> int | None:
        """Calendar days per turn, or None for an hour-based turn."""
        if self.unit is TurnUnit.DAYS:
            return self.count
        if self.unit is TurnUnit.WEEKS:
            return 7 * self.count
        return None


class Weekday(IntEnum):
    """Days of the week, numbered like ``datetime.weekday()``."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


def _require_wall_time(name: str, value: time) -> None:
    if value.tzinfo is not None:
        raise ValueError(f"{name} is a wall-clock time and must not carry a tzinfo")


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Every day from ``start`` to ``end`` on the wall clock.

    An ``end`` at or before ``start`` crosses midnight (22:00-06:00); ``end == start``
    covers the whole day.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        _require_wall_time("DailyWindow.start", self.start)
        _require_wall_time("DailyWindow.end", self.end)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Once a week from ``start_day start`` to ``end_day end`` (Mon 09:00 - Fri 17:00).

    The window may wrap the week (Fri 17:00 - Mon 09:00); the same day and time at both
    ends covers the whole week.
    """

    start_day: Weekday
    start: time
    end_day: Weekday
    end: time

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_day", Weekday(self.start_day))
        object.__setattr__(self, "end_day", Weekday(self.end_day))
        _require_wall_time("WeeklyWindow.start", self.start)
        _require_wall_time("WeeklyWindow.end", self.end)


Window = DailyWindow | WeeklyWindow


@dataclass(frozen=True, slots=True)
class Restrictions:
    """When a rotation may have someone on call: the union of ``windows``.

    Windows are read on the wall clock of ``time_zone``, which defaults to the schedule's
    zone. Giving each layer's restrictions their own zone is how follow-the-sun is built.
    """

    windows: tuple[Window, ...]
    time_zone: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        if not self.windows:
            raise ValueError("restrictions need at least one window (omit them for 24x7)")
        if self.time_zone is not None:
            as_zone(self.time_zone)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rotation:
    """Participants taking turns of ``turn`` length, the first one from ``start``.

    Handoffs of day and week turns happen at the wall-clock time ``handoff`` (default:
    ``start``'s wall-clock time) in the schedule's zone, on every ``turn``-th calendar
    day counted from ``start``'s date. The first turn runs from ``start`` to the first of
    those handoffs, so it may be a little shorter or longer than the others when
    ``start`` is not itself at the handoff time. Hour turns hand off every ``count``
    elapsed hours from ``start`` and take no ``handoff``.
    """

    participants: tuple[str, ...]
    turn: TurnLength
    start: datetime
    handoff: time | None = None
    end: datetime | None = None
    restrictions: Restrictions | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "participants", tuple(self.participants))
        if not self.participants or not all(
            isinstance(user, str) and user for user in self.participants
        ):
            raise ValueError("a rotation needs at least one participant (non-empty user ids)")
        require_aware("Rotation.start", self.start)
        if self.end is not None:
            require_aware("Rotation.end", self.end)
            if self.end <= self.start:
                raise ValueError("Rotation.end must be after Rotation.start")
        if self.handoff is not None:
            _require_wall_time("Rotation.handoff", self.handoff)
            if self.turn.unit is TurnUnit.HOURS:
                raise ValueError(
                    "hour turns hand off every N elapsed hours from start; "
                    "a wall-clock handoff applies to day and week turns only"
                )


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of a layer's rotation, in force from ``effective_from`` to the next."""

    effective_from: datetime
    rotation: Rotation

    def __post_init__(self) -> None:
        require_aware("Revision.effective_from", self.effective_from)


@dataclass(frozen=True, slots=True)
class Layer:
    """A named rotation with its history of revisions, oldest first.

    Each revision applies only from its ``effective_from`` until the next revision's, so
    changing the rotation never rewrites who was on call before the change.
    """

    name: str
    revisions: tuple[Revision, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "revisions", tuple(self.revisions))
        if not self.name:
            raise ValueError("a layer needs a name")
        if not self.revisions:
            raise ValueError(f"layer {self.name!r} needs at least one revision")
        for earlier, later in zip(self.revisions, self.revisions[1:], strict=False):
            if later.effective_from <= earlier.effective_from:
                raise ValueError(
                    f"layer {self.name!r}: revisions must have increasing effective_from"
                )

    @classmethod
    def of(cls, name: str, rotation: Rotation) -> Layer:
        """A layer with a single revision, effective from the rotation's start."""
        return cls(name, (Revision(rotation.start, rotation),))


def _check_interval(kind: str, start: datetime, end: datetime) -> None:
    require_aware(f"{kind}.start", start)
    require_aware(f"{kind}.end", end)
    if end <= start:
        raise ValueError(f"{kind}.end must be after {kind}.start")


@dataclass(frozen=True, slots=True)
class Override:
    """``user`` is on call for [start, end) instead of whoever the layers say.

    With ``replaces=None`` the override covers the whole interval, gaps included. With
    ``replaces`` set it takes over only the time that user would otherwise be on call
    (which is what an accepted swap means). Where overrides overlap, the later one in
    the schedule's tuple wins; each sees the result of the ones before it.
    """

    user: str
    start: datetime
    end: datetime
    replaces: str | None = None

    def __post_init__(self) -> None:
        if not self.user:
            raise ValueError("an override needs a user")
        _check_interval("Override", self.start, self.end)


@dataclass(frozen=True, slots=True)
class Swap:
    """A request from ``from_user`` for ``to_user`` to take their on-call time in [start, end)."""

    from_user: str
    to_user: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not self.from_user or not self.to_user or self.from_user == self.to_user:
            raise ValueError("a swap is between two different users")
        _check_interval("Swap", self.start, self.end)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shadow:
    """``user`` follows along without being on call.

    They shadow one user (``shadowing``) or, with ``shadowing=None``, whoever is on call
    in the schedule; optionally only within [start, end). A shadow never counts as on
    call and never fills a gap.
    """

    user: str
    shadowing: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if not self.user:
            raise ValueError("a shadow needs a user")
        if self.start is not None:
            require_aware("Shadow.start", self.start)
        if self.end is not None:
            require_aware("Shadow.end", self.end)
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("Shadow.end must be after Shadow.start")


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """Layers (lowest first; a higher layer wins where it has someone) plus overrides."""

    name: str
    time_zone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()
    shadows: tuple[Shadow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))
        object.__setattr__(self, "shadows", tuple(self.shadows))
        as_zone(self.time_zone)
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"schedule {self.name!r}: layer names must be unique")


@dataclass(frozen=True, slots=True)
class Shift:
    """``user`` on call for [start, end) in UTC, from a rotation ``layer`` or an override."""

    user: str
    start: datetime
    end: datetime
    layer: str | None
    source: ShiftSource

    @property
    def duration(self) -> timedelta:
        """Elapsed time of the shift."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Gap:
    """An interval [start, end) in UTC with nobody on call."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """Elapsed time of the gap."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class ShadowShift:
    """``user`` shadows ``shadowing`` (the person on call) for [start, end) in UTC."""

    user: str
    shadowing: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class FinalSchedule:
    """Who is on call over a query interval: shifts and gaps sorted by start, and shadows.

    Shadow shifts are sorted by start, then user; one user shadowing one person is
    reported once however many shadow rules say so.
    """

    shifts: tuple[Shift, ...]
    gaps: tuple[Gap, ...]
    shadows: tuple[ShadowShift, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call at ``instant``.

    ``users`` is empty in a gap. ``shifts`` are the final shifts covering the instant,
    exact within the look-around horizon of ``on_call_at``; ``shadows`` are the users
    shadowing at that instant, who are not on call.
    """

    instant: datetime
    users: tuple[str, ...]
    shadows: tuple[str, ...]
    shifts: tuple[Shift, ...]

"""A schedule as written in the world file and stored as one JSON document.

``ScheduleDefinition`` is both the world file's model of a schedule (minus its name) and
the shape of the ``schedules.definition`` column, so what was applied reads back exactly.
``to_schedule`` turns it into the core ``Schedule``; validating a spec builds one, so a
schedule the core would reject never reaches the database. Instants, time zones, turn
lengths and layer names follow ``tocsin.inputs``, so every stored schedule can be
computed at any instant of the range; stored documents are read with ``STORED``, which
keeps readable what was written before those rules.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from tocsin.core.durations import format_duration, parse_duration
from tocsin.inputs import (
    MAX_DURATION,
    TextModel,
    TimeZoneName,
    at_most,
    check_written_name,
    parse_instant_text,
    writing,
)
from tocsin.schedules.model import (
    DailyWindow,
    Layer,
    Override,
    Restrictions,
    Revision,
    Rotation,
    Schedule,
    Shadow,
    TurnLength,
    TurnUnit,
    Weekday,
    WeeklyWindow,
    Window,
)
from tocsin.schedules.notices import NoticeSettings

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TURN = re.compile(r"(\d+)([hdw])")
_UNITS = {"h": TurnUnit.HOURS, "d": TurnUnit.DAYS, "w": TurnUnit.WEEKS}


class Spec(TextModel):
    """Strict like the rest of the world file: no unknown fields, no type coercion, no NUL."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _iso_text(value: Any) -> Any:
    """YAML reads an unquoted timestamp as a datetime: keep it as ISO 8601 text."""
    return value.isoformat() if isinstance(value, datetime) else value


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time with an offset; ValueError (saying why) otherwise.

    This reads stored documents too, so it does not check the range (``_instant`` does
    for what is written).
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. 2026-01-05T09:00:00+01:00")
    return parsed


def _instant(value: str, info: ValidationInfo) -> str:
    if writing(info):
        parse_instant_text(value)  # with an offset, in the range every input keeps to
    else:
        parse_instant(value)
    return value


def _wall_time(value: str) -> str:
    if not re.fullmatch(r"\d{2}:\d{2}", value):
        raise ValueError(f"{value!r} is not a time like 09:00")
    time.fromisoformat(value)  # 25:00 raises
    return value


def _turn(value: str, info: ValidationInfo) -> str:
    if len(value) > 20 or not _TURN.fullmatch(value) or int(value[:-1]) < 1:
        raise ValueError(f"{value[:40]!r} is not a turn length like 12h, 1d or 1w")
    _turn_within_bound(int(value[:-1]), _UNITS[value[-1]], info)
    return value


# Every query computes every layer's turns: a schedule of 2,000 hourly layers took 100 s
# to show 400 days. These bounds keep any stored schedule quick to compute.
MAX_LAYERS, MAX_PARTICIPANTS = 50, 500
_UNIT_HOURS = {TurnUnit.HOURS: 1, TurnUnit.DAYS: 24, TurnUnit.WEEKS: 168}


def _turn_within_bound(count: int, unit: TurnUnit, info: ValidationInfo) -> None:
    """A turn as long as any duration may be, at most (stored ones were not bounded)."""
    if writing(info) and count * _UNIT_HOURS[unit] > MAX_DURATION / timedelta(hours=1):
        raise ValueError(f"a turn must be at most {MAX_DURATION.days} days (ten years)")


TimeZone = TimeZoneName
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LayerName = Annotated[str, AfterValidator(check_written_name)]
Instant = Annotated[str, BeforeValidator(_iso_text), AfterValidator(_instant)]
WallTime = Annotated[str, AfterValidator(_wall_time)]


class TurnSpec(Spec):
    """A turn length spelled out: ``{count: 36, unit: hours}``."""

    count: int = Field(ge=1)
    unit: Literal["hours", "days", "weeks"]

    @model_validator(mode="after")
    def _bounded(self, info: ValidationInfo) -> TurnSpec:
        _turn_within_bound(self.count, TurnUnit(self.unit), info)
        return self


class WindowSpec(Spec):
    """``{days?, start, end}`` daily, or ``{start_day, start, end_day, end}`` weekly."""

    start: WallTime
    end: WallTime
    days: list[Day] | None = None
    start_day: Day | None = None
    end_day: Day | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> WindowSpec:
        if (self.start_day is None) != (self.end_day is None):
            raise ValueError("a weekly window needs both start_day and end_day")
        if self.start_day is not None and self.days is not None:
            raise ValueError("give days (daily window) or start_day/end_day (weekly), not both")
        return self


class RestrictionsSpec(Spec):
    """When a layer may have someone on call, read in ``time_zone`` (default: schedule's)."""

    windows: Annotated[list[WindowSpec], at_most(100)] = Field(min_length=1)
    time_zone: TimeZone | None = None


class RotationSpec(Spec):
    """Participants in turn: ``turn`` long, handing off at ``handoff``, from ``start``."""

    participants: Annotated[list[Name], at_most(MAX_PARTICIPANTS)] = Field(min_length=1)
    turn: Annotated[str, AfterValidator(_turn)] | TurnSpec
    start: Instant
    handoff: WallTime | None = None
    end: Instant | None = None
    restrictions: RestrictionsSpec | None = None


class RevisionSpec(Spec):
    """The layer's rotation as changed from ``effective_from`` on."""

    effective_from: Instant
    rotation: RotationSpec


class LayerSpec(Spec):
    """A layer: a rotation, and later revisions of it (history stays as it was)."""

    name: LayerName
    rotation: RotationSpec
    revisions: Annotated[list[RevisionSpec], at_most(1000)] = Field(default_factory=list)


class OverrideSpec(Spec):
    """``user`` is on call for [start, end) instead of the layers."""

    user: Name
    start: Instant
    end: Instant


class ShadowSpec(Spec):
    """``user`` shadows ``shadowing`` (or whoever is on call), never on call themselves."""

    user: Name
    shadowing: Name | None = None
    start: Instant | None = None
    end: Instant | None = None


MAX_REMINDER = timedelta(days=7)


def _reminder(value: str) -> str:
    """``90m`` → ``1h30m``: how long before a shift its reminder goes out (0s: none)."""
    try:
        length = parse_duration(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a duration like 1h or 30m") from None
    if length < timedelta(0) or length > MAX_REMINDER:
        raise ValueError("must be between 0s and 7d")
    return format_duration(length)


class NoticeSpec(Spec):
    """Which on-call notices the people of this schedule get (docs/notifications.md)."""

    shift_start: bool = True
    reminder_before: Annotated[str, AfterValidator(_reminder)] = "1h"
    handoff_report: bool = True

    def settings(self) -> NoticeSettings:
        """The pure model's settings."""
        reminder = parse_duration(self.reminder_before)
        return NoticeSettings(self.shift_start, reminder or None, self.handoff_report)


class ScheduleDefinition(Spec):
    """A schedule without its name: the ``schedules.definition`` document."""

    time_zone: TimeZone
    team: Name | None = None
    layers: Annotated[list[LayerSpec], at_most(MAX_LAYERS)] = Field(min_length=1)
    overrides: Annotated[list[OverrideSpec], at_most(1000)] = Field(default_factory=list)
    shadows: Annotated[list[ShadowSpec], at_most(100)] = Field(default_factory=list)
    notify: NoticeSpec = Field(default_factory=NoticeSpec)

    @model_validator(mode="after")
    def _computable(self) -> ScheduleDefinition:
        to_schedule("schedule", self)  # the core's ValueError says what is wrong
        return self

    def people(self) -> list[str]:
        """Every user the schedule names, sorted."""
        named = {o.user for o in self.overrides}
        named |= {s.user for s in self.shadows} | {s.shadowing for s in self.shadows if s.shadowing}
        for layer in self.layers:
            for rotation in (layer.rotation, *(r.rotation for r in layer.revisions)):
                named.update(rotation.participants)
        return sorted(named)


def _turn_length(turn: str | TurnSpec) -> TurnLength:
    if isinstance(turn, TurnSpec):
        return TurnLength(turn.count, TurnUnit(turn.unit))
    return TurnLength(int(turn[:-1]), _UNITS[turn[-1]])


def _windows(spec: WindowSpec) -> list[Window]:
    start, end = time.fromisoformat(spec.start), time.fromisoformat(spec.end)
    if spec.start_day is not None and spec.end_day is not None:
        return [WeeklyWindow(_day(spec.start_day), start, _day(spec.end_day), end)]
    if spec.days is None:
        return [DailyWindow(start, end)]
    # A daily window on some days only: one weekly window per day (ending the next day
    # when it crosses midnight or covers the whole day).
    return [
        WeeklyWindow(_day(d), start, Weekday((_day(d) + (end <= start)) % 7), end)
        for d in spec.days
    ]


def _day(day: Day) -> Weekday:
    return Weekday(DAYS.index(day))


def to_restrictions(spec: RestrictionsSpec) -> Restrictions:
    """The core restrictions ``spec`` describes (also a service's support hours)."""
    windows = [w for window in spec.windows for w in _windows(window)]
    return Restrictions(tuple(windows), spec.time_zone)


def to_rotation(spec: RotationSpec) -> Rotation:
    """The core rotation ``spec`` describes."""
    restrictions = to_restrictions(spec.restrictions) if spec.restrictions else None
    return Rotation(
        participants=tuple(spec.participants),
        turn=_turn_length(spec.turn),
        start=parse_instant(spec.start),
        handoff=time.fromisoformat(spec.handoff) if spec.handoff else None,
        end=parse_instant(spec.end) if spec.end else None,
        restrictions=restrictions,
    )


def to_layer(spec: LayerSpec) -> Layer:
    """The core layer: the first rotation in force from its start, then each revision."""
    first = to_rotation(spec.rotation)
    later = [
        Revision(parse_instant(r.effective_from), to_rotation(r.rotation)) for r in spec.revisions
    ]
    return Layer(spec.name, (Revision(first.start, first), *later))


def _shadow(spec: ShadowSpec) -> Shadow:
    return Shadow(
        user=spec.user,
        shadowing=spec.shadowing,
        start=parse_instant(spec.start) if spec.start else None,
        end=parse_instant(spec.end) if spec.end else None,
    )


def to_schedule(
    name: str, spec: ScheduleDefinition, extra_overrides: tuple[Override, ...] = ()
) -> Schedule:
    """The core schedule ``name`` for ``spec``; ``extra_overrides`` (the API's) apply last."""
    overrides = tuple(
        Override(o.user, parse_instant(o.start), parse_instant(o.end)) for o in spec.overrides
    )
    return Schedule(
        name=name,
        time_zone=spec.time_zone,
        layers=tuple(to_layer(layer) for layer in spec.layers),
        overrides=overrides + extra_overrides,
        shadows=tuple(_shadow(s) for s in spec.shadows),
    )

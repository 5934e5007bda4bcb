"""What the API and the CLI show about schedules: the same read models for both faces.

Each function reads the stored schedules (``store``) and asks the pure core who is on
call; none holds a scheduling rule of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from tocsin.core.paging import DEFAULT_LIMIT, KeyKinds, Page, decode_cursor, encode_cursor, page_of
from tocsin.directory.users import users_without_verified_contact_methods
from tocsin.schedules.definition import ScheduleDefinition, parse_instant
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.fairness import on_call_hours
from tocsin.schedules.final import final_schedule, on_call_at
from tocsin.schedules.model import FinalSchedule, Shift
from tocsin.schedules.store.schedules import (
    OverrideOut,
    StoredSchedule,
    api_overrides_page,
    computed,
    load_definition,
    load_schedule,
    load_schedules,
    schedules_page,
)

log = logging.getLogger(__name__)

MAX_RANGE = timedelta(days=400)


class ShiftOut(BaseModel):
    """``user`` on call for [start, end), from a rotation ``layer`` or an override."""

    user: str
    start: datetime
    end: datetime
    layer: str | None
    source: str


class GapOut(BaseModel):
    """Nobody on call for [start, end)."""

    start: datetime
    end: datetime


class ShadowOut(BaseModel):
    """``user`` shadows ``shadowing`` for [start, end) (not on call)."""

    user: str
    shadowing: str
    start: datetime
    end: datetime


class OnCallOut(BaseModel):
    """Who is on call on one schedule at ``at`` (empty ``users``: a gap, unless ``error``)."""

    schedule: str
    at: datetime
    users: list[str]
    shadows: list[str]
    shifts: list[ShiftOut]
    error: str | None = Field(
        default=None, description="set when the stored schedule cannot be computed, and why"
    )


class ShiftsOut(BaseModel):
    """The final schedule over [start, end): shifts, gaps and shadows, in UTC."""

    schedule: str
    start: datetime
    end: datetime
    shifts: list[ShiftOut]
    gaps: list[GapOut]
    shadows: list[ShadowOut]


class ScheduleSummary(BaseModel):
    """A schedule in a listing."""

    name: str
    time_zone: str
    team: str | None
    layers: list[str]
    users: list[str]


class ScheduleDetail(ScheduleSummary):
    """A schedule as defined (world file) plus the overrides made through the API."""

    definition: dict[str, Any]
    api_overrides: list[OverrideOut]
    ical_path: str = Field(description="the secret calendar feed, relative to the server")


class CoverageCheck(BaseModel):
    """Problems in the next days: gaps per schedule, and users not known to be reachable."""

    start: datetime
    end: datetime
    gaps: dict[str, list[GapOut]] = Field(default_factory=dict)
    users_without_verified_contact_methods: list[str] = Field(default_factory=list)


def _summary(stored: StoredSchedule) -> dict[str, Any]:
    spec = stored.spec
    return {
        "name": stored.name,
        "time_zone": spec.time_zone,
        "team": spec.team,
        "layers": [layer.name for layer in spec.layers],
        "users": spec.people(),
    }


def list_schedule_summaries(
    conn: Connection, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[ScheduleSummary]:
    """A page of the schedules, by name."""
    page = schedules_page(conn, limit=limit, cursor=cursor)
    return page.map(lambda stored: ScheduleSummary(**_summary(stored)))


def schedule_detail(conn: Connection, name: str) -> ScheduleDetail:
    """One schedule's definition and API overrides; ScheduleError 404 if unknown."""
    stored = load_schedule(conn, name)
    definition = stored.spec.model_dump(exclude_none=True)
    return ScheduleDetail(
        **_summary(stored),
        definition=definition,
        api_overrides=list(stored.api_overrides),
        ical_path=f"/ical/schedules/{stored.feed_token}.ics",
    )


class ListedOverride(BaseModel):
    """An override on a schedule: written in its definition, or made through the API."""

    source: Literal["definition", "api"]
    id: str | None = Field(description="API overrides only (for DELETE)")
    user: str
    start: datetime
    end: datetime
    replaces: str | None
    created_by: str | None


def overrides(
    conn: Connection,
    name: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ListedOverride]:
    """A page of the overrides of ``name`` overlapping [start, end), in the order they
    apply.

    The definition's come first, then the API's, oldest first: where two overlap, the
    later one in this list wins. A cursor is a position in the definition or an API
    override's (created_at, id).
    """
    if start is not None and end is not None and end <= start:
        raise ScheduleError(400, "invalid_range", "'to' must be after 'from'")
    after = decode_cursor(cursor, _IN_DEFINITION, _FROM_API) if cursor else ()
    from_api = len(after) == len(_FROM_API)
    schedule_id, spec = load_definition(conn, name)
    last = max(after[0], -1) if after and isinstance(after[0], int) else -1
    written = [] if from_api else _written_overrides(spec, last, start, end)
    if len(written) > limit:
        return Page([o for _, o in written[:limit]], encode_cursor([written[limit - 1][0]]))
    api = api_overrides_page(
        conn,
        schedule_id=schedule_id,
        schedule=name,
        start=start,
        end=end,
        limit=max(limit - len(written), 1),
        cursor=cursor if from_api else None,
    )
    shown = [o for _, o in written]
    if len(written) == limit:  # the page is full: it goes on only if the API has any
        return Page(shown, encode_cursor([written[-1][0]]) if api.items else None)
    shown += [ListedOverride(source="api", **o.model_dump(exclude={"schedule"})) for o in api.items]
    return Page(shown, api.next_cursor)


_IN_DEFINITION: KeyKinds = (int,)
_FROM_API: KeyKinds = (datetime, str)


def _written_overrides(
    spec: ScheduleDefinition, last: int, start: datetime | None, end: datetime | None
) -> list[tuple[int, ListedOverride]]:
    """The definition's overrides after position ``last`` overlapping [start, end), with
    their positions."""
    found = []
    for position, o in enumerate(spec.overrides[last + 1 :], start=last + 1):
        listed = ListedOverride(
            source="definition",
            id=None,
            user=o.user,
            start=parse_instant(o.start),
            end=parse_instant(o.end),
            replaces=None,
            created_by=None,
        )
        if (start is None or listed.end > start) and (end is None or listed.start < end):
            found.append((position, listed))
    return found


def on_call(conn: Connection, at: datetime, *, schedule: str) -> OnCallOut:
    """Who is on call at ``at`` on ``schedule``."""
    _require_aware("at", at)
    return _on_call(load_schedule(conn, schedule), at)


def on_call_everywhere(
    conn: Connection, at: datetime, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[OnCallOut]:
    """Who is on call at ``at``, on a page of the schedules (by name). A schedule that
    cannot be computed is listed with its ``error``: it must not hide everyone else's."""
    _require_aware("at", at)
    return schedules_page(conn, limit=limit, cursor=cursor).map(lambda s: _on_call_or_error(s, at))


def _on_call_or_error(stored: StoredSchedule, at: datetime) -> OnCallOut:
    try:
        return _on_call(stored, at)
    except ScheduleError as exc:
        log.warning("%s", exc.message)
        return OnCallOut(
            schedule=stored.name, at=at, users=[], shadows=[], shifts=[], error=exc.message
        )


def _on_call(stored: StoredSchedule, at: datetime) -> OnCallOut:
    now = computed(stored, lambda schedule: on_call_at(schedule, at))
    return OnCallOut(
        schedule=stored.name,
        at=now.instant,
        users=list(now.users),
        shadows=list(now.shadows),
        shifts=[ShiftOut.model_validate(s, from_attributes=True) for s in now.shifts],
    )


def schedule_shifts(conn: Connection, name: str, start: datetime, end: datetime) -> ShiftsOut:
    """The final schedule of ``name`` over [start, end), at most ``MAX_RANGE`` long."""
    stored, final = _final(conn, name, start, end)
    return shifts_out(stored.name, final, start, end)


def _final(
    conn: Connection, name: str, start: datetime, end: datetime
) -> tuple[StoredSchedule, FinalSchedule]:
    _require_aware("from", start)
    _require_aware("to", end)
    if end <= start:
        raise ScheduleError(400, "invalid_range", "'to' must be after 'from'")
    if end - start > MAX_RANGE:
        raise ScheduleError(400, "range_too_long", f"at most {MAX_RANGE.days} days at a time")
    stored = load_schedule(conn, name)
    return stored, computed(stored, lambda schedule: final_schedule(schedule, start, end))


def shifts_out(name: str, final: FinalSchedule, start: datetime, end: datetime) -> ShiftsOut:
    """The read model of a core ``FinalSchedule``."""
    return ShiftsOut(
        schedule=name,
        start=start,
        end=end,
        shifts=[ShiftOut.model_validate(s, from_attributes=True) for s in final.shifts],
        gaps=[GapOut.model_validate(g, from_attributes=True) for g in final.gaps],
        shadows=[ShadowOut.model_validate(s, from_attributes=True) for s in final.shadows],
    )


def user_shifts(
    conn: Connection, user: str, start: datetime, end: datetime
) -> list[tuple[str, Shift]]:
    """``user``'s shifts on every schedule over [start, end), as (schedule, shift), by start.

    A schedule that cannot be computed is left out (and logged), not the whole feed.
    """
    found = []
    for stored in load_schedules(conn):
        try:
            final = computed(stored, lambda schedule: final_schedule(schedule, start, end))
        except ScheduleError as exc:
            log.warning("%s", exc.message)
            continue
        found += [(stored.name, shift) for shift in final.shifts if shift.user == user]
    return sorted(found, key=lambda pair: (pair[1].start, pair[0]))


class FairnessOut(BaseModel):
    """One user's hours on call over a period, split into disjoint categories."""

    user: str
    total_hours: float
    business_hours: float
    off_hours: float
    night_hours: float
    weekend_hours: float


def fairness(
    conn: Connection,
    name: str,
    start: datetime,
    end: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[FairnessOut]:
    """Hours on call per user of ``name`` over [start, end), read in the schedule's zone:
    a page of the users, by name (all are computed; the page bounds the answer)."""
    stored, final = _final(conn, name, start, end)
    hours = on_call_hours(final.shifts, stored.spec.time_zone, start, end)
    every = [
        FairnessOut(
            user=user,
            total_hours=_hours(h.total),
            business_hours=_hours(h.business),
            off_hours=_hours(h.off_hours),
            night_hours=_hours(h.night),
            weekend_hours=_hours(h.weekend),
        )
        for user, h in hours.items()
    ]
    return page_of(every, lambda f: (f.user,), (str,), limit=limit, cursor=cursor)


def _hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 2)


def coverage_check(conn: Connection, now: datetime, days: int) -> CoverageCheck:
    """Gaps in every schedule over the next ``days`` days, and unreachable users."""
    if not 1 <= days <= MAX_RANGE.days:
        raise ScheduleError(400, "invalid_range", f"days must be 1 to {MAX_RANGE.days}")
    end = now + timedelta(days=days)
    check = CoverageCheck(start=now, end=end)
    for stored in load_schedules(conn):
        gaps = computed(stored, lambda schedule: final_schedule(schedule, now, end)).gaps
        if gaps:
            check.gaps[stored.name] = [GapOut.model_validate(g, from_attributes=True) for g in gaps]
    check.users_without_verified_contact_methods = users_without_verified_contact_methods(conn)
    return check


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None:
        raise ScheduleError(400, "invalid_time", f"{name!r} needs a UTC offset (or Z)")

"""``/ical/schedules/<token>.ics`` and ``/ical/users/<token>.ics``: calendars at secret URLs.

Calendar apps cannot send a bearer token, so the feed token in the URL is the only
credential; an unknown token is a 404, like any missing page.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep
from tocsin.directory.users import user_by_feed_token
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.final import final_schedule
from tocsin.schedules.ical import feed_window, schedule_calendar, shifts_calendar
from tocsin.schedules.store.schedules import computed, schedule_by_feed_token
from tocsin.schedules.store.views import user_shifts

router = APIRouter(tags=["schedules"])


@router.get("/ical/schedules/{token}.ics", response_class=Response)
async def schedule_feed(token: str, runtime: RuntimeDep) -> Response:
    """The schedule's shifts from 30 days ago to 180 days ahead, as iCalendar."""
    now = runtime.clock.now()

    def work() -> bytes | None:
        with runtime.engine.connect() as conn:
            stored = schedule_by_feed_token(conn, token)
        if stored is None:
            return None
        start, end = feed_window(now)
        final = computed(stored, lambda schedule: final_schedule(schedule, start, end))
        return schedule_calendar(stored.name, stored.spec.time_zone, final, generated_at=now)

    try:
        return _calendar(await asyncio.to_thread(work))
    except ScheduleError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


@router.get("/ical/users/{token}.ics", response_class=Response)
async def user_feed(token: str, runtime: RuntimeDep) -> Response:
    """The user's shifts on every schedule, 30 days back to 180 ahead, in their zone."""
    now = runtime.clock.now()

    def work() -> bytes | None:
        with runtime.engine.connect() as conn:
            user = user_by_feed_token(conn, token)
            if user is None:
                return None
            name, zone = user
            entries = user_shifts(conn, name, *feed_window(now))
        return shifts_calendar(f"On call: {name}", zone, entries, generated_at=now)

    return _calendar(await asyncio.to_thread(work))


def _calendar(body: bytes | None) -> Response:
    if body is None:
        raise ApiError(404, "not_found", "no calendar feed at this address")
    return Response(body, media_type="text/calendar; charset=utf-8")

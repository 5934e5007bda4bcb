"""``/api/v1`` schedules and users: who is on call, shifts and gaps, fairness, overrides.

Creating and editing schedules, layers and swap requests is in ``v1_schedule_edits``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Query, Response
from pydantic import Field
from sqlalchemy import Connection

from tocsin.api.errors import ApiError
from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, found, on_connection, v1_router
from tocsin.directory import users
from tocsin.directory.users import UserOut
from tocsin.inputs import Instant, TextModel
from tocsin.runtime import Runtime
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.store import schedules as store
from tocsin.schedules.store import views
from tocsin.schedules.store.schedules import OverrideOut
from tocsin.schedules.store.views import (
    FairnessOut,
    ListedOverride,
    OnCallOut,
    ScheduleDetail,
    ScheduleSummary,
    ShiftsOut,
)

router = v1_router("schedules")
T = TypeVar("T")

At = Annotated[Instant | None, Query(description="ISO 8601 with an offset; default now")]


UserName = Annotated[str, Field(min_length=1, max_length=200)]


class OverrideIn(TextModel):
    """``user`` covers [start, end) on the schedule, replacing whoever is on call."""

    user: UserName
    start: Instant
    end: Instant
    created_by: str = Field(default="", max_length=200)
    replaces: UserName | None = Field(
        default=None, description="only take the time this user would be on call"
    )


async def call_store(
    runtime: Runtime, work: Callable[[Connection], T], *, write: bool = False
) -> T:
    """Run ``work`` on a connection in a thread; schedule errors become API errors.

    With ``write`` it runs in one transaction, committed only if ``work`` succeeds.
    """

    try:
        return await on_connection(runtime, work, write=write)
    except ScheduleError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


def _at(runtime: Runtime, at: datetime | None) -> datetime:
    return at if at is not None else runtime.clock.now()


@router.get("/oncall", response_model=list[OnCallOut], responses=LINKED_PAGE)
async def oncall_everywhere(runtime: RuntimeDep, paging: Paging, at: At = None) -> list[OnCallOut]:
    """Who is on call at ``at`` on every schedule (a page of them, by name)."""
    when = _at(runtime, at)
    page = await call_store(
        runtime,
        lambda conn: views.on_call_everywhere(conn, when, limit=paging.limit, cursor=paging.cursor),
    )
    return paging.reply(page)


@router.get("/schedules", response_model=list[ScheduleSummary], responses=LINKED_PAGE)
async def list_schedules(runtime: RuntimeDep, paging: Paging) -> list[ScheduleSummary]:
    """Schedules, sorted by name."""
    page = await call_store(
        runtime,
        lambda conn: views.list_schedule_summaries(conn, limit=paging.limit, cursor=paging.cursor),
    )
    return paging.reply(page)


@router.get("/schedules/{name}", response_model=ScheduleDetail)
async def get_schedule(name: str, runtime: RuntimeDep) -> ScheduleDetail:
    """A schedule's definition and the overrides made through the API."""
    return await call_store(runtime, lambda conn: views.schedule_detail(conn, name))


@router.get("/schedules/{name}/oncall", response_model=OnCallOut)
async def oncall_on_schedule(name: str, runtime: RuntimeDep, at: At = None) -> OnCallOut:
    """Who is on call at ``at`` on one schedule (empty ``users``: nobody)."""
    when = _at(runtime, at)
    return await call_store(runtime, lambda conn: views.on_call(conn, when, schedule=name))


From = Annotated[Instant, Query(alias="from", description="ISO 8601 with an offset")]
To = Annotated[Instant, Query(alias="to", description="at most 400 days after from")]


@router.get("/schedules/{name}/shifts", response_model=ShiftsOut)
async def schedule_shifts(name: str, runtime: RuntimeDep, start: From, end: To) -> ShiftsOut:
    """Shifts, gaps and shadows over [from, to), in UTC."""
    return await call_store(runtime, lambda conn: views.schedule_shifts(conn, name, start, end))


@router.get("/schedules/{name}/fairness", response_model=list[FairnessOut], responses=LINKED_PAGE)
async def schedule_fairness(
    name: str, runtime: RuntimeDep, paging: Paging, start: From, end: To
) -> list[FairnessOut]:
    """Hours on call per user over [from, to): business hours, off hours, nights, weekends."""
    page = await call_store(
        runtime,
        lambda conn: views.fairness(
            conn, name, start, end, limit=paging.limit, cursor=paging.cursor
        ),
    )
    return paging.reply(page)


@router.get("/users", response_model=list[UserOut], responses=LINKED_PAGE, tags=["users"])
async def list_users(runtime: RuntimeDep, paging: Paging) -> list[UserOut]:
    """Users by name, with contact methods, teams and calendar feed path."""
    page = await call_store(
        runtime,
        lambda conn: users.list_users(conn, limit=paging.limit, cursor=paging.cursor),
    )
    return paging.reply(page)


@router.get("/users/{name}", response_model=UserOut, tags=["users"])
async def get_user(name: str, runtime: RuntimeDep) -> UserOut:
    """One user."""
    return found(
        await call_store(runtime, lambda conn: users.get_user(conn, name)), f"user named {name!r}"
    )


@router.post("/schedules/{name}/overrides", response_model=OverrideOut, status_code=201)
async def create_override(name: str, body: OverrideIn, runtime: RuntimeDep) -> OverrideOut:
    """Put ``user`` on call for [start, end); a later override wins where they overlap."""
    now = runtime.clock.now()
    return await call_store(
        runtime,
        lambda conn: store.add_override(
            conn,
            schedule=name,
            user=body.user,
            start=body.start,
            end=body.end,
            created_by=body.created_by,
            now=now,
            replaces=body.replaces,
        ),
        write=True,
    )


OptionalFrom = Annotated[
    Instant | None, Query(alias="from", description="overrides ending after this")
]
OptionalTo = Annotated[Instant | None, Query(alias="to", description="starting before this")]


@router.get(
    "/schedules/{name}/overrides", response_model=list[ListedOverride], responses=LINKED_PAGE
)
async def list_overrides(
    name: str,
    runtime: RuntimeDep,
    paging: Paging,
    start: OptionalFrom = None,
    end: OptionalTo = None,
) -> list[ListedOverride]:
    """The definition's and the API's overrides overlapping [from, to), in the order they
    apply (a later one wins where two overlap); ``source`` says where each lives."""
    page = await call_store(
        runtime,
        lambda conn: views.overrides(
            conn, name, start, end, limit=paging.limit, cursor=paging.cursor
        ),
    )
    return paging.reply(page)


@router.delete("/schedules/{name}/overrides/{override_id}", status_code=204)
async def delete_override(name: str, override_id: str, runtime: RuntimeDep) -> Response:
    """Remove an override made through the API (the world file's stay)."""
    now = runtime.clock.now()
    await call_store(
        runtime,
        lambda conn: store.delete_override(conn, schedule=name, override_id=override_id, now=now),
        write=True,
    )
    return Response(status_code=204)

"""``/api/v1/silences``: create (or preview), list and expire silences."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from tocsin.api.errors import ApiError
from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.core.durations import parse_duration
from tocsin.inputs import MAX_NAME, Instant, TextModel, check_duration
from tocsin.silences import service
from tocsin.silences.service import MatchedAlert, SilenceError, SilenceOut

router = v1_router("silences")


Matcher = Annotated[str, Field(max_length=1000)]
ServiceName = Annotated[str, Field(max_length=MAX_NAME)]


class SilenceIn(TextModel):
    """A silence to create. Give ``ends_at`` or ``duration`` (e.g. ``2h``)."""

    matchers: list[Matcher] = Field(
        min_length=1, max_length=100, examples=[["alertname=~Disk.*", "env=prod"]]
    )
    services: list[ServiceName] = Field(
        default_factory=list, max_length=1000, description="service names; empty = all"
    )
    starts_at: Instant | None = Field(default=None, description="default: now")
    ends_at: Instant | None = None
    duration: str | None = Field(default=None, max_length=100, examples=["2h"])
    created_by: str = Field(min_length=1, max_length=MAX_NAME)
    comment: str = Field(default="", max_length=10_000)
    dry_run: bool = Field(default=False, description="only list the open alerts it would hold")


class SilencePreview(BaseModel):
    """What a silence would hold, without creating it."""

    matches: list[MatchedAlert]


def _window(body: SilenceIn, now: datetime) -> tuple[datetime, datetime]:
    starts = body.starts_at or now
    if (body.ends_at is None) == (body.duration is None):
        raise ApiError(400, "invalid_request", "give exactly one of ends_at and duration")
    if body.ends_at is not None:
        return starts, body.ends_at
    try:
        length = check_duration(parse_duration(body.duration or ""))
    except ValueError as exc:
        raise ApiError(400, "invalid_request", f"duration: {exc}") from exc
    if length <= timedelta(0):
        raise ApiError(400, "invalid_request", "duration must be positive")
    return starts, starts + length


@router.post("/silences", response_model=SilenceOut | SilencePreview, status_code=201)
async def create_silence(body: SilenceIn, runtime: RuntimeDep) -> SilenceOut | SilencePreview:
    """Create a silence (201), or with ``dry_run`` list the open alerts it would hold."""
    now = runtime.clock.now()
    starts, ends = _window(body, now)

    def work() -> SilenceOut | SilencePreview:
        with runtime.engine.begin() as conn:
            if body.dry_run:
                matchers = service.parse_matchers(body.matchers)
                return SilencePreview(
                    matches=service.matching_open_alerts(conn, matchers, body.services)
                )
            return service.create_silence(
                conn,
                matchers=body.matchers,
                starts_at=starts,
                ends_at=ends,
                created_by=body.created_by,
                comment=body.comment,
                service_names=body.services,
                now=now,
            )

    try:
        result = await asyncio.to_thread(work)
    except SilenceError as exc:
        raise ApiError(400, "invalid_silence", str(exc)) from exc
    if isinstance(result, SilenceOut):
        await asyncio.to_thread(runtime.suppressions.reload, now)  # holds at once here
    return result


@router.get("/silences", response_model=list[SilenceOut], responses=LINKED_PAGE)
def list_silences(
    runtime: RuntimeDep,
    paging: Paging,
    include_expired: Annotated[bool, Query(description="also list silences that are over")] = False,
) -> list[SilenceOut]:
    """Silences, newest first."""
    with runtime.engine.connect() as conn:
        page = service.list_silences(
            conn,
            runtime.clock.now(),
            include_expired=include_expired,
            limit=paging.limit,
            cursor=paging.cursor,
        )
    return paging.reply(page)


@router.delete("/silences/{silence_id}", response_model=SilenceOut)
async def expire_silence(silence_id: str, runtime: RuntimeDep) -> SilenceOut:
    """End a silence now."""
    now = runtime.clock.now()

    def work() -> SilenceOut | None:
        with runtime.engine.begin() as conn:
            return service.expire_silence(conn, silence_id, now)

    found = await asyncio.to_thread(work)
    if found is None:
        raise ApiError(404, "not_found", f"no silence {silence_id}")
    await asyncio.to_thread(runtime.suppressions.reload, now)
    return found

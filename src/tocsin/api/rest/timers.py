"""``/api/v1/timers``: the durable timers (escalations, heartbeats, sweeps) and dead ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.api.errors import ApiError
from tocsin.api.paging import Limit
from tocsin.api.rest.deps import Cursor, RuntimeDep, v1_router
from tocsin.engine.timer_status import TimerOut, TimerPage, TimerState, list_timers, retry_timer

router = v1_router("operations")


@router.get("/timers", response_model=TimerPage)
def get_timers(
    runtime: RuntimeDep,
    state: Annotated[TimerState | None, Query(description="armed, idle or dead")] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> TimerPage:
    """Timers with their due time, attempts and last error; ``state=dead`` lists the ones
    that failed too often and wait for an operator."""
    with runtime.engine.connect() as conn:
        return list_timers(conn, state=state, kind=kind, limit=limit, cursor=cursor)


@router.post("/timers/{timer_id}/retry", response_model=TimerOut)
def post_timer_retry(timer_id: str, runtime: RuntimeDep) -> TimerOut:
    """Arm a timer (dead or not) due now, its attempts started over."""
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        timer = retry_timer(conn, timer_id, now)
    if timer is None:
        raise ApiError(404, "not_found", f"no timer {timer_id}")
    runtime.timers.nudge(now)
    return timer

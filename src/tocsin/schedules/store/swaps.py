"""Swap requests: one user asks another to take their on-call time for a while.

A request is stored as ``requested``; ``from_user`` must be on call for some of its
interval (409 ``not_on_call`` otherwise), and still be when it is accepted (409
``nothing_to_swap``: the schedule changed meanwhile). Accepting it turns it into an API
override with the core's ``accept_swap`` (``to_user`` takes only the time ``from_user``
would have been on call) in the same transaction that marks it ``accepted``; declining or
cancelling only records the decision. A decided request is final: deciding it again is a
409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Row, insert, select, update

from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.ids import new_id
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.final import final_schedule
from tocsin.schedules.model import Swap
from tocsin.schedules.overrides import accept_swap
from tocsin.schedules.store.schedules import (
    StoredSchedule,
    add_override,
    computed,
    load_definition,
    load_schedule,
    require_users,
)
from tocsin.schedules.store.views import MAX_RANGE
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import schedule_swaps

SwapStatus = Literal["requested", "accepted", "declined", "cancelled"]
PENDING: SwapStatus = "requested"


class SwapOut(BaseModel):
    """A swap request: ``to_user`` is asked to cover ``from_user``'s time in [start, end)."""

    id: str
    schedule: str
    from_user: str
    to_user: str
    start: datetime
    end: datetime
    status: SwapStatus
    requested_by: str
    comment: str
    decided_by: str | None
    decided_at: datetime | None
    override_id: str | None
    created_at: datetime


def _out(schedule: str, row: Row[Any]) -> SwapOut:
    return SwapOut(
        id=row.id,
        schedule=schedule,
        from_user=row.from_user,
        to_user=row.to_user,
        start=row.starts_at,
        end=row.ends_at,
        status=row.status,
        requested_by=row.requested_by,
        comment=row.comment,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        override_id=row.override_id,
        created_at=row.created_at,
    )


def request_swap(
    conn: Connection,
    *,
    schedule: str,
    from_user: str,
    to_user: str,
    start: datetime,
    end: datetime,
    requested_by: str = "",
    comment: str = "",
    now: datetime,
) -> SwapOut:
    """Ask ``to_user`` to take ``from_user``'s on-call time in [start, end)."""
    stored = load_schedule(conn, schedule)
    try:
        Swap(from_user, to_user, start, end)  # the core's rules: two users, a real interval
    except ValueError as exc:
        raise ScheduleError(400, "invalid_swap", str(exc)) from None
    if end - start > MAX_RANGE:  # it is computed shift by shift, like a shifts query
        raise ScheduleError(
            400, "range_too_long", f"a swap covers at most {MAX_RANGE.days} days (start to end)"
        )
    require_users(conn, [from_user, to_user])
    _require_on_call(stored, from_user, start, end, "not_on_call", "there is nothing to swap")
    swap_id = new_id(now)
    conn.execute(
        insert(schedule_swaps).values(
            id=swap_id,
            schedule_id=stored.id,
            from_user=from_user,
            to_user=to_user,
            starts_at=start,
            ends_at=end,
            status=PENDING,
            requested_by=requested_by or from_user,
            comment=comment,
            created_at=now,
        )
    )
    return get_swap(conn, schedule=schedule, swap_id=swap_id)


def _require_on_call(
    stored: StoredSchedule, user: str, start: datetime, end: datetime, code: str, why: str
) -> None:
    """A swap moves only ``user``'s own on-call time: refuse one where they have none."""
    final = computed(stored, lambda schedule: final_schedule(schedule, start, end))
    if not any(s.user == user for s in final.shifts):
        raise ScheduleError(
            409,
            code,
            f"{user} is not on call on {stored.name} between {start.isoformat()} and "
            f"{end.isoformat()}: {why}",
        )


def list_swaps(
    conn: Connection,
    *,
    schedule: str,
    status: SwapStatus | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SwapOut]:
    """A page of the schedule's swap requests (optionally only those in ``status``),
    oldest first."""
    schedule_id, _ = load_definition(conn, schedule)
    query = select(schedule_swaps).where(schedule_swaps.c.schedule_id == schedule_id)
    if status is not None:
        query = query.where(schedule_swaps.c.status == status)
    key = [schedule_swaps.c.created_at, schedule_swaps.c.id]
    page = keyset_page(conn, query, key, (datetime, str), limit=limit, cursor=cursor)
    return page.map(lambda row: _out(schedule, row))


def get_swap(conn: Connection, *, schedule: str, swap_id: str, lock: bool = False) -> SwapOut:
    """One swap request of ``schedule``; ScheduleError 404 when it has no such request."""
    stored = load_schedule(conn, schedule)
    query = select(schedule_swaps).where(
        schedule_swaps.c.schedule_id == stored.id, schedule_swaps.c.id == swap_id
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise ScheduleError(404, "not_found", f"schedule {schedule!r} has no swap {swap_id!r}")
    return _out(schedule, row)


def _pending(conn: Connection, schedule: str, swap_id: str) -> SwapOut:
    swap = get_swap(conn, schedule=schedule, swap_id=swap_id, lock=True)
    if swap.status != PENDING:
        raise ScheduleError(409, "swap_decided", f"swap {swap_id!r} is already {swap.status}")
    return swap


def _decide(
    conn: Connection,
    swap: SwapOut,
    status: SwapStatus,
    decided_by: str,
    now: datetime,
    override_id: str | None = None,
) -> SwapOut:
    done = conn.execute(
        update(schedule_swaps)
        .where(schedule_swaps.c.id == swap.id, schedule_swaps.c.status == PENDING)
        .values(status=status, decided_by=decided_by, decided_at=now, override_id=override_id)
    )
    if done.rowcount == 0:  # decided by someone else since we read it
        raise ScheduleError(409, "swap_decided", f"swap {swap.id!r} was decided meanwhile")
    return get_swap(conn, schedule=swap.schedule, swap_id=swap.id)


def accept(
    conn: Connection, *, schedule: str, swap_id: str, decided_by: str = "", now: datetime
) -> SwapOut:
    """Accept: ``to_user`` takes over ``from_user``'s time through a new override.

    Call it inside one transaction: the override and the decision are written together.
    """
    swap = _pending(conn, schedule, swap_id)
    _require_on_call(
        load_schedule(conn, schedule),
        swap.from_user,
        swap.start,
        swap.end,
        "nothing_to_swap",
        "the schedule changed since the request; decline or cancel it",
    )
    override = accept_swap(Swap(swap.from_user, swap.to_user, swap.start, swap.end))
    decider = decided_by or swap.to_user
    created = add_override(
        conn,
        schedule=schedule,
        user=override.user,
        start=override.start,
        end=override.end,
        created_by=decider,
        replaces=override.replaces,
        now=now,
    )
    return _decide(conn, swap, "accepted", decider, now, override_id=created.id)


def decline(
    conn: Connection, *, schedule: str, swap_id: str, decided_by: str = "", now: datetime
) -> SwapOut:
    """Decline (``to_user`` says no): nothing changes on the schedule."""
    swap = _pending(conn, schedule, swap_id)
    return _decide(conn, swap, "declined", decided_by or swap.to_user, now)


def cancel(
    conn: Connection, *, schedule: str, swap_id: str, decided_by: str = "", now: datetime
) -> SwapOut:
    """Cancel (the requester withdraws it): nothing changes on the schedule."""
    swap = _pending(conn, schedule, swap_id)
    return _decide(conn, swap, "cancelled", decided_by or swap.requested_by, now)

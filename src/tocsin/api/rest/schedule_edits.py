"""``/api/v1`` schedule editing: create, replace and delete schedules, edit their layers,
and request, accept, decline or cancel swaps. Thin views over ``schedules.store.edits``
and ``schedules.swaps``; bodies are validated by the world file's own models."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Response
from pydantic import Field

from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.api.rest.schedules import UserName, call_store
from tocsin.inputs import Instant, TextModel
from tocsin.schedules.definition import ScheduleDefinition
from tocsin.schedules.definition_edits import LayerChange, LayerOut, NewLayer
from tocsin.schedules.store import edits, swaps
from tocsin.schedules.store.swaps import SwapOut, SwapStatus
from tocsin.schedules.store.views import ScheduleDetail
from tocsin.world.kinds.schedules import ScheduleSpec

router = v1_router("schedules")


@router.post("/schedules", response_model=ScheduleDetail, status_code=201)
async def create_schedule(body: ScheduleSpec, runtime: RuntimeDep) -> ScheduleDetail:
    """Create a schedule, written exactly as under ``schedules:`` in the world file.

    409 if the name is taken. ``tocsin apply`` manages it from then on like any other
    schedule: export it into the file (``tocsin export``) or the next apply deletes it.
    """
    now = runtime.clock.now()
    definition = ScheduleDefinition.model_validate(body.model_dump(exclude={"name"}))
    return await call_store(
        runtime,
        lambda conn: edits.create_schedule(conn, name=body.name, spec=definition, now=now),
        write=True,
    )


@router.put("/schedules/{name}", response_model=ScheduleDetail)
async def replace_schedule(
    name: str, body: ScheduleDefinition, runtime: RuntimeDep
) -> ScheduleDetail:
    """Replace a schedule's definition whole (API overrides, swaps and feed stay).

    This rewrites history as a changed world file does; to change a rotation from some
    instant on, edit the layer instead (``PUT .../layers/{layer}``).
    """
    now = runtime.clock.now()
    return await call_store(
        runtime,
        lambda conn: edits.replace_schedule(conn, name=name, spec=body, now=now),
        write=True,
    )


@router.delete("/schedules/{name}", status_code=204)
async def delete_schedule(name: str, runtime: RuntimeDep) -> Response:
    """Delete a schedule with its API overrides and swap requests; its feed stops."""
    await call_store(runtime, lambda conn: edits.delete_schedule(conn, name), write=True)
    return Response(status_code=204)


@router.get("/schedules/{name}/layers", response_model=list[LayerOut], responses=LINKED_PAGE)
async def list_layers(name: str, runtime: RuntimeDep, paging: Paging) -> list[LayerOut]:
    """The schedule's layers, lowest first (a higher layer wins where it has someone)."""
    page = await call_store(
        runtime,
        lambda conn: edits.list_layers(conn, name, limit=paging.limit, cursor=paging.cursor),
    )
    return paging.reply(page)


@router.post("/schedules/{name}/layers", response_model=LayerOut, status_code=201)
async def create_layer(name: str, body: NewLayer, runtime: RuntimeDep) -> LayerOut:
    """Add a layer on top, or at ``position`` (0 = lowest); 409 if the name is taken."""
    now = runtime.clock.now()
    return await call_store(
        runtime,
        lambda conn: edits.create_layer(conn, name=name, layer=body, now=now),
        write=True,
    )


@router.put("/schedules/{name}/layers/{layer}", response_model=LayerOut)
async def edit_layer(name: str, layer: str, body: LayerChange, runtime: RuntimeDep) -> LayerOut:
    """Rename a layer, or change its participants or rotation from ``effective_from`` on.

    The change is a new revision: who was on call before it stays as it was.
    """
    now = runtime.clock.now()
    return await call_store(
        runtime,
        lambda conn: edits.edit_layer(conn, name=name, layer=layer, change=body, now=now),
        write=True,
    )


@router.delete("/schedules/{name}/layers/{layer}", status_code=204)
async def delete_layer(name: str, layer: str, runtime: RuntimeDep) -> Response:
    """Remove a layer and its history (409 for the last one). To stop a layer from now
    on and keep its past, give it a rotation with an ``end`` instead."""
    now = runtime.clock.now()
    await call_store(
        runtime,
        lambda conn: edits.delete_layer(conn, name=name, layer=layer, now=now),
        write=True,
    )
    return Response(status_code=204)


class SwapIn(TextModel):
    """``from_user`` asks ``to_user`` to take their on-call time in [start, end)."""

    from_user: UserName
    to_user: UserName
    start: Instant
    end: Instant
    requested_by: str = Field(default="", max_length=200, description="default: from_user")
    comment: str = Field(default="", max_length=2000)


class SwapDecision(TextModel):
    """Who decided (default: to_user accepts or declines, the requester cancels)."""

    decided_by: str = Field(default="", max_length=200)


Decision = Annotated[SwapDecision | None, Body()]


@router.post("/schedules/{name}/swaps", response_model=SwapOut, status_code=201)
async def request_swap(name: str, body: SwapIn, runtime: RuntimeDep) -> SwapOut:
    """Ask ``to_user`` to cover ``from_user``; nothing changes until it is accepted."""
    now = runtime.clock.now()
    return await call_store(
        runtime,
        lambda conn: swaps.request_swap(
            conn,
            schedule=name,
            from_user=body.from_user,
            to_user=body.to_user,
            start=body.start,
            end=body.end,
            requested_by=body.requested_by,
            comment=body.comment,
            now=now,
        ),
        write=True,
    )


@router.get("/schedules/{name}/swaps", response_model=list[SwapOut], responses=LINKED_PAGE)
async def list_swaps(
    name: str,
    runtime: RuntimeDep,
    paging: Paging,
    status: Annotated[SwapStatus | None, Query(description="only swaps in this status")] = None,
) -> list[SwapOut]:
    """The schedule's swap requests, oldest first."""
    page = await call_store(
        runtime,
        lambda conn: swaps.list_swaps(
            conn, schedule=name, status=status, limit=paging.limit, cursor=paging.cursor
        ),
    )
    return paging.reply(page)


@router.post("/schedules/{name}/swaps/{swap_id}/accept", response_model=SwapOut)
async def accept_swap(
    name: str, swap_id: str, runtime: RuntimeDep, body: Decision = None
) -> SwapOut:
    """Accept: an override puts ``to_user`` on call wherever ``from_user`` was, in the
    same transaction. 409 if the swap is no longer ``requested``."""
    now, by = runtime.clock.now(), body.decided_by if body else ""
    return await call_store(
        runtime,
        lambda conn: swaps.accept(conn, schedule=name, swap_id=swap_id, decided_by=by, now=now),
        write=True,
    )


@router.post("/schedules/{name}/swaps/{swap_id}/decline", response_model=SwapOut)
async def decline_swap(
    name: str, swap_id: str, runtime: RuntimeDep, body: Decision = None
) -> SwapOut:
    """Decline: the schedule stays as it is. 409 if the swap is no longer ``requested``."""
    now, by = runtime.clock.now(), body.decided_by if body else ""
    return await call_store(
        runtime,
        lambda conn: swaps.decline(conn, schedule=name, swap_id=swap_id, decided_by=by, now=now),
        write=True,
    )


@router.post("/schedules/{name}/swaps/{swap_id}/cancel", response_model=SwapOut)
async def cancel_swap(
    name: str, swap_id: str, runtime: RuntimeDep, body: Decision = None
) -> SwapOut:
    """Withdraw the request. 409 if the swap is no longer ``requested``."""
    now, by = runtime.clock.now(), body.decided_by if body else ""
    return await call_store(
        runtime,
        lambda conn: swaps.cancel(conn, schedule=name, swap_id=swap_id, decided_by=by, now=now),
        write=True,
    )

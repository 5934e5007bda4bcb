"""``/api/v1/maintenance-windows``: the windows from the world file, and whether each holds now."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.inputs import Instant
from tocsin.silences import windows
from tocsin.silences.windows import WindowOut

router = v1_router("suppression")


@router.get("/maintenance-windows", response_model=list[WindowOut], responses=LINKED_PAGE)
def list_windows(
    runtime: RuntimeDep,
    paging: Paging,
    at: Annotated[Instant | None, Query(description="default now (ISO 8601 with offset)")] = None,
) -> list[WindowOut]:
    """The maintenance windows by name (they are configured with ``tocsin apply``)."""
    when = at or runtime.clock.now()
    with runtime.engine.connect() as conn:
        page = windows.list_windows(conn, when, limit=paging.limit, cursor=paging.cursor)
    return paging.reply(page)

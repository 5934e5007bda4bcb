"""``/api/v1/heartbeats``: every heartbeat with its state and ping URLs."""

from __future__ import annotations

from tocsin.api.paging import LINKED_PAGE, Paging
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.heartbeats.queries import HeartbeatOut, list_heartbeats

router = v1_router("heartbeats")


@router.get("/heartbeats", response_model=list[HeartbeatOut], responses=LINKED_PAGE)
def get_heartbeats(runtime: RuntimeDep, paging: Paging) -> list[HeartbeatOut]:
    """Heartbeats by name: timing, last ping, whether expired, and the URLs to ping."""
    with runtime.engine.connect() as conn:
        page = list_heartbeats(
            conn, runtime.settings.base_url(), limit=paging.limit, cursor=paging.cursor
        )
    return paging.reply(page)

"""``/api/v1/heartbeats``: every heartbeat with its state and ping URLs."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tocsin.api.v1 import RuntimeDep, require_token
from tocsin.heartbeats.queries import HeartbeatOut, list_heartbeats

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], tags=["heartbeats"])


@router.get("/heartbeats", response_model=list[HeartbeatOut])
def get_heartbeats(runtime: RuntimeDep) -> list[HeartbeatOut]:
    """Heartbeats by name: timing, last ping, whether expired, and the URLs to ping."""
    with runtime.engine.connect() as conn:
        return list_heartbeats(conn, runtime.settings.base_url())

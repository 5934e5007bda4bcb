"""``/api/v1/maintenance-windows``: the windows from the world file, and whether each holds now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from tocsin.api.v1 import RuntimeDep, require_token
from tocsin.core.suppression import occurrence_at, window_from_definition
from tocsin.inputs import Instant
from tocsin.store.schema import maintenance_windows

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], tags=["suppression"])


class WindowOut(BaseModel):
    """A maintenance window as written in the world file, and its state at ``at``."""

    name: str
    definition: dict[str, Any]
    active: bool
    current_start: datetime | None
    current_end: datetime | None


@router.get("/maintenance-windows", response_model=list[WindowOut])
def list_windows(
    runtime: RuntimeDep,
    at: Annotated[Instant | None, Query(description="default now (ISO 8601 with offset)")] = None,
) -> list[WindowOut]:
    """Every maintenance window (they are configured with ``tocsin apply``)."""
    when = at or runtime.clock.now()
    out = []
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(maintenance_windows).order_by(maintenance_windows.c.name))
        for row in rows:
            window = window_from_definition({**row.definition, "name": row.name}, frozenset())
            occurrence = occurrence_at(window, when)
            out.append(
                WindowOut(
                    name=row.name,
                    definition=row.definition,
                    active=occurrence is not None,
                    current_start=occurrence[0] if occurrence else None,
                    current_end=occurrence[1] if occurrence else None,
                )
            )
    return out

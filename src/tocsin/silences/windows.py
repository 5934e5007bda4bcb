"""Reading maintenance windows (written by ``tocsin apply``) and whether each holds at an
instant: behind ``/api/v1/maintenance-windows``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.core.suppression import occurrence_at, window_from_definition
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import maintenance_windows


class WindowOut(BaseModel):
    """A maintenance window as written in the world file, and its state at ``at``."""

    name: str
    definition: dict[str, Any]
    active: bool
    current_start: datetime | None
    current_end: datetime | None


def list_windows(
    conn: Connection, at: datetime, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[WindowOut]:
    """A page of the maintenance windows by name, each with its occurrence at ``at``."""
    query = select(maintenance_windows)
    page = keyset_page(
        conn, query, [maintenance_windows.c.name], (str,), limit=limit, cursor=cursor
    )

    def out(row: Row[Any]) -> WindowOut:
        window = window_from_definition({**row.definition, "name": row.name}, frozenset())
        occurrence = occurrence_at(window, at)
        return WindowOut(
            name=row.name,
            definition=row.definition,
            active=occurrence is not None,
            current_start=occurrence[0] if occurrence else None,
            current_end=occurrence[1] if occurrence else None,
        )

    return page.map(out)

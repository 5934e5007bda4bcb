"""Reading change records: behind ``/api/v1/changes``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection, select

from tocsin.inputs import StoredJson
from tocsin.store.schema import changes, services

RETENTION_DAYS = 90  # change records are never purged before this age


class ChangeOut(BaseModel):
    """One change event as recorded on one service."""

    id: str
    service_id: str
    service: str
    origin: str
    summary: str
    source: str | None
    occurred_at: datetime
    received_at: datetime
    custom_details: StoredJson = None
    links: list[dict[str, str]] = []


class ChangePage(BaseModel):
    """A page of changes, newest first."""

    changes: list[ChangeOut]
    next_cursor: str | None


def list_changes(
    conn: Connection,
    *,
    service: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> ChangePage:
    """Changes newest first (by id, which follows the time received)."""
    query = select(*changes.c, services.c.name.label("service")).join(
        services, services.c.id == changes.c.service_id
    )
    if service:
        query = query.where((services.c.name == service) | (services.c.id == service))
    if since:
        query = query.where(changes.c.occurred_at >= since)
    if until:
        query = query.where(changes.c.occurred_at < until)
    if cursor:
        query = query.where(changes.c.id < cursor)
    rows = conn.execute(query.order_by(changes.c.id.desc()).limit(limit + 1)).all()
    items = [ChangeOut(**{**r._mapping, "links": r.links or []}) for r in rows[:limit]]
    return ChangePage(changes=items, next_cursor=items[-1].id if len(rows) > limit else None)

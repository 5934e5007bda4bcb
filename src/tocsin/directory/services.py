"""Reading the catalog: behind ``/api/v1/integrations`` and ``tocsin integrations list``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.ingest.registry import INTEGRATION_TYPES, ingest_url
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import change_sources, integrations, services


class IntegrationOut(BaseModel):
    """An integration with where its senders post."""

    id: str
    service: str
    name: str
    type: str
    key: str
    ingest_url: str
    key_in: str
    rate_limit_per_minute: int | None


class ChangeSourceOut(BaseModel):
    """A change-event source with its key."""

    id: str
    name: str
    key: str
    ingest_url: str


def list_integrations(
    conn: Connection, base_url: str, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[IntegrationOut]:
    """A page of the integrations of live services, by service then name."""
    query = (
        select(integrations, services.c.name.label("service"))
        .join(services, services.c.id == integrations.c.service_id)
        .where(services.c.archived_at.is_(None))
    )
    key = [services.c.name, integrations.c.name]
    page = keyset_page(conn, query, key, (str, str), limit=limit, cursor=cursor)

    def out(r: Row[Any]) -> IntegrationOut:
        kind = INTEGRATION_TYPES.get(r.type)
        return IntegrationOut(
            id=r.id,
            service=r.service,
            name=r.name,
            type=r.type,
            key=r.key,
            ingest_url=ingest_url(base_url, r.type, r.key) if kind else "",
            key_in=kind.key_in if kind else "",
            rate_limit_per_minute=r.rate_limit_per_minute,
        )

    return page.map(out)


def list_change_sources(conn: Connection, base_url: str) -> list[ChangeSourceOut]:
    """Every change source with the URL its senders post to."""
    url = f"{base_url.rstrip('/')}/v2/change/enqueue"
    rows = conn.execute(select(change_sources).order_by(change_sources.c.name))
    return [ChangeSourceOut(id=r.id, name=r.name, key=r.key, ingest_url=url) for r in rows]

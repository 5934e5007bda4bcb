"""Reading heartbeats: behind ``/api/v1/heartbeats`` and ``tocsin heartbeats list``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from tocsin.core.durations import format_duration
from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import heartbeats, services


class HeartbeatOut(BaseModel):
    """A heartbeat: its timing, its state, and the URLs its job pings."""

    id: str
    name: str
    service: str
    interval: str
    grace: str
    interval_seconds: int
    grace_seconds: int
    last_ping_at: datetime | None
    expected_by: datetime
    expired: bool
    expired_at: datetime | None
    key: str
    ping_url: str
    opsgenie_ping_url: str


def ping_urls(base_url: str, *, name: str, key: str) -> tuple[str, str]:
    """The native ping URL (key in the path) and the Opsgenie-compatible one (by name)."""
    base = base_url.rstrip("/")
    return (
        f"{base}/v1/heartbeats/{quote(key, safe='')}/ping",
        f"{base}/v2/heartbeats/{quote(name, safe='')}/ping",
    )


def list_heartbeats(
    conn: Connection, base_url: str, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[HeartbeatOut]:
    """A page of the heartbeats of live services, by name.

    ``expired`` is the engine's verdict (its alert is open), not a comparison with the
    clock: a deadline just passed counts once the timer service has fired.
    """
    query = (
        select(heartbeats, services.c.name.label("service"))
        .join(services, services.c.id == heartbeats.c.service_id)
        .where(services.c.archived_at.is_(None))
    )
    page = keyset_page(conn, query, [heartbeats.c.name], (str,), limit=limit, cursor=cursor)

    def out(r: Row[Any]) -> HeartbeatOut:
        interval, grace = timedelta(seconds=r.interval_seconds), timedelta(seconds=r.grace_seconds)
        native, opsgenie = ping_urls(base_url, name=r.name, key=r.key)
        return HeartbeatOut(
            id=r.id,
            name=r.name,
            service=r.service,
            interval=format_duration(interval),
            grace=format_duration(grace),
            interval_seconds=r.interval_seconds,
            grace_seconds=r.grace_seconds,
            last_ping_at=r.last_ping_at,
            expected_by=(r.last_ping_at or r.created_at) + interval + grace,
            expired=r.expired_at is not None,
            expired_at=r.expired_at,
            key=r.key,
            ping_url=native,
            opsgenie_ping_url=opsgenie,
        )

    return page.map(out)

"""Reading heartbeats: behind ``/api/v1/heartbeats`` and ``tocsin heartbeats list``."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from pydantic import BaseModel
from sqlalchemy import Connection, select

from tocsin.core.durations import format_duration
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


def list_heartbeats(conn: Connection, base_url: str) -> list[HeartbeatOut]:
    """Every heartbeat of a live service, by name.

    ``expired`` is the engine's verdict (its alert is open), not a comparison with the
    clock: a deadline just passed counts once the timer service has fired.
    """
    rows = conn.execute(
        select(heartbeats, services.c.name.label("service"))
        .join(services, services.c.id == heartbeats.c.service_id)
        .where(services.c.archived_at.is_(None))
        .order_by(heartbeats.c.name)
    )
    out = []
    for r in rows:
        interval, grace = timedelta(seconds=r.interval_seconds), timedelta(seconds=r.grace_seconds)
        native, opsgenie = ping_urls(base_url, name=r.name, key=r.key)
        out.append(
            HeartbeatOut(
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
        )
    return out

"""The delivery log: every page queued for an incident, and every attempt to send it.

Behind ``GET /api/v1/incidents/{id}/deliveries`` and ``tocsin incidents deliveries``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from tocsin.core.paging import Page
from tocsin.notify.channels.secrets import redacted
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import deliveries, delivery_attempts, incidents


class AttemptOut(BaseModel):
    """One try to send a delivery."""

    attempted_at: datetime
    channel: str
    provider: str | None  # webhook:hooks.example.com, smtp:relay:587 (None: before 0019)
    outcome: str  # sent, retry, failed, failover (a later provider sent), skipped (open)
    error: str | None
    latency_ms: int


class DeliveryOut(BaseModel):
    """One page to one contact method of one user, and what became of it."""

    id: str
    idempotency_key: str
    user: str
    method_type: str
    address: str  # scheme and host only: a URL's path may be its credential
    level: int
    repeat: int
    state: str  # pending, sent, failed, cancelled
    attempts: list[AttemptOut]
    last_error: str | None
    queued_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None


class DeliveryPage(BaseModel):
    """A page of an incident's deliveries, oldest first."""

    deliveries: list[DeliveryOut]
    next_cursor: str | None


def incident_deliveries(
    conn: Connection, incident_id: str, *, limit: int, cursor: str | None
) -> DeliveryPage | None:
    """The incident's deliveries with their attempts (two queries); None: no incident."""
    if conn.execute(select(incidents.c.id).where(incidents.c.id == incident_id)).first() is None:
        return None
    page: Page[Row[Any]] = keyset_page(
        conn,
        select(deliveries).where(deliveries.c.incident_id == incident_id),
        [deliveries.c.id],
        (str,),
        limit=limit,
        cursor=cursor,
    )
    ids = [row.id for row in page.items]
    attempts: dict[str, list[AttemptOut]] = {}
    if ids:
        rows = conn.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id.in_(ids))
            .order_by(delivery_attempts.c.attempted_at, delivery_attempts.c.id)
        )
        for a in rows:
            attempts.setdefault(a.delivery_id, []).append(
                AttemptOut(
                    attempted_at=a.attempted_at,
                    channel=a.channel,
                    provider=a.provider,
                    outcome=a.outcome,
                    error=a.error,
                    latency_ms=a.latency_ms,
                )
            )
    return DeliveryPage(
        deliveries=[
            DeliveryOut(
                id=row.id,
                idempotency_key=row.idempotency_key,
                user=row.user_name,
                method_type=row.method_type,
                address=redacted(row.address),
                level=int(row.message.get("level", 0)),
                repeat=int(row.message.get("repeat", 0)),
                state=row.state,
                attempts=attempts.get(row.id, []),
                last_error=row.last_error,
                queued_at=row.created_at,
                finished_at=row.finished_at,
                next_attempt_at=row.next_attempt_at if row.state == "pending" else None,
            )
            for row in page.items
        ],
        next_cursor=page.next_cursor,
    )

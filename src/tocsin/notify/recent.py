"""What pages were sent lately to the users of claimed deliveries: the input of
``notify.bundling.plan`` (a bundle counts as one message)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, func, select

from tocsin.notify.bundling import Limits, Pending, Sent
from tocsin.store.schema import deliveries


def recently_sent(
    engine: Engine, claimed: Sequence[Pending], now: datetime, limits: Limits
) -> list[Sent]:
    """The messages sent to the users of ``claimed`` within the longer of the bundling
    window and the rate limit's window (an index on user and finish time answers it)."""
    users = sorted({p.user for p in claimed})
    since = now - max(limits.bundle_window, limits.per)
    message = func.coalesce(deliveries.c.bundle_key, deliveries.c.id)
    d = deliveries.c
    query = (
        select(d.user_name, d.method_type, d.address, func.max(d.finished_at))
        # Pages only (they have an incident): notices and test pages delay no page.
        .where(
            d.user_name.in_(users),
            d.finished_at >= since,
            d.state == "sent",
            d.incident_id.is_not(None),
        )
        .group_by(d.user_name, d.method_type, d.address, message)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Sent((user, kind, address), at) for user, kind, address, at in rows]

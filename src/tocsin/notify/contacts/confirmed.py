"""Which contact methods a test page is known to have reached (its confirm link posted)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, func, select

from tocsin.store.schema import test_page_methods, test_pages


def confirmed_methods(
    conn: Connection, user_ids: Collection[str]
) -> dict[str, dict[tuple[str, str], datetime]]:
    """For each user id of ``user_ids``, when a test page to each of their (type, address)
    pairs was last confirmed."""
    m, t = test_page_methods.c, test_pages.c
    rows = conn.execute(
        select(t.user_id, m.method_type, m.address, func.max(m.confirmed_at))
        .join(test_pages, t.id == m.test_page_id)
        .where(t.user_id.in_(list(user_ids)), m.confirmed_at.is_not(None))
        .group_by(t.user_id, m.method_type, m.address)
    )
    found: dict[str, dict[tuple[str, str], datetime]] = {}
    for user_id, method_type, address, at in rows:
        found.setdefault(user_id, {})[(method_type, address)] = at
    return found

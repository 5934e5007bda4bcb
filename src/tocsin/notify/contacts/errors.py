"""Permanent delivery errors shown on the contact method (a webhook answering 401, a
refused mailbox): kept on the method's ``contact_verifications`` row (keyed by user,
type and address, like its verification; made for it when there is none), cleared by
the next delivery that succeeds. Deleting the method from the world file drops it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from tocsin.ids import new_id
from tocsin.store.schema import contact_verifications, users


@dataclass(frozen=True, slots=True)
class MethodState:
    """What Tocsin knows of one (type, address) of a user."""

    verified_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def note_error(
    conn: Connection, user: str, method_type: str, address: str, error: str, now: datetime
) -> None:
    """Show ``error`` on ``user``'s method until a delivery to it succeeds."""
    user_id = conn.execute(select(users.c.id).where(users.c.name == user)).scalar_one_or_none()
    if user_id is None:
        return  # the user was deleted since the page was queued
    cv = contact_verifications.c
    found = conn.execute(
        update(contact_verifications)
        .where(cv.user_id == user_id, cv.method_type == method_type, cv.address == address)
        .values(last_error=error, last_error_at=now)
    ).rowcount
    if not found:
        conn.execute(
            insert(contact_verifications).values(
                id=new_id(now),
                user_id=user_id,
                method_type=method_type,
                address=address,
                last_error=error,
                last_error_at=now,
                created_at=now,
            )
        )


def clear_error(conn: Connection, user: str, method_type: str, address: str) -> None:
    """A delivery to the method succeeded: its error, if any, is history."""
    cv = contact_verifications.c
    user_id = select(users.c.id).where(users.c.name == user).scalar_subquery()
    conn.execute(
        update(contact_verifications)
        .where(
            cv.user_id == user_id,
            cv.method_type == method_type,
            cv.address == address,
            cv.last_error.is_not(None),
        )
        .values(last_error=None, last_error_at=None)
    )


def method_states(
    conn: Connection, user_ids: Collection[str]
) -> dict[str, dict[tuple[str, str], MethodState]]:
    """For each of ``user_ids``, what is known of each of their (type, address) pairs."""
    cv = contact_verifications.c
    rows = conn.execute(
        select(cv.user_id, cv.method_type, cv.address, cv.verified_at, cv.last_error,
               cv.last_error_at).where(cv.user_id.in_(list(user_ids)))
    )  # fmt: skip
    found: dict[str, dict[tuple[str, str], MethodState]] = {}
    for r in rows:
        found.setdefault(r.user_id, {})[(r.method_type, r.address)] = MethodState(
            r.verified_at, r.last_error, r.last_error_at
        )
    return found

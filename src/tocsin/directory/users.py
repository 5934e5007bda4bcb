"""Users as the API and the calendar feeds read them (the world file writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row, select

from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.notify.channels.secrets import redacted
from tocsin.notify.contacts.confirmed import confirmed_methods
from tocsin.notify.contacts.errors import MethodState, method_states
from tocsin.notify.contacts.service import verified_methods
from tocsin.store.keyset import keyset_page
from tocsin.store.schema import team_members, teams, users


class ContactMethodOut(BaseModel):
    """One way to reach a user: whether a code sent through it came back, whether a test
    page reached them through it (its confirm link was posted), and the last permanent
    delivery error (a webhook answering 401) until a page gets through again."""

    type: str
    address: str
    fallback: list[str] = []  # scheme and host only: a URL's path may be its credential
    verified: bool = False
    verified_at: datetime | None = None
    test_confirmed: bool = False
    test_confirmed_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class UserOut(BaseModel):
    """A user, their teams (name → role), and the path of their own calendar feed."""

    name: str
    full_name: str
    email: str
    time_zone: str
    contact_methods: list[ContactMethodOut]
    teams: dict[str, str]
    ical_path: str


_UNKNOWN = MethodState(None, None, None)


def _user(
    row: Row[Any],
    memberships: dict[str, str],
    states: dict[tuple[str, str], MethodState],
    confirmed: dict[tuple[str, str], datetime],
) -> UserOut:
    methods = []
    for m in row.contact_methods:
        known = states.get((m["type"], m["address"]), _UNKNOWN)
        tested = confirmed.get((m["type"], m["address"]))
        methods.append(
            ContactMethodOut(
                type=m["type"],
                address=m["address"],
                fallback=[redacted(a) for a in m.get("fallback") or ()],
                verified=known.verified_at is not None,
                verified_at=known.verified_at,
                test_confirmed=tested is not None,
                test_confirmed_at=tested,
                last_error=known.last_error,
                last_error_at=known.last_error_at,
            )
        )
    return UserOut(
        name=row.name,
        full_name=row.full_name,
        email=row.email,
        time_zone=row.time_zone,
        contact_methods=methods,
        teams=memberships,
        ical_path=f"/ical/users/{row.feed_token}.ics",
    )


def list_users(
    conn: Connection, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[UserOut]:
    """A page of users by name, with their teams (three statements whatever its size)."""
    page = keyset_page(conn, select(users), [users.c.name], (str,), limit=limit, cursor=cursor)
    return Page(_users(conn, page.items), page.next_cursor)


def get_user(conn: Connection, name: str) -> UserOut | None:
    """The user called ``name``; None when there is none."""
    found = _users(conn, conn.execute(select(users).where(users.c.name == name)).all())
    return found[0] if found else None


def _users(conn: Connection, rows: Sequence[Row[Any]]) -> list[UserOut]:
    """The read models of ``rows``: their teams and verifications read for all at once."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    roles: dict[str, dict[str, str]] = {}
    member_rows = conn.execute(
        select(team_members.c.user_id, team_members.c.role, teams.c.name)
        .join(teams, teams.c.id == team_members.c.team_id)
        .where(team_members.c.user_id.in_(ids))
        .order_by(teams.c.name)
    )
    for m in member_rows:
        roles.setdefault(m.user_id, {})[m.name] = m.role
    states = method_states(conn, ids)
    confirmed = confirmed_methods(conn, ids)
    return [
        _user(row, roles.get(row.id, {}), states.get(row.id, {}), confirmed.get(row.id, {}))
        for row in rows
    ]


def user_by_feed_token(conn: Connection, token: str) -> tuple[str, str] | None:
    """The name and time zone of the user whose calendar feed token is ``token``."""
    row = conn.execute(
        select(users.c.name, users.c.time_zone).where(users.c.feed_token == token)
    ).first()
    return (row.name, row.time_zone) if row is not None else None


def users_without_verified_contact_methods(conn: Connection) -> list[str]:
    """Users nobody is known to reach: no contact method verified (or none), by name."""
    verified = verified_methods(conn)
    rows = conn.execute(
        select(users.c.id, users.c.name, users.c.contact_methods).order_by(users.c.name)
    )
    return [
        row.name
        for row in rows
        if not any(
            (m["type"], m["address"]) in verified.get(row.id, {}) for m in row.contact_methods
        )
    ]

"""Test pages: one message to each of a user's contact methods, to see that they work.

``send_test_page`` runs in a writer batch: it records the test page and its methods and
queues one outbox row per method (key ``test/<id>/<index>``), so the message goes through
the real channels, retries and delivery log. Each message carries a signed ``confirm``
link (``notify.links``, answered by ``/act/{token}``); posting it records that the method
reached the user (``confirm_test_page``, idempotent). ``read_test_page`` shows per method
whether it is queued, sent, failed (with the delivery log's error) or confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import msgspec
from pydantic import BaseModel
from sqlalchemy import Connection, select

from tocsin.core.events import AlertEvent
from tocsin.ids import new_id
from tocsin.notify.links import LinkMaker
from tocsin.notify.outbox import Page, queue
from tocsin.store.batch import Batch
from tocsin.store.schema import deliveries, test_page_methods, test_pages, users

MethodState = Literal["queued", "sent", "failed", "confirmed"]
LISTED = 20  # test pages ``recent_test_pages`` shows, newest first


class TestPageError(Exception):
    """A test page that cannot be sent or shown: HTTP-like ``status``, ``code``, why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TestMethodOut(BaseModel):
    """What became of the test message to contact method ``index``."""

    index: int
    type: str
    address: str
    state: MethodState
    attempts: int
    error: str | None
    sent_at: datetime | None
    confirmed_at: datetime | None


class TestPageOut(BaseModel):
    """A test page to ``user`` and each of its methods."""

    id: str
    user: str
    requested_by: str
    created_at: datetime
    methods: list[TestMethodOut]


@dataclass
class TestPageSent:
    """What ``send_test_page`` did: the new id, or the error that stopped it."""

    id: str | None = None
    error: TestPageError | None = None


@dataclass
class Confirmation:
    """What ``confirm_test_page`` found: ``found``, and whether it ``changed`` (the first
    time) or was confirmed already, ``at``."""

    found: bool = False
    changed: bool = False
    at: datetime | None = None
    method: dict[str, Any] = field(default_factory=dict)


def delivery_key(test_id: str, index: int) -> str:
    """The outbox key of the test message to method ``index``."""
    return f"test/{test_id}/{index}"


def send_test_page(
    user: str, *, requested_by: str, links: LinkMaker, now: datetime, sent: TestPageSent
) -> Any:
    """Writer work: record a test page to every contact method of ``user`` and queue its
    messages; ``sent`` says the id, or why not (404 no user, 409 no contact methods)."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        p = store.mark
        cur.execute(f"SELECT id, contact_methods FROM users WHERE name = {p}", (user,))
        row = cur.fetchone()
        if row is None:
            sent.error = TestPageError(404, "not_found", f"no user named {user!r}")
            return []
        methods = row[1]
        methods = (msgspec.json.decode(methods) if isinstance(methods, str) else methods) or []
        if not methods:
            sent.error = TestPageError(
                409,
                "no_contact_methods",
                f"user {user!r} has no contact methods to test: add some under "
                "contact_methods in the world file",
            )
            return []
        test_id = new_id(now)
        at = store.db_time(now)
        cur.execute(
            "INSERT INTO test_pages (id, user_id, requested_by, created_at) "
            f"VALUES ({p}, {p}, {p}, {p})",
            (test_id, row[0], requested_by, at),
        )
        cur.executemany(
            "INSERT INTO test_page_methods (test_page_id, method_index, method_type, address) "
            f"VALUES ({p}, {p}, {p}, {p})",
            [(test_id, i, m["type"], m["address"]) for i, m in enumerate(methods)],
        )
        pages = [
            Page(
                delivery_key(test_id, i),
                None,
                user,
                m["type"],
                m["address"],
                _message(test_id, user, i, m["type"], links, now),
                m.get("secret"),
            )
            for i, m in enumerate(methods)
        ]
        queue(store, cur, pages, now)
        sent.id = test_id
        return []

    return work


def _message(
    test_id: str, user: str, index: int, method_type: str, links: LinkMaker, now: datetime
) -> dict[str, Any]:
    """The JSON document every channel renders (``title``, ``text``, ``links``)."""
    return {
        "type": "tocsin.test",
        "test_id": test_id,
        "user": user,
        "method": {"index": index, "type": method_type},
        "title": f"Tocsin test page for {user}",
        "text": (
            f"This is a test page for {user}'s {method_type} contact method {index}. "
            "Open the confirm link and press the button to record that it reached you."
        ),
        "links": {"confirm": links.link(f"{test_id}/{index}", "confirm", user, now)},
    }


def confirm_test_page(subject: str, user: str, now: datetime, done: Confirmation) -> Any:
    """Writer work: record that the test message ``subject`` (``<id>/<index>``) reached
    ``user``; confirming again changes nothing."""

    def work(store: Batch, cur: Any) -> list[AlertEvent]:
        p = store.mark
        test_id, _, index = subject.partition("/")
        cur.execute(
            "SELECT m.confirmed_at, m.method_type, m.address FROM test_page_methods m "
            "JOIN test_pages t ON t.id = m.test_page_id JOIN users u ON u.id = t.user_id "
            f"WHERE m.test_page_id = {p} AND m.method_index = {p} AND u.name = {p}",
            (test_id, int(index) if index.isdigit() else -1, user),
        )
        row = cur.fetchone()
        if row is None:
            return []
        done.found = True
        done.method = {"index": int(index), "type": row[1], "address": row[2]}
        done.at = store.from_db_time(row[0])
        if done.at is None:
            cur.execute(
                f"UPDATE test_page_methods SET confirmed_at = {p} "
                f"WHERE test_page_id = {p} AND method_index = {p}",
                (store.db_time(now), test_id, int(index)),
            )
            done.changed, done.at = True, now
        return []

    return work


def read_test_page(conn: Connection, user: str, test_id: str) -> TestPageOut:
    """Test page ``test_id`` of ``user``; TestPageError 404 when either is unknown."""
    if conn.execute(select(users.c.id).where(users.c.name == user)).first() is None:
        raise TestPageError(404, "not_found", f"no user named {user!r}")
    found = _pages(conn, user, test_id=test_id)
    if not found:
        raise TestPageError(404, "not_found", f"user {user!r} has no test page {test_id!r}")
    return found[0]


def recent_test_pages(conn: Connection, user: str) -> list[TestPageOut]:
    """The newest test pages of ``user``; TestPageError 404 for an unknown user."""
    if conn.execute(select(users.c.id).where(users.c.name == user)).first() is None:
        raise TestPageError(404, "not_found", f"no user named {user!r}")
    return _pages(conn, user)


def _pages(conn: Connection, user: str, test_id: str | None = None) -> list[TestPageOut]:
    query = (
        select(test_pages)
        .join(users, users.c.id == test_pages.c.user_id)
        .where(users.c.name == user)
        .order_by(test_pages.c.created_at.desc(), test_pages.c.id.desc())
        .limit(LISTED)
    )
    if test_id is not None:
        query = query.where(test_pages.c.id == test_id)
    rows = conn.execute(query).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    methods = conn.execute(
        select(test_page_methods)
        .where(test_page_methods.c.test_page_id.in_(ids))
        .order_by(test_page_methods.c.method_index)
    ).all()
    keys = [delivery_key(m.test_page_id, m.method_index) for m in methods]
    sent = {
        d.idempotency_key: d
        for d in conn.execute(select(deliveries).where(deliveries.c.idempotency_key.in_(keys)))
    }
    by_page: dict[str, list[TestMethodOut]] = {}
    for m in methods:
        d = sent.get(delivery_key(m.test_page_id, m.method_index))
        by_page.setdefault(m.test_page_id, []).append(_method(m, d))
    return [
        TestPageOut(
            id=row.id,
            user=user,
            requested_by=row.requested_by,
            created_at=row.created_at,
            methods=by_page.get(row.id, []),
        )
        for row in rows
    ]


def _method(m: Any, d: Any) -> TestMethodOut:
    state: MethodState = "queued"
    if m.confirmed_at is not None:
        state = "confirmed"
    elif d is not None and d.state in ("sent", "failed"):
        state = d.state
    return TestMethodOut(
        index=m.method_index,
        type=m.method_type,
        address=m.address,
        state=state,
        attempts=d.attempts if d is not None else 0,
        error=d.last_error if d is not None else None,
        sent_at=d.finished_at if d is not None and d.state == "sent" else None,
        confirmed_at=m.confirmed_at,
    )

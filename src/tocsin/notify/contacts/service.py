"""Verifying users' contact methods: send a code through the method, check what comes back.

The API and the CLI call ``send_code`` and ``verify_code``; the user listings ask
``verified_methods``. Verification is stored per (user, type, address), so re-applying
the world file keeps it and an edited address starts unverified. The rules (expiry,
resend limit, lockout) are in ``contacts.verification``; this module reads and writes
the ``contact_verifications`` rows around them and hands codes to ``tocsin.notify.channels``.

Sending never holds a transaction open while a peer is talking (SQLite has one writer,
shared with ingest): the send is reserved in one short transaction (which also enforces
the resend limit when two requests race), delivered, and undone if delivery fails.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tocsin.ids import new_id
from tocsin.notify.channels import (
    ChannelError,
    ChannelNotConfigured,
    ContactMethod,
    InvalidAddress,
    channel_for,
)
from tocsin.notify.contacts.verification import (
    CODE_TTL,
    MAX_ATTEMPTS,
    RESEND_AFTER,
    Outcome,
    PendingCode,
    attempts_left,
    check_code,
    hash_code,
    new_code,
    resend_wait,
)
from tocsin.settings import Settings
from tocsin.store.schema import contact_verifications, users

log = logging.getLogger(__name__)


class ContactError(Exception):
    """A verification request that cannot be honoured: HTTP-like ``status``, ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class VerificationSent(BaseModel):
    """A code is on its way to the contact method ``index`` of ``user``."""

    user: str
    index: int
    type: str
    address: str
    sent_at: datetime
    expires_at: datetime = Field(description="the code works until then")
    resend_after: datetime = Field(description="no new code before then")


class VerificationResult(BaseModel):
    """The contact method ``index`` of ``user`` is verified."""

    user: str
    index: int
    type: str
    address: str
    verified: bool
    verified_at: datetime


@dataclass(frozen=True, slots=True)
class _Target:
    user_id: str
    index: int
    method: ContactMethod
    methods: frozenset[tuple[str, str]]  # every (type, address) the user has now

    def describe(self) -> str:
        return f"{self.method.user}'s {self.method.type} contact method {self.index}"


def _target(conn: Connection, user: str, index: int) -> _Target:
    row = conn.execute(
        select(users.c.id, users.c.contact_methods).where(users.c.name == user)
    ).first()
    if row is None:
        raise ContactError(404, "not_found", f"no user named {user!r}")
    methods = row.contact_methods
    if not 0 <= index < len(methods):
        count = len(methods)
        have = {0: "none at all", 1: "only index 0"}.get(count, f"indexes 0 to {count - 1}")
        raise ContactError(
            404, "not_found", f"user {user!r} has no contact method {index} ({have})"
        )
    chosen = methods[index]
    return _Target(
        user_id=row.id,
        index=index,
        method=ContactMethod(
            user=user, type=chosen["type"], address=chosen["address"], secret=chosen.get("secret")
        ),
        methods=frozenset((m["type"], m["address"]) for m in methods),
    )


def _row(conn: Connection, target: _Target) -> Row[tuple[object, ...]] | None:
    """The verification row of ``target``, locked until the transaction ends (PostgreSQL)."""
    cv = contact_verifications.c
    return conn.execute(
        select(contact_verifications)
        .where(
            cv.user_id == target.user_id,
            cv.method_type == target.method.type,
            cv.address == target.method.address,
        )
        .with_for_update()
    ).first()


def _forget_stale(conn: Connection, target: _Target) -> None:
    forget_unlisted(conn, target.user_id, target.methods)


def forget_unlisted(conn: Connection, user_id: str, methods: Collection[tuple[str, str]]) -> None:
    """Drop the verification of every (type, address) the user no longer has, so an
    address edited out and back in must be verified again (``tocsin apply`` calls this)."""
    cv = contact_verifications.c
    rows = conn.execute(select(cv.id, cv.method_type, cv.address).where(cv.user_id == user_id))
    stale = [r.id for r in rows if (r.method_type, r.address) not in methods]
    if stale:
        conn.execute(delete(contact_verifications).where(cv.id.in_(stale)))


@dataclass(frozen=True, slots=True)
class _Reservation:
    row_id: str
    code_hash: str
    previous: PendingCode | None  # None: the row was created for this send
    previous_sent_at: datetime | None


def send_code(
    engine: Engine,
    settings: Settings,
    *,
    user: str,
    index: int,
    now: datetime,
) -> VerificationSent:
    """Send a new code to contact method ``index`` of ``user`` through that method.

    Raises ContactError: 404 unknown user or index, 409 ``channel_not_configured`` or
    ``invalid_address``, 429 ``rate_limited`` within ``RESEND_AFTER`` of the last code,
    502 ``delivery_failed`` when the peer refused it (nothing is then recorded).
    """
    with engine.connect() as conn:
        target = _target(conn, user, index)
    try:
        channel = channel_for(target.method.type, settings)
    except ChannelNotConfigured as exc:
        raise ContactError(409, "channel_not_configured", exc.message) from exc
    code = new_code()
    try:
        with engine.begin() as conn:
            reservation = _reserve(conn, target, hash_code(code), now)
    except IntegrityError as exc:  # another request created the row first
        raise ContactError(
            429, "rate_limited", f"a code was just sent to {target.describe()}"
        ) from exc
    try:
        channel.send_verification(target.method, code)
    except ChannelError as exc:
        with engine.begin() as conn:
            _release(conn, reservation)
        log.warning("verification code for %s not delivered: %s", target.describe(), exc.message)
        if isinstance(exc, InvalidAddress):
            raise ContactError(409, "invalid_address", exc.message) from exc
        raise ContactError(502, "delivery_failed", exc.message) from exc
    return VerificationSent(
        user=user,
        index=index,
        type=target.method.type,
        address=target.method.address,
        sent_at=now,
        expires_at=now + CODE_TTL,
        resend_after=now + RESEND_AFTER,
    )


def _reserve(conn: Connection, target: _Target, code_hash: str, now: datetime) -> _Reservation:
    _forget_stale(conn, target)
    row = _row(conn, target)
    wait = resend_wait(row.sent_at if row is not None else None, now)
    if wait.total_seconds() > 0:
        raise ContactError(
            429,
            "rate_limited",
            f"a code was sent to {target.describe()} less than "
            f"{int(RESEND_AFTER.total_seconds())} s ago; "
            f"ask again in {math.ceil(wait.total_seconds())} s",
        )
    values = {"code_hash": code_hash, "attempts": 0, "expires_at": now + CODE_TTL, "sent_at": now}
    if row is None:
        row_id = new_id(now)
        conn.execute(
            insert(contact_verifications).values(
                id=row_id,
                user_id=target.user_id,
                method_type=target.method.type,
                address=target.method.address,
                created_at=now,
                **values,
            )
        )
        return _Reservation(row_id, code_hash, None, None)
    conn.execute(
        update(contact_verifications).where(contact_verifications.c.id == row.id).values(**values)
    )
    previous = PendingCode(row.code_hash, row.attempts, row.expires_at)
    return _Reservation(row.id, code_hash, previous, row.sent_at)


def _release(conn: Connection, reservation: _Reservation) -> None:
    """Undo a reservation whose code was not delivered (unless a later send replaced it)."""
    cv = contact_verifications.c
    ours = (cv.id == reservation.row_id) & (cv.code_hash == reservation.code_hash)
    if reservation.previous is None:
        conn.execute(delete(contact_verifications).where(ours))
        return
    conn.execute(
        update(contact_verifications)
        .where(ours)
        .values(
            code_hash=reservation.previous.code_hash,
            attempts=reservation.previous.attempts,
            expires_at=reservation.previous.expires_at,
            sent_at=reservation.previous_sent_at,
        )
    )


def verify_code(
    engine: Engine, *, user: str, index: int, code: str, now: datetime
) -> VerificationResult:
    """Check ``code`` for contact method ``index`` of ``user``; verified when it matches.

    A wrong code counts (and is recorded) even though the answer is an error. Raises
    ContactError: 404 unknown user or index, 409 ``no_code_sent``, 400 ``invalid_code``
    or ``code_expired``, 429 ``too_many_attempts`` after five wrong codes.
    """
    with engine.begin() as conn:
        target = _target(conn, user, index)
        row = _row(conn, target)
        pending = PendingCode(row.code_hash, row.attempts, row.expires_at) if row else None
        outcome = check_code(pending, code, now)
        if row is not None and outcome in (Outcome.VERIFIED, Outcome.WRONG):
            changes = (
                {"code_hash": None, "expires_at": None, "attempts": 0, "verified_at": now}
                if outcome is Outcome.VERIFIED
                else {"attempts": contact_verifications.c.attempts + 1}
            )
            conn.execute(
                update(contact_verifications)
                .where(contact_verifications.c.id == row.id)
                .values(**changes)
            )
    if outcome is not Outcome.VERIFIED:
        verified = row is not None and row.verified_at is not None
        raise _refusal(target, outcome, pending, verified=verified)
    return VerificationResult(
        user=user,
        index=index,
        type=target.method.type,
        address=target.method.address,
        verified=True,
        verified_at=now,
    )


def _refusal(
    target: _Target, outcome: Outcome, pending: PendingCode | None, *, verified: bool
) -> ContactError:
    again = "send a new code"
    if outcome is Outcome.NO_CODE:
        already = " (it is already verified)" if verified else ""
        return ContactError(
            409, "no_code_sent", f"no code is pending for {target.describe()}{already}; {again}"
        )
    if outcome is Outcome.LOCKED:
        return ContactError(
            429, "too_many_attempts", f"too many wrong codes for {target.describe()}; {again}"
        )
    if outcome is Outcome.EXPIRED:
        expired = pending.expires_at if pending is not None else None
        when = f" at {expired:%Y-%m-%dT%H:%M:%SZ}" if expired is not None else ""
        return ContactError(400, "code_expired", f"the code expired{when}; {again}")
    left = attempts_left(pending.attempts + 1 if pending is not None else MAX_ATTEMPTS)
    tail = f"{left} attempt(s) left" if left else f"that was the last attempt; {again}"
    return ContactError(400, "invalid_code", f"wrong code for {target.describe()}; {tail}")


def verified_methods(
    conn: Connection, user_ids: Collection[str] | None = None
) -> dict[str, dict[tuple[str, str], datetime]]:
    """For each user id (of ``user_ids``, default all), when each of their (type, address)
    pairs was last verified."""
    cv = contact_verifications.c
    query = select(cv.user_id, cv.method_type, cv.address, cv.verified_at).where(
        cv.verified_at.is_not(None)
    )
    if user_ids is not None:
        query = query.where(cv.user_id.in_(list(user_ids)))
    rows = conn.execute(query)
    found: dict[str, dict[tuple[str, str], datetime]] = {}
    for r in rows:
        found.setdefault(r.user_id, {})[(r.method_type, r.address)] = r.verified_at
    return found

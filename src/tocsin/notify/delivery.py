"""Sending the outbox: claim with a lease, send with no transaction open, record.

A worker claims due rows in a short transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``,
so workers in several processes never claim the same row; SQLite has one writer) by
setting ``lease_owner`` and ``lease_expires_at``, commits, sends each through its
channel (renewing the lease before, and every ``RENEW_AFTER`` while a send lasts), then
records the outcome, but only while it still holds the lease. A worker
killed between sending and recording leaves a lease that expires, and another worker
sends again with the same idempotency key: delivery is at least once per key, and the key
travels with the message (``Idempotency-Key`` header, email ``Message-ID``) so receivers
can drop a repeat.

A page for an incident no longer triggered is not sent (``cancelled``; a responder's
page, once it is resolved). Each attempt
tries the delivery's providers in order (``notify.providers.attempt``: the address, its
fallbacks, or the SMTP relays; open circuit breakers skipped) until one delivers. When
none did, a delivery whose every provider refused for good (a bad address, a 401, no
channel configured) fails at once and the error is shown on the contact method; any
other is retried with exponential backoff and jitter, ``MAX_ATTEMPTS`` times. Every
provider of every attempt is a row in ``delivery_attempts``: the delivery log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update

from tocsin.clock import Clock
from tocsin.ids import new_id, new_secret
from tocsin.notify.bundling import Limits, bundle_key, bundle_message, plan
from tocsin.notify.channels import ChannelNotConfigured, ContactMethod, channel_for
from tocsin.notify.contacts.errors import clear_error, note_error
from tocsin.notify.providers.attempt import Result, Try, attempt
from tocsin.notify.providers.breaker import Policy
from tocsin.notify.providers.chain import ChannelFactory, providers_for
from tocsin.notify.recent import recently_sent
from tocsin.settings import Settings
from tocsin.store.schema import deliveries, delivery_attempts, escalations, incidents
from tocsin.store.types import UTCDateTime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(seconds=2)
BACKOFF_MAX = timedelta(minutes=5)
LEASE = timedelta(seconds=60)
# A send still running this long after the lease was last renewed renews it again, so a
# slow attempt (a receiver answering slowly, providers timing out one after another)
# keeps its row: another worker would send it a second time.
RENEW_AFTER = LEASE / 3


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failure: doubling, capped, with +-20%
    jitter so a provider coming back is not met by every retry at once."""
    base: timedelta = min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 20), BACKOFF_MAX)
    jittered: timedelta = base * (0.8 + 0.4 * rand())
    return jittered


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    key: str
    incident_id: str | None
    user: str
    method_type: str
    address: str
    message: Mapping[str, Any]
    attempts: int
    secret: str | None
    fallback: list[str] | None = None


def breaker_policy(settings: Settings) -> Policy:
    """The circuit breakers' policy of ``TOCSIN_BREAKER_*``."""
    return Policy(
        failures=settings.breaker_failures,
        window=timedelta(seconds=settings.breaker_window),
        cool_down=timedelta(seconds=settings.breaker_cool_down),
    )


def fate(tries: list[Try], attempts: int) -> str:
    """The delivery's outcome after an attempt's ``tries``: sent; failed (every provider
    refused for good, or the last attempt); retry."""
    results = {t.result for t in tries}
    if Result.SENT in results:
        return "sent"
    if results <= {Result.REFUSED} or attempts >= MAX_ATTEMPTS:
        return "failed"
    return "retry"


def logged_outcome(t: Try, delivery: str) -> str:
    """A try's outcome in the delivery log: ``sent``, ``skipped``; ``failed`` for a
    refusal; a provider that failed says ``failover`` when a later one delivered, else
    what became of the delivery (``retry``, ``failed``)."""
    if t.result in (Result.SENT, Result.SKIPPED):
        return t.result.value
    if t.result is Result.REFUSED:
        return "failed"
    return "failover" if delivery == "sent" else delivery


@dataclass
class DeliveryWorker:
    """Sends what the outbox holds; one per process (``tocsin serve``)."""

    engine: Engine
    clock: Clock
    settings: Settings
    owner: str = field(default_factory=lambda: f"w-{new_secret()[:12]}")
    batch: int = 20
    max_sleep: float = 1.0  # looks this often for retries due and other processes' rows
    renew_check: float = 1.0  # while a send runs, looks this often whether to renew
    on_attempt: Callable[[str, str, float], None] | None = None  # channel, outcome, seconds
    on_provider_failure: Callable[[str], None] | None = None  # provider
    channels: ChannelFactory = channel_for  # tests build channels with short timeouts
    _wake: asyncio.Event | None = field(default=None, init=False)

    def nudge(self) -> None:
        """Pages were queued: send them now instead of at the next look."""
        if self._wake is not None:
            self._wake.set()

    async def run_forever(self) -> None:
        self._wake = asyncio.Event()
        while True:
            self._wake.clear()
            try:
                sent = await self.deliver_due()
            except Exception:
                log.exception("delivering pages failed; will retry")
                sent = 0
            if sent:
                continue  # there may be more
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.max_sleep)

    @property
    def limits(self) -> Limits:
        """Bundling and rate limits of ``TOCSIN_BUNDLE_WINDOW`` and ``TOCSIN_USER_PAGE_*``."""
        return Limits(
            bundle_window=timedelta(seconds=self.settings.bundle_window),
            max_messages=self.settings.user_page_limit,
            per=timedelta(seconds=self.settings.user_page_limit_window),
        )

    async def deliver_due(self) -> int:
        """Claim what is due now, hold what bundling and rate limits say must wait, send
        the rest (each destination's pages as one message); how many were claimed."""
        now = self.clock.now()
        claimed = await asyncio.to_thread(self.claim, now)
        if not claimed:
            return 0
        recent = await asyncio.to_thread(recently_sent, self.engine, claimed, now, self.limits)
        planned = plan(claimed, recent, now, self.limits)
        if planned.waits:
            await asyncio.to_thread(self._hold, planned.waits, now)
        for group in planned.sends:
            try:
                await self._send_keeping_lease(group)
            except Exception:
                # One destination's failure (a database error recording it) must not
                # strand the other pages of the batch: theirs are sent now, its rows
                # come back when their lease runs out.
                log.exception("sending to %s failed; its pages are retried", group[0].user)
        return len(claimed)

    async def _send_keeping_lease(self, group: list[Claimed]) -> None:
        """``send_together`` in a thread, renewing the leases every ``RENEW_AFTER`` while
        it runs, so no other worker takes a row from a worker still sending it."""
        sending = asyncio.ensure_future(asyncio.to_thread(self.send_together, group))
        renewed = self.clock.now()
        while True:
            done, _ = await asyncio.wait({sending}, timeout=self.renew_check)
            if done:
                sending.result()  # what send raised, raised here
                return
            now = self.clock.now()
            if now - renewed >= RENEW_AFTER:
                for delivery in group:
                    # A member cancelled before the send no longer renews: that is fine.
                    if not await asyncio.to_thread(self._renew, delivery):
                        log.info("delivery %s: not renewed while sending", delivery.key)
                renewed = now

    # -- the steps, each its own short transaction (or none) ---------------------------

    def claim(self, now: datetime) -> list[Claimed]:
        """Take the lease of up to ``batch`` due rows, and commit it."""
        pg = self.engine.dialect.name == "postgresql"
        skip = " FOR UPDATE SKIP LOCKED" if pg else ""
        sql = text(
            "UPDATE deliveries SET lease_owner = :owner, lease_expires_at = :expires, "
            "attempts = attempts + 1 WHERE id IN (SELECT id FROM deliveries "
            "WHERE state = 'pending' AND next_attempt_at <= :now "
            "AND (lease_expires_at IS NULL OR lease_expires_at <= :now) "
            f"ORDER BY next_attempt_at LIMIT :limit{skip}) "
            "RETURNING id, idempotency_key, incident_id, user_name, method_type, address, "
            "message, attempts, secret_ref, fallback"
        ).bindparams(
            bindparam("expires", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime())
        ).columns(*(deliveries.c[n] for n in (
            "id", "idempotency_key", "incident_id", "user_name", "method_type", "address",
            "message", "attempts", "secret_ref", "fallback",
        )))  # fmt: skip
        with self.engine.begin() as conn:
            rows = conn.execute(
                sql,
                {"owner": self.owner, "expires": now + LEASE, "now": now, "limit": self.batch},
            ).all()
        return [Claimed(*row) for row in rows]

    def send(self, delivery: Claimed) -> None:
        """Send one claimed delivery and record what happened (``send_together``)."""
        self.send_together([delivery])

    def send_together(self, group: list[Claimed]) -> None:
        """Send claimed deliveries to one destination as one message (several: a bundle,
        ``notify.bundling``) and record what happened to each. Each lease is renewed just
        before sending (and, by ``deliver_due``, while sending): a row whose lease ran out
        while earlier rows of the batch were sent may have been claimed by another
        worker, and is left to it; a page no longer wanted is cancelled."""
        members = []
        for delivery in group:
            if not self._renew(delivery):
                log.warning(
                    "delivery %s: lease lost before sending; another worker has it", delivery.key
                )
            elif delivery.incident_id is not None and not self._still_wanted(delivery):
                self._finish(delivery, "cancelled", None, None)
            else:
                members.append(delivery)
        if not members:
            return
        carrier, bundle = members[0], None
        if len(members) > 1:
            keys = [m.key for m in members]
            bundle = bundle_key(keys)
            message = bundle_message([m.message for m in members], keys)
            carrier = replace(carrier, key=bundle, message=message)
        tries = self._attempt(carrier)
        outcome = fate(tries, carrier.attempts)
        for t in tries:
            if self.on_attempt is not None and t.result is not Result.SKIPPED:
                self.on_attempt(carrier.method_type, logged_outcome(t, outcome), t.seconds)
            if self.on_provider_failure is not None and t.result is Result.FAILED:
                self.on_provider_failure(t.provider)
        errors = [t.error for t in tries if t.error is not None]
        for member in members:
            # Each by its own attempts: a fresh page riding with one on its last attempt
            # is retried, not failed with it.
            state = {"sent": "sent", "failed": "failed", "retry": "pending"}[
                fate(tries, member.attempts)
            ]
            error = errors[-1] if errors and state != "sent" else None
            self._finish(member, state, error, tries, bundle)

    def _hold(self, waits: list[tuple[Claimed, datetime, str]], now: datetime) -> None:
        """Give back the leases of deliveries that must wait (bundling, a rate limit),
        due again when they may go, the claim's attempt not counted; the delivery log
        says why they waited."""
        with self.engine.begin() as conn:
            for delivery, until, _ in waits:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery.id, deliveries.c.lease_owner == self.owner)
                    .values(
                        next_attempt_at=until,
                        lease_owner=None,
                        lease_expires_at=None,
                        attempts=deliveries.c.attempts - 1,
                    )
                )
            conn.execute(
                insert(delivery_attempts),
                [
                    {
                        "id": new_id(now),
                        "delivery_id": delivery.id,
                        "channel": delivery.method_type,
                        "provider": delivery.method_type,
                        "outcome": "held",
                        "error": f"{why}; sends at {until.isoformat(timespec='seconds')}",
                        "latency_ms": 0,
                        "attempted_at": now,
                    }
                    for delivery, until, why in waits
                ],
            )

    def _attempt(self, delivery: Claimed) -> list[Try]:
        """Try the delivery's providers in order (no transaction open while sending)."""
        method = ContactMethod(
            delivery.user, delivery.method_type, delivery.address, delivery.secret
        )
        try:
            providers = providers_for(method, delivery.fallback or (), self.settings, self.channels)
        except ChannelNotConfigured as exc:
            return [Try(delivery.method_type, Result.REFUSED, exc.message, 0.0)]
        return attempt(
            self.engine,
            providers,
            delivery.message,
            delivery.key,
            self.clock.now,
            breaker_policy(self.settings),
        )

    def _renew(self, delivery: Claimed) -> bool:
        with self.engine.begin() as conn:
            held = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery.id,
                    deliveries.c.lease_owner == self.owner,
                    deliveries.c.state == "pending",
                )
                .values(lease_expires_at=self.clock.now() + LEASE)
            ).rowcount
        return bool(held)

    def _still_wanted(self, delivery: Claimed) -> bool:
        """An escalation's page only while its incident is triggered and its escalation
        is in the page's round (a page left from before an ack timeout or a snooze is
        not sent with the new round's); a page asking a responder to join, until the
        incident is resolved (an acknowledged incident may need help)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(incidents.c.status, escalations.c.round)
                .outerjoin(escalations, escalations.c.incident_id == incidents.c.id)
                .where(incidents.c.id == delivery.incident_id)
            ).first()
        status, round_ = (found[0], found[1]) if found is not None else (None, None)
        if delivery.message.get("reason") == "responders_added":
            return status is not None and status != "resolved"
        page_round = delivery.message.get("round", 0)
        return status == "triggered" and (round_ is None or round_ == page_round)

    def _finish(
        self,
        delivery: Claimed,
        state: str,
        error: str | None,
        tries: list[Try] | None,
        bundle: str | None = None,
    ) -> None:
        now = self.clock.now()
        retry_at = now + backoff(delivery.attempts) if state == "pending" else None
        with self.engine.begin() as conn:
            held = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery.id, deliveries.c.lease_owner == self.owner)
                .values(
                    state=state,
                    last_error=error,
                    next_attempt_at=retry_at,
                    lease_owner=None,
                    lease_expires_at=None,
                    finished_at=None if state == "pending" else now,
                    bundle_key=bundle,
                )
            ).rowcount
            if not held:
                # Our lease expired and another worker took the row: it records instead.
                log.warning("delivery %s: lease lost before recording", delivery.key)
            if tries:
                self._record(conn, delivery, state, tries, now)
        if state == "failed":
            log.error("page %s to %s failed: %s", delivery.key, delivery.user, error)

    def _record(
        self, conn: Connection, delivery: Claimed, state: str, tries: list[Try], now: datetime
    ) -> None:
        """The attempt's rows in the delivery log, and its permanent error (or success) on
        the contact method."""
        outcome = {"sent": "sent", "failed": "failed", "pending": "retry"}[state]
        conn.execute(
            insert(delivery_attempts),
            [
                {
                    "id": new_id(now),
                    "delivery_id": delivery.id,
                    "channel": delivery.method_type,
                    "provider": t.provider,
                    "outcome": logged_outcome(t, outcome),
                    "error": t.error,
                    "latency_ms": int(t.seconds * 1000),
                    "attempted_at": now,
                }
                for t in tries
            ],
        )
        refused = [t.error for t in tries if t.result is Result.REFUSED and t.error]
        method = (delivery.user, delivery.method_type, delivery.address)
        if refused:
            note_error(conn, *method, refused[0], now)
        elif state == "sent":
            clear_error(conn, *method)

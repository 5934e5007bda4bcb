"""The rules of verifying a contact method with a one-time code, as pure functions.

A code is six random digits, delivered through the contact method itself. Only a salted
HMAC of it is stored, so a copy of the database does not hand out live codes. A code is
good for ``CODE_TTL``; a new one may be sent ``RESEND_AFTER`` after the last (so asking
again cannot be used to flood someone's phone or inbox); after ``MAX_ATTEMPTS`` wrong
codes the pending code is dead until a new one is sent, which caps guessing at five
tries per minute out of a million codes. Nothing here reads the clock or the database.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


def new_code() -> str:
    """Six random digits from the operating system's secure source, zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str, salt: str | None = None) -> str:
    """``salt:hmac`` of ``code``, the only form of a code that is stored.

    The salt is random per code unless given (to check a code against a stored hash).
    """
    salt = salt if salt is not None else secrets.token_hex(16)
    digest = hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()
    return f"{salt}:{digest}"


def code_matches(code: str, stored: str) -> bool:
    """Whether ``code`` is the one ``stored`` was made from, compared in constant time."""
    salt, sep, _ = stored.partition(":")
    if not sep:
        return False
    return hmac.compare_digest(hash_code(normalise_code(code), salt), stored)


def normalise_code(code: str) -> str:
    """The code as typed, without the spaces and dashes people add when copying it."""
    return "".join(ch for ch in code if ch not in " -\t")


def resend_wait(last_sent_at: datetime | None, now: datetime) -> timedelta:
    """How long until a new code may be sent (zero: now)."""
    if last_sent_at is None:
        return timedelta(0)
    return max(timedelta(0), last_sent_at + RESEND_AFTER - now)


@dataclass(frozen=True, slots=True)
class PendingCode:
    """The stored state of one contact method's last code (``code_hash`` None: none)."""

    code_hash: str | None
    attempts: int
    expires_at: datetime | None


class Outcome(enum.Enum):
    """What checking a code against a pending one decides."""

    VERIFIED = "verified"  # right code, in time: the method is verified, the code used up
    WRONG = "wrong"  # counts as an attempt
    EXPIRED = "expired"  # too late; a new code must be sent (not an attempt)
    LOCKED = "locked"  # MAX_ATTEMPTS wrong codes already; a new code must be sent
    NO_CODE = "no_code"  # nothing pending: never sent, already used, or delivery failed


def check_code(pending: PendingCode | None, code: str, now: datetime) -> Outcome:
    """Judge ``code`` typed at ``now`` against the pending code.

    The lock and the expiry are checked before the code itself, so a locked or expired
    code answers the same whether the guess is right or not.
    """
    if pending is None or pending.code_hash is None or pending.expires_at is None:
        return Outcome.NO_CODE
    if pending.attempts >= MAX_ATTEMPTS:
        return Outcome.LOCKED
    if now >= pending.expires_at:
        return Outcome.EXPIRED
    return Outcome.VERIFIED if code_matches(code, pending.code_hash) else Outcome.WRONG


def attempts_left(attempts: int) -> int:
    """Wrong codes still allowed after ``attempts`` of them."""
    return max(0, MAX_ATTEMPTS - attempts)

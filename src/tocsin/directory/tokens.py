"""API tokens: shown once at creation, stored only as a SHA-256 hash.

Tokens are 256 random bits, so a fast hash is safe: there is nothing to brute-force, and
checking one costs microseconds instead of argon2's tens of milliseconds per API call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from tocsin.ids import new_id
from tocsin.store.schema import api_tokens

PREFIX = "tocsin_"


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A new token: ``secret`` is shown once and never stored."""

    id: str
    name: str
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(conn: Connection, *, name: str, now: datetime) -> CreatedToken:
    """Make a token called ``name`` and store its hash."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token_id = new_id(now)
    conn.execute(
        insert(api_tokens).values(
            id=token_id, name=name, token_hash=hash_token(secret), created_at=now
        )
    )
    return CreatedToken(token_id, name, secret)


def verify_token(conn: Connection, secret: str) -> str | None:
    """The id of the live token with this secret, or None."""
    digest = hash_token(secret)
    row = conn.execute(
        select(api_tokens.c.id, api_tokens.c.token_hash).where(
            api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    if row is None or not hmac.compare_digest(row[1], digest):
        return None
    return str(row[0])

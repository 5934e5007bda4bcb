"""Identifiers: short, time-ordered, made in Python so rows can be written in bulk."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime


def new_id(when: datetime) -> str:
    """A 16-character id: 48 bits of milliseconds, then 32 random bits.

    Base32hex keeps the byte order, so ids sort by creation time (ties broken at random).
    """
    millis = int(when.timestamp() * 1000)
    raw = millis.to_bytes(6, "big") + os.urandom(4)
    return base64.b32hexencode(raw).decode().lower()


def new_secret(nbytes: int = 16) -> str:
    """A random hex secret (integration keys are 32 hex characters, like PagerDuty's)."""
    return secrets.token_hex(nbytes)

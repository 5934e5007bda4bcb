"""Identifiers: short, time-ordered, made in Python so rows can be written in bulk."""

from __future__ import annotations

import os
import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def new_id(when: datetime) -> str:
    """A 20-character id that sorts by creation time (ms), then 50 random bits."""
    millis = int(when.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(7), "big") >> 6
    return _b32(millis, 10) + _b32(rand, 10)


def new_secret(nbytes: int = 16) -> str:
    """A random hex secret (integration keys are 32 hex characters, like PagerDuty's)."""
    return secrets.token_hex(nbytes)

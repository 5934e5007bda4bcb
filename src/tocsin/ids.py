"""Identifiers: short, time-ordered, made in Python so rows can be written in bulk."""

from __future__ import annotations

import os
import secrets
import threading
from datetime import datetime

# base32hex (RFC 4648) in lower case: the digits sort like the bits they encode.
_DIGITS = "0123456789abcdefghijklmnopqrstuv"
# Every 10-bit value as its two digits: an 80-bit id is eight lookups.
_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]


class _Sequence:
    """Ids' low 32 bits within one millisecond: random, then counting up.

    Starting each millisecond at a random value keeps ids of different processes apart;
    counting up within it (as ULID's monotonic mode does) means one process never makes
    the same id twice, even at tens of thousands of ids per second. The loop, the commit
    thread and the API's worker threads all make ids, so the count is read and moved
    under a lock: CPython 3.11 happens never to switch threads inside that step (nothing
    there checks for a switch), but nothing promises it will stay so.
    """

    def __init__(self) -> None:
        self.millis = -1
        self.low = 0
        self.head_of = -1  # millis >> 8, whose eight digits are in ``head``
        self.head = ""
        self._lock = threading.Lock()

    def new_id(self, when: datetime) -> str:
        millis = int(when.timestamp() * 1000)
        with self._lock:
            if millis == self.millis and self.low < 0xFFFFFFFF:
                self.low += 1
            else:
                self.millis, self.low = millis, int.from_bytes(os.urandom(4), "big") >> 1
            low = self.low
            # The 80 bits as two 40-bit halves of eight digits: millis >> 8, then the last
            # 8 bits of millis and the 32 low bits. The first half changes every 256 ms.
            if millis >> 8 != self.head_of:
                self.head_of = millis >> 8
                self.head = _digits(self.head_of)
            head = self.head
        return head + _digits((millis & 0xFF) << 32 | low)


def _digits(value: int) -> str:
    """A 40-bit value as eight base32hex digits."""
    pairs = _PAIRS
    return (
        pairs[value >> 30 & 1023]
        + pairs[value >> 20 & 1023]
        + pairs[value >> 10 & 1023]
        + pairs[value & 1023]
    )


_sequence = _Sequence()


def new_id(when: datetime) -> str:
    """A 16-character id: 48 bits of milliseconds, then 32 bits unique per millisecond.

    Base32hex keeps the bit order, so ids sort by creation time.
    """
    return _sequence.new_id(when)


def id_floor(when: datetime) -> str:
    """The smallest id ``new_id`` can make at ``when`` (for id ranges by time)."""
    millis = max(0, int(when.timestamp() * 1000))
    return _digits(millis >> 8) + _digits((millis & 0xFF) << 32)


def new_secret(nbytes: int = 16) -> str:
    """A random hex secret (integration keys are 32 hex characters, like PagerDuty's)."""
    return secrets.token_hex(nbytes)

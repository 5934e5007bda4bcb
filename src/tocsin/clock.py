"""The one place Tocsin reads the time, so tests can move it instead of sleeping."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time (always timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward by ``delta`` and return the new now."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (must be aware)."""
        with self._lock:
            self._now = when.astimezone(UTC)


class FileClock:
    """The instant written in a file (ISO 8601 with an offset), re-read when the file
    changes: lets a test move the clock of a ``tocsin serve`` process it started
    (``TOCSIN_CLOCK_FILE``). For tests and demos only; never set it in production."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._seen: tuple[int, int] | None = None
        self._now = self._read()  # a missing or bad file fails here, at start-up
        self._lock = threading.Lock()

    def _read(self) -> datetime:
        with open(self.path, encoding="utf-8") as file:
            when = datetime.fromisoformat(file.read().strip())
        if when.tzinfo is None:
            raise ValueError(f"{self.path}: the instant needs an offset")
        return when.astimezone(UTC)

    def now(self) -> datetime:
        with self._lock:
            try:
                stat = os.stat(self.path)
                seen = (stat.st_mtime_ns, stat.st_size)
                if seen != self._seen:
                    self._now, self._seen = self._read(), seen
            except (OSError, ValueError):
                pass  # half-written or gone: keep the last instant read
            return self._now

"""A server's clock moved by the test: the instant in a file every ``tocsin serve`` of the
test reads (``TOCSIN_CLOCK_FILE``, ``tocsin.clock.FileClock``), so time passes when the
test says, never by sleeping."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path


@dataclass
class MovedClock:
    """The instant ``now`` written in ``path``; ``advance`` moves it (call it with
    ``timedelta(0)`` to write the file before a server starts)."""

    path: Path
    now: datetime

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        # Written whole and then renamed: a server never reads half an instant.
        staged = self.path.with_name(f"{self.path.name}.next")
        staged.write_text(self.now.isoformat())
        os.replace(staged, self.path)

    def env(self) -> dict[str, str]:
        """The setting that gives a server this clock."""
        return {"TOCSIN_CLOCK_FILE": str(self.path)}

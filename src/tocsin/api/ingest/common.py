"""What every ingest format's handlers share: key resolution, counters, canned answers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from typing import Any

import msgspec

from tocsin.core.dedup import Outcome
from tocsin.ingest.routing import KeyInfo
from tocsin.runtime import Runtime

encode = msgspec.json.Encoder().encode
RETRY = ((b"retry-after", b"1"),)
NOT_ALLOWED = encode({"code": "method_not_allowed", "message": "use POST"})
THROTTLED = encode(
    {
        "status": "throttle event",
        "message": "Requests for this service are arriving too quickly. Please retry later.",
        "code": "rate_limited",
    }
)
STORAGE = encode(
    {
        "status": "error",
        "message": "The event could not be stored; please retry.",
        "code": "storage_unavailable",
    }
)


class KeyResolver:
    """Looks up routing keys, reloading the cache off the event loop when it must."""

    def __init__(self, runtime: Runtime) -> None:
        self._keys = runtime.keys
        self._lock = asyncio.Lock()

    async def resolve(self, key: str) -> KeyInfo | None:
        info = self._keys.lookup(key)
        if info is not None or not self._keys.needs_reload(key):
            return info
        async with self._lock:
            if self._keys.needs_reload(key):
                await asyncio.to_thread(self._keys.reload)
        return self._keys.lookup(key)


def pd_invalid(code: str, message: str, errors: list[str]) -> bytes:
    """PagerDuty's "invalid event" body, with our ``code``."""
    return encode({"status": "invalid event", "message": message, "errors": errors, "code": code})


class Counters:
    """Pre-bound metric children: ``labels()`` on every request would cost more."""

    def __init__(self, runtime: Runtime) -> None:
        self._family = runtime.metrics.events_received
        self._children: dict[tuple[str, str], Any] = {}

    def inc(self, integration_type: str, outcome: str, amount: int = 1) -> None:
        key = (integration_type, outcome)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._family.labels(integration_type, outcome)
        child.inc(amount)

    def inc_outcomes(self, integration_type: str, outcomes: Iterable[Outcome]) -> None:
        """Count a notification's outcomes: one increment per distinct outcome."""
        for outcome, amount in Counter(outcomes).items():
            self.inc(integration_type, outcome.value, amount)

"""Resolving an ingest credential (routing key) to where its events go, with rate limits.

Keys are cached in memory so the hot path does not query the database; the cache reloads
every few seconds (so ``tocsin apply`` in another process takes effect) and at most once a
second on an unknown key (so a flood of bad keys cannot hammer the database).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from tocsin.core.events import Route
from tocsin.core.routes import SERVICE_ROUTE_COLUMNS, service_route
from tocsin.ingest.generic import GenericMapping
from tocsin.inputs import ORIGIN_LENGTH
from tocsin.store.schema import change_source_services, change_sources, integrations, services


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a routing key is allowed to do."""

    route: Route | None  # an integration key: alert events for one service
    change_service_ids: tuple[str, ...]  # services a change event with this key lands on
    origin: str  # recorded on change events: "integration:NAME" or "change_source:NAME"
    rate_limit_per_minute: int | None
    mapping: GenericMapping | None = None  # generic webhooks: where the alert fields are


class TokenBucket:
    """A per-key token bucket: ``rate`` events per minute with a burst of the same size."""

    __slots__ = ("capacity", "refill_per_second", "tokens", "updated")

    def __init__(self, per_minute: int, now: float) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.tokens = float(per_minute)
        self.updated = now

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        elapsed = now - self.updated
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
            self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class KeyDirectory:
    """Routing keys of integrations and change sources, cached from the database."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl_seconds: float = 5.0,
        miss_interval_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._miss_interval = miss_interval_seconds
        self._monotonic = monotonic
        self._keys: dict[str, KeyInfo] = {}
        self._loaded_at = float("-inf")
        self._buckets: dict[str, TokenBucket] = {}

    def needs_reload(self, key: str) -> bool:
        """True when the cache is stale, or ``key`` is unknown and a reload is allowed."""
        age = self._monotonic() - self._loaded_at
        return age > self._ttl or (key not in self._keys and age > self._miss_interval)

    def reload(self) -> None:
        """Read every key from the database (blocking; call it off the event loop)."""
        keys: dict[str, KeyInfo] = {}
        with self._engine.connect() as conn:
            route_cols = [services.c[name] for name in SERVICE_ROUTE_COLUMNS]
            for row in conn.execute(
                select(
                    integrations.c.id,
                    integrations.c.service_id,
                    integrations.c.name,
                    integrations.c.type,
                    integrations.c.key,
                    integrations.c.rate_limit_per_minute,
                    integrations.c.mapping,
                    *route_cols,
                )
                .join(services, services.c.id == integrations.c.service_id)
                .where(services.c.archived_at.is_(None))
            ):
                iid, sid, name, itype, key, limit, mapping_definition = row[:7]
                route = service_route(iid, sid, itype, row[7:])
                mapping = (
                    GenericMapping.model_validate(mapping_definition)
                    if mapping_definition
                    else None
                )
                keys[key] = KeyInfo(route, (sid,), _origin("integration", name), limit, mapping)
            members: dict[str, list[str]] = {}
            for csid, sid in conn.execute(select(change_source_services)):
                members.setdefault(csid, []).append(sid)
            for csid, name, key in conn.execute(
                select(change_sources.c.id, change_sources.c.name, change_sources.c.key)
            ):
                sids = tuple(sorted(members.get(csid, [])))
                keys[key] = KeyInfo(None, sids, _origin("change_source", name), None)
        self._keys = keys
        self._loaded_at = self._monotonic()

    def lookup(self, key: str) -> KeyInfo | None:
        """The key's info from the cache (None when unknown)."""
        return self._keys.get(key)

    def allow(self, key: str, info: KeyInfo) -> bool:
        """Apply the key's rate limit; True when this event may proceed."""
        limit = info.rate_limit_per_minute
        if not limit:
            return True
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None or bucket.capacity != limit:
            bucket = self._buckets[key] = TokenBucket(limit, now)
        return bucket.take(now)


def _origin(kind: str, name: str) -> str:
    """``kind:name`` as change events record it, cut to the 64 characters the column holds
    (names written now fit: ``inputs.MAX_ORIGIN_NAME``; older ones could be longer, and
    PostgreSQL refused every change event of theirs)."""
    return f"{kind}:{name}"[:ORIGIN_LENGTH]

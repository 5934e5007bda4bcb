"""The PagerDuty-compatible ingest endpoints, as raw ASGI handlers (the hot path).

Each request is validated, its key resolved and rate-limited, then handed to the group
commit writer; the 202 goes out only once the event is committed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from starlette.types import Receive, Scope, Send

from tocsin.api.asgi import BodyError, Handler, read_json_body, send_json
from tocsin.engine.writer import StorageError
from tocsin.ingest import pagerduty
from tocsin.ingest.routing import KeyInfo
from tocsin.runtime import Runtime

_encode = msgspec.json.Encoder().encode
_RETRY = ((b"retry-after", b"1"),)
_NOT_ALLOWED = _encode({"code": "method_not_allowed", "message": "use POST"})
_THROTTLED = _encode(
    {
        "status": "throttle event",
        "message": "Requests for this service are arriving too quickly. Please retry later.",
        "code": "rate_limited",
    }
)
_STORAGE = _encode(
    {
        "status": "error",
        "message": "The event could not be stored; please retry.",
        "code": "storage_unavailable",
    }
)
_CHANGE_OK = _encode({"status": "success", "message": "Change event processed"})


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


def _invalid(code: str, message: str, errors: list[str]) -> bytes:
    return _encode({"status": "invalid event", "message": message, "errors": errors, "code": code})


_UNKNOWN_KEY = _invalid("invalid_routing_key", "Event object is invalid", ["Invalid routing key"])
_UNKNOWN_CHANGE_KEY = _invalid(
    "invalid_routing_key", "Change event object is invalid", ["Invalid routing key"]
)


class _Counters:
    """Pre-bound metric children: ``labels()`` on every request would cost more."""

    def __init__(self, runtime: Runtime) -> None:
        self._family = runtime.metrics.events_received
        self._children: dict[tuple[str, str], Any] = {}

    def inc(self, integration_type: str, outcome: str) -> None:
        key = (integration_type, outcome)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._family.labels(integration_type, outcome)
        child.inc()


def ingest_routes(runtime: Runtime) -> dict[str, Handler]:
    """Every ingest path and its handler (one set per wire format)."""
    return pagerduty_routes(runtime)


def pagerduty_routes(runtime: Runtime) -> dict[str, Handler]:
    """``POST /v2/enqueue`` and ``POST /v2/change/enqueue``, PagerDuty-compatible."""
    resolver = KeyResolver(runtime)
    clock, writer, keys = runtime.clock, runtime.writer, runtime.keys
    counters = _Counters(runtime)
    latency = runtime.metrics.ingest_latency.labels("pagerduty")
    change_latency = runtime.metrics.ingest_latency.labels("pagerduty_change")

    async def enqueue(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, _NOT_ALLOWED, ((b"allow", b"POST"),))
            return
        started = time.perf_counter()
        try:
            body = await read_json_body(scope, receive, pagerduty.MAX_BODY)
        except BodyError as exc:
            counters.inc("pagerduty", "rejected")
            await send_json(send, exc.status, _invalid(exc.code, exc.message, [exc.message]))
            return
        parsed = pagerduty.parse_enqueue(body)
        if isinstance(parsed, pagerduty.Invalid):
            counters.inc("pagerduty", "rejected")
            await send_json(send, 400, _invalid("invalid_event", parsed.message, parsed.errors))
            return
        info = await resolver.resolve(parsed.routing_key)
        if info is None or info.route is None:
            counters.inc("pagerduty", "unknown_key")
            await send_json(send, 400, _UNKNOWN_KEY)
            return
        if not keys.allow(parsed.routing_key, info):
            counters.inc("pagerduty", "rate_limited")
            await send_json(send, 429, _THROTTLED, _RETRY)
            return
        event = parsed.to_event(info.route, clock.now(), body.decode("utf-8", "replace"))
        try:
            outcomes = await writer.submit([event])
        except StorageError:
            await send_json(send, 503, _STORAGE, _RETRY)
            return
        counters.inc(info.route.integration_type, outcomes[0].value)
        answer = {"status": "success", "message": "Event processed", "dedup_key": parsed.dedup_key}
        await send_json(send, 202, _encode(answer))
        latency.observe(time.perf_counter() - started)

    async def change_enqueue(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, _NOT_ALLOWED, ((b"allow", b"POST"),))
            return
        started = time.perf_counter()
        try:
            body = await read_json_body(scope, receive, pagerduty.MAX_BODY)
        except BodyError as exc:
            await send_json(send, exc.status, _invalid(exc.code, exc.message, [exc.message]))
            return
        parsed = pagerduty.parse_change(body)
        if isinstance(parsed, pagerduty.Invalid):
            await send_json(send, 400, _invalid("invalid_event", parsed.message, parsed.errors))
            return
        info = await resolver.resolve(parsed.routing_key)
        if info is None or not info.change_service_ids:
            await send_json(send, 400, _UNKNOWN_CHANGE_KEY)
            return
        if not keys.allow(parsed.routing_key, info):
            await send_json(send, 429, _THROTTLED, _RETRY)
            return
        change = parsed.to_change(info.change_service_ids, info.origin, clock.now())
        try:
            await writer.submit(changes=[change])
        except StorageError:
            await send_json(send, 503, _STORAGE, _RETRY)
            return
        counters.inc("pagerduty_change", "recorded")
        await send_json(send, 202, _CHANGE_OK)
        change_latency.observe(time.perf_counter() - started)

    return {"/v2/enqueue": enqueue, "/v2/change/enqueue": change_enqueue}

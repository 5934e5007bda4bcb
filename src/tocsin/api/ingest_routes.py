"""The ingest endpoints: plain Starlette routes on the hot path (half FastAPI's cost).

Each request is validated, its key resolved and rate-limited, then handed to the group
commit writer; the 202 goes out only once the event is committed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tocsin.api.errors import json_response
from tocsin.engine.writer import StorageError
from tocsin.ingest import pagerduty
from tocsin.ingest.routing import KeyInfo
from tocsin.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]


class BodyError(Exception):
    """The request body cannot be read as an event (too large or not JSON)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def read_json_body(request: Request, limit: int) -> bytes:
    """The raw body, checking its content type and size before reading more than ``limit``."""
    ctype = request.headers.get("content-type")
    if ctype is not None:
        media = ctype.split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise BodyError(415, "unsupported_media_type", "Content-Type must be application/json")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise BodyError(413, "payload_too_large", f"Request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(413, "payload_too_large", f"Request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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


def _pd_invalid(status: int, code: str, message: str, errors: list[str]) -> Response:
    return json_response(
        {"status": "invalid event", "message": message, "errors": errors, "code": code}, status
    )


_UNKNOWN_KEY = ["Invalid routing key"]
_THROTTLED = {
    "status": "throttle event",
    "message": "Requests for this service are arriving too quickly. Please retry later.",
    "code": "rate_limited",
}
_STORAGE = {
    "status": "error",
    "message": "The event could not be stored; please retry.",
    "code": "storage_unavailable",
}


# Every method reaches the endpoint, so a wrong one gets a JSON 405, not the API's 404.
_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_NOT_ALLOWED = {"code": "method_not_allowed", "message": "use POST"}


def ingest_routes(runtime: Runtime) -> list[Route]:
    """Every ingest route (one set per wire format)."""
    return pagerduty_routes(runtime)


def pagerduty_routes(runtime: Runtime) -> list[Route]:
    """``POST /v2/enqueue`` and ``POST /v2/change/enqueue``, PagerDuty-compatible."""
    resolver = KeyResolver(runtime)
    clock, writer, keys = runtime.clock, runtime.writer, runtime.keys
    received = runtime.metrics.events_received
    latency = runtime.metrics.ingest_latency.labels("pagerduty")
    change_latency = runtime.metrics.ingest_latency.labels("pagerduty_change")

    async def enqueue(request: Request) -> Response:
        if request.method != "POST":
            return json_response(_NOT_ALLOWED, 405, {"Allow": "POST"})
        started = time.perf_counter()
        try:
            body = await read_json_body(request, pagerduty.MAX_BODY)
        except BodyError as exc:
            received.labels("pagerduty", "rejected").inc()
            return _pd_invalid(exc.status, exc.code, exc.message, [exc.message])
        parsed = pagerduty.parse_enqueue(body)
        if isinstance(parsed, pagerduty.Invalid):
            received.labels("pagerduty", "rejected").inc()
            return _pd_invalid(400, "invalid_event", parsed.message, parsed.errors)
        info = await resolver.resolve(parsed.routing_key)
        if info is None or info.route is None:
            received.labels("pagerduty", "unknown_key").inc()
            return _pd_invalid(400, "invalid_routing_key", "Event object is invalid", _UNKNOWN_KEY)
        if not keys.allow(parsed.routing_key, info):
            received.labels("pagerduty", "rate_limited").inc()
            return json_response(_THROTTLED, 429, {"Retry-After": "1"})
        event = parsed.to_event(info.route, clock.now(), body.decode("utf-8", "replace"))
        try:
            outcomes = await writer.submit([event])
        except StorageError:
            return json_response(_STORAGE, 503, {"Retry-After": "1"})
        received.labels(info.route.integration_type, outcomes[0].value).inc()
        latency.observe(time.perf_counter() - started)
        result: dict[str, Any] = {
            "status": "success",
            "message": "Event processed",
            "dedup_key": parsed.dedup_key,
        }
        return json_response(result, 202)

    async def change_enqueue(request: Request) -> Response:
        if request.method != "POST":
            return json_response(_NOT_ALLOWED, 405, {"Allow": "POST"})
        started = time.perf_counter()
        try:
            body = await read_json_body(request, pagerduty.MAX_BODY)
        except BodyError as exc:
            return _pd_invalid(exc.status, exc.code, exc.message, [exc.message])
        parsed = pagerduty.parse_change(body)
        if isinstance(parsed, pagerduty.Invalid):
            return _pd_invalid(400, "invalid_event", parsed.message, parsed.errors)
        info = await resolver.resolve(parsed.routing_key)
        if info is None or not info.change_service_ids:
            return _pd_invalid(
                400, "invalid_routing_key", "Change event object is invalid", _UNKNOWN_KEY
            )
        if not keys.allow(parsed.routing_key, info):
            return json_response(_THROTTLED, 429, {"Retry-After": "1"})
        change = parsed.to_change(info.change_service_ids, info.origin, clock.now())
        try:
            await writer.submit(changes=[change])
        except StorageError:
            return json_response(_STORAGE, 503, {"Retry-After": "1"})
        received.labels("pagerduty_change", "recorded").inc()
        change_latency.observe(time.perf_counter() - started)
        return json_response({"status": "success", "message": "Change event processed"}, 202)

    return [
        Route("/v2/enqueue", enqueue, methods=_ANY_METHOD),
        Route("/v2/change/enqueue", change_enqueue, methods=_ANY_METHOD),
    ]

"""PagerDuty Events API v2 endpoints, as raw ASGI handlers (the hot path).

Each request is validated, its key resolved and rate-limited, then handed to the group
commit writer; the 202 goes out only once the event is committed.
"""

from __future__ import annotations

import time

from starlette.types import Receive, Scope, Send

from tocsin.api.asgi import BodyError, Handler, read_json_body, send_json
from tocsin.api.ingest.common import (
    NOT_ALLOWED,
    RETRY,
    STORAGE,
    THROTTLED,
    Counters,
    KeyResolver,
    encode,
    pd_invalid,
)
from tocsin.engine.writer import StorageError
from tocsin.ingest import pagerduty
from tocsin.runtime import Runtime

_CHANGE_OK = encode({"status": "success", "message": "Change event processed"})
_UNKNOWN_KEY = pd_invalid("invalid_routing_key", "Event object is invalid", ["Invalid routing key"])
_UNKNOWN_CHANGE_KEY = pd_invalid(
    "invalid_routing_key", "Change event object is invalid", ["Invalid routing key"]
)


def pagerduty_routes(runtime: Runtime) -> dict[str, Handler]:
    """``POST /v2/enqueue`` and ``POST /v2/change/enqueue``, PagerDuty-compatible."""
    resolver = KeyResolver(runtime)
    clock, writer, keys = runtime.clock, runtime.writer, runtime.keys
    counters = Counters(runtime)
    latency = runtime.metrics.ingest_latency.labels("pagerduty")
    change_latency = runtime.metrics.ingest_latency.labels("pagerduty_change")

    async def enqueue(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, NOT_ALLOWED, ((b"allow", b"POST"),))
            return
        started = time.perf_counter()
        try:
            body = await read_json_body(scope, receive, pagerduty.MAX_BODY)
        except BodyError as exc:
            counters.inc("pagerduty", "rejected")
            await send_json(send, exc.status, pd_invalid(exc.code, exc.message, [exc.message]))
            return
        parsed = pagerduty.parse_enqueue(body)
        if isinstance(parsed, pagerduty.Invalid):
            counters.inc("pagerduty", "rejected")
            await send_json(send, 400, pd_invalid("invalid_event", parsed.message, parsed.errors))
            return
        info = await resolver.resolve(parsed.routing_key)
        if info is None or info.route is None:
            counters.inc("pagerduty", "unknown_key")
            await send_json(send, 400, _UNKNOWN_KEY)
            return
        if not keys.allow(parsed.routing_key, info):
            counters.inc("pagerduty", "rate_limited")
            await send_json(send, 429, THROTTLED, RETRY)
            return
        event = parsed.to_event(info.route, clock.now(), body.decode("utf-8", "replace"))
        try:
            outcomes = await writer.submit([event])
        except StorageError:
            await send_json(send, 503, STORAGE, RETRY)
            return
        counters.inc(info.route.integration_type, outcomes[0].value)
        answer = {"status": "success", "message": "Event processed", "dedup_key": parsed.dedup_key}
        await send_json(send, 202, encode(answer))
        latency.observe(time.perf_counter() - started)

    async def change_enqueue(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, NOT_ALLOWED, ((b"allow", b"POST"),))
            return
        started = time.perf_counter()
        try:
            body = await read_json_body(scope, receive, pagerduty.MAX_BODY)
        except BodyError as exc:
            await send_json(send, exc.status, pd_invalid(exc.code, exc.message, [exc.message]))
            return
        parsed = pagerduty.parse_change(body)
        if isinstance(parsed, pagerduty.Invalid):
            await send_json(send, 400, pd_invalid("invalid_event", parsed.message, parsed.errors))
            return
        info = await resolver.resolve(parsed.routing_key)
        if info is None or not info.change_service_ids:
            await send_json(send, 400, _UNKNOWN_CHANGE_KEY)
            return
        if not keys.allow(parsed.routing_key, info):
            await send_json(send, 429, THROTTLED, RETRY)
            return
        change = parsed.to_change(info.change_service_ids, info.origin, clock.now())
        try:
            await writer.submit(changes=[change])
        except StorageError:
            await send_json(send, 503, STORAGE, RETRY)
            return
        counters.inc("pagerduty_change", "recorded")
        await send_json(send, 202, _CHANGE_OK)
        change_latency.observe(time.perf_counter() - started)

    return {"/v2/enqueue": enqueue, "/v2/change/enqueue": change_enqueue}

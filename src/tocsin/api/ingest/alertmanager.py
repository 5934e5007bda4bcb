"""Alertmanager and Grafana webhook endpoints, as raw ASGI handlers (the hot path).

Both senders are configured with a URL and nothing else, so the integration key is the
last path segment (``POST /v1/alertmanager/KEY``); a sender that sets an ``Authorization``
header may post to ``/v1/alertmanager`` with ``Bearer KEY`` instead. Every alert of one
notification goes to the writer as one submission, so the whole group is committed in one
transaction before the 200 goes out. Both formats share ``notification_routes``; they
differ only in their parser, path and accepted methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import Receive, Scope, Send

from tocsin.api.asgi import BodyError, Handler, header, path_tail, read_json_body, send_json
from tocsin.api.ingest.common import RETRY, Counters, KeyResolver, encode
from tocsin.engine.writer import StorageError
from tocsin.ingest import alertmanager, generic, grafana
from tocsin.ingest.alert_list import MAX_BODY, TOO_MANY_ALERTS, Invalid, Notification
from tocsin.ingest.registry import INTEGRATION_TYPES
from tocsin.ingest.routing import KeyInfo
from tocsin.runtime import Runtime

# How a format reads a body; generic webhooks also need the key's mapping (KeyInfo).
Parser = Callable[[bytes, KeyInfo], Notification | Invalid]

_THROTTLED = encode(
    {
        "code": "rate_limited",
        "message": "Notifications for this integration arrive too quickly; retry later",
        "errors": ["the integration key is over its rate_limit_per_minute"],
    }
)
_STORAGE = encode(
    {
        "code": "storage_unavailable",
        "message": "The alerts could not be stored; please retry",
        "errors": ["the database could not commit the notification"],
    }
)


def error_body(code: str, message: str, errors: list[str] | None = None) -> bytes:
    """The API's error shape, with every problem in ``errors``."""
    return encode({"code": code, "message": message, "errors": errors or [message]})


def integration_key(scope: Scope, path: str) -> str | None:
    """The key from ``path/KEY``, else from ``Authorization: Bearer KEY``; None if neither.

    A path with more segments after the key yields a key that matches no integration.
    """
    key = path_tail(scope, path + "/").removesuffix("/")
    if key:
        return key
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def notification_routes(
    runtime: Runtime, integration_type: str, parse: Parser, methods: tuple[str, ...] = ("POST",)
) -> dict[str, Handler]:
    """``<path>/KEY`` and ``<path>`` (Bearer key) for one Alertmanager-shaped format."""
    path = INTEGRATION_TYPES[integration_type].ingest_path
    resolver = KeyResolver(runtime)
    clock, writer, keys = runtime.clock, runtime.writer, runtime.keys
    counters = Counters(runtime)
    latency = runtime.metrics.ingest_latency.labels(integration_type)
    verbs = " or ".join(methods)
    not_allowed = error_body("method_not_allowed", f"use {verbs}")
    allow = ((b"allow", ", ".join(methods).encode()),)
    missing_key = error_body(
        "missing_integration_key",
        f"Put the integration key in the URL ({path}/KEY) or send Authorization: Bearer KEY",
    )
    challenge = ((b"www-authenticate", b"Bearer"),)
    # One answer for every key that is not one of this type's: nothing tells keys apart.
    unknown_key = error_body(
        "unknown_integration_key", f"No {integration_type} integration has this key"
    )

    async def receive_notification(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in methods:
            await send_json(send, 405, not_allowed, allow)
            return
        started = time.perf_counter()
        key = integration_key(scope, path)
        if key is None:
            counters.inc(integration_type, "unknown_key")
            await send_json(send, 401, missing_key, challenge)
            return
        try:
            body = await read_json_body(scope, receive, MAX_BODY)
        except BodyError as exc:
            counters.inc(integration_type, "rejected")
            await send_json(send, exc.status, error_body(exc.code, exc.message))
            return
        info = await resolver.resolve(key)
        route = info.route if info is not None else None
        if info is None or route is None or route.integration_type != integration_type:
            counters.inc(integration_type, "unknown_key")
            await send_json(send, 404, unknown_key)
            return
        parsed = parse(body, info)
        if isinstance(parsed, Invalid):
            counters.inc(integration_type, "rejected")
            status = 413 if parsed.code == TOO_MANY_ALERTS else 400
            await send_json(send, status, error_body(parsed.code, parsed.message, parsed.errors))
            return
        if not keys.allow(key, info):
            counters.inc(integration_type, "rate_limited")
            await send_json(send, 429, _THROTTLED, RETRY)
            return
        events = parsed.to_events(route, clock.now())
        if events:
            try:
                outcomes = await writer.submit(events)
            except StorageError:
                await send_json(send, 503, _STORAGE, RETRY)
                return
            counters.inc_outcomes(integration_type, outcomes)
        await send_json(send, 200, encode({"status": "success", "alerts": len(events)}))
        latency.observe(time.perf_counter() - started)

    return {path: receive_notification, f"{path}/*": receive_notification}


def alert_notification_routes(runtime: Runtime) -> dict[str, Handler]:
    """Alertmanager (``/v1/alertmanager``), Grafana (``/v1/grafana``) and generic JSON
    (``/v1/webhook``) webhooks.

    Grafana's webhook contact point can be set to PUT instead of POST; both are accepted.
    """
    return {
        **notification_routes(runtime, "alertmanager", lambda body, _: alertmanager.parse(body)),
        **notification_routes(
            runtime, "grafana", lambda body, _: grafana.parse(body), ("POST", "PUT")
        ),
        **notification_routes(runtime, "generic", _parse_generic, ("POST", "PUT")),
    }


def _parse_generic(body: bytes, info: KeyInfo) -> Notification | Invalid:
    if info.mapping is None:  # the world file requires one; only a hand-edited row lacks it
        return Invalid("no_mapping", "This integration has no mapping", ["set mapping:"])
    return generic.parse(body, info.mapping, info.origin.removeprefix("integration:"))

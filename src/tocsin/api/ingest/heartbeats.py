"""Heartbeat pings: native (key in the path) and Opsgenie-compatible (name + GenieKey).

``GET|POST|PUT|PATCH /v1/heartbeats/<key>/ping`` and
``GET|POST|PUT|PATCH /v2/heartbeats/<name>/ping`` with ``Authorization: GenieKey <key>``.
A ping is committed (and the heartbeat's timer re-armed) before it is answered.
"""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid

from sqlalchemy import select
from starlette.types import Receive, Scope, Send

from tocsin.api.asgi import Handler, header, path_tail, send_json
from tocsin.api.ingest.common import RETRY, STORAGE, encode
from tocsin.engine.writer import StorageError
from tocsin.heartbeats.service import PingResult, ping
from tocsin.inputs import ROUTING_KEY, is_name
from tocsin.runtime import Runtime
from tocsin.store.schema import heartbeats

_METHODS = {"GET", "POST", "PUT", "PATCH", "HEAD"}
_NOT_ALLOWED = encode({"code": "method_not_allowed", "message": "use GET, POST, PUT or PATCH"})
_UNKNOWN = encode({"code": "unknown_heartbeat", "message": "no heartbeat with this key"})
_PONG = encode({"status": "success", "message": "PONG - Heartbeat received"})


def heartbeat_routes(runtime: Runtime) -> dict[str, Handler]:
    """The ping routes, as prefix routes."""
    writer, clock = runtime.writer, runtime.clock

    async def record(by: str, value: str) -> PingResult | None:
        result = PingResult()
        await writer.run(ping(by=by, value=value, now=clock.now(), result=result))
        return result if result.found else None

    async def native(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in _METHODS:
            await send_json(send, 405, _NOT_ALLOWED)
            return
        key, _, action = path_tail(scope, "/v1/heartbeats/").partition("/")
        # A key or name no heartbeat can have is unknown without asking the database
        # (which cannot even look up a NUL).
        if action != "ping" or not ROUTING_KEY.fullmatch(key):
            await send_json(send, 404, _UNKNOWN)
            return
        try:
            found = await record("key", key)
        except StorageError:
            await send_json(send, 503, STORAGE, RETRY)
            return
        await send_json(send, 202 if found else 404, _PONG if found else _UNKNOWN)

    async def opsgenie(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())

        async def answer(status: int, body: dict[str, object]) -> None:
            took = round(time.perf_counter() - started, 3)
            await send_json(send, status, encode({**body, "took": took, "requestId": request_id}))

        if scope["method"] not in _METHODS:
            await answer(405, {"message": "use GET, POST, PUT or PATCH", "code": 405})
            return
        name, _, action = path_tail(scope, "/v2/heartbeats/").partition("/")
        auth = (header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "geniekey" or not key.strip():
            await answer(401, {"message": "Could not authenticate", "code": 401})
            return
        if action != "ping" or not is_name(name) or not ROUTING_KEY.fullmatch(key.strip()):
            await answer(404, {"message": "Heartbeat not found", "code": 404})
            return
        # The GenieKey must be this heartbeat's own key: a name alone proves nothing.
        if not await asyncio.to_thread(_key_matches, runtime, name, key.strip()):
            await answer(404, {"message": "Heartbeat not found", "code": 404})
            return
        try:
            result = await record("key", key.strip())
        except StorageError:
            await answer(503, {"message": "could not store the ping; retry", "code": 503})
            return
        if result is None:  # deleted between the check and the ping
            await answer(404, {"message": "Heartbeat not found", "code": 404})
            return
        await answer(202, {"result": "PONG - Heartbeat received"})

    return {"/v1/heartbeats/*": native, "/v2/heartbeats/*": opsgenie}


def _key_matches(runtime: Runtime, name: str, key: str) -> bool:
    with runtime.engine.connect() as conn:
        found = conn.execute(select(heartbeats.c.key).where(heartbeats.c.name == name)).scalar()
    return found is not None and hmac.compare_digest(str(found), key)

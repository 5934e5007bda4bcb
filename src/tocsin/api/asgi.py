"""Raw ASGI plumbing for the ingest hot path: no framework between uvicorn and the handler.

A bare Starlette endpoint spends most of its time in the framework (request and response
objects, middleware wrappers); ingest routes are called directly by ``IngestDispatcher``
and everything else falls through to the full application.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

import msgspec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
INTERNAL_ERROR = b'{"code":"internal_error","message":"internal error; see the server log"}'


class BodyError(Exception):
    """The request body cannot be read as an event (too large, wrong type, cut short)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def header(scope: Scope, name: bytes) -> bytes | None:
    """A request header by its lower-case name (servers lower-case names in ASGI)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def read_json_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The body, after checking its content type, and never reading more than ``limit``."""
    ctype = header(scope, b"content-type")
    if ctype is not None:
        media = ctype.split(b";", 1)[0].strip().lower()
        if media != b"application/json" and not media.endswith(b"+json"):
            raise BodyError(415, "unsupported_media_type", "Content-Type must be application/json")
    return await read_body(scope, receive, limit)


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, never reading more than ``limit`` (BodyError 413 past it)."""
    length = header(scope, b"content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise BodyError(413, "payload_too_large", f"Request body exceeds {limit} bytes")
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyError(400, "incomplete_body", "the client disconnected")
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > limit:
            raise BodyError(413, "payload_too_large", f"Request body exceeds {limit} bytes")
        if not message.get("more_body", False):
            return body


async def send_json(
    send: Send, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Answer with an already-encoded JSON body."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_JSON, (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def path_tail(scope: Scope, prefix: str) -> str:
    """What follows ``prefix`` in the request path (a key in ``/prefix/KEY`` routes)."""
    path: str = scope["path"]
    return path[len(prefix) :] if path.startswith(prefix) else ""


class IngestDispatcher:
    """Sends requests for the ingest paths straight to their handlers; the rest to ``app``.

    A route ending in ``/*`` matches every path under it (the handler reads the rest with
    ``path_tail``); other routes match exactly.
    """

    def __init__(self, routes: dict[str, Handler], app: ASGIApp) -> None:
        self.routes = {p: h for p, h in routes.items() if not p.endswith("/*")}
        self.prefixes = [(p[:-1], h) for p, h in routes.items() if p.endswith("/*")]
        self.app = app

    def _handler(self, path: str) -> Handler | None:
        handler = self.routes.get(path)
        if handler is None:
            for prefix, candidate in self.prefixes:
                if path.startswith(prefix):
                    return candidate
        return handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self._handler(scope["path"])
            if handler is not None:
                try:
                    await handler(scope, receive, send)
                except Exception:
                    log.exception("ingest handler failed on %s", scope["path"])
                    try:
                        await send_json(send, 500, INTERNAL_ERROR)
                    except Exception:
                        log.debug("could not send the 500 answer", exc_info=True)
                return
            if scope.get("method") in ("POST", "PUT", "PATCH"):
                # The REST API's bodies are small documents: one past the limit is
                # refused before the framework reads it into memory (chunked ones too).
                try:
                    body = await read_body(scope, receive, API_BODY_LIMIT)
                except BodyError as exc:
                    problem = {"code": exc.code, "message": exc.message}
                    await send_json(send, exc.status, _encode(problem))
                    return
                receive = _replay(body, receive)
        await self.app(scope, receive, send)


API_BODY_LIMIT = 1 << 20  # bytes of a REST API request body
_encode = msgspec.json.Encoder().encode


def _replay(body: bytes, server: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the server's own
    messages (the disconnect, when it comes)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await server()

    return receive

"""Errors as JSON values: every 4xx/5xx carries a stable ``code`` and a human ``message``."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tocsin.api.asgi import INTERNAL_ERROR, send_json
from tocsin.core.paging import CursorError

log = logging.getLogger(__name__)

_encode = msgspec.json.Encoder().encode

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def json_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response encoded with msgspec (fast, and handles datetimes)."""
    return Response(
        _encode(body), status_code=status, media_type="application/json", headers=headers
    )


MAX_MESSAGE = 300  # an error never echoes a long input back whole


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """The API's error shape: ``{"code": ..., "message": ..., ...}``."""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return json_response({"code": code, "message": message, **extra}, status)


class ApiError(Exception):
    """Raise from an API view to answer with a structured error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def install_error_handlers(app: FastAPI) -> None:
    """Make every error the app can produce follow the ``code``/``message`` shape."""

    async def api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message)

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODES.get(exc.status_code, "error")
        response = error_response(exc.status_code, code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", "").removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return error_response(400, "invalid_request", summary or "invalid request", errors=problems)

    async def bad_cursor(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, CursorError)
        problem = {"field": "query.cursor", "message": str(exc)}
        return error_response(400, "invalid_request", f"query.cursor: {exc}", errors=[problem])

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(CursorError, bad_cursor)
    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """Answers an unexpected exception with the 500 JSON body, and keeps the connection.

    A handler for ``Exception`` given to Starlette ends up in its ``ServerErrorMiddleware``,
    which sends the handler's response and then re-raises, so that uvicorn logs the error;
    uvicorn then closes the connection, and a client reusing it (keep-alive) gets a reset
    instead of its next answer. Here the exception is logged and answered and goes no
    further. Only a response already under way (its start sent) cannot be answered: that
    one is re-raised, and the server closes the connection as it must.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await send_json(send, 500, INTERNAL_ERROR)

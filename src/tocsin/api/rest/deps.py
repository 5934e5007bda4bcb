"""What every ``/api/v1`` view shares: the runtime, the token check, 404s and query types."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from tocsin.api.errors import ApiError
from tocsin.directory.tokens import verify_token
from tocsin.inputs import Instant
from tocsin.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's shared objects."""
    runtime: Runtime = request.app.state.runtime
    return runtime


_bearer = HTTPBearer(auto_error=False, description="an API token from `tocsin token create`")


def require_token(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Every /api/v1 route needs ``Authorization: Bearer <token>``; returns the token id."""
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    with runtime.engine.connect() as conn:
        token_id = verify_token(conn, credentials.credentials.strip())
    if token_id is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return token_id


def v1_router(tag: str) -> APIRouter:
    """A router under ``/api/v1`` whose every route needs a token, listed under ``tag``."""
    return APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], tags=[tag])


T = TypeVar("T")


def found(value: T | None, what: str) -> T:
    """``value``, or a 404 saying there is no ``what``."""
    if value is None:
        raise ApiError(404, "not_found", f"no {what}")
    return value


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
TokenDep = Annotated[str, Depends(require_token)]  # the id of the request's API token
# The cursor of the alert, incident, change and timer lists: the last id a page showed.
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Since = Annotated[Instant | None, Query(description="at or after (ISO 8601 with an offset)")]
Until = Annotated[Instant | None, Query(description="before (ISO 8601 with an offset)")]


async def on_connection(
    runtime: Runtime, work: Callable[[Connection], T], *, write: bool = False
) -> T:
    """Run ``work`` on a connection in a thread (the loop keeps serving); with ``write``
    in one transaction, committed only if ``work`` succeeds."""

    def run() -> T:
        context = runtime.engine.begin() if write else runtime.engine.connect()
        with context as conn:
            return work(conn)

    return await asyncio.to_thread(run)

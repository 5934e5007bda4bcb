"""``/api/v1/users/{name}/test-page(s)``: send a test page to every contact method of a
user, and see what became of it (queued, sent, failed, confirmed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.engine.writer import StorageError
from tocsin.notify import test_pages
from tocsin.notify.test_pages import TestPageError, TestPageOut, TestPageSent

router = v1_router("users")
T = TypeVar("T")


async def _read(runtime: RuntimeDep, work: Callable[[Connection], T]) -> T:
    def run() -> T:
        with runtime.engine.connect() as conn:
            return work(conn)

    try:
        return await asyncio.to_thread(run)
    except TestPageError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


@router.post("/users/{name}/test-page", response_model=TestPageOut, status_code=202)
async def send_test_page(name: str, runtime: RuntimeDep) -> TestPageOut:
    """Queue one test message to each of the user's contact methods (404 no such user,
    409 ``no_contact_methods``); each carries a link that confirms it arrived."""
    sent = TestPageSent()
    now = runtime.clock.now()
    work = test_pages.send_test_page(
        name, requested_by="api", links=runtime.links, now=now, sent=sent
    )
    try:
        await runtime.writer.run(work)
    except StorageError:
        raise ApiError(503, "unavailable", "could not store that now; try again") from None
    if sent.error is not None:
        raise ApiError(sent.error.status, sent.error.code, sent.error.message)
    assert sent.id is not None
    test_id = sent.id
    return await _read(runtime, lambda conn: test_pages.read_test_page(conn, name, test_id))


@router.get("/users/{name}/test-pages", response_model=list[TestPageOut])
async def list_test_pages(name: str, runtime: RuntimeDep) -> list[TestPageOut]:
    """The user's 20 newest test pages, newest first."""
    return await _read(runtime, lambda conn: test_pages.recent_test_pages(conn, name))


@router.get("/users/{name}/test-pages/{test_id}", response_model=TestPageOut)
async def get_test_page(name: str, test_id: str, runtime: RuntimeDep) -> TestPageOut:
    """Per contact method: queued, sent, failed (with the delivery log's error) or
    confirmed (and when)."""
    return await _read(runtime, lambda conn: test_pages.read_test_page(conn, name, test_id))

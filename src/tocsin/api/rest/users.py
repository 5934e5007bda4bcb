"""``/api/v1/users/{name}/contact-methods/{index}``: verify a contact method with a code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Path
from pydantic import Field

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep, v1_router
from tocsin.inputs import TextModel
from tocsin.notify.contacts import service as contacts
from tocsin.notify.contacts.service import ContactError, VerificationResult, VerificationSent

router = v1_router("users")
T = TypeVar("T")

Index = Annotated[int, Path(description="position in the user's contact_methods, from 0")]


class CodeIn(TextModel):
    """The code the contact method received."""

    code: str = Field(min_length=1, max_length=64, examples=["123456"])


async def _run(work: Callable[[], T]) -> T:
    """Run blocking ``work`` (database, SMTP, HTTP) in a thread; errors become API errors."""
    try:
        return await asyncio.to_thread(work)
    except ContactError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


@router.post("/users/{name}/contact-methods/{index}/verification", response_model=VerificationSent)
async def send_verification(name: str, index: Index, runtime: RuntimeDep) -> VerificationSent:
    """Send a new code through the contact method; one a minute, each good for 15 minutes."""
    now = runtime.clock.now()
    return await _run(
        lambda: contacts.send_code(
            runtime.engine, runtime.settings, user=name, index=index, now=now
        )
    )


@router.post("/users/{name}/contact-methods/{index}/verify", response_model=VerificationResult)
async def verify(name: str, index: Index, body: CodeIn, runtime: RuntimeDep) -> VerificationResult:
    """Check the code; five wrong ones make it useless until a new one is sent."""
    now = runtime.clock.now()
    return await _run(
        lambda: contacts.verify_code(
            runtime.engine, user=name, index=index, code=body.code, now=now
        )
    )

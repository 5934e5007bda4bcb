"""``/api/v1/escalation-policies``: list, read, preview, create, replace and delete
policies. Thin views over ``escalation.store``; bodies are validated by the world
file's own models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Query, Response
from pydantic import Field
from sqlalchemy import Connection

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep, on_connection, v1_router
from tocsin.escalation import store
from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.store import PolicyError, PolicyOut, PolicyPreview
from tocsin.inputs import Instant
from tocsin.runtime import Runtime
from tocsin.world.kinds.escalation_policies import MAX_DESCRIPTION, EscalationPolicySpec

router = v1_router("escalation policies")
T = TypeVar("T")


class PolicyIn(PolicyDefinition):
    """A policy's levels, repeat and fallback, as under ``escalation_policies:``."""

    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""


async def _call(runtime: Runtime, work: Callable[[Connection], T], *, write: bool = False) -> T:
    """Run ``work`` (``on_connection``); policy errors become API errors."""
    try:
        return await on_connection(runtime, work, write=write)
    except PolicyError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


@router.get("/escalation-policies", response_model=list[PolicyOut])
async def list_policies(runtime: RuntimeDep) -> list[PolicyOut]:
    """Every escalation policy, as written, with the services that page through it."""
    return await _call(runtime, store.list_policies)


@router.get("/escalation-policies/{name}", response_model=PolicyOut)
async def get_policy(name: str, runtime: RuntimeDep) -> PolicyOut:
    """One escalation policy."""
    return await _call(runtime, lambda conn: store.get_policy(conn, name))


@router.get("/escalation-policies/{name}/preview", response_model=PolicyPreview)
async def preview_policy(
    name: str,
    runtime: RuntimeDep,
    at: Annotated[Instant | None, Query(description="when (default: now)")] = None,
) -> PolicyPreview:
    """Whom each level would page at ``at``: schedules' on-call (shadows included) and
    teams' members; ``gaps`` lists levels that would reach nobody."""
    when: datetime = at or runtime.clock.now()
    return await _call(runtime, lambda conn: store.preview(conn, name, when))


@router.post("/escalation-policies", response_model=PolicyOut, status_code=201)
async def create_policy(body: EscalationPolicySpec, runtime: RuntimeDep) -> PolicyOut:
    """Create a policy, written exactly as under ``escalation_policies:`` in the world
    file; 409 if the name is taken, 422 ``unknown_target`` for a user, schedule or team
    that does not exist. ``tocsin apply`` manages it from then on like any other."""
    now = runtime.clock.now()
    spec = PolicyDefinition.model_validate(body.model_dump(exclude={"name", "description"}))
    return await _call(
        runtime,
        lambda conn: store.create_policy(
            conn, name=body.name, description=body.description, spec=spec, now=now
        ),
        write=True,
    )


@router.put("/escalation-policies/{name}", response_model=PolicyOut)
async def replace_policy(name: str, body: PolicyIn, runtime: RuntimeDep) -> PolicyOut:
    """Replace a policy whole. Escalations already running keep the policy they
    started with; incidents opened from now on page the new one."""
    now = runtime.clock.now()
    spec = PolicyDefinition.model_validate(body.model_dump(exclude={"description"}))
    return await _call(
        runtime,
        lambda conn: store.replace_policy(
            conn, name=name, description=body.description, spec=spec, now=now
        ),
        write=True,
    )


@router.delete("/escalation-policies/{name}", status_code=204)
async def delete_policy(name: str, runtime: RuntimeDep) -> Response:
    """Delete a policy; 409 ``in_use`` while a service pages through it."""
    await _call(runtime, lambda conn: store.delete_policy(conn, name), write=True)
    return Response(status_code=204)

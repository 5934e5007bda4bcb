"""Acting on an incident: ``/api/v1/incidents/{id}/acknowledge | resolve | escalate |
snooze | responders``. Each runs writer work (``incidents.actions``,
``escalation.responders``) through the group-commit writer, as the CLI and page links do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep, TokenDep, v1_router
from tocsin.core.durations import parse_duration
from tocsin.core.events import Action
from tocsin.engine.writer import StorageError
from tocsin.escalation.definition import TargetSpec
from tocsin.escalation.responders import MAX_TARGETS, RespondersResult, add_responders
from tocsin.incidents.actions import (
    MAX_SNOOZE,
    ActResult,
    EscalateResult,
    SnoozeResult,
    act_on_incident,
    escalate_now,
    snooze,
)
from tocsin.inputs import Instant, TextModel, check_duration
from tocsin.runtime import Runtime

router = v1_router("incidents")


class ActedOut(BaseModel):
    """What an acknowledge or resolve did."""

    incident_id: str
    status_before: str
    alerts: int  # alerts it applied to
    changed: bool  # False: the incident already was so


class EscalatedOut(BaseModel):
    """What asking to escalate did: ``escalated`` (the next step pages now),
    ``not_triggered``, ``no_policy`` or ``exhausted``."""

    incident_id: str
    outcome: str
    status: str


async def _act(runtime: Runtime, incident_id: str, action: Action, token_id: str) -> ActedOut:
    result = ActResult()
    work = act_on_incident(
        incident_id,
        action,
        by=_by(token_id),
        via="api",
        now=runtime.clock.now(),
        result=result,
    )
    await _run(runtime, work)
    if not result.found:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    return ActedOut(
        incident_id=incident_id,
        status_before=result.status_before,
        alerts=result.alerts,
        changed=result.changed,
    )


async def _run(runtime: Runtime, work: Any) -> None:
    """Run writer work; 503 (try again) when it cannot be stored now."""
    try:
        await runtime.writer.run(work)
    except StorageError:
        raise ApiError(503, "unavailable", "could not store that now; try again") from None


@router.post("/incidents/{incident_id}/acknowledge", response_model=ActedOut)
async def acknowledge_incident(
    incident_id: str, runtime: RuntimeDep, token_id: TokenDep
) -> ActedOut:
    """Acknowledge every triggered alert of the incident: its escalation stops."""
    return await _act(runtime, incident_id, Action.ACKNOWLEDGE, token_id)


@router.post("/incidents/{incident_id}/resolve", response_model=ActedOut)
async def resolve_incident(incident_id: str, runtime: RuntimeDep, token_id: TokenDep) -> ActedOut:
    """Resolve every open alert of the incident."""
    return await _act(runtime, incident_id, Action.RESOLVE, token_id)


@router.post("/incidents/{incident_id}/escalate", response_model=EscalatedOut)
async def escalate_incident(
    incident_id: str, runtime: RuntimeDep, token_id: TokenDep
) -> EscalatedOut:
    """Page the incident's next escalation step now (the person paged stays silent);
    409 when it is not triggered, pages nobody, or has paged every step."""
    result = EscalateResult()
    work = escalate_now(incident_id, now=runtime.clock.now(), result=result, by=_by(token_id))
    await _run(runtime, work)
    if not result.outcome:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    if result.outcome != "escalated":
        why = {
            "not_triggered": f"the incident is {result.status}: nothing to escalate",
            "no_policy": "its service has no escalation policy: it pages nobody",
            "exhausted": "every step of its escalation policy has been paged",
        }[result.outcome]
        raise ApiError(409, result.outcome, why)
    return EscalatedOut(incident_id=incident_id, outcome=result.outcome, status=result.status)


def _by(token_id: str) -> str:
    return f"token {token_id}"


class SnoozeIn(TextModel):
    """Until when: give ``until`` or ``duration`` (e.g. ``2h``), at most 7 days ahead."""

    model_config = ConfigDict(extra="forbid")

    until: Instant | None = None
    duration: str | None = Field(default=None, max_length=100, examples=["2h"])


class SnoozedOut(BaseModel):
    """What snoozing did: the incident is acknowledged until ``until``."""

    incident_id: str
    until: datetime
    status_before: str
    alerts: int  # triggered alerts it acknowledged


def _snooze_until(body: SnoozeIn, now: datetime) -> datetime:
    if (body.until is None) == (body.duration is None):
        raise ApiError(400, "invalid_request", "give exactly one of until and duration")
    if body.until is not None:
        until = body.until
    else:
        try:
            until = now + check_duration(parse_duration(body.duration or ""))
        except ValueError as exc:
            raise ApiError(400, "invalid_request", f"duration: {exc}") from exc
    if until <= now:
        raise ApiError(400, "invalid_request", "the snooze must end in the future")
    if until > now + MAX_SNOOZE:
        raise ApiError(400, "invalid_request", "a snooze ends within 7 days")
    return until


@router.post("/incidents/{incident_id}/snooze", response_model=SnoozedOut)
async def snooze_incident(
    incident_id: str, body: SnoozeIn, runtime: RuntimeDep, token_id: TokenDep
) -> SnoozedOut:
    """Acknowledge the incident until a time, when it triggers again and its escalation
    starts over from the first level; 409 ``resolved`` for a resolved incident."""
    now = runtime.clock.now()
    until = _snooze_until(body, now)
    result = SnoozeResult()
    await _run(
        runtime, snooze(incident_id, until, by=_by(token_id), via="api", now=now, result=result)
    )
    if not result.outcome:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    if result.outcome == "resolved":
        raise ApiError(409, "resolved", "the incident is resolved: nothing to snooze")
    return SnoozedOut(
        incident_id=incident_id,
        until=until,
        status_before=result.status_before,
        alerts=result.alerts,
    )


class RespondersIn(TextModel):
    """Whom to page now: users, schedules (whoever is on call) and teams (their members),
    and a note they read in the page."""

    model_config = ConfigDict(extra="forbid")

    targets: list[TargetSpec] = Field(
        min_length=1, max_length=MAX_TARGETS, examples=[[{"user": "bob"}, {"schedule": "db"}]]
    )
    note: str = Field(default="", max_length=2000)


class RespondersOut(BaseModel):
    """Who was paged (each contact method, by their rules), and the incident event."""

    incident_id: str
    users: list[str]
    pages: int
    event_id: str


@router.post("/incidents/{incident_id}/responders", response_model=RespondersOut)
async def add_incident_responders(
    incident_id: str, body: RespondersIn, runtime: RuntimeDep, token_id: TokenDep
) -> RespondersOut:
    """Page more people on the incident now; 422 ``unknown_target`` names a user,
    schedule or team that does not exist, 409 ``resolved`` or ``nobody_to_page``."""
    result = RespondersResult()
    work = add_responders(
        incident_id,
        [t.target() for t in body.targets],
        note=body.note,
        by=_by(token_id),
        now=runtime.clock.now(),
        result=result,
        links=runtime.links,
    )
    await _run(runtime, work)
    if not result.outcome:
        raise ApiError(404, "not_found", f"no incident {incident_id}")
    if result.outcome == "unknown":
        raise ApiError(422, "unknown_target", "no such " + ", ".join(result.unknown))
    if result.outcome == "resolved":
        raise ApiError(409, "resolved", "the incident is resolved: nobody to add")
    if result.outcome == "nobody":
        raise ApiError(
            409, "nobody_to_page", "nobody those targets reach has a contact method to page"
        )
    return RespondersOut(
        incident_id=incident_id, users=result.users, pages=result.pages, event_id=result.event_id
    )

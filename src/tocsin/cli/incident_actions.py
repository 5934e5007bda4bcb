"""``tocsin incidents ack | resolve | escalate | snooze | add-responders ID``: act on an
incident from a terminal.

Each runs its work through a group-commit writer in this process (the same work the API
and the page links run), so the incident's status follows from its alerts and the
escalation's lock order holds, next to a running server on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from tocsin.cli.context import fail, state
from tocsin.cli.read import incidents_app
from tocsin.clock import SystemClock
from tocsin.core.durations import parse_duration
from tocsin.core.events import Action
from tocsin.engine.writer import run_once
from tocsin.escalation.policy import Target, TargetKind
from tocsin.escalation.responders import RespondersResult, add_responders
from tocsin.incidents.actions import (
    MAX_SNOOZE,
    ActResult,
    EscalateResult,
    SnoozeResult,
    act_on_incident,
    escalate_now,
    snooze,
)
from tocsin.inputs import check_duration, parse_instant_text
from tocsin.notify.links import LinkMaker

IncidentId = Annotated[str, typer.Argument(help="the incident's id")]
By = Annotated[str, typer.Option("--by", help="who is acting (recorded in the event log)")]


def _run(ctx: typer.Context, work: Any) -> None:
    run_once(state(ctx).engine, work)


def _act(ctx: typer.Context, incident_id: str, action: Action, by: str) -> None:
    result = ActResult()
    now = SystemClock().now()
    _run(ctx, act_on_incident(incident_id, action, by=by, via="cli", now=now, result=result))
    if not result.found:
        fail(f"no incident {incident_id}")
    done = "acknowledged" if action is Action.ACKNOWLEDGE else "resolved"
    if not result.changed:
        typer.echo(f"{result.title} ({result.service}): already {result.status_before}")
    elif result.alerts:
        typer.echo(f"{result.title} ({result.service}): {result.alerts} alert(s) {done}")
    else:
        typer.echo(f"{result.title} ({result.service}): the incident {done}")


@incidents_app.command("ack")
def incidents_ack(ctx: typer.Context, incident_id: IncidentId, by: By = "cli") -> None:
    """Acknowledge an incident (its triggered alerts): its escalation stops."""
    _act(ctx, incident_id, Action.ACKNOWLEDGE, by)


@incidents_app.command("resolve")
def incidents_resolve(ctx: typer.Context, incident_id: IncidentId, by: By = "cli") -> None:
    """Resolve an incident (its open alerts)."""
    _act(ctx, incident_id, Action.RESOLVE, by)


@incidents_app.command("escalate")
def incidents_escalate(ctx: typer.Context, incident_id: IncidentId, by: By = "cli") -> None:
    """Page the incident's next escalation step now (the person paged stays silent).

    A running server pages it at once on PostgreSQL (it is told), within 5 s on SQLite."""
    result = EscalateResult()
    _run(ctx, escalate_now(incident_id, now=SystemClock().now(), result=result, by=by))
    messages = {
        "": f"no incident {incident_id}",
        "not_triggered": f"the incident is {result.status}: nothing to escalate",
        "no_policy": "its service has no escalation policy: it pages nobody",
        "exhausted": "every step of its escalation policy has been paged",
    }
    if result.outcome != "escalated":
        fail(messages[result.outcome])
    typer.echo("escalated: the next step pages now")


@incidents_app.command("snooze")
def incidents_snooze(
    ctx: typer.Context,
    incident_id: IncidentId,
    for_: Annotated[
        str | None, typer.Option("--for", help="how long, e.g. 2h (at most 7 days)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="until when (ISO 8601 with offset)")] = None,
    by: By = "cli",
) -> None:
    """Acknowledge an incident until a time; then it triggers again and pages from the
    first level of its escalation policy."""
    now = SystemClock().now()
    if (for_ is None) == (until is None):
        fail("give exactly one of --for and --until")
    try:
        end = (
            parse_instant_text(until) if until else now + check_duration(parse_duration(for_ or ""))
        )
    except ValueError as exc:
        fail(str(exc))
        return
    if not now < end <= now + MAX_SNOOZE:
        fail("a snooze ends in the future, within 7 days")
    result = SnoozeResult()
    _run(ctx, snooze(incident_id, end, by=by, via="cli", now=now, result=result))
    if not result.outcome:
        fail(f"no incident {incident_id}")
    if result.outcome == "resolved":
        fail("the incident is resolved: nothing to snooze")
    typer.echo(f"snoozed until {_local(end)}: it triggers again then")


def _local(when: datetime) -> str:
    return when.astimezone().isoformat(timespec="minutes")


Names = Annotated[list[str], typer.Option(help="repeat for several")]


@incidents_app.command("add-responders")
def incidents_add_responders(
    ctx: typer.Context,
    incident_id: IncidentId,
    user: Names = [],  # noqa: B006 (typer reads the default, never mutates it)
    schedule: Annotated[list[str], typer.Option(help="page whoever is on call")] = [],  # noqa: B006
    team: Annotated[list[str], typer.Option(help="page its members")] = [],  # noqa: B006
    note: Annotated[str, typer.Option(help="what they read in the page")] = "",
    by: By = "cli",
) -> None:
    """Page more people on an incident now, by their notification rules."""
    targets = [
        *(Target(TargetKind.USER, n) for n in user),
        *(Target(TargetKind.SCHEDULE, n) for n in schedule),
        *(Target(TargetKind.TEAM, n) for n in team),
    ]
    if not targets:
        fail("name at least one --user, --schedule or --team")
    result = RespondersResult()
    now = SystemClock().now()
    cli = state(ctx)
    links = LinkMaker(cli.engine, cli.settings.base_url())  # the pages' ack and resolve links
    links.load(now)
    work = add_responders(
        incident_id, targets, note=note, by=by, now=now, result=result, links=links
    )
    _run(ctx, work)
    messages = {
        "": f"no incident {incident_id}",
        "unknown": "no such " + ", ".join(result.unknown),
        "resolved": "the incident is resolved: nobody to add",
        "nobody": "nobody those targets reach has a contact method to page",
    }
    if result.outcome != "paged":
        fail(messages[result.outcome])
    typer.echo(f"paged {', '.join(result.users)} ({result.pages} page(s))")

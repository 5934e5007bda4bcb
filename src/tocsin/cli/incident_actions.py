"""``tocsin incidents ack | resolve | escalate ID``: act on an incident from a terminal.

Each runs its work through a group-commit writer in this process (the same work the API
and the page links run), so the incident's status follows from its alerts and the
escalation's lock order holds, next to a running server on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tocsin.cli.context import fail, state
from tocsin.cli.read import incidents_app
from tocsin.clock import SystemClock
from tocsin.core.events import Action
from tocsin.engine.writer import run_once
from tocsin.incidents.actions import ActResult, EscalateResult, act_on_incident, escalate_now

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
def incidents_escalate(ctx: typer.Context, incident_id: IncidentId) -> None:
    """Page the incident's next escalation step now (the person paged stays silent).

    A running server pages it at once on PostgreSQL (it is told), within 5 s on SQLite."""
    result = EscalateResult()
    _run(ctx, escalate_now(incident_id, now=SystemClock().now(), result=result))
    messages = {
        "": f"no incident {incident_id}",
        "not_triggered": f"the incident is {result.status}: nothing to escalate",
        "no_policy": "its service has no escalation policy: it pages nobody",
        "exhausted": "every step of its escalation policy has been paged",
    }
    if result.outcome != "escalated":
        fail(messages[result.outcome])
    typer.echo("escalated: the next step pages now")

"""Listing commands: ``tocsin alerts``, ``tocsin incidents``, ``tocsin integrations``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from tocsin.alerts import service as alert_service
from tocsin.alerts.models import AlertEventOut
from tocsin.cli.context import console, fail, print_json, print_table, state
from tocsin.core.paging import MAX_LIMIT, Page, every_page
from tocsin.directory import services as catalog
from tocsin.incidents import service as incident_service
from tocsin.ingest.generic import GenericMapping
from tocsin.ingest.preview import preview
from tocsin.notify.log import DeliveryOut, incident_deliveries
from tocsin.store.schema import integrations, services

alerts_app = typer.Typer(help="Alerts received from senders.", no_args_is_help=True)
incidents_app = typer.Typer(help="Incidents opened from alerts.", no_args_is_help=True)
integrations_app = typer.Typer(help="Integrations and their ingest URLs.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Limit = Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="how many, newest first")]
Cursor = Annotated[str | None, typer.Option(help="next_cursor of the previous page")]


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option(help="service name or id")] = None,
    status: Annotated[str | None, typer.Option(help="triggered, acknowledged or resolved")] = None,
    dedup_key: Annotated[str | None, typer.Option(help="only this dedup key")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    as_json: JsonFlag = False,
) -> None:
    """List alerts, newest first."""
    with state(ctx).engine.connect() as conn:
        page = alert_service.list_alerts(
            conn, service=service, status=status, dedup_key=dedup_key, limit=limit, cursor=cursor
        )
    if as_json:
        print_json(page)
        return
    print_table(
        "Alerts",
        ["id", "service", "status", "severity", "count", "dedup key", "summary", "last seen"],
        [
            (
                a.id,
                a.service,
                a.status,
                a.severity,
                a.occurrences,
                a.dedup_key,
                a.summary,
                a.last_seen_at.isoformat(timespec="seconds"),
            )
            for a in page.alerts
        ],
    )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}")


@alerts_app.command("show")
def alerts_show(ctx: typer.Context, alert_id: str, as_json: JsonFlag = False) -> None:
    """Show one alert with its whole event log."""
    with state(ctx).engine.connect() as conn:
        alert = alert_service.get_alert(conn, alert_id)
        if alert is not None and alert.events_next_cursor is not None:

            def more_events(cursor: str | None) -> Page[AlertEventOut]:
                page = alert_service.event_log_page(conn, alert_id, limit=MAX_LIMIT, cursor=cursor)
                return Page(page.events, page.next_cursor) if page else Page([], None)

            rest = every_page(more_events, alert.events_next_cursor)
            whole = {"events": alert.events + rest, "events_next_cursor": None}
            alert = alert.model_copy(update=whole)
    if alert is None:
        fail(f"no alert {alert_id}")
        return
    if as_json:
        print_json(alert)
        return
    print_table(
        f"Alert {alert.id}: {alert.summary}",
        ["field", "value"],
        [
            ("service", alert.service),
            ("status", alert.status),
            ("severity", alert.severity),
            ("dedup key", alert.dedup_key),
            ("incident", alert.incident_id),
            ("occurrences", alert.occurrences),
            ("held by", alert.suppressed_by or "(paged normally)"),
            ("held until", alert.suppressed_until.isoformat() if alert.suppressed_until else ""),
            ("created", alert.created_at.isoformat()),
            ("last seen", alert.last_seen_at.isoformat()),
        ],
    )
    for line in alert.explanation:
        console.print(f"- {line}", highlight=False)
    print_table(
        "Event log",
        ["received", "action", "outcome"],
        [(e.received_at.isoformat(), e.action, e.outcome) for e in alert.events],
    )


@incidents_app.command("list")
def incidents_list(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option(help="service name or id")] = None,
    status: Annotated[
        str | None, typer.Option(help="open, triggered, acknowledged, resolved")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    as_json: JsonFlag = False,
) -> None:
    """List incidents, newest first."""
    with state(ctx).engine.connect() as conn:
        page = incident_service.list_incidents(
            conn, service=service, status=status, limit=limit, cursor=cursor
        )
    if as_json:
        print_json(page)
        return
    print_table(
        "Incidents",
        ["id", "service", "status", "alerts", "title", "opened"],
        [
            (
                i.id,
                i.service,
                i.status,
                i.alert_count,
                i.title,
                i.created_at.isoformat(timespec="seconds"),
            )
            for i in page.incidents
        ],
    )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}")


@incidents_app.command("show")
def incidents_show(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="the incident's id")],
    as_json: JsonFlag = False,
) -> None:
    """One incident: its status, its escalation and what happened to it."""
    with state(ctx).engine.connect() as conn:
        incident = incident_service.get_incident(conn, incident_id, max_alerts=20)
    if incident is None:
        fail(f"no incident {incident_id}")
        return
    if as_json:
        print_json(incident)
        return
    typer.echo(f"{incident.title} ({incident.service}): {incident.status}")
    if incident.snoozed_until:
        typer.echo(f"snoozed until {incident.snoozed_until.isoformat(timespec='seconds')}")
    e = incident.escalation
    if e is not None:
        upcoming = f", next at {e.next_at.isoformat(timespec='seconds')}" if e.next_at else ""
        typer.echo(
            f"escalation {e.policy}: {e.state}, level {e.level} (repeat {e.repeat}, "
            f"round {e.round}){upcoming}"
        )
    print_table(
        "Events",
        ["at", "event", "by", "detail"],
        [
            (
                ev.at.isoformat(timespec="seconds"),
                ev.kind,
                ev.actor,
                ", ".join(f"{k}={v}" for k, v in ev.detail.items()),
            )
            for ev in incident.events
        ],
    )


@incidents_app.command("deliveries")
def incidents_deliveries(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="the incident's id")],
    limit: Limit = 100,
    cursor: Cursor = None,
    as_json: JsonFlag = False,
) -> None:
    """The pages sent for an incident, and every attempt to send them."""
    with state(ctx).engine.connect() as conn:
        page = incident_deliveries(conn, incident_id, limit=limit, cursor=cursor)
    if page is None:
        fail(f"no incident {incident_id}")
        return
    if as_json:
        print_json(page)
        return
    print_table(
        "Deliveries",
        ["queued", "level", "user", "method", "state", "attempts", "providers", "last error / why"],
        [
            (
                d.queued_at.isoformat(timespec="seconds"),
                f"{d.level}" + (f" (repeat {d.repeat})" if d.repeat else ""),
                d.user,
                f"{d.method_type} {d.address}",
                d.state,
                len(d.attempts),
                ", ".join(f"{a.provider or a.channel} {a.outcome}" for a in d.attempts[-4:]),
                d.last_error or _why_waiting(d),
            )
            for d in page.deliveries
        ],
    )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}")


def _why_waiting(delivery: DeliveryOut) -> str:
    """Why a pending page has not gone yet: its last attempt was held (bundling, a rate
    limit) and says until when."""
    last = delivery.attempts[-1] if delivery.attempts else None
    if delivery.state == "pending" and last is not None and last.outcome == "held":
        return str(last.error or "")
    return ""


@integrations_app.command("list")
def integrations_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List integrations with the URL and key each sender needs."""
    st = state(ctx)
    with st.engine.connect() as conn:
        items = every_page(
            lambda cursor: catalog.list_integrations(
                conn, st.settings.base_url(), limit=MAX_LIMIT, cursor=cursor
            )
        )
        sources = catalog.list_change_sources(conn, st.settings.base_url())
    if as_json:
        print_json({"integrations": items, "change_sources": sources})
        return
    print_table(
        "Integrations",
        ["service", "name", "type", "ingest URL", "key", "key goes in"],
        [(i.service, i.name, i.type, i.ingest_url, i.key, i.key_in) for i in items],
    )
    if sources:
        print_table(
            "Change sources",
            ["name", "ingest URL", "key"],
            [(s.name, s.ingest_url, s.key) for s in sources],
        )


@integrations_app.command("test")
def integrations_test(
    ctx: typer.Context,
    integration: Annotated[str, typer.Argument(help="SERVICE/NAME")],
    payload: Annotated[Path, typer.Option("--payload", help="a JSON file as the sender posts it")],
) -> None:
    """Show what PAYLOAD would become through INTEGRATION, without storing anything."""
    service_name, _, name = integration.partition("/")
    with state(ctx).engine.connect() as conn:
        row = conn.execute(
            select(integrations.c.type, integrations.c.mapping)
            .join(services, services.c.id == integrations.c.service_id)
            .where(services.c.name == service_name, integrations.c.name == name)
        ).first()
    if row is None:
        fail(f"no integration {integration!r} (give SERVICE/NAME; see tocsin integrations list)")
        return
    try:
        body = payload.read_bytes()
    except OSError as exc:
        fail(f"cannot read {payload}: {exc.strerror or exc}")
        return
    mapping = GenericMapping.model_validate(row.mapping) if row.mapping else None
    result = preview(row.type, name, mapping, body)
    print_json({"alerts": result.alerts, "errors": result.errors})
    if result.errors:
        raise typer.Exit(1)

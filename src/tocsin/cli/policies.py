"""``tocsin policy list | show NAME``: escalation policies, and whom each level would page."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli.context import fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.escalation import store
from tocsin.escalation.store import PolicyError
from tocsin.inputs import parse_instant_text

policy_app = typer.Typer(
    help="Escalation policies: list, and whom they page now.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@policy_app.command("list")
def list_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List escalation policies, their levels and the services paging through them."""
    with state(ctx).engine.connect() as conn:
        found = store.list_policies(conn)
    if as_json:
        print_json(found)
        return
    print_table(
        "Escalation policies",
        ["name", "levels", "repeat", "services", "description"],
        [
            (
                p.name,
                len(p.definition["levels"]),
                p.definition.get("repeat", 0),
                ", ".join(p.services),
                p.description,
            )
            for p in found
        ],
    )


@policy_app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the policy's name")],
    at: Annotated[str | None, typer.Option(help="when (ISO 8601 with offset; default now)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Whom each level of policy NAME would page now (or --at a time); a level that would
    reach nobody is a coverage gap: its pages go to the fallback."""
    try:
        when = parse_instant_text(at) if at else SystemClock().now()
    except ValueError as exc:
        fail(str(exc))
        return
    try:
        with state(ctx).engine.connect() as conn:
            found = store.preview(conn, name, when)
    except PolicyError as exc:
        fail(f"{exc.message} ({exc.code})")
        return
    if as_json:
        print_json(found)
        return
    print_table(
        f"{name} at {when.isoformat(timespec='seconds')}",
        ["level", "mode", "then wait", "pages"],
        [
            (lv.level, lv.mode, lv.delay, ", ".join(lv.users) or "nobody: coverage gap")
            for lv in found.levels
        ],
    )
    typer.echo(f"fallback: {', '.join(found.fallback) or 'none'}")

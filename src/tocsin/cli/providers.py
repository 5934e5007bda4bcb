"""``tocsin providers``: the delivery providers' circuit breakers, and closing one."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli.context import fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.notify.providers.store import list_breakers, reset

providers_app = typer.Typer(
    help="Delivery providers and their circuit breakers.", invoke_without_command=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@providers_app.callback()
def providers_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the providers that have failed at least once, with their breaker."""
    if ctx.invoked_subcommand is not None:
        return
    with state(ctx).engine.connect() as conn:
        breakers = list_breakers(conn)
    if as_json:
        print_json(breakers)
        return
    print_table(
        "Providers",
        ["provider", "state", "failures", "open until", "last error", "updated"],
        [
            (
                b.provider,
                b.state.value.upper() if b.state != "closed" else b.state.value,
                str(b.failures),
                b.open_until.isoformat(timespec="seconds") if b.open_until else "",
                b.last_error or "",
                b.updated_at.isoformat(timespec="seconds"),
            )
            for b in breakers
        ],
    )


@providers_app.command("reset")
def providers_reset(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="e.g. webhook:hooks.example.com")]
) -> None:
    """Close NAME's breaker now (its failure count starts over)."""
    with state(ctx).engine.begin() as conn:
        breaker = reset(conn, name, SystemClock().now())
    if breaker is None:
        fail(f"no breaker for provider {name!r}")
        return
    typer.echo(f"{breaker.provider}: closed")

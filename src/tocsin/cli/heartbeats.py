"""``tocsin heartbeats``: the dead-man's switches and the URLs their jobs ping."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli.context import print_json, print_table, state
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.heartbeats.queries import list_heartbeats

heartbeats_app = typer.Typer(help="Heartbeats: jobs that must ping on time.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@heartbeats_app.command("list")
def heartbeats_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List heartbeats: timing, last ping, whether expired, and the ping URLs."""
    st = state(ctx)
    with st.engine.connect() as conn:
        items = every_page(
            lambda cursor: list_heartbeats(
                conn, st.settings.base_url(), limit=MAX_LIMIT, cursor=cursor
            )
        )
    if as_json:
        print_json(items)
        return
    print_table(
        "Heartbeats",
        ["name", "service", "interval", "grace", "last ping", "expired", "ping URLs"],
        [
            (
                h.name,
                h.service,
                h.interval,
                h.grace,
                h.last_ping_at.isoformat(timespec="seconds") if h.last_ping_at else "never",
                "EXPIRED" if h.expired else "no",
                f"{h.ping_url}\n{h.opsgenie_ping_url}",
            )
            for h in items
        ],
    )

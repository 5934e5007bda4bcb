"""``tocsin timers``: the durable timers, the dead ones, and retrying them."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli.context import fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.engine.timer_status import TimerState, list_timers, retry_timer

timers_app = typer.Typer(help="Durable timers: what is armed, what failed.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@timers_app.command("list")
def timers_list(
    ctx: typer.Context,
    only: Annotated[TimerState | None, typer.Option("--state", help="armed, idle or dead")] = None,
    kind: Annotated[str | None, typer.Option(help="only timers of this kind")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List timers: state, due time, attempts and the last error."""
    st = state(ctx)
    with st.engine.connect() as conn:
        page = list_timers(conn, state=only, kind=kind, limit=limit, cursor=cursor)
    if as_json:
        print_json(page)
        return
    print_table(
        "Timers",
        ["id", "kind", "subject", "state", "due", "fired", "attempts", "last error"],
        [
            (
                t.id,
                t.kind,
                t.subject,
                t.state.upper() if t.state == "dead" else t.state,
                t.due_at.isoformat(timespec="seconds") if t.due_at else "",
                str(t.fire_count),
                str(t.attempts),
                t.last_error or "",
            )
            for t in page.timers
        ],
    )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}")


@timers_app.command("retry")
def timers_retry(ctx: typer.Context, timer_id: str) -> None:
    """Arm a timer due now with its attempts started over (a running server fires it)."""
    st = state(ctx)
    with st.engine.begin() as conn:
        timer = retry_timer(conn, timer_id, SystemClock().now())
    if timer is None:
        fail(f"no timer {timer_id}")
        return
    typer.echo(f"timer {timer.id} ({timer.kind}/{timer.subject}) armed for now")

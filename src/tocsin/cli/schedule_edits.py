"""``tocsin schedule swap`` and ``tocsin schedule override``: the API's swap requests and
overrides from the command line, through the same functions (``schedules.swaps``,
``schedules.store``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from tocsin.cli.context import console, print_json, print_table
from tocsin.cli.schedules import JsonFlag, instant_option, run_store
from tocsin.clock import SystemClock
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.schedules.store import schedules as store
from tocsin.schedules.store import swaps, views
from tocsin.schedules.store.swaps import SwapOut, SwapStatus

swap_app = typer.Typer(
    help="Swap requests: request, accept, decline, cancel, list.", no_args_is_help=True
)
override_app = typer.Typer(help="Overrides made outside the world file.", no_args_is_help=True)

Schedule = Annotated[str, typer.Argument(help="schedule name")]
SwapId = Annotated[str, typer.Argument(help="swap id (see `tocsin schedule swap list`)")]
Start = Annotated[str, typer.Option("--start", help="ISO 8601 with an offset")]
End = Annotated[str, typer.Option("--end", help="ISO 8601 with an offset")]
By = Annotated[str, typer.Option("--by", help="who decides (default: see the command)")]


class Status(StrEnum):
    """The states of a swap request."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


_SWAP_COLUMNS = ["id", "status", "from", "to", "start (UTC)", "end (UTC)", "comment"]


def _swap_table(title: str, found: list[SwapOut]) -> None:
    rows = [
        (
            s.id,
            s.status,
            s.from_user,
            s.to_user,
            f"{s.start:%Y-%m-%d %H:%M}",
            f"{s.end:%Y-%m-%d %H:%M}",
            s.comment,
        )
        for s in found
    ]
    print_table(title, _SWAP_COLUMNS, rows)


def _show_swap(swap: SwapOut, as_json: bool) -> None:
    if as_json:
        print_json(swap)
    else:
        _swap_table(f"swap {swap.id} on {swap.schedule}", [swap])


@swap_app.command("request")
def request_command(
    ctx: typer.Context,
    schedule: Schedule,
    from_user: Annotated[str, typer.Option("--from-user", help="who is on call and asks")],
    to_user: Annotated[str, typer.Option("--to-user", help="who is asked to cover")],
    start: Start,
    end: End,
    comment: Annotated[str, typer.Option(help="why")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Ask --to-user to take --from-user's on-call time between --start and --end."""
    lo, hi = instant_option(start, "--start"), instant_option(end, "--end")
    now = SystemClock().now()
    made = run_store(
        ctx,
        lambda conn: swaps.request_swap(
            conn,
            schedule=schedule,
            from_user=from_user,
            to_user=to_user,
            start=lo,
            end=hi,
            comment=comment,
            now=now,
        ),
        write=True,
    )
    _show_swap(made, as_json)


def _decide(
    ctx: typer.Context, action: str, schedule: str, swap_id: str, by: str, as_json: bool
) -> None:
    decide = {"accept": swaps.accept, "decline": swaps.decline, "cancel": swaps.cancel}[action]
    now = SystemClock().now()
    done = run_store(
        ctx,
        lambda conn: decide(conn, schedule=schedule, swap_id=swap_id, decided_by=by, now=now),
        write=True,
    )
    _show_swap(done, as_json)


@swap_app.command("accept")
def accept_command(
    ctx: typer.Context, schedule: Schedule, swap_id: SwapId, by: By = "", as_json: JsonFlag = False
) -> None:
    """Accept: --to-user is put on call wherever --from-user was (an override)."""
    _decide(ctx, "accept", schedule, swap_id, by, as_json)


@swap_app.command("decline")
def decline_command(
    ctx: typer.Context, schedule: Schedule, swap_id: SwapId, by: By = "", as_json: JsonFlag = False
) -> None:
    """Decline: the schedule stays as it is."""
    _decide(ctx, "decline", schedule, swap_id, by, as_json)


@swap_app.command("cancel")
def cancel_command(
    ctx: typer.Context, schedule: Schedule, swap_id: SwapId, by: By = "", as_json: JsonFlag = False
) -> None:
    """Withdraw a request that is still pending."""
    _decide(ctx, "cancel", schedule, swap_id, by, as_json)


@swap_app.command("list")
def list_swaps_command(
    ctx: typer.Context,
    schedule: Schedule,
    status: Annotated[Status | None, typer.Option(help="only swaps in this state")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The schedule's swap requests, oldest first."""
    wanted: SwapStatus | None = None if status is None else status.value
    found = run_store(
        ctx,
        lambda conn: every_page(
            lambda cursor: swaps.list_swaps(
                conn, schedule=schedule, status=wanted, limit=MAX_LIMIT, cursor=cursor
            )
        ),
    )
    if as_json:
        print_json(found)
        return
    _swap_table(f"{schedule}: swap requests", found)


@override_app.command("add")
def add_override_command(
    ctx: typer.Context,
    schedule: Schedule,
    user: Annotated[str, typer.Option(help="who is put on call")],
    start: Start,
    end: End,
    replaces: Annotated[
        str | None, typer.Option(help="only take the time this user would be on call")
    ] = None,
    created_by: Annotated[str, typer.Option(help="who asked")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Put --user on call between --start and --end (a later override wins)."""
    lo, hi = instant_option(start, "--start"), instant_option(end, "--end")
    now = SystemClock().now()
    made = run_store(
        ctx,
        lambda conn: store.add_override(
            conn,
            schedule=schedule,
            user=user,
            start=lo,
            end=hi,
            created_by=created_by,
            replaces=replaces,
            now=now,
        ),
        write=True,
    )
    if as_json:
        print_json(made)
        return
    console.print(f"override {made.id}: {user} on call on {schedule}", highlight=False)


@override_app.command("list")
def list_overrides_command(
    ctx: typer.Context,
    schedule: Schedule,
    start: Annotated[str | None, typer.Option("--from", help="ending after (ISO 8601)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="starting before (ISO 8601)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The definition's and the API's overrides, in the order they apply."""
    lo = instant_option(start, "--from") if start else None
    hi = instant_option(end, "--to") if end else None
    found = run_store(
        ctx,
        lambda conn: every_page(
            lambda cursor: views.overrides(conn, schedule, lo, hi, limit=MAX_LIMIT, cursor=cursor)
        ),
    )
    if as_json:
        print_json(found)
        return
    rows = [
        (
            o.id or "-",
            o.source,
            o.user,
            o.replaces or "",
            f"{o.start:%Y-%m-%d %H:%M%z}",
            f"{o.end:%Y-%m-%d %H:%M%z}",
        )
        for o in found
    ]
    columns = ["id", "source", "user", "replaces", "start", "end"]
    print_table(f"{schedule}: overrides", columns, rows)


@override_app.command("remove")
def remove_override_command(
    ctx: typer.Context,
    schedule: Schedule,
    override_id: Annotated[str, typer.Argument(help="id from `tocsin schedule override list`")],
) -> None:
    """Remove an override made through the API or CLI (the world file's stay)."""
    now = SystemClock().now()
    run_store(
        ctx,
        lambda conn: store.delete_override(
            conn, schedule=schedule, override_id=override_id, now=now
        ),
        write=True,
    )
    console.print(f"override {override_id} removed", highlight=False)

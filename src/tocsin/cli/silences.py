"""``tocsin silence``: add (or preview), list and expire silences."""

from __future__ import annotations

from typing import Annotated

import typer

from tocsin.cli.context import console, fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.core.durations import parse_duration
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.inputs import check_duration
from tocsin.silences import service
from tocsin.silences.service import SilenceError

silence_app = typer.Typer(
    help="Silences: hold alerts matching labels from paging.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@silence_app.command("add")
def add(
    ctx: typer.Context,
    matchers: Annotated[
        list[str], typer.Argument(help="name=value, name!=value, name=~re, name!~re")
    ],
    duration: Annotated[str, typer.Option("--for", help="how long, e.g. 2h")] = "1h",
    by: Annotated[str, typer.Option("--by", help="who silences")] = "",
    comment: Annotated[str, typer.Option(help="why")] = "",
    service_names: Annotated[
        list[str], typer.Option("--service", help="only this service (repeatable)")
    ] = [],  # noqa: B006
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list the open alerts it would hold")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Silence alerts whose labels match every MATCHER."""
    now = SystemClock().now()
    try:
        with state(ctx).engine.begin() as conn:
            if dry_run:
                parsed = service.parse_matchers(matchers)
                matches = service.matching_open_alerts(conn, parsed, service_names)
            else:
                created = service.create_silence(
                    conn,
                    matchers=matchers,
                    starts_at=now,
                    ends_at=now + check_duration(parse_duration(duration)),
                    created_by=by,
                    comment=comment,
                    service_names=service_names,
                    now=now,
                )
    except (SilenceError, ValueError) as exc:
        fail(str(exc))
        return
    if dry_run:
        if as_json:
            print_json(matches)
            return
        print_table(
            f"{len(matches)} open alert(s) would be held",
            ["id", "service", "dedup key", "summary"],
            [(m.id, m.service, m.dedup_key, m.summary) for m in matches],
        )
        return
    if as_json:
        print_json(created)
        return
    console.print(f"silence {created.id} until {created.ends_at.isoformat(timespec='seconds')}")


@silence_app.command("list")
def list_(
    ctx: typer.Context,
    include_expired: Annotated[bool, typer.Option("--all", help="also expired ones")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List silences, newest first."""
    now = SystemClock().now()
    with state(ctx).engine.connect() as conn:
        items = every_page(
            lambda cursor: service.list_silences(
                conn, now, include_expired=include_expired, limit=MAX_LIMIT, cursor=cursor
            )
        )
    if as_json:
        print_json(items)
        return
    print_table(
        "Silences",
        ["id", "matchers", "services", "until", "by", "comment", "active"],
        [
            (
                s.id,
                " ".join(s.matchers),
                ",".join(s.services) or "all",
                s.ends_at.isoformat(timespec="seconds"),
                s.created_by,
                s.comment,
                s.active,
            )
            for s in items
        ],
    )


@silence_app.command("expire")
def expire(ctx: typer.Context, silence_id: str) -> None:
    """End a silence now."""
    with state(ctx).engine.begin() as conn:
        found = service.expire_silence(conn, silence_id, SystemClock().now())
    if found is None:
        fail(f"no silence {silence_id}")
        return
    console.print(f"silence {silence_id} expired")

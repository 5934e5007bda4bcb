"""``tocsin oncall`` and ``tocsin schedule``: who is on call, previews and coverage checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from sqlalchemy import Connection

from tocsin.cli.context import console, fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.core.wallclock import as_zone
from tocsin.inputs import parse_instant_text
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.store import views

schedule_app = typer.Typer(
    help="On-call schedules: list, preview, fairness, check, swaps, overrides.",
    no_args_is_help=True,
)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
T = TypeVar("T")


def instant_option(text: str | None, option: str) -> datetime:
    """``--option``'s ISO 8601 instant (now when not given); exits saying why if unreadable."""
    if text is None:
        return SystemClock().now()
    try:
        return parse_instant_text(text)
    except ValueError as exc:
        fail(f"{option}: {exc}")
        raise  # unreachable: fail() exits


def run_store(ctx: typer.Context, work: Callable[[Connection], T], *, write: bool = False) -> T:
    """Run ``work`` on the database (in one transaction with ``write``); a ScheduleError
    exits with its message."""
    try:
        engine = state(ctx).engine
        with engine.begin() if write else engine.connect() as conn:
            return work(conn)
    except ScheduleError as exc:
        fail(exc.message)
        raise  # unreachable: fail() exits


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(as_zone(zone)).strftime("%a %Y-%m-%d %H:%M")


def oncall_command(
    ctx: typer.Context,
    schedule: Annotated[str | None, typer.Option(help="only this schedule")] = None,
    at: Annotated[str | None, typer.Option(help="ISO 8601 with an offset; default now")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who is on call now (or --at a time), on every schedule."""
    when = instant_option(at, "--at")
    answers = run_store(
        ctx,
        lambda conn: (
            [views.on_call(conn, when, schedule=schedule)]
            if schedule is not None
            else every_page(
                lambda cursor: views.on_call_everywhere(conn, when, limit=MAX_LIMIT, cursor=cursor)
            )
        ),
    )
    if as_json:
        print_json(answers)
        return
    rows = [
        (
            a.schedule,
            ", ".join(a.users) or "nobody (gap)",
            ", ".join(f"{s.layer or 'override'} until {s.end:%Y-%m-%d %H:%M}Z" for s in a.shifts),
            ", ".join(a.shadows),
        )
        for a in answers
    ]
    print_table(f"On call at {when.isoformat()}", ["schedule", "on call", "shift", "shadows"], rows)


@schedule_app.command("list")
def list_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Every schedule, its zone, team, layers and people."""
    found = run_store(
        ctx,
        lambda conn: every_page(
            lambda cursor: views.list_schedule_summaries(conn, limit=MAX_LIMIT, cursor=cursor)
        ),
    )
    if as_json:
        print_json(found)
        return
    rows = [(s.name, s.time_zone, s.team, ", ".join(s.layers), ", ".join(s.users)) for s in found]
    print_table("Schedules", ["name", "time zone", "team", "layers", "users"], rows)


ScheduleName = Annotated[str, typer.Argument(help="schedule name")]
FromOpt = Annotated[str, typer.Option("--from", help="ISO 8601 with an offset")]
ToOpt = Annotated[str, typer.Option("--to", help="ISO 8601 with an offset")]


def _period(start: str, end: str) -> tuple[datetime, datetime]:
    """The --from/--to options as instants (exits with a message when unreadable)."""
    return instant_option(start, "--from"), instant_option(end, "--to")


@schedule_app.command("preview")
def preview_command(
    ctx: typer.Context,
    name: ScheduleName,
    start: FromOpt,
    end: ToOpt,
    as_json: JsonFlag = False,
) -> None:
    """Shifts and gaps between --from and --to, in the schedule's own time zone."""
    lo, hi = _period(start, end)
    shifts = run_store(ctx, lambda conn: views.schedule_shifts(conn, name, lo, hi))
    if as_json:
        print_json(shifts)
        return
    zone = run_store(ctx, lambda conn: views.schedule_detail(conn, name)).time_zone
    rows = [
        (_local(s.start, zone), _local(s.end, zone), s.user, s.layer or s.source)
        for s in shifts.shifts
    ]
    rows += [
        (_local(g.start, zone), _local(g.end, zone), "-- nobody --", "gap") for g in shifts.gaps
    ]
    rows.sort(key=lambda row: row[0][4:])
    print_table(f"{name} ({zone})", ["from", "to", "on call", "layer"], rows)
    for shadow in shifts.shadows:
        console.print(
            f"shadow: {shadow.user} follows {shadow.shadowing} "
            f"{_local(shadow.start, zone)} - {_local(shadow.end, zone)}",
            highlight=False,
        )


@schedule_app.command("fairness")
def fairness_command(
    ctx: typer.Context,
    name: ScheduleName,
    start: FromOpt,
    end: ToOpt,
    as_json: JsonFlag = False,
) -> None:
    """Hours on call per person between --from and --to, by kind of hour."""
    lo, hi = _period(start, end)
    found = run_store(
        ctx,
        lambda conn: every_page(
            lambda cursor: views.fairness(conn, name, lo, hi, limit=MAX_LIMIT, cursor=cursor)
        ),
    )
    if as_json:
        print_json(found)
        return
    rows = [
        (f.user, f.total_hours, f.business_hours, f.off_hours, f.night_hours, f.weekend_hours)
        for f in found
    ]
    columns = ["user", "total h", "business", "off hours", "night", "weekend"]
    print_table(f"{name}: hours on call", columns, rows)


@schedule_app.command("check")
def check_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="how far ahead to look")] = 14,
    as_json: JsonFlag = False,
) -> None:
    """Coverage gaps in the next --days days and users without a verified contact method."""
    now = SystemClock().now()
    check = run_store(ctx, lambda conn: views.coverage_check(conn, now, days))
    if as_json:
        print_json(check)
    else:
        for name, gaps in check.gaps.items():
            print_table(
                f"{name}: {len(gaps)} gap(s) with nobody on call",
                ["from (UTC)", "to (UTC)", "hours"],
                [
                    (
                        f"{g.start:%a %Y-%m-%d %H:%M}",
                        f"{g.end:%a %Y-%m-%d %H:%M}",
                        round((g.end - g.start).total_seconds() / 3600, 1),
                    )
                    for g in gaps
                ],
            )
        for user in check.users_without_verified_contact_methods:
            console.print(f"user {user} has no verified contact method", highlight=False)
        if not check.gaps and not check.users_without_verified_contact_methods:
            console.print(f"every schedule is covered for the next {days} days")
    if check.gaps or check.users_without_verified_contact_methods:
        raise typer.Exit(1)

"""``tocsin apply`` and ``tocsin export``: configuration as code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tocsin.cli.context import console, fail, print_json, state
from tocsin.clock import SystemClock


def apply_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("-f", "--file", help="world YAML file", exists=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show the plan, change nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Show the plan for FILE and apply it (idempotent)."""
    from tocsin.store.migrate import upgrade
    from tocsin.world import WorldFileError, apply_world, load_world_file, render_plan
    from tocsin.world.oncall_preview import PREVIEW_DAYS, oncall_preview

    st = state(ctx)
    now = SystemClock().now()
    try:
        world = load_world_file(file)
        upgrade(st.engine)
        if dry_run:
            with st.engine.connect() as conn:
                oncall = oncall_preview(conn, world, now)
        plan = apply_world(st.engine, world, now, dry_run=dry_run)
    except WorldFileError as exc:  # problems in the file, or against the database
        fail(str(exc))
        return
    if as_json:
        print_json({**plan.as_dict(), **({"oncall_changes": oncall} if dry_run else {})})
        return
    print(render_plan(plan))
    if dry_run:
        if oncall:
            print(f"\nWho is on call changes over the next {PREVIEW_DAYS} days:")
            print("\n".join(oncall))
        console.print("(dry run: nothing was changed)")


def export_command(ctx: typer.Context) -> None:
    """Print the current world as YAML that ``tocsin apply`` accepts unchanged."""
    from tocsin.world import export_world

    with state(ctx).engine.connect() as conn:
        sys.stdout.write(export_world(conn))

"""Configuration as code: the world file, its plan, applying it, and exporting it.

``tocsin apply -f FILE`` and ``tocsin export`` are thin faces over these functions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine

from tocsin.world.catalog_kinds import ChangeSourceKind, IntegrationKind, ServiceKind, TeamKind
from tocsin.world.document import World, WorldFileError, load_world_file, load_world_text
from tocsin.world.export import export_world
from tocsin.world.kinds import Kind, plan_kinds, write_plan
from tocsin.world.plan import Action, Change, Plan, render_plan

# Applied in this order (deletes in reverse): later kinds refer to earlier ones.
KINDS: list[Kind] = [TeamKind(), ServiceKind(), IntegrationKind(), ChangeSourceKind()]

__all__ = [
    "KINDS",
    "Action",
    "Change",
    "Plan",
    "World",
    "WorldFileError",
    "apply_world",
    "export_world",
    "load_world_file",
    "load_world_text",
    "plan_world",
    "render_plan",
]


def plan_world(conn: Connection, world: World) -> Plan:
    """What applying ``world`` would change (reads only)."""
    return plan_kinds(conn, world, KINDS)[0]


def apply_world(engine: Engine, world: World, now: datetime, *, dry_run: bool = False) -> Plan:
    """Plan and apply ``world`` in one transaction (all or nothing); return the plan."""
    with engine.begin() as conn:
        plan, wanted = plan_kinds(conn, world, KINDS)
        if plan and not dry_run:
            write_plan(conn, plan, wanted, KINDS, now)
    return plan

"""Planning a world against the database, and applying the plan in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from tocsin.world.checks import check_references, check_unique
from tocsin.world.diff import diff_kind
from tocsin.world.document import World
from tocsin.world.errors import WorldFileError
from tocsin.world.kind import Kind
from tocsin.world.plan import Change, Plan
from tocsin.world.records import Ids, Record
from tocsin.world.registry import KINDS

# pg_advisory_xact_lock(int, int) has its own key space: no clash with ingest's locks.
_APPLY_LOCK = {"a": 0x746F6373, "b": 1}  # "tocs", 1


def _prepare(conn: Connection, world: World) -> tuple[Plan, Ids]:
    ids = Ids()
    changes: list[Change] = []
    final: dict[str, list[Record]] = {}
    for kind in KINDS:
        current = kind.current(conn)
        for record in current:
            assert record.id is not None
            ids.add(kind.name, record.key, record.id)
        if world.manages(kind.section):
            diff = diff_kind(kind, kind.desired(world), current)
            changes += diff.changes
            final[kind.name] = diff.final
        else:
            final[kind.name] = current
    errors = check_references(KINDS, final, world) + check_unique(KINDS, final, world)
    if errors:
        raise WorldFileError(errors)
    return Plan(tuple(changes)), ids


def plan_world(conn: Connection, world: World) -> Plan:
    """What applying ``world`` would change, by natural key; nothing is written.

    Raises ``WorldFileError`` when the file refers to objects that will not exist (a team
    neither in the file nor in the database) or reuses a key the database holds.
    """
    return _prepare(conn, world)[0]


def _vacated(kind: Kind, change: Change) -> Change | None:
    """The update with its changing unique values parked, so two objects can swap keys."""
    moving = {f.field for f in change.fields}
    parked = {f.name: f"~{change.row_id}" for f in kind.fields if f.unique_in and f.name in moving}
    return replace(change, values={**change.values, **parked}) if parked else None


def _execute(conn: Connection, plan: Plan, ids: Ids, now: datetime) -> None:
    def of(kind: Kind, action: str) -> list[Change]:
        return [c for c in plan.changes if c.kind == kind.name and c.action == action]

    for kind in reversed(KINDS):
        for change in of(kind, "delete"):
            kind.delete(conn, change, ids, now)
    for kind in KINDS:
        updates = of(kind, "update")
        for parked in filter(None, (_vacated(kind, c) for c in updates)):
            kind.update(conn, parked, ids, now)
        for change in updates:
            kind.update(conn, change, ids, now)
        for change in of(kind, "create"):
            kind.create(conn, change, ids, now)


def apply_world(engine: Engine, world: World, now: datetime, dry_run: bool = False) -> Plan:
    """Make the database match ``world`` in one transaction and return what changed.

    All or nothing: a ``WorldFileError`` (or any failure) leaves the database untouched.
    Idempotent: applying the same file again returns an empty plan. ``now`` stamps
    created, updated and archived rows. With ``dry_run`` the plan is computed and
    nothing is written.
    """
    if dry_run:
        with engine.connect() as conn:
            plan = plan_world(conn, world)
            conn.rollback()
            return plan
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE already serialises
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), _APPLY_LOCK)
        plan, ids = _prepare(conn, world)
        _execute(conn, plan, ids, now)
        return plan

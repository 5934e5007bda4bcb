"""Creating, replacing and deleting schedules and their layers through the API and CLI.

A schedule made here is the same row ``tocsin apply`` writes (one JSON definition,
validated by the world file's own model), so ``tocsin export`` writes it into a file and
a later ``apply`` manages it like any other: a file whose ``schedules:`` section lacks it
deletes it. Layer edits go through ``definition_edits`` and never rewrite history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from tocsin.core.paging import DEFAULT_LIMIT, Page, page_of
from tocsin.ids import new_id, new_secret
from tocsin.schedules.definition import ScheduleDefinition
from tocsin.schedules.definition_edits import (
    LayerChange,
    LayerOut,
    NewLayer,
    add_layer,
    change_layer,
    layer_out,
    remove_layer,
)
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.store.notice_timer import drop_notices, rearm_notices
from tocsin.schedules.store.schedules import (
    StoredSchedule,
    load_definition,
    load_schedule,
    require_users,
)
from tocsin.schedules.store.views import ScheduleDetail, schedule_detail
from tocsin.store.schema import schedule_overrides, schedule_swaps, schedules, teams


def _require_references(conn: Connection, spec: ScheduleDefinition) -> None:
    """Every user and the team the definition names exist, as ``tocsin apply`` demands."""
    require_users(conn, spec.people())
    if spec.team is not None:
        found = conn.execute(
            select(teams.c.id).where(teams.c.name == spec.team, teams.c.archived_at.is_(None))
        ).first()
        if found is None:
            raise ScheduleError(400, "unknown_team", f"no team named {spec.team!r}")


def create_schedule(
    conn: Connection, *, name: str, spec: ScheduleDefinition, now: datetime
) -> ScheduleDetail:
    """A new schedule ``name``; ScheduleError 409 ``already_exists`` if the name is taken."""
    if conn.execute(select(schedules.c.id).where(schedules.c.name == name)).first():
        raise ScheduleError(409, "already_exists", f"a schedule named {name!r} exists")
    _require_references(conn, spec)
    schedule_id = new_id(now)
    conn.execute(
        insert(schedules).values(
            id=schedule_id,
            name=name,
            definition=spec.model_dump(),
            feed_token=new_secret(),
            created_at=now,
            updated_at=now,
        )
    )
    rearm_notices(conn, schedule_id, now)
    return schedule_detail(conn, name)


def _write(
    conn: Connection, stored: StoredSchedule, spec: ScheduleDefinition, now: datetime
) -> None:
    _require_references(conn, spec)
    conn.execute(
        update(schedules)
        .where(schedules.c.id == stored.id)
        .values(definition=spec.model_dump(), updated_at=now)
    )
    rearm_notices(conn, stored.id, now)


def replace_schedule(
    conn: Connection, *, name: str, spec: ScheduleDefinition, now: datetime
) -> ScheduleDetail:
    """Replace the definition of ``name`` whole (its API overrides and swaps stay)."""
    _write(conn, load_schedule(conn, name, lock=True), spec, now)
    return schedule_detail(conn, name)


def delete_schedule(conn: Connection, name: str) -> None:
    """Delete ``name`` with its API overrides and swap requests; its feed stops working."""
    stored = load_schedule(conn, name, lock=True)
    conn.execute(delete(schedule_swaps).where(schedule_swaps.c.schedule_id == stored.id))
    conn.execute(delete(schedule_overrides).where(schedule_overrides.c.schedule_id == stored.id))
    drop_notices(conn, stored.id)
    conn.execute(delete(schedules).where(schedules.c.id == stored.id))


def list_layers(
    conn: Connection, name: str, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[LayerOut]:
    """A page of the layers of ``name``, lowest first."""
    _, spec = load_definition(conn, name)
    every = [layer_out(spec, i) for i in range(len(spec.layers))]
    return page_of(every, lambda layer: (layer.position,), (int,), limit=limit, cursor=cursor)


def _edit(
    conn: Connection,
    name: str,
    now: datetime,
    edit: Callable[[ScheduleDefinition], tuple[ScheduleDefinition, int]],
) -> LayerOut:
    stored = load_schedule(conn, name, lock=True)
    spec, position = edit(stored.spec)
    _write(conn, stored, spec, now)
    return layer_out(spec, position)


def create_layer(conn: Connection, *, name: str, layer: NewLayer, now: datetime) -> LayerOut:
    """Add ``layer`` to schedule ``name`` (on top unless it gives a position)."""
    return _edit(conn, name, now, lambda spec: add_layer(spec, layer))


def edit_layer(
    conn: Connection, *, name: str, layer: str, change: LayerChange, now: datetime
) -> LayerOut:
    """Change a layer from an instant on (a new revision); the past stays as it was."""
    return _edit(conn, name, now, lambda spec: change_layer(spec, layer, change, now))


def delete_layer(conn: Connection, *, name: str, layer: str, now: datetime) -> None:
    """Remove a layer, history included (to stop it from now on, give its rotation an end)."""
    stored = load_schedule(conn, name, lock=True)
    _write(conn, stored, remove_layer(stored.spec, layer), now)

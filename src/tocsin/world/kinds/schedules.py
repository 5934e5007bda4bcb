"""Schedules: ``schedules:`` in the world file, the ``schedules`` table.

The schedule (zone, team, layers, the file's overrides and shadows) is kept as one JSON
document, validated by ``schedules.definition.ScheduleSpec``. Overrides made through
the API live in ``schedule_overrides`` and are not the file's business, except that
deleting a schedule deletes them too. Each schedule gets a secret iCalendar feed token
when it is created; it never appears in plans or exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tocsin.inputs import STORED
from tocsin.schedules.definition import ScheduleDefinition
from tocsin.schedules.store.notice_timer import drop_notices, rearm_notices
from tocsin.schedules.store.schedules import delete_overrides
from tocsin.store.schema import schedules
from tocsin.world.document import World
from tocsin.world.kind import TableKind
from tocsin.world.kinds.users import with_feed_token
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import NamedSpec


class ScheduleSpec(NamedSpec, ScheduleDefinition):
    """A schedule, as written under ``schedules:``."""


DEFINITION = ("time_zone", "team", "layers", "overrides", "shadows", "notify")


def _values(spec: ScheduleDefinition) -> dict[str, Any]:
    values = spec.model_dump(include=set(DEFINITION))
    values["users"] = spec.people()  # compared so that every named user must exist
    return values


class Schedules(TableKind):
    """Who is on call when: layers of rotations, overrides and shadows."""

    name = "schedule"
    section = "schedules"
    spec = ScheduleSpec
    table = schedules
    fields = (
        FieldSpec("time_zone"),
        FieldSpec("team", refers_to="team"),
        FieldSpec("layers"),
        FieldSpec("overrides"),
        FieldSpec("shadows"),
        FieldSpec("notify"),
        FieldSpec("users", refers_to="user", unordered=True),
    )
    delete_note = "deleted with its API overrides and swaps; its calendar feed stops working"

    def desired(self, world: World) -> list[Record]:
        """One record per schedule, with the users it names."""
        return [
            Record((item.name,), _values(item), path=(self.section, i))
            for i, item in enumerate(world.items(self.section, ScheduleSpec) or [])
        ]

    def current(self, conn: Connection) -> list[Record]:
        """Every schedule, its definition unpacked into fields."""
        rows = conn.execute(select(schedules).order_by(schedules.c.name))
        return [
            Record(
                (row.name,),
                _values(ScheduleDefinition.model_validate(row.definition, context=STORED)),
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The name and the definition document; a new schedule gets a feed token."""
        values = {"name": change.key[0], "definition": {f: change.values[f] for f in DEFINITION}}
        return with_feed_token(change, values)

    def create(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Insert the schedule and arm its on-call notices."""
        super().create(conn, change, ids, now)
        rearm_notices(conn, ids.of(self.name, change.key), now)

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the schedule; who is told what may have changed: look again now."""
        super().update(conn, change, ids, now)
        assert change.row_id is not None
        rearm_notices(conn, change.row_id, now)

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Delete the schedule, the overrides made on it through the API, its notices."""
        assert change.row_id is not None
        delete_overrides(conn, change.row_id)
        drop_notices(conn, change.row_id)
        super().delete(conn, change, ids, now)

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """Each schedule as written, fields at their defaults left out."""
        for record in records:
            values = {f: record.values[f] for f in DEFINITION}
            spec = ScheduleDefinition.model_validate(values, context=STORED)
            item = spec.model_dump(exclude_defaults=True, exclude_none=True)
            doc.setdefault(self.section, []).append({"name": record.key[0], **item})

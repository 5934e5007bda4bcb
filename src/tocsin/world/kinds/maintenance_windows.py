"""Maintenance windows: ``maintenance_windows:`` in the file, ``maintenance_windows`` table.

A window names services (and optionally label matchers) and is one-off (``start`` and
``end``) or recurring (``cron`` or ``days`` + ``at``, with a ``duration``, in a
``time_zone``). Alerts in a window are stored, marked with the window's name, and open no
incident. The whole definition is kept as one JSON document, validated here.

Changing or removing a window releases the alerts it holds in the apply's transaction:
the next hold sweep pages them, or holds them again where the new definition still
covers them, so a shortened or deleted window never keeps alerts held until its old end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from sqlalchemy import Connection, select

from tocsin.alerts.holds import release_held_by
from tocsin.core.durations import parse_duration
from tocsin.core.suppression import window_from_definition
from tocsin.inputs import check_duration
from tocsin.schedules.definition import Instant, TimeZone
from tocsin.store.schema import maintenance_windows
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import Name, NamedSpec

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FIELDS = (
    "services",
    "matchers",
    "time_zone",
    "start",
    "end",
    "cron",
    "days",
    "at",
    "duration",
    "on_end",
)


def _bounded(value: str) -> str:
    check_duration(parse_duration(value))
    return value


class MaintenanceWindowSpec(NamedSpec):
    """A maintenance window, as written under ``maintenance_windows:``."""

    services: list[Name] = Field(min_length=1)
    matchers: list[Annotated[str, Field(max_length=1000)]] = Field(default_factory=list)
    time_zone: TimeZone = "UTC"
    start: Instant | None = None  # one-off: ISO 8601 with an offset
    end: Instant | None = None
    cron: Annotated[str, Field(max_length=200)] | None = None  # recurring: cron in time_zone...
    days: list[Weekday] | None = None  # ...or weekdays (default every day)
    at: Annotated[str, Field(max_length=5)] | None = None  # ...and a start time, "01:00"
    duration: Annotated[str, AfterValidator(_bounded)] | None = None  # recurring: "2h"
    on_end: Literal["reevaluate", "resolve"] = "reevaluate"

    @model_validator(mode="after")
    def _coherent(self) -> MaintenanceWindowSpec:
        window_from_definition(self.model_dump(), frozenset())  # ValueError says why
        return self


class MaintenanceWindows(TableKind):
    """Planned windows in which alerts are held from paging."""

    name = "maintenance_window"
    section = "maintenance_windows"
    spec = MaintenanceWindowSpec
    table = maintenance_windows
    fields = (
        FieldSpec("services", refers_to="service", unordered=True),
        *(FieldSpec(f) for f in FIELDS[1:]),
    )

    def current(self, conn: Connection) -> list[Record]:
        """Every window, its definition unpacked into fields."""
        rows = conn.execute(select(maintenance_windows).order_by(maintenance_windows.c.name))
        return [
            Record((row.name,), {f: row.definition.get(f) for f in FIELDS}, id=row.id)
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The name and the definition document."""
        definition = {f: change.values.get(f) for f in FIELDS}
        definition["services"] = sorted(definition["services"] or [])
        return {"name": change.key[0], "definition": definition}

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the window and release what it held (the sweep re-decides)."""
        super().update(conn, change, ids, now)
        release_held_by(conn, f"maintenance_window:{change.key[0]}", now)

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Delete the window and release what it held."""
        super().delete(conn, change, ids, now)
        release_held_by(conn, f"maintenance_window:{change.key[0]}", now)

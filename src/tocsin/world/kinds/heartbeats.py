"""Heartbeats: ``heartbeats:`` in the world file, the ``heartbeats`` table.

A heartbeat names its service and says how often its job must ping (``interval``) and
how much later a ping may be before it counts as missed (``grace``). Names are unique
across the world (the Opsgenie-compatible ping URL carries only the name). Durations are
compared in their shortest spelling (``24h`` is ``1d``), so plans and exports agree.

Creating one arms its durable timer in the apply's transaction, so expiry is found by
the timer engine even if the job never pings; changing ``interval`` or ``grace`` re-arms
it from the last ping (or creation). Deleting one deletes its row and its timer; an
alert it raised stays open until someone resolves it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import Connection, select

from tocsin.core.durations import format_duration, parse_duration
from tocsin.heartbeats.service import TIMER_KIND
from tocsin.ids import new_secret
from tocsin.inputs import check_duration
from tocsin.store.schema import heartbeats, services
from tocsin.store.timers import arm_within, disarm_within
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import Name, NamedSpec, RoutingKey


def _canonical(value: int | str) -> str:
    """A duration as the plan compares it: ``86400`` and ``24h`` are both ``1d``."""
    return format_duration(parse_duration(value))


def _positive(value: str) -> str:
    if parse_duration(value) <= timedelta(0):
        raise ValueError("must be longer than 0s")
    return value


def _bounded(value: str) -> str:
    check_duration(parse_duration(value))
    return value


Duration = Annotated[int | str, AfterValidator(_canonical), AfterValidator(_bounded)]


class HeartbeatSpec(NamedSpec):
    """A heartbeat, as written under ``heartbeats:``."""

    service: Name
    interval: Annotated[Duration, AfterValidator(_positive)]
    grace: Duration = "0s"
    key: RoutingKey | None = None


def seconds(duration: str) -> int:
    """Whole seconds of a canonical duration."""
    return int(parse_duration(duration).total_seconds())


class Heartbeats(TableKind):
    """Dead-man's switches: a job that stops pinging raises an alert on its service."""

    name = "heartbeat"
    section = "heartbeats"
    spec = HeartbeatSpec
    table = heartbeats
    fields = (
        FieldSpec("service", refers_to="service"),
        FieldSpec("interval"),
        FieldSpec("grace"),
        FieldSpec("key", secret=True, generate=new_secret, unique_in="heartbeat key"),
    )
    delete_note = "deleted with its timer; its ping URLs stop working, its open alert resolves"

    def current(self, conn: Connection) -> list[Record]:
        """Every heartbeat, with its service by name and its durations spelled out."""
        rows = conn.execute(
            select(heartbeats, services.c.name.label("service"))
            .join(services, services.c.id == heartbeats.c.service_id)
            .order_by(heartbeats.c.name)
        )
        return [
            Record(
                (row.name,),
                {
                    "service": row.service,
                    "interval": _canonical(row.interval_seconds),
                    "grace": _canonical(row.grace_seconds),
                    "key": row.key,
                },
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The heartbeat's columns: its service as an id, its durations in seconds."""
        values = change.values
        return {
            "name": change.key[0],
            "service_id": ids.of("service", (values["service"],)),
            "interval_seconds": seconds(values["interval"]),
            "grace_seconds": seconds(values["grace"]),
            "key": values["key"],
        }

    def create(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Insert the heartbeat and arm its first deadline: ``interval + grace`` from now."""
        super().create(conn, change, ids, now)
        _arm(conn, ids.of(self.name, change.key), _deadline(change, since=now), now)

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the heartbeat; new timing re-arms it from its last ping (or creation)."""
        super().update(conn, change, ids, now)
        if not {f.field for f in change.fields} & {"interval", "grace"}:
            return
        assert change.row_id is not None
        row = conn.execute(
            select(heartbeats.c.last_ping_at, heartbeats.c.created_at).where(
                heartbeats.c.id == change.row_id
            )
        ).one()
        since: datetime = row.last_ping_at or row.created_at
        _arm(conn, change.row_id, _deadline(change, since=since), now)

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Delete the heartbeat and its timer (an alert it raised is left for a person)."""
        assert change.row_id is not None
        disarm_within(conn, TIMER_KIND, change.row_id)
        super().delete(conn, change, ids, now)


def _deadline(change: Change, *, since: datetime) -> datetime:
    values = change.values
    return since + parse_duration(values["interval"]) + parse_duration(values["grace"])


def _arm(conn: Connection, heartbeat_id: str, due_at: datetime, now: datetime) -> None:
    """Set the heartbeat's timer in the apply's transaction (after writing the heartbeat
    row: the subject before its timer)."""
    arm_within(conn, kind=TIMER_KIND, subject=heartbeat_id, due_at=due_at, now=now)

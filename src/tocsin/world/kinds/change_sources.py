"""Change sources: ``change_sources:`` in the file, ``change_sources`` and its links.

A change source is a key that senders of deploy (change) events use; its events land on
every service it lists. Deleting one deletes it, so its key stops working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Connection, delete, insert, select

from tocsin.ids import new_secret
from tocsin.store.schema import change_source_services, change_sources, services
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import Name, NamedSpec, OriginName, RoutingKey


class ChangeSourceSpec(NamedSpec):
    """A change source, as written under ``change_sources:``."""

    name: OriginName
    description: str = ""
    key: RoutingKey | None = None
    services: list[Name] = Field(default_factory=list)


class ChangeSources(TableKind):
    """Change sources and the services their events land on."""

    name = "change_source"
    section = "change_sources"
    spec = ChangeSourceSpec
    table = change_sources
    fields = (
        FieldSpec("description"),
        FieldSpec("key", secret=True, generate=new_secret, unique_in="routing key"),
        FieldSpec("services", refers_to="service", unordered=True),
    )
    delete_note = "deleted; its key stops working"

    def current(self, conn: Connection) -> list[Record]:
        """Every change source, with its services by name (sorted)."""
        members: dict[str, list[str]] = {}
        for source_id, service in conn.execute(
            select(change_source_services.c.change_source_id, services.c.name).join(
                services, services.c.id == change_source_services.c.service_id
            )
        ):
            members.setdefault(source_id, []).append(service)
        rows = conn.execute(select(change_sources).order_by(change_sources.c.name))
        return [
            Record(
                (row.name,),
                {
                    "description": row.description,
                    "key": row.key,
                    "services": sorted(members.get(row.id, [])),
                },
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """Name, description and key (services live in the link table)."""
        return {
            "name": change.key[0],
            "description": change.values["description"],
            "key": change.values["key"],
        }

    def create(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Insert the source, then its service links."""
        super().create(conn, change, ids, now)
        self._link(conn, change, ids)

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the source and replace its service links."""
        super().update(conn, change, ids, now)
        self._unlink(conn, change, ids)
        self._link(conn, change, ids)

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Delete the source's links, then the source."""
        self._unlink(conn, change, ids)
        super().delete(conn, change, ids, now)

    def _unlink(self, conn: Connection, change: Change, ids: Ids) -> None:
        source_id = ids.of(self.name, change.key)
        conn.execute(
            delete(change_source_services).where(
                change_source_services.c.change_source_id == source_id
            )
        )

    def _link(self, conn: Connection, change: Change, ids: Ids) -> None:
        source_id = ids.of(self.name, change.key)
        names = sorted(set(change.values["services"]))
        if names:
            conn.execute(
                insert(change_source_services),
                [
                    {"change_source_id": source_id, "service_id": ids.of("service", (n,))}
                    for n in names
                ],
            )

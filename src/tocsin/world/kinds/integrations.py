"""Integrations: nested under each service in the file, the ``integrations`` table.

Matched by (service, name). Deleting one deletes the row, so its key stops working at
once; a service that is archived loses its integrations the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from tocsin.ids import new_secret
from tocsin.store.schema import integrations, services
from tocsin.world.document import World
from tocsin.world.kind import TableKind, export_item
from tocsin.world.kinds.services import IntegrationSpec, ServiceSpec
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record


class Integrations(TableKind):
    """Where alerts come in: a wire format and a key, on one service."""

    name = "integration"
    section = "services"
    spec = IntegrationSpec
    owns_section = False
    table = integrations
    fields = (
        FieldSpec("type"),
        FieldSpec("key", secret=True, generate=new_secret, unique_in="routing key"),
        FieldSpec("rate_limit_per_minute"),
        FieldSpec("mapping"),
    )
    delete_note = "deleted; its key stops working"

    def desired(self, world: World) -> list[Record]:
        """Every service's integrations, keyed by (service, integration)."""
        include = {f.name for f in self.fields}
        return [
            Record(
                (service.name, item.name),
                item.model_dump(include=include),
                path=("services", i, "integrations", j),
            )
            for i, service in enumerate(world.items("services", ServiceSpec) or [])
            for j, item in enumerate(service.integrations)
        ]

    def current(self, conn: Connection) -> list[Record]:
        """Every integration, archived services' included, with its service by name."""
        rows = conn.execute(
            select(integrations, services.c.name.label("service"))
            .join(services, services.c.id == integrations.c.service_id)
            .order_by(services.c.name, integrations.c.name)
        )
        return [
            Record(
                (row.service, row.name),
                {f.name: row._mapping[f.name] for f in self.fields},
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The integration's columns, its service as an id."""
        service, name = change.key
        return {
            "service_id": ids.of("service", (service,)),
            "name": name,
            **{f.name: change.values[f.name] for f in self.fields},
        }

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """Nest each integration under its (exported, so live) service."""
        by_service = {item["name"]: item for item in doc.get("services", [])}
        for record in records:
            service = by_service.get(record.key[0])
            if service is not None:
                service.setdefault("integrations", []).append(export_item(self, record))

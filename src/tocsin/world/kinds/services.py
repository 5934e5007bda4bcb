"""Services: ``services:`` in the world file, the ``services`` table. Deleting archives.

This module also defines how integrations are written (nested under their service);
``integrations.py`` compares and writes them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field
from sqlalchemy import Connection, select

from tocsin.core.grouping import GroupingMode
from tocsin.ingest.registry import INTEGRATION_TYPES
from tocsin.store.schema import services, teams
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import Link, Name, NamedSpec, RoutingKey, at_least, between, one_of


class IntegrationSpec(NamedSpec):
    """An integration, as written under its service's ``integrations:``."""

    type: Annotated[str, AfterValidator(one_of(INTEGRATION_TYPES))]
    key: RoutingKey | None = None
    rate_limit_per_minute: Annotated[int, AfterValidator(at_least(1))] | None = None


class ServiceSpec(NamedSpec):
    """A service, as written under ``services:``."""

    description: str = ""
    team: Name | None = None
    tier: Annotated[int, AfterValidator(between(1, 4))] = 3
    links: list[Link] = Field(default_factory=list)
    incident_grouping: Annotated[str, AfterValidator(one_of([m.value for m in GroupingMode]))] = (
        GroupingMode.OPEN_INCIDENT.value
    )
    auto_resolve_incidents: bool = True
    integrations: list[IntegrationSpec] = Field(default_factory=list)


class Services(TableKind):
    """Services receive alerts; archived (not deleted) so their history stays readable."""

    name = "service"
    section = "services"
    spec = ServiceSpec
    table = services
    fields = (
        FieldSpec("description"),
        FieldSpec("team", refers_to="team"),
        FieldSpec("tier"),
        FieldSpec("links"),
        FieldSpec("incident_grouping"),
        FieldSpec("auto_resolve_incidents"),
    )
    soft_delete = True

    def current(self, conn: Connection) -> list[Record]:
        """Every service, with its team by name."""
        rows = conn.execute(
            select(services, teams.c.name.label("team"))
            .outerjoin(teams, teams.c.id == services.c.team_id)
            .order_by(services.c.name)
        )
        return [
            Record(
                (row.name,),
                {f.name: row._mapping[f.name] for f in self.fields},
                id=row.id,
                archived=row.archived_at is not None,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The service's columns, its team as an id."""
        values = change.values
        team = values["team"]
        return {
            "name": change.key[0],
            "team_id": ids.of("team", (team,)) if team is not None else None,
            **{f.name: values[f.name] for f in self.fields if f.name != "team"},
        }

"""Teams: ``teams:`` in the world file, the ``teams`` table. Deleting archives."""

from __future__ import annotations

from typing import Any

from tocsin.store.schema import teams
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids
from tocsin.world.spec import NamedSpec


class TeamSpec(NamedSpec):
    """A team, as written under ``teams:``."""

    description: str = ""


class Teams(TableKind):
    """Teams own services; archived (not deleted) so past incidents keep their team."""

    name = "team"
    section = "teams"
    spec = TeamSpec
    table = teams
    fields = (FieldSpec("description"),)
    soft_delete = True

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """Name and description."""
        return {"name": change.key[0], "description": change.values["description"]}

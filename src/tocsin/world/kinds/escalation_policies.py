"""Escalation policies: ``escalation_policies:`` in the world file, the table of that name.

The levels, repeat and fallback are kept as one JSON document
(``escalation.definition.PolicyDefinition``); the users, schedules and teams it names are
compared as extra fields so the reference checks refuse a policy naming someone unknown,
and refuse deleting a user, schedule or team a policy still pages. Services refer to a
policy by name (``escalation_policy:``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Connection, select, update

from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.policy import TargetKind
from tocsin.inputs import STORED
from tocsin.store.schema import escalation_policies, services
from tocsin.world.document import World
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import NamedSpec


class EscalationPolicySpec(NamedSpec, PolicyDefinition):
    """A policy, as written under ``escalation_policies:``."""

    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""


DEFINITION = ("levels", "repeat", "fallback")
MAX_DESCRIPTION = 2000
_NAMED = {"users": TargetKind.USER, "schedules": TargetKind.SCHEDULE, "teams": TargetKind.TEAM}


def _values(spec: PolicyDefinition, description: str) -> dict[str, Any]:
    values: dict[str, Any] = spec.model_dump(include=set(DEFINITION), exclude_none=True)
    values["description"] = description
    for field, kind in _NAMED.items():
        values[field] = spec.names(kind)  # compared so that every named object must exist
    return values


class EscalationPolicies(TableKind):
    """Whom an incident pages, level by level, until someone acknowledges."""

    name = "escalation_policy"
    section = "escalation_policies"
    spec = EscalationPolicySpec
    table = escalation_policies
    fields = (
        FieldSpec("description"),
        FieldSpec("levels"),
        FieldSpec("repeat"),
        FieldSpec("fallback"),
        FieldSpec("users", refers_to="user", unordered=True),
        FieldSpec("schedules", refers_to="schedule", unordered=True),
        FieldSpec("teams", refers_to="team", unordered=True),
    )
    delete_note = "deleted (incidents already paging through it keep their snapshot)"

    def desired(self, world: World) -> list[Record]:
        """One record per policy, with the users, schedules and teams it names."""
        return [
            Record((item.name,), _values(item, item.description), path=(self.section, i))
            for i, item in enumerate(world.items(self.section, EscalationPolicySpec) or [])
        ]

    def current(self, conn: Connection) -> list[Record]:
        """Every policy, its definition unpacked into fields."""
        rows = conn.execute(select(escalation_policies).order_by(escalation_policies.c.name))
        return [
            Record(
                (row.name,),
                _values(
                    PolicyDefinition.model_validate(row.definition, context=STORED),
                    row.description,
                ),
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The name, the description and the definition document."""
        return {
            "name": change.key[0],
            "description": change.values["description"],
            "definition": {f: change.values[f] for f in DEFINITION},
        }

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Detach the policy from the services that named it, then delete it. The checks
        let a policy go only once no live service names it: the services that did are
        updated (after deletes) or archived in this same apply."""
        conn.execute(
            update(services)
            .where(services.c.escalation_policy_id == change.row_id)
            .values(escalation_policy_id=None)
        )
        super().delete(conn, change, ids, now)

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """Each policy as written, fields at their defaults left out."""
        for record in records:
            values = {f: record.values[f] for f in DEFINITION}
            spec = PolicyDefinition.model_validate(values, context=STORED)
            item: dict[str, Any] = {"name": record.key[0]}
            if record.values["description"]:
                item["description"] = record.values["description"]
            item.update(spec.model_dump(exclude_defaults=True, exclude_none=True))
            doc.setdefault(self.section, []).append(item)

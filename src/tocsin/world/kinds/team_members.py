"""Team members: ``team_members:`` in the world file, the ``team_members`` table.

Each entry names a team and lists its members with a role::

    team_members:
      - name: payments          # the team
        members:
          - {user: alice, role: manager}
          - {user: bob}         # role defaults to member

Memberships are compared one by one, keyed ``team/user``, so adding a person to a team
shows as one created membership in the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection, select

from tocsin.store.schema import team_members, teams, users
from tocsin.world.document import World
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import Name, NamedSpec, Spec

Role = Literal["manager", "member"]


class MemberSpec(Spec):
    """One member of a team."""

    user: Name
    role: Role = "member"


class TeamMembersSpec(NamedSpec):
    """A team's members, as written under ``team_members:`` (``name`` is the team)."""

    members: list[MemberSpec] = Field(default_factory=list)


class TeamMembers(TableKind):
    """Who belongs to which team, and as what."""

    name = "team_member"
    section = "team_members"
    spec = TeamMembersSpec
    table = team_members
    fields = (
        FieldSpec("team", refers_to="team"),
        FieldSpec("user", refers_to="user"),
        FieldSpec("role"),
    )
    delete_note = "removed from the team"

    def desired(self, world: World) -> list[Record]:
        """One record per (team, user)."""
        return [
            Record(
                (entry.name, member.user),
                {"team": entry.name, "user": member.user, "role": member.role},
                path=(self.section, i, "members", j),
            )
            for i, entry in enumerate(world.items(self.section, self.spec) or [])
            for j, member in enumerate(entry.members)
        ]

    def current(self, conn: Connection) -> list[Record]:
        """Every membership, with its team and user by name."""
        rows = conn.execute(
            select(team_members.c.id, team_members.c.role, teams.c.name.label("team"))
            .add_columns(users.c.name.label("user"))
            .join(teams, teams.c.id == team_members.c.team_id)
            .join(users, users.c.id == team_members.c.user_id)
            .order_by(teams.c.name, users.c.name)
        )
        return [
            Record(
                (row.team, row.user),
                {"team": row.team, "user": row.user, "role": row.role},
                id=row.id,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The team and user as ids, and the role."""
        team, user = change.key
        return {
            "team_id": ids.of("team", (team,)),
            "user_id": ids.of("user", (user,)),
            "role": change.values["role"],
        }

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """One entry per team listing its members."""
        by_team: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            member = {"user": record.values["user"]}
            if record.values["role"] != "member":
                member["role"] = record.values["role"]
            by_team.setdefault(record.values["team"], []).append(member)
        doc.setdefault(self.section, []).extend(
            {"name": team, "members": members} for team, members in by_team.items()
        )

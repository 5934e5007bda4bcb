"""World kinds of the service catalog: teams, services, integrations, change sources.

Teams and services are archived, not deleted, so their history (alerts, incidents) stays;
naming them again in a file brings them back. Integrations and change sources are deleted,
which revokes their keys.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tocsin.ids import new_id, new_secret
from tocsin.store.schema import (
    change_source_services,
    change_sources,
    integrations,
    services,
    teams,
)
from tocsin.world.document import World
from tocsin.world.kinds import ApplyContext, Fields
from tocsin.world.plan import GENERATED, Action, Change


def _secret(value: Any) -> str:
    return new_secret() if value == GENERATED else str(value)


class TeamKind:
    """``teams:`` entries, by name."""

    name = "team"

    def desired(self, world: World) -> dict[str, Fields]:
        return {t.name: {"description": t.description} for t in world.teams}

    def current(self, conn: Connection) -> dict[str, Fields]:
        rows = conn.execute(select(teams).where(teams.c.archived_at.is_(None)))
        return {r.name: {"_id": r.id, "description": r.description} for r in rows}

    def write(self, conn: Connection, change: Change, wanted: Fields, ctx: ApplyContext) -> None:
        if change.action is Action.DELETE:
            conn.execute(
                update(teams)
                .where(teams.c.name == change.name)
                .values(archived_at=ctx.now, updated_at=ctx.now)
            )
            return
        values = {"description": wanted["description"], "updated_at": ctx.now, "archived_at": None}
        team_id = _revive_or_insert(conn, teams, change.name, values, ctx)
        ctx.ids[(self.name, change.name)] = team_id


class ServiceKind:
    """``services:`` entries, by name."""

    name = "service"

    def desired(self, world: World) -> dict[str, Fields]:
        return {
            s.name: {
                "description": s.description,
                "team": s.team,
                "tier": s.tier,
                "links": [link.model_dump() for link in s.links],
                "incident_grouping": s.incident_grouping,
                "auto_resolve_incidents": s.auto_resolve_incidents,
            }
            for s in world.services
        }

    def current(self, conn: Connection) -> dict[str, Fields]:
        rows = conn.execute(
            select(services, teams.c.name.label("team_name"))
            .outerjoin(teams, teams.c.id == services.c.team_id)
            .where(services.c.archived_at.is_(None))
        )
        return {
            r.name: {
                "_id": r.id,
                "description": r.description,
                "team": r.team_name,
                "tier": r.tier,
                "links": list(r.links or []),
                "incident_grouping": r.incident_grouping,
                "auto_resolve_incidents": bool(r.auto_resolve_incidents),
            }
            for r in rows
        }

    def write(self, conn: Connection, change: Change, wanted: Fields, ctx: ApplyContext) -> None:
        if change.action is Action.DELETE:
            conn.execute(
                update(services)
                .where(services.c.name == change.name)
                .values(archived_at=ctx.now, updated_at=ctx.now)
            )
            return
        team = wanted["team"]
        values = {
            "description": wanted["description"],
            "team_id": ctx.id_of("team", team) if team else None,
            "tier": wanted["tier"],
            "links": wanted["links"],
            "incident_grouping": wanted["incident_grouping"],
            "auto_resolve_incidents": wanted["auto_resolve_incidents"],
            "updated_at": ctx.now,
            "archived_at": None,
        }
        ctx.ids[(self.name, change.name)] = _revive_or_insert(
            conn, services, change.name, values, ctx
        )


class IntegrationKind:
    """``services[].integrations[]`` entries, by ``service/name``."""

    name = "integration"
    secret_fields = ("key",)

    def desired(self, world: World) -> dict[str, Fields]:
        return {
            f"{s.name}/{i.name}": {
                "type": i.type,
                "key": i.key,
                "rate_limit_per_minute": i.rate_limit_per_minute,
            }
            for s in world.services
            for i in s.integrations
        }

    def current(self, conn: Connection) -> dict[str, Fields]:
        rows = conn.execute(
            select(integrations, services.c.name.label("service"))
            .join(services, services.c.id == integrations.c.service_id)
            .where(services.c.archived_at.is_(None))
        )
        return {
            f"{r.service}/{r.name}": {
                "_id": r.id,
                "type": r.type,
                "key": r.key,
                "rate_limit_per_minute": r.rate_limit_per_minute,
            }
            for r in rows
        }

    def write(self, conn: Connection, change: Change, wanted: Fields, ctx: ApplyContext) -> None:
        service, name = change.name.split("/", 1)
        if change.action is Action.DELETE:
            conn.execute(
                delete(integrations).where(integrations.c.id == ctx.id_of(self.name, change.name))
            )
            return
        values = {
            "type": wanted["type"],
            "key": _secret(wanted["key"]),
            "rate_limit_per_minute": wanted["rate_limit_per_minute"],
            "updated_at": ctx.now,
        }
        if change.action is Action.UPDATE:
            conn.execute(
                update(integrations)
                .where(integrations.c.id == ctx.id_of(self.name, change.name))
                .values(**values)
            )
            return
        conn.execute(
            insert(integrations).values(
                id=new_id(ctx.now),
                service_id=ctx.id_of("service", service),
                name=name,
                created_at=ctx.now,
                **values,
            )
        )


class ChangeSourceKind:
    """``change_sources:`` entries, by name."""

    name = "change_source"
    secret_fields = ("key",)

    def desired(self, world: World) -> dict[str, Fields]:
        return {
            c.name: {
                "description": c.description,
                "key": c.key,
                "services": sorted(set(c.services)),
            }
            for c in world.change_sources
        }

    def current(self, conn: Connection) -> dict[str, Fields]:
        members: dict[str, list[str]] = {}
        for source_id, service in conn.execute(
            select(change_source_services.c.change_source_id, services.c.name)
            .join(services, services.c.id == change_source_services.c.service_id)
            .where(services.c.archived_at.is_(None))
        ):
            members.setdefault(source_id, []).append(service)
        return {
            r.name: {
                "_id": r.id,
                "description": r.description,
                "key": r.key,
                "services": sorted(members.get(r.id, [])),
            }
            for r in conn.execute(select(change_sources))
        }

    def write(self, conn: Connection, change: Change, wanted: Fields, ctx: ApplyContext) -> None:
        if change.action is Action.DELETE:
            source_id = ctx.id_of(self.name, change.name)
            conn.execute(
                delete(change_source_services).where(
                    change_source_services.c.change_source_id == source_id
                )
            )
            conn.execute(delete(change_sources).where(change_sources.c.id == source_id))
            return
        values = {
            "description": wanted["description"],
            "key": _secret(wanted["key"]),
            "updated_at": ctx.now,
        }
        if change.action is Action.UPDATE:
            source_id = ctx.id_of(self.name, change.name)
            conn.execute(
                update(change_sources).where(change_sources.c.id == source_id).values(**values)
            )
            conn.execute(
                delete(change_source_services).where(
                    change_source_services.c.change_source_id == source_id
                )
            )
        else:
            source_id = new_id(ctx.now)
            conn.execute(
                insert(change_sources).values(
                    id=source_id, name=change.name, created_at=ctx.now, **values
                )
            )
        rows = [
            {"change_source_id": source_id, "service_id": ctx.id_of("service", s)}
            for s in wanted["services"]
        ]
        if rows:
            conn.execute(insert(change_source_services), rows)


def _revive_or_insert(
    conn: Connection, table: Any, name: str, values: Fields, ctx: ApplyContext
) -> str:
    """Update the row called ``name`` (live or archived), or insert it; return its id."""
    row = conn.execute(select(table.c.id).where(table.c.name == name)).first()
    if row is not None:
        conn.execute(update(table).where(table.c.id == row[0]).values(**values))
        return str(row[0])
    new = new_id(ctx.now)
    conn.execute(insert(table).values(id=new, name=name, created_at=ctx.now, **values))
    return new

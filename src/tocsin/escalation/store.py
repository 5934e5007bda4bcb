"""Escalation policies as the API and CLI read and edit them.

A policy made or replaced here is the same row ``tocsin apply`` writes (one JSON document
validated by the world file's own model, ``escalation.definition.PolicyDefinition``), so
``tocsin export`` writes it into a file and a later ``apply`` manages it like any other.
Editing a policy never changes escalations in flight: each keeps its snapshot.
``preview`` says whom each level would page at an instant, with the same target
resolution the escalation timer uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, delete, insert, select, update

from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.targets import missing_targets, users_reached
from tocsin.ids import new_id
from tocsin.inputs import STORED
from tocsin.store.batch import raw_batch
from tocsin.store.schema import escalation_policies, services


class PolicyError(Exception):
    """A request about a policy that cannot be met: an HTTP status, a code, a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class PolicyOut(BaseModel):
    """A policy as written (levels, repeat, fallback), and the services that page it."""

    name: str
    description: str
    definition: dict[str, Any]
    services: list[str]


class LevelPreview(BaseModel):
    """Whom a level would page: every user its targets reach (a round-robin level pages
    one target of them in turn); empty: a coverage gap."""

    level: int
    mode: str
    delay: str
    users: list[str]


class PolicyPreview(BaseModel):
    """Whom each level of a policy would page at ``at``, and its fallback."""

    policy: str
    at: datetime
    levels: list[LevelPreview]
    fallback: list[str]
    gaps: list[int]  # levels that would reach nobody (1 = first)


def _services_of(conn: Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        select(services.c.escalation_policy_id, services.c.name)
        .where(services.c.archived_at.is_(None), services.c.escalation_policy_id.is_not(None))
        .order_by(services.c.name)
    )
    found: dict[str, list[str]] = {}
    for policy_id, name in rows:
        found.setdefault(policy_id, []).append(name)
    return found


def _out(row: Any, by_policy: dict[str, list[str]]) -> PolicyOut:
    definition = PolicyDefinition.model_validate(row.definition, context=STORED)
    return PolicyOut(
        name=row.name,
        description=row.description,
        definition=definition.model_dump(exclude_defaults=True, exclude_none=True),
        services=by_policy.get(row.id, []),
    )


def list_policies(conn: Connection) -> list[PolicyOut]:
    """Every policy by name."""
    rows = conn.execute(select(escalation_policies).order_by(escalation_policies.c.name)).all()
    by_policy = _services_of(conn)
    return [_out(row, by_policy) for row in rows]


def _row(conn: Connection, name: str, *, lock: bool = False) -> Any:
    query = select(escalation_policies).where(escalation_policies.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise PolicyError(404, "not_found", f"no escalation policy named {name!r}")
    return row


def get_policy(conn: Connection, name: str) -> PolicyOut:
    """The policy ``name``; PolicyError 404 when there is none."""
    return _out(_row(conn, name), _services_of(conn))


def _require_references(conn: Connection, spec: PolicyDefinition) -> None:
    """Every user, schedule and team the policy pages exists, as ``tocsin apply`` demands."""
    named = [t.target() for level in spec.levels for t in level.targets]
    named += [t.target() for t in spec.fallback]
    with raw_batch(conn) as (store, cur):
        missing = missing_targets(store, cur, named)
    if missing:
        raise PolicyError(422, "unknown_target", "no such " + ", ".join(missing))


def create_policy(
    conn: Connection, *, name: str, description: str, spec: PolicyDefinition, now: datetime
) -> PolicyOut:
    """A new policy ``name``; PolicyError 409 ``already_exists`` if the name is taken."""
    if conn.execute(
        select(escalation_policies.c.id).where(escalation_policies.c.name == name)
    ).first():
        raise PolicyError(409, "already_exists", f"an escalation policy named {name!r} exists")
    _require_references(conn, spec)
    conn.execute(
        insert(escalation_policies).values(
            id=new_id(now),
            name=name,
            description=description,
            definition=spec.model_dump(exclude_none=True),
            created_at=now,
            updated_at=now,
        )
    )
    return get_policy(conn, name)


def replace_policy(
    conn: Connection, *, name: str, description: str, spec: PolicyDefinition, now: datetime
) -> PolicyOut:
    """Replace the policy's levels, repeat, fallback and description; escalations already
    running keep the policy they started with."""
    row = _row(conn, name, lock=True)
    _require_references(conn, spec)
    conn.execute(
        update(escalation_policies)
        .where(escalation_policies.c.id == row.id)
        .values(
            description=description, definition=spec.model_dump(exclude_none=True), updated_at=now
        )
    )
    return get_policy(conn, name)


def delete_policy(conn: Connection, name: str) -> None:
    """Delete the policy; PolicyError 409 ``in_use`` while a service pages through it."""
    row = _row(conn, name, lock=True)
    # Archived services too: they keep the reference (their history names the policy).
    using = list(
        conn.execute(
            select(services.c.name)
            .where(services.c.escalation_policy_id == row.id)
            .order_by(services.c.name)
        ).scalars()
    )
    if using:
        raise PolicyError(
            409, "in_use", f"services page through {name!r}: {', '.join(using)}; change them first"
        )
    conn.execute(delete(escalation_policies).where(escalation_policies.c.id == row.id))


def preview(conn: Connection, name: str, at: datetime) -> PolicyPreview:
    """Whom each level of policy ``name`` would page at ``at``."""
    row = _row(conn, name)
    definition = PolicyDefinition.model_validate(row.definition, context=STORED)
    policy = definition.to_policy(name)
    with raw_batch(conn) as (store, cur):
        levels = [
            LevelPreview(
                level=i + 1,
                mode=level.mode.value,
                delay=spec.delay,
                users=users_reached(store, cur, level.targets, at),
            )
            for i, (level, spec) in enumerate(zip(policy.levels, definition.levels, strict=True))
        ]
        fallback = users_reached(store, cur, policy.fallback, at)
    return PolicyPreview(
        policy=name,
        at=at,
        levels=levels,
        fallback=fallback,
        gaps=[lv.level for lv in levels if not lv.users],
    )

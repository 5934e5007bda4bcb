"""The object kinds a world file holds, and the machinery every kind shares.

A kind maps objects by natural key (a name, or ``service/name``) to their fields, both as
the file wants them and as the database has them; ``plan_world`` diffs the two and
``apply_world`` writes the differences. Adding a kind (users, schedules, policies...) is
one module implementing ``Kind`` plus one line in ``KINDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from tocsin.world.document import World
from tocsin.world.plan import GENERATED, Action, Change, Plan, diff_fields

Fields = dict[str, Any]


@dataclass
class ApplyContext:
    """What kinds share while applying: the time, and ids of objects by natural key."""

    now: datetime
    ids: dict[tuple[str, str], str] = field(default_factory=dict)

    def id_of(self, kind: str, name: str) -> str:
        """The id of an object created or found earlier in this apply."""
        return self.ids[(kind, name)]


class Kind(Protocol):
    """One kind of world object."""

    name: str

    def desired(self, world: World) -> dict[str, Fields]:
        """Objects the file asks for, by natural key."""

    def current(self, conn: Connection) -> dict[str, Fields]:
        """Live objects in the database, by natural key; each has ``"_id"``."""

    def write(self, conn: Connection, change: Change, wanted: Fields, ctx: ApplyContext) -> None:
        """Make one change (``wanted`` is the full desired state; empty for deletes)."""


def keep_secrets(current: Fields | None, wanted: Fields, secret_fields: tuple[str, ...]) -> Fields:
    """A secret absent from the file keeps its current value, or is generated when new."""
    out = dict(wanted)
    for name in secret_fields:
        if out.get(name) is None:
            out[name] = current[name] if current else GENERATED
    return out


def plan_kinds(conn: Connection, world: World, kinds: list[Kind]) -> tuple[Plan, dict[str, Fields]]:
    """The plan: deletes first, in reverse kind order (so a key can move to a new object),
    then creates and updates in kind order (so references point at existing objects)."""
    plan = Plan()
    wanted_by_change: dict[str, Fields] = {}
    deletes: list[Change] = []
    for kind in kinds:
        desired, current = kind.desired(world), kind.current(conn)
        for key, wanted in desired.items():
            now = current.get(key)
            secrets = getattr(kind, "secret_fields", ())
            wanted = keep_secrets(now, wanted, secrets)
            wanted_by_change[f"{kind.name}:{key}"] = wanted
            if now is None:
                shown = {k: (None, v) for k, v in wanted.items() if v not in (None, "", [], {})}
                plan.changes.append(Change(kind.name, key, Action.CREATE, shown))
            else:
                changed = diff_fields(now, wanted)
                if changed:
                    plan.changes.append(Change(kind.name, key, Action.UPDATE, changed))
        deletes += [Change(kind.name, key, Action.DELETE) for key in current if key not in desired]
    plan.changes[:0] = reversed(deletes)
    return plan, wanted_by_change


def write_plan(
    conn: Connection,
    plan: Plan,
    wanted: Mapping[str, Fields],
    kinds: list[Kind],
    now: datetime,
) -> None:
    """Apply every change of ``plan`` on ``conn`` (the caller owns the transaction)."""
    by_name = {k.name: k for k in kinds}
    ctx = ApplyContext(now)
    for kind in kinds:  # ids of objects that stay, for references from other kinds
        for key, fields in kind.current(conn).items():
            ctx.ids[(kind.name, key)] = fields["_id"]
    for change in plan.changes:
        full = wanted.get(f"{change.kind}:{change.name}", {})
        by_name[change.kind].write(conn, change, full, ctx)

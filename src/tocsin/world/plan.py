"""A plan: what applying a world file creates, updates and deletes, and how it reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tocsin.world.records import Key, key_label

Action = Literal["create", "update", "delete"]
_SIGN: dict[Action, str] = {"create": "+", "update": "~", "delete": "-"}


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one object: its value before and after (``old`` is None on create)."""

    field: str
    old: Any
    new: Any
    secret: bool = False
    generated: bool = False

    @property
    def shown_old(self) -> Any:
        """The old value as a plan may show it (secrets never appear)."""
        return "(sensitive)" if self.secret and self.old is not None else self.old

    @property
    def shown_new(self) -> Any:
        """The new value as a plan may show it: a secret is ``(generated)`` or hidden."""
        if not self.secret or self.new is None:
            return self.new
        return "(generated)" if self.generated else "(from file)"


@dataclass(frozen=True, slots=True)
class Change:
    """One object to create, update or delete.

    ``values`` is the whole object as it will be (create and update); ``fields`` lists
    what differs. ``row_id`` is the existing row (update and delete).
    """

    kind: str
    action: Action
    key: Key
    values: Mapping[str, Any] = field(default_factory=dict)
    fields: tuple[FieldChange, ...] = ()
    row_id: str | None = None
    restore: bool = False  # an archived object named again in the file
    note: str = ""  # what a delete means for this kind

    @property
    def label(self) -> str:
        """``service checkout`` or ``integration checkout/prometheus``."""
        return f"{self.kind} {key_label(self.key)}"

    def as_dict(self) -> dict[str, Any]:
        """The change as JSON-able values, secrets masked."""
        out: dict[str, Any] = {
            "action": self.action,
            "kind": self.kind,
            "name": key_label(self.key),
        }
        if self.restore:
            out["restore"] = True
        if self.note:
            out["note"] = self.note
        if self.fields:
            out["fields"] = {f.field: {"old": f.shown_old, "new": f.shown_new} for f in self.fields}
        return out


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change, in the order they are applied (dependencies first)."""

    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the database already matches the file."""
        return not self.changes

    def __bool__(self) -> bool:
        """A plan is true when it has changes to make."""
        return bool(self.changes)

    def count(self, action: Action) -> int:
        """How many changes of ``action`` the plan holds."""
        return sum(1 for c in self.changes if c.action == action)

    def as_dict(self) -> dict[str, Any]:
        """The plan as JSON-able values (``tocsin apply --json``), secrets masked."""
        return {
            "changes": [c.as_dict() for c in self.changes],
            "summary": {a: self.count(a) for a in ("create", "update", "delete")},
        }


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def _shown_new(change: FieldChange) -> str:
    return str(change.shown_new) if change.secret else _value(change.new)


def _describe(change: FieldChange) -> str:
    if change.secret:
        return f"{change.field} (changed)"
    return f"{change.field} {_value(change.old)} → {_value(change.new)}"


def _lines(change: Change) -> list[str]:
    head = f"{_SIGN[change.action]} {change.label}"
    if change.action == "delete":
        return [f"{head} ({change.note})" if change.note else head]
    if change.action == "create":
        return [head, *(f"    {f.field}: {_shown_new(f)}" for f in change.fields)]
    items = (["restored from archive"] if change.restore else []) + [
        _describe(f) for f in change.fields
    ]
    if len(items) == 1:
        return [f"{head}: {items[0]}"]
    return [f"{head}:", *(f"    {i}" for i in items)]


def render_plan(plan: Plan) -> str:
    """The plan as people read it, terraform-style; ``No changes.`` when empty.

    ``+`` creates, ``~`` updates (each changed field: old → new), ``-`` deletes. Keys are
    never printed: a new one shows as ``(generated)``, a changed one as ``(changed)``.
    """
    if plan.is_empty:
        return "No changes."
    lines = [line for change in plan.changes for line in _lines(change)]
    lines.append("")
    lines.append(
        f"Plan: {plan.count('create')} to create, {plan.count('update')} to update, "
        f"{plan.count('delete')} to delete."
    )
    return "\n".join(lines)

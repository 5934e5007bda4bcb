"""Plans: what applying a world file would create, update and delete, field by field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

GENERATED = "(generated)"


class Action(StrEnum):
    """What happens to one object."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


_SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}


@dataclass(frozen=True, slots=True)
class Change:
    """One object's change, with (old, new) for every field that differs."""

    kind: str
    name: str
    action: Action
    fields: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action.value,
            "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()},
        }


@dataclass(slots=True)
class Plan:
    """Every change a world file implies, in the order they are applied."""

    changes: list[Change] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"changes": [...], "summary": {"create": n, ...}}``."""
        summary = {a.value: sum(c.action is a for c in self.changes) for a in Action}
        return {"changes": [c.as_dict() for c in self.changes], "summary": summary}


def diff_fields(
    current: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """The fields whose desired value differs from the current one."""
    return {k: (current.get(k), v) for k, v in desired.items() if current.get(k) != v}


def render_plan(plan: Plan) -> str:
    """A readable plan, one line per object (and one per changed field of an update)."""
    if not plan:
        return "No changes."
    lines = []
    for change in plan.changes:
        head = f"{_SYMBOL[change.action]} {change.kind} {change.name}"
        if change.action is Action.UPDATE:
            lines.append(head)
            lines += [f"    {k}: {_show(o)} → {_show(n)}" for k, (o, n) in change.fields.items()]
        elif change.action is Action.CREATE and change.fields:
            shown = ", ".join(f"{k}={_show(n)}" for k, (_, n) in change.fields.items())
            lines.append(f"{head} ({shown})")
        else:
            lines.append(head)
    summary = Plan.as_dict(plan)["summary"]
    lines.append(
        f"Plan: {summary['create']} to create, {summary['update']} to update, "
        f"{summary['delete']} to delete."
    )
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if value == GENERATED else repr(value)
    return repr(value)

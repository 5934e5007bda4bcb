"""Comparing what the file wants with what the database has, for any kind.

Objects are matched by natural key. A field with a generator that the file leaves out
keeps its current value (a new object gets a generated one). An archived object named in
the file is restored; a live object the file does not name is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tocsin.world.kind import Kind
from tocsin.world.plan import Change, FieldChange
from tocsin.world.records import FieldSpec, Record, defaults_of, same_value


@dataclass(frozen=True, slots=True)
class KindDiff:
    """One kind's changes, and its objects as they will be once they are applied."""

    changes: list[Change]
    final: list[Record]


def _shown(field: FieldSpec, value: Any) -> Any:
    return sorted(set(value)) if field.unordered and isinstance(value, list) else value


def _resolve(kind: Kind, want: Record, have: Record | None) -> dict[str, Any]:
    values = dict(want.values)
    for field in kind.fields:
        if field.generate is not None and values.get(field.name) is None:
            values[field.name] = have.values[field.name] if have else field.generate()
    return values


def _create(kind: Kind, want: Record, values: dict[str, Any]) -> Change:
    defaults = defaults_of(kind.spec.model_fields)
    shown = [
        FieldChange(
            f.name,
            None,
            _shown(f, values[f.name]),
            secret=f.secret,
            generated=f.generate is not None and want.values.get(f.name) is None,
        )
        for f in kind.fields
        if not (f.name in defaults and same_value(f, values[f.name], defaults[f.name]))
    ]
    return Change(kind.name, "create", want.key, values, tuple(shown))


def _update(kind: Kind, have: Record, values: dict[str, Any]) -> Change | None:
    changed = tuple(
        FieldChange(f.name, _shown(f, have.values[f.name]), _shown(f, values[f.name]), f.secret)
        for f in kind.fields
        if not same_value(f, have.values[f.name], values[f.name])
    )
    if not changed and not have.archived:
        return None
    return Change(
        kind.name, "update", have.key, values, changed, row_id=have.id, restore=have.archived
    )


def diff_kind(kind: Kind, desired: Sequence[Record], current: Sequence[Record]) -> KindDiff:
    """The changes that turn ``current`` into ``desired``: file order, then deletes."""
    have_by_key = {r.key: r for r in current}
    changes: list[Change] = []
    final: list[Record] = []
    for want in desired:
        have = have_by_key.get(want.key)
        values = _resolve(kind, want, have)
        final.append(replace(want, values=values, id=have.id if have else None))
        change = _create(kind, want, values) if have is None else _update(kind, have, values)
        if change is not None:
            changes.append(change)
    wanted = {r.key for r in desired}
    note = "archived; history kept" if kind.soft_delete else kind.delete_note
    changes.extend(
        Change(kind.name, "delete", have.key, row_id=have.id, note=note)
        for have in sorted(current, key=lambda r: r.key)
        if have.key not in wanted and not have.archived
    )
    return KindDiff(changes, final)

"""Checks across objects: duplicate names, references that resolve, unique keys.

They run on the file alone when it is loaded, and again when it is planned against the
database, where a reference may name an object the file does not manage.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.world.document import World
from tocsin.world.errors import WorldError, YamlPath
from tocsin.world.kind import Kind
from tocsin.world.records import Key, Record, key_label

# Kind name -> its objects after the apply: the file's (when it manages the kind) or the
# database's. A kind missing from the mapping is unknown (loading without a database).
Final = Mapping[str, Sequence[Record]]


def check_names(kind: Kind, desired: Sequence[Record], world: World) -> list[WorldError]:
    """Each object named once (per parent, for nested kinds)."""
    errors = []
    first: dict[Key, Record] = {}
    for record in desired:
        seen = first.setdefault(record.key, record)
        if seen is not record and record.path is not None and seen.path is not None:
            line = world.line_of((*seen.path, "name"))
            errors.append(
                world.error(
                    (*record.path, "name"),
                    f"duplicate {kind.name} {key_label(record.key)!r} (first at line {line})",
                )
            )
    return errors


def _hint(name: str, known: set[Key]) -> str:
    close = difflib.get_close_matches(name, [k[-1] for k in known], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_references(kinds: Sequence[Kind], final: Final, world: World) -> list[WorldError]:
    """Every name a field refers to is a live object after the apply."""
    by_name = {k.name: k for k in kinds}
    live = {name: {r.key for r in rs if not r.archived} for name, rs in final.items()}
    errors = []
    for kind in kinds:
        for record in final.get(kind.name, ()):
            for field in kind.fields:
                target = field.refers_to
                if target is None or target not in live or record.archived:
                    continue
                value = record.values.get(field.name)
                items = enumerate(value) if isinstance(value, list) else [(None, value)]
                for index, name in items:
                    if name is None or (name,) in live[target]:
                        continue
                    section = by_name[target].section
                    if record.path is not None:
                        path: YamlPath = (*record.path, field.name)
                        path = path if index is None else (*path, index)
                        where = (
                            f"not in this file's {section}"
                            if world.manages(section)
                            else "not in the database"
                        )
                        message = f"unknown {target} {name!r} ({where}){_hint(name, live[target])}"
                        errors.append(world.error(path, message))
                    elif world.manages(section):
                        errors.append(
                            world.error(
                                (section,),
                                f"{target} {name!r} is still used by {kind.name} "
                                f"{key_label(record.key)!r}, which this file does not manage",
                                at_key=True,
                            )
                        )
    return errors


def _where(world: World, kind: Kind, record: Record) -> str:
    if record.path is None:
        return f"{kind.name} {key_label(record.key)!r} in the database"
    return f"{kind.name} {key_label(record.key)!r} (line {world.line_of(record.path)})"


def check_unique(kinds: Sequence[Kind], final: Final, world: World) -> list[WorldError]:
    """Values of fields sharing a ``unique_in`` namespace (routing keys) appear once."""
    errors = []
    seen: dict[tuple[str, Any], tuple[Kind, Record]] = {}
    for kind in kinds:
        for record in final.get(kind.name, ()):
            for field in kind.fields:
                value = record.values.get(field.name)
                if field.unique_in is None or value is None:
                    continue
                other_kind, other = seen.setdefault((field.unique_in, value), (kind, record))
                if other is record:
                    continue
                if record.path is not None:
                    blamed, other_at = record, _where(world, other_kind, other)
                elif other.path is not None:
                    blamed, other_at = other, _where(world, kind, record)
                else:
                    continue  # two database objects: not this file's doing
                errors.append(
                    world.error(
                        (*(blamed.path or ()), field.name),
                        f"duplicate {field.unique_in}: already used by {other_at}",
                    )
                )
    return errors

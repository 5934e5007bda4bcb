"""The interface every kind of object in the world file implements.

A kind reads its desired objects from the validated file and its current objects from
the database as ``Record``s; the shared machinery (``diff``, ``checks``, ``plan``) does
the rest, and hands the kind back the changes to write. Most kinds keep one row per
object in one table and inherit ``TableKind``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from sqlalchemy import Connection, Table, delete, insert, select, update

from tocsin.ids import new_id
from tocsin.world.document import World
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record, defaults_of, same_value
from tocsin.world.spec import NamedSpec


class Kind(Protocol):
    """One kind of object (team, service...): how to read, compare and write it."""

    @property
    def name(self) -> str:
        """Singular, as plans print it: ``service``."""
        ...

    @property
    def section(self) -> str:
        """The top-level key of the file its objects are written under."""
        ...

    @property
    def spec(self) -> type[NamedSpec]:
        """The model of one object in the file (its defaults are the kind's defaults)."""
        ...

    @property
    def owns_section(self) -> bool:
        """False when it reads a section another kind defines (nested objects)."""
        ...

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The fields compared and written, besides the name."""
        ...

    @property
    def soft_delete(self) -> bool:
        """True: deleting archives the row, keeping its history; naming it restores it."""
        ...

    @property
    def delete_note(self) -> str:
        """What a (hard) delete means, shown in the plan."""
        ...

    def desired(self, world: World) -> list[Record]:
        """The objects the file wants, in file order."""
        ...

    def current(self, conn: Connection) -> list[Record]:
        """Every object in the database (archived ones too), sorted by natural key."""
        ...

    def create(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Insert the object and record its new id in ``ids``."""
        ...

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Write ``change.values`` to the existing object (restoring it if archived)."""
        ...

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Delete (or archive) the object."""
        ...

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """Add the live ``records`` to the exported document ``doc``."""
        ...


def export_item(kind: Kind, record: Record) -> dict[str, Any]:
    """One object as the file writes it: its name, then every field not at its default."""
    defaults = defaults_of(kind.spec.model_fields)
    item: dict[str, Any] = {"name": record.key[-1]}
    for field in kind.fields:
        value = record.values.get(field.name)
        if field.name in defaults and same_value(field, value, defaults[field.name]):
            continue
        if field.unordered and isinstance(value, list):
            value = sorted(value)
        item[field.name] = _inline(value)
    return item


def _inline(value: Any) -> Any:
    """A list field written compactly: ``[a, b]``, or one ``{title: .., url: ..}`` a line."""
    if not isinstance(value, list) or not value:
        return value
    if all(isinstance(v, dict) for v in value):
        items = [CommentedMap(v) for v in value]
        for mapping in items:
            mapping.fa.set_flow_style()
        return items
    inline = CommentedSeq(value)
    inline.fa.set_flow_style()
    return inline


class TableKind:
    """A kind kept as one row per object in ``table``, with the usual timestamps.

    Subclasses set the ``Kind`` attributes and ``table``, and say how a change maps to
    columns (``columns``). ``current`` here reads columns named like the fields; kinds
    whose fields need joins override it.
    """

    name: str
    section: str
    spec: type[NamedSpec]
    owns_section = True
    fields: tuple[FieldSpec, ...]
    soft_delete = False
    delete_note = "deleted"
    table: Table

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The table's columns for ``change.values`` (name included)."""
        raise NotImplementedError

    def desired(self, world: World) -> list[Record]:
        """The objects under ``section``, one record each."""
        include = {f.name for f in self.fields}
        return [
            Record((item.name,), item.model_dump(include=include), path=(self.section, i))
            for i, item in enumerate(world.items(self.section, self.spec) or [])
        ]

    def current(self, conn: Connection) -> list[Record]:
        """Every row, its fields read from the columns of the same names."""
        archived = self.table.c.archived_at if self.soft_delete else None
        rows = conn.execute(select(self.table).order_by(self.table.c.name))
        return [
            Record(
                (row.name,),
                {f.name: row._mapping[f.name] for f in self.fields},
                id=row.id,
                archived=archived is not None and row._mapping["archived_at"] is not None,
            )
            for row in rows
        ]

    def create(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Insert a row with a new id."""
        row_id = new_id(now)
        values = self.columns(change, ids)
        conn.execute(insert(self.table).values(id=row_id, created_at=now, updated_at=now, **values))
        ids.add(self.name, change.key, row_id)

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the row's columns; un-archive it when the change restores it."""
        values = {**self.columns(change, ids), "updated_at": now}
        if change.restore:
            values["archived_at"] = None
        conn.execute(update(self.table).where(self.table.c.id == change.row_id).values(values))

    def delete(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Archive the row (``soft_delete``) or delete it."""
        where = self.table.c.id == change.row_id
        if self.soft_delete:
            conn.execute(update(self.table).where(where).values(archived_at=now, updated_at=now))
        else:
            conn.execute(delete(self.table).where(where))

    def export(self, records: Sequence[Record], doc: dict[str, Any]) -> None:
        """Append each record to the ``section`` list of ``doc``."""
        doc.setdefault(self.section, []).extend(export_item(self, r) for r in records)

"""The shared vocabulary of every kind: records, their fields, and row ids.

A kind turns both the file and the database into ``Record``s keyed by a natural key, so
one diff, one set of checks and one renderer serve every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tocsin.world.errors import YamlPath

Key = tuple[str, ...]  # natural key: ("checkout",), or ("checkout", "prometheus")


def key_label(key: Key) -> str:
    """A natural key as people read it: ``checkout/prometheus``."""
    return "/".join(key)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one compared field of a kind behaves in plans, checks and exports."""

    name: str
    secret: bool = False  # never printed in a plan
    # Left out of the file: keep the current value, or call this for a new object.
    generate: Callable[[], str] | None = None
    # Values must be unique across every field naming the same namespace.
    unique_in: str | None = None
    # The value (or each item of a list) is the name of an object of this kind.
    refers_to: str | None = None
    unordered: bool = False  # a list compared as a set


@dataclass(frozen=True, slots=True)
class Record:
    """One object of a kind, as the file wants it or as the database has it."""

    key: Key
    values: Mapping[str, Any]
    path: YamlPath | None = None  # from the file: where it is written
    id: str | None = None  # from the database: its row id
    archived: bool = False  # from the database: soft-deleted


class Ids:
    """Row ids by kind and natural key, so kinds can write references to each other."""

    def __init__(self) -> None:
        self._ids: dict[str, dict[Key, str]] = {}

    def add(self, kind: str, key: Key, row_id: str) -> None:
        """Remember that ``kind`` object ``key`` is row ``row_id``."""
        self._ids.setdefault(kind, {})[key] = row_id

    def of(self, kind: str, key: Key) -> str:
        """The row id of ``kind`` object ``key`` (it exists, or was created earlier)."""
        return self._ids[kind][key]


def same_value(field: FieldSpec, a: Any, b: Any) -> bool:
    """Equality as the plan sees it (unordered lists compare as sets)."""
    if field.unordered and isinstance(a, list) and isinstance(b, list):
        return sorted(set(a)) == sorted(set(b))
    return bool(a == b)


def defaults_of(spec_fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field name → default value, from a pydantic model's ``model_fields`` (a model
    default as the plain value a record holds)."""
    found = {
        name: info.get_default(call_default_factory=True)
        for name, info in spec_fields.items()
        if not info.is_required()
    }
    return {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in found.items()}

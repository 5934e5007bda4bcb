"""A validated world file: its objects, and where each one was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from pydantic import BaseModel

from tocsin.world.errors import WorldError, YamlPath, format_path

T = TypeVar("T", bound=BaseModel)
Position = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True, slots=True)
class Positions:
    """Where each key and value of a YAML document starts, by path."""

    source: str
    values: Mapping[YamlPath, Position]
    keys: Mapping[YamlPath, Position]

    def locate(self, path: YamlPath, *, at_key: bool = False) -> Position:
        """The position of ``path``; a missing field points at the object meant to hold it."""
        table = self.keys if at_key else self.values
        if path in table:
            return table[path]
        for n in range(len(path) - 1, -1, -1):
            if path[:n] in self.values:
                return self.values[path[:n]]
        return (1, 1)

    def error(self, path: YamlPath, message: str, *, at_key: bool = False) -> WorldError:
        """A ``WorldError`` about ``path``."""
        line, column = self.locate(path, at_key=at_key)
        return WorldError(self.source, line, column, format_path(path), message)


@dataclass(frozen=True, slots=True)
class World:
    """A world file that passed validation; build one with ``load_world_file``."""

    model: BaseModel
    positions: Positions

    @property
    def source(self) -> str:
        """The file name errors are reported against."""
        return self.positions.source

    def manages(self, section: str) -> bool:
        """True when the file has ``section`` (even empty): it then owns that kind's objects.

        A section left out entirely leaves the objects of its kinds as they are.
        """
        return getattr(self.model, section, None) is not None

    def items(self, section: str, spec: type[T]) -> list[T] | None:
        """The objects written under ``section``, or None when the file leaves it out."""
        found = getattr(self.model, section, None)
        if found is None:
            return None
        assert all(isinstance(item, spec) for item in found), section
        return cast(list[T], found)

    def error(self, path: YamlPath, message: str, *, at_key: bool = False) -> WorldError:
        """A ``WorldError`` about ``path`` in this file."""
        return self.positions.error(path, message, at_key=at_key)

    def line_of(self, path: YamlPath) -> int:
        """The line ``path`` is on (for messages such as "first at line 4")."""
        return self.positions.locate(path)[0]

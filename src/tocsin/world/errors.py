"""Errors in a world file, each pointing at the line and column it is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

YamlPath = tuple[str | int, ...]


def format_path(path: YamlPath) -> str:
    """``("services", 0, "tier")`` as ``services[0].tier``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True, slots=True)
class WorldError:
    """One problem: where it is (1-based line and column) and what was expected."""

    source: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        """The error as plain values (for ``--json`` output)."""
        return {
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class WorldFileError(Exception):
    """A world file that cannot be applied; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[WorldError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: (e.source, e.line, e.column)))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

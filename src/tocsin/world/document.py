"""The world file: its schema (pydantic), and loading it with errors that point at lines.

Every problem in a file is reported at once, as ``FILE:LINE:COL: path.to.field: message``;
nothing is applied from a file with any problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from tocsin.ingest.registry import INTEGRATION_TYPES

Name = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$")


class Spec(BaseModel):
    """Base of every world object: unknown fields are errors (typos get caught)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamSpec(Spec):
    """A team that owns services."""

    name: str = Name
    description: str = ""


class LinkSpec(Spec):
    """A link shown with a service (dashboard, logs, runbook)."""

    title: str = Field(min_length=1)
    url: str = Field(min_length=1, pattern=r"^https?://")


class IntegrationSpec(Spec):
    """A way alerts reach a service: a sender format and its key."""

    name: str = Name
    type: str
    key: str | None = Field(
        default=None, min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"
    )
    rate_limit_per_minute: int | None = Field(default=None, ge=1)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in INTEGRATION_TYPES:
            raise ValueError(f"must be one of {', '.join(sorted(INTEGRATION_TYPES))}")
        return value


class ServiceSpec(Spec):
    """A service: what alerts are about and incidents are opened on."""

    name: str = Name
    description: str = ""
    team: str | None = None
    tier: int = Field(default=3, ge=1, le=4)
    links: list[LinkSpec] = []
    incident_grouping: Literal["open_incident", "per_alert"] = "open_incident"
    auto_resolve_incidents: bool = True
    integrations: list[IntegrationSpec] = []


class ChangeSourceSpec(Spec):
    """A sender of change events (deploys, config, flags) for some services."""

    name: str = Name
    description: str = ""
    key: str | None = Field(
        default=None, min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"
    )
    services: list[str] = []


class World(Spec):
    """The whole world file."""

    version: Literal[1]
    teams: list[TeamSpec] = []
    services: list[ServiceSpec] = []
    change_sources: list[ChangeSourceSpec] = []


class WorldFileError(Exception):
    """A world file that cannot be applied; ``problems`` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_world_file(path: Path) -> World:
    """Read, parse and validate a world file (schema and cross-references)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise WorldFileError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return load_world_text(text, str(path))


def load_world_text(text: str, source: str = "<world>") -> World:
    """Validate world YAML given as text; ``source`` names it in error messages."""
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise WorldFileError([f"{where}: invalid YAML: {exc.problem}"]) from exc
    if not isinstance(tree, CommentedMap):
        raise WorldFileError([f"{source}:1:1: the file must be a mapping with `version: 1`"])
    try:
        world = World.model_validate(_plain(tree))
    except ValidationError as exc:
        raise WorldFileError(
            [_located(source, tree, e["loc"], _message(e)) for e in exc.errors()]
        ) from exc
    problems = [_located(source, tree, loc, msg) for loc, msg in cross_reference_problems(world)]
    if problems:
        raise WorldFileError(problems)
    return world


def cross_reference_problems(world: World) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems the schema cannot see: unknown references, duplicate names and keys."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    problems += _duplicates("teams", [t.name for t in world.teams])
    problems += _duplicates("services", [s.name for s in world.services])
    problems += _duplicates("change_sources", [c.name for c in world.change_sources])
    teams = {t.name for t in world.teams}
    services = {s.name for s in world.services}
    keys: dict[str, tuple[str | int, ...]] = {}
    for i, svc in enumerate(world.services):
        if svc.team is not None and svc.team not in teams:
            problems.append(
                (("services", i, "team"), f"unknown team {svc.team!r} (define it under teams)")
            )
        problems += _duplicates(("services", i, "integrations"), [g.name for g in svc.integrations])
        for j, integ in enumerate(svc.integrations):
            problems += _key_clash(keys, integ.key, ("services", i, "integrations", j, "key"))
    for i, src in enumerate(world.change_sources):
        for j, name in enumerate(src.services):
            if name not in services:
                problems.append((("change_sources", i, "services", j), f"unknown service {name!r}"))
        problems += _key_clash(keys, src.key, ("change_sources", i, "key"))
    return problems


def _duplicates(
    where: str | tuple[str | int, ...], names: Iterable[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    prefix = (where,) if isinstance(where, str) else where
    seen: set[str] = set()
    out = []
    for index, name in enumerate(names):
        if name in seen:
            out.append(((*prefix, index, "name"), f"duplicate name {name!r}"))
        seen.add(name)
    return out


def _key_clash(
    keys: dict[str, tuple[str | int, ...]], key: str | None, loc: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], str]]:
    if key is None:
        return []
    if key in keys:
        return [(loc, "this key is already used by another integration or change source")]
    keys[key] = loc
    return []


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def _located(source: str, tree: Any, loc: Iterable[str | int], message: str) -> str:
    """``FILE:LINE:COL: dotted.path: message``, pointing at the deepest node that exists."""
    path = ""
    node, line, col = tree, 0, 0
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        if isinstance(node, CommentedMap) and part in node:
            line, col = (
                node.lc.value(part)
                if not isinstance(node[part], (CommentedMap, CommentedSeq))
                else node.lc.key(part)
            )
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, col = node.lc.item(part)
            node = node[part]
        else:
            break
    return f"{source}:{line + 1}:{col + 1}: {path or '(file)'}: {message}"

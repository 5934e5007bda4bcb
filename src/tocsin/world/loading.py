"""Loading a world file: YAML, then pydantic validation, then checks across objects.

Every problem becomes ``FILE:LINE:COL: path.to.field: what was expected``, and all of
them are reported at once in one ``WorldFileError``.
"""

from __future__ import annotations

import difflib
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, create_model
from pydantic_core import ErrorDetails

from tocsin.world.checks import check_names, check_references, check_unique
from tocsin.world.document import Positions, World
from tocsin.world.errors import WorldError, WorldFileError
from tocsin.world.records import Record
from tocsin.world.registry import KINDS
from tocsin.world.spec import Spec
from tocsin.world.yaml_reader import read_yaml

_MESSAGES = {
    "missing": "required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a mapping",
    "dict_type": "must be a mapping",
}


@cache
def world_model() -> type[BaseModel]:
    """The model of the whole file: ``version`` and one optional list per section."""
    sections: dict[str, Any] = {
        kind.section: (types.GenericAlias(list, (kind.spec,)) | None, None)
        for kind in KINDS
        if kind.owns_section
    }
    model: type[BaseModel] = create_model(
        "WorldFile", __base__=Spec, version=(Literal[1], ...), **sections
    )
    return model


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through ``X | None``, ``list[X]`` and ``Annotated``."""
    while True:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (list, typing.Union, types.UnionType, typing.Annotated):
            annotation = args[0]
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        return None


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    model: type[BaseModel] | None = world_model()
    for part in loc[:-1]:
        if isinstance(part, str) and model is not None:
            model = _item_model(model.model_fields[part].annotation)
    known = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(known)}"
    return f"unknown field {loc[-1]!r}; {hint}"


def _error(detail: ErrorDetails, positions: Positions) -> WorldError:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    if kind == "extra_forbidden":
        return positions.error(loc, _unknown_field(loc), at_key=True)
    if kind == "literal_error":
        message = f"must be {detail.get('ctx', {}).get('expected', 'one of the allowed values')}"
    else:
        message = _MESSAGES.get(kind) or detail["msg"].removeprefix("Value error, ")
    return positions.error(loc, message)


def _check_objects(world: World) -> list[WorldError]:
    desired: dict[str, list[Record]] = {}
    errors: list[WorldError] = []
    for kind in KINDS:
        if world.manages(kind.section):
            desired[kind.name] = kind.desired(world)
            errors += check_names(kind, desired[kind.name], world)
    errors += check_references(KINDS, desired, world)
    errors += check_unique(KINDS, desired, world)
    return errors


def load_world_text(text: str, source: str = "world.yaml") -> World:
    """Parse and validate a world document; raise ``WorldFileError`` listing every problem.

    ``source`` names the file in error messages. References to objects the file does
    not manage are checked later, against the database, by ``plan_world``.
    """
    data, positions = read_yaml(text, source)
    if not isinstance(data, dict):
        raise WorldFileError(
            [positions.error((), "the file must be a mapping with `version: 1` and sections")]
        )
    try:
        model = world_model().model_validate(data)
    except ValidationError as exc:
        raise WorldFileError([_error(e, positions) for e in exc.errors()]) from None
    world = World(model, positions)
    errors = _check_objects(world)
    if errors:
        raise WorldFileError(errors)
    return world


def load_world_file(path: str | Path) -> World:
    """Read and validate the world file at ``path`` (see ``load_world_text``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorldFileError([WorldError(str(path), 1, 1, "", f"cannot read: {exc}")]) from None
    return load_world_text(text, source=str(path))

"""Edits of a schedule definition: add, change and remove layers without rewriting history.

Pure: definitions in, definitions out, ``now`` passed in. Every result is validated by
``ScheduleDefinition`` itself (the world file's model), so an edit can never produce what
``tocsin apply`` would refuse. A new rotation or new participants become a new revision
of the layer through the core's ``revise`` and ``change_participants``, so who was on
call before the revision's ``effective_from`` stays exactly as it was.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, model_validator

from tocsin.inputs import at_most
from tocsin.schedules.definition import (
    MAX_PARTICIPANTS,
    Instant,
    LayerName,
    LayerSpec,
    Name,
    RevisionSpec,
    RotationSpec,
    ScheduleDefinition,
    Spec,
    parse_instant,
    to_layer,
    to_rotation,
)
from tocsin.schedules.errors import ScheduleError
from tocsin.schedules.layers import EditAnchor, change_participants, revise
from tocsin.schedules.model import Layer, Revision, Rotation


class NewLayer(LayerSpec):
    """A layer to add: the world file's layer, plus where it goes (default: on top)."""

    position: int | None = Field(
        default=None, ge=0, description="0 = lowest; default: above every other layer"
    )


class LayerChange(Spec):
    """A change to a layer: rename it, and/or give it new participants or a new rotation.

    ``participants`` keep the rotation in force (turn, handoff, restrictions) and follow
    ``anchor``; ``rotation`` replaces it whole. Either takes effect at ``effective_from``
    (default: now, or the new rotation's ``start`` when that is later) as a new revision.
    """

    name: LayerName | None = None
    participants: Annotated[list[Name], at_most(MAX_PARTICIPANTS)] | None = Field(
        default=None, min_length=1
    )
    anchor: Literal["next_handoff", "continue", "restart"] | None = Field(
        default=None, description="with participants; default next_handoff"
    )
    rotation: RotationSpec | None = None
    effective_from: Instant | None = Field(
        default=None, description="ISO 8601 with an offset; default now"
    )

    @model_validator(mode="after")
    def _one_change(self) -> LayerChange:
        if self.participants is not None and self.rotation is not None:
            raise ValueError("give participants or rotation, not both")
        if self.anchor is not None and self.participants is None:
            raise ValueError("anchor goes with participants")
        revises = self.participants is not None or self.rotation is not None
        if self.effective_from is not None and not revises:
            raise ValueError("effective_from goes with participants or rotation")
        if self.name is None and not revises:
            raise ValueError("nothing to change: give name, participants or rotation")
        return self


class LayerOut(BaseModel):
    """A layer as stored: its rotation, its later revisions, and its place (0 = lowest)."""

    position: int
    name: str
    rotation: RotationSpec
    revisions: list[RevisionSpec]


def layer_out(definition: ScheduleDefinition, position: int) -> LayerOut:
    """The read model of the layer at ``position``."""
    spec = definition.layers[position]
    return LayerOut(
        position=position, name=spec.name, rotation=spec.rotation, revisions=spec.revisions
    )


def validated(document: dict[str, Any]) -> ScheduleDefinition:
    """``document`` as a definition; ScheduleError 400 ``invalid_schedule`` saying why not."""
    try:
        return ScheduleDefinition.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'schedule'}: {e['msg']}" for e in exc.errors()
        )
        raise ScheduleError(400, "invalid_schedule", problems) from None


def layer_position(definition: ScheduleDefinition, name: str) -> int:
    """Where the layer called ``name`` is; ScheduleError 404 when there is none."""
    for position, layer in enumerate(definition.layers):
        if layer.name == name:
            return position
    raise ScheduleError(404, "not_found", f"the schedule has no layer {name!r}")


def _require_new_name(definition: ScheduleDefinition, name: str) -> None:
    if any(layer.name == name for layer in definition.layers):
        raise ScheduleError(409, "duplicate_layer", f"the schedule already has a layer {name!r}")


def _with_layers(definition: ScheduleDefinition, layers: list[LayerSpec]) -> ScheduleDefinition:
    document = definition.model_dump()
    document["layers"] = [layer.model_dump() for layer in layers]
    return validated(document)


def add_layer(definition: ScheduleDefinition, new: NewLayer) -> tuple[ScheduleDefinition, int]:
    """The definition with ``new`` inserted at its position (default: on top)."""
    _require_new_name(definition, new.name)
    layers = list(definition.layers)
    position = len(layers) if new.position is None else new.position
    if position > len(layers):
        raise ScheduleError(
            400, "invalid_position", f"position must be 0 to {len(layers)} (0 = lowest)"
        )
    layers.insert(position, LayerSpec.model_validate(new.model_dump(exclude={"position"})))
    return _with_layers(definition, layers), position


def remove_layer(definition: ScheduleDefinition, name: str) -> ScheduleDefinition:
    """The definition without the layer ``name``; its past shifts go with it."""
    position = layer_position(definition, name)
    if len(definition.layers) == 1:
        raise ScheduleError(
            409, "last_layer", "a schedule needs a layer; delete the schedule instead"
        )
    layers = list(definition.layers)
    del layers[position]
    return _with_layers(definition, layers)


def change_layer(
    definition: ScheduleDefinition, name: str, change: LayerChange, now: datetime
) -> tuple[ScheduleDefinition, int]:
    """The definition with the layer ``name`` changed as a new revision from its instant."""
    position = layer_position(definition, name)
    spec = definition.layers[position]
    if change.name is not None and change.name != name:
        _require_new_name(definition, change.name)
    edited = _revised(to_layer(spec), change, definition.time_zone, now)
    renamed = change.name or name
    layers = list(definition.layers)
    layers[position] = _layer_spec(edited, renamed, spec, change, definition.time_zone)
    return _with_layers(definition, layers), position


def _revised(layer: Layer, change: LayerChange, time_zone: str, now: datetime) -> Layer:
    """The core layer with the change's revision added (the core decides its instant)."""
    try:
        if change.participants is not None:
            at = parse_instant(change.effective_from) if change.effective_from else now
            anchor = EditAnchor(change.anchor or EditAnchor.NEXT_HANDOFF)
            return change_participants(
                layer, change.participants, at=at, time_zone=time_zone, anchor=anchor
            )
        if change.rotation is not None:
            rotation = to_rotation(change.rotation)
            if change.effective_from is not None:
                at = parse_instant(change.effective_from)
            else:  # a rotation starting later is a planned change, not a gap from now
                at = max(now, rotation.start)
            return revise(layer, Revision(at, rotation))
    except (ValueError, OverflowError) as exc:
        raise ScheduleError(400, "invalid_layer_change", str(exc)) from None
    return layer


def _layer_spec(
    layer: Layer, name: str, before: LayerSpec, change: LayerChange, time_zone: str
) -> LayerSpec:
    """``layer`` as the file writes it, reusing the spelling of everything unchanged."""
    spellings = [before.rotation, *(r.rotation for r in before.revisions)]
    if change.rotation is not None:
        spellings.append(change.rotation)
    known = {to_rotation(s): s for s in spellings}
    written = [s.start for s in spellings] + [s.end for s in spellings if s.end is not None]
    written += [r.effective_from for r in before.revisions]
    written += [change.effective_from] if change.effective_from is not None else []
    texts = {parse_instant(text): text for text in written}
    zone = ZoneInfo(time_zone)

    def instant(value: datetime) -> str:
        return texts.get(value) or value.astimezone(zone).isoformat()

    def spell(rotation: Rotation) -> RotationSpec:
        if rotation in known:
            return known[rotation]
        # Built by change_participants: the rotation in force with new participants (and
        # maybe a new start), so its restrictions are spelled already.
        restrictions = next(
            spec.restrictions
            for r, spec in known.items()
            if r.restrictions == rotation.restrictions
        )
        return RotationSpec(
            participants=list(rotation.participants),
            turn=f"{rotation.turn.count}{rotation.turn.unit.value[0]}",
            start=instant(rotation.start),
            handoff=_wall(rotation.handoff) if rotation.handoff is not None else None,
            end=instant(rotation.end) if rotation.end is not None else None,
            restrictions=restrictions,
        )

    first, *later = layer.revisions
    # The file's first rotation is in force from its own start, so an edit before the
    # layer began must keep that start between its effective_from and the next revision.
    begins = first.rotation.start
    if first.effective_from > begins or (later and later[0].effective_from <= begins):
        raise ScheduleError(
            400,
            "invalid_layer_change",
            "before the layer begins, a new rotation must start at its effective_from",
        )
    return LayerSpec(
        name=name,
        rotation=spell(first.rotation),
        revisions=[
            RevisionSpec(effective_from=instant(r.effective_from), rotation=spell(r.rotation))
            for r in later
        ],
    )


def _wall(value: time) -> str:
    if value.second or value.microsecond:
        raise ScheduleError(
            400, "invalid_layer_change", "give the rotation a handoff in whole minutes first"
        )
    return value.strftime("%H:%M")

"""One layer's shifts over time, and edits that add revisions without rewriting history.

Revision ``i`` of a layer is in force over [effective_from_i, effective_from_i+1). Its
rotation is anchored by its own ``start``: a revision that keeps the previous start
continues the same cycle of turns, one whose start is later begins a new cycle. The
``change_participants`` edit picks the anchor for the common cases (see ``EditAnchor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum

from tocsin.core.wallclock import ZoneLike, as_zone, to_utc
from tocsin.schedules.model import Layer, Revision, Shift
from tocsin.schedules.restrictions import intersect, restriction_intervals
from tocsin.schedules.rotation import HandoffGrid, handoff_time
from tocsin.schedules.timeline import Piece, merge_adjacent, to_shifts


def layer_pieces(layer: Layer, time_zone: ZoneLike, start: datetime, end: datetime) -> list[Piece]:
    """The layer's on-call pieces within [start, end) (UTC, sorted, disjoint, unmerged)."""
    zone = as_zone(time_zone)
    lo, hi = to_utc(start), to_utc(end)
    pieces: list[Piece] = []
    revisions = layer.revisions
    for i, revision in enumerate(revisions):
        window_start = max(lo, revision.effective_from.astimezone(UTC))
        window_end = hi
        if i + 1 < len(revisions):
            window_end = min(hi, revisions[i + 1].effective_from.astimezone(UTC))
        if window_start >= window_end:
            continue
        rotation = revision.rotation
        turns = [
            (max(turn.start, window_start), min(turn.end, window_end), turn.user)
            for turn in HandoffGrid(rotation, zone).turns(window_start, window_end)
        ]
        if rotation.restrictions is not None:
            windows = restriction_intervals(rotation.restrictions, zone, window_start, window_end)
            turns = intersect(turns, windows)
        pieces.extend(Piece(s, e, user, layer.name, "rotation") for s, e, user in turns if s < e)
    return pieces


def layer_shifts(
    layer: Layer, time_zone: ZoneLike, start: datetime, end: datetime
) -> tuple[Shift, ...]:
    """Who this layer alone puts on call within [start, end), clipped, merged and in UTC.

    Restrictions are applied; other layers and overrides are not.
    """
    return to_shifts(merge_adjacent(layer_pieces(layer, time_zone, start, end)))


def revision_at(layer: Layer, instant: datetime) -> Revision | None:
    """The revision in force at ``instant``, or None before the first one."""
    moment = to_utc(instant)
    current = None
    for revision in layer.revisions:
        if revision.effective_from <= moment:
            current = revision
    return current


def revise(layer: Layer, revision: Revision) -> Layer:
    """The layer with ``revision`` added; a revision at the same instant is replaced.

    Revisions before it keep history intact; revisions after it stay planned and take
    over again from their own ``effective_from``.
    """
    others = [r for r in layer.revisions if r.effective_from != revision.effective_from]
    ordered = sorted([*others, revision], key=lambda r: r.effective_from)
    return Layer(layer.name, tuple(ordered))


class EditAnchor(StrEnum):
    """How ``change_participants`` anchors the new rotation.

    - ``NEXT_HANDOFF``: the current turn is left alone; the new list takes over at the
      next handoff, its first participant first. Nobody's present is changed.
    - ``CONTINUE``: the change applies at ``at`` and the cycle carries on counting turns
      from the old start, so the new list's ``k % n``-th person holds turn ``k``.
    - ``RESTART``: the change applies at ``at`` and the new list's first participant
      takes over at once until the next handoff; handoff days and times stay as they were.
    """

    NEXT_HANDOFF = "next_handoff"
    CONTINUE = "continue"
    RESTART = "restart"


def change_participants(
    layer: Layer,
    participants: Sequence[str],
    *,
    at: datetime,
    time_zone: ZoneLike,
    anchor: EditAnchor | str = EditAnchor.NEXT_HANDOFF,
) -> Layer:
    """Replace the layer's participants from ``at`` (or its next handoff), keeping history.

    The rotation in force at ``at`` provides the turn length, handoff time and
    restrictions; ``time_zone`` is the schedule's zone. An edit dated before the layer's
    first revision applies from that revision, and one dated before the rotation starts
    applies at once (nobody is on call yet, so there is no turn to finish). ValueError
    if ``NEXT_HANDOFF`` is asked of a rotation that ends before its next handoff.
    """
    zone = as_zone(time_zone)
    mode = EditAnchor(anchor)
    # An edit dated before the layer's first revision edits that first revision.
    requested = to_utc(at)
    moment = max(requested, layer.revisions[0].effective_from.astimezone(UTC))
    base = (revision_at(layer, moment) or layer.revisions[0]).rotation
    grid = HandoffGrid(base, zone)
    # Pin the wall-clock handoff so a new start on a DST-shifted handoff keeps the grid.
    rotation = replace(base, participants=tuple(participants), handoff=handoff_time(base, zone))
    effective_from = moment
    # Before anyone from this rotation is on call there is no turn to finish or restart.
    started = requested == moment and moment >= grid.start
    if started and mode is EditAnchor.RESTART:
        rotation = replace(rotation, start=grid.handoff_at(grid.index_at(moment)))
    elif started and mode is EditAnchor.NEXT_HANDOFF:
        effective_from = grid.handoff_at(grid.index_at(moment) + 1)
        if grid.end is not None and effective_from >= grid.end:
            raise ValueError(
                f"layer {layer.name!r}: the rotation ends before its next handoff; "
                "change it with an explicit anchor or a new revision instead"
            )
        rotation = replace(rotation, start=effective_from)
    return revise(layer, Revision(effective_from, rotation))

"""Sorted, disjoint pieces of on-call time, and the operations that combine them.

A timeline is a list of ``Piece``s ordered by start with no overlaps; time not covered
by a piece is a gap. Layers are stacked with ``overlay`` (the upper timeline wins where
it has a piece) and overrides are spliced in with ``splice_override``. Pieces are
lightweight named tuples because a year of a large schedule makes thousands of them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from tocsin.schedules.model import Gap, Shift, ShiftSource


class Piece(NamedTuple):
    """``user`` on call for [start, end) (UTC), from ``layer``'s rotation or an override."""

    start: datetime
    end: datetime
    user: str
    layer: str | None
    source: ShiftSource


_start_of = attrgetter("start")


def overlay(below: list[Piece], above: list[Piece]) -> list[Piece]:
    """Stack two timelines: ``above`` wins wherever it has a piece, ``below`` fills the rest."""
    if not above:
        return list(below)
    if not below:
        return list(above)
    kept: list[Piece] = []
    j = 0
    for piece in below:
        cursor = piece.start
        while j < len(above) and above[j].end <= cursor:
            j += 1
        k = j
        while k < len(above) and above[k].start < piece.end and cursor < piece.end:
            if above[k].start > cursor:
                kept.append(piece._replace(start=cursor, end=above[k].start))
            cursor = max(cursor, above[k].end)
            k += 1
        if cursor < piece.end:
            kept.append(piece._replace(start=cursor))
    # Both lists are sorted runs, which sorted() merges in linear time.
    return sorted(kept + above, key=_start_of)


def splice_override(
    timeline: list[Piece],
    user: str,
    start: datetime,
    end: datetime,
    replaces: str | None,
) -> None:
    """Put ``user`` on call over [start, end) in ``timeline``, in place.

    With ``replaces=None`` the whole interval becomes the override's, gaps included;
    otherwise only the pieces held by ``replaces`` are taken over.
    """
    i = bisect_right(timeline, start, key=_start_of) - 1
    if i < 0 or timeline[i].end <= start:
        i += 1
    j = bisect_left(timeline, end, key=_start_of)
    affected = timeline[i:j]
    replacement: list[Piece] = []
    if replaces is None:
        if affected and affected[0].start < start:
            replacement.append(affected[0]._replace(end=start))
        replacement.append(Piece(start, end, user, None, "override"))
        if affected and affected[-1].end > end:
            replacement.append(affected[-1]._replace(start=end))
    else:
        for piece in affected:
            if piece.user != replaces:
                replacement.append(piece)
                continue
            if piece.start < start:
                replacement.append(piece._replace(end=start))
            replacement.append(
                Piece(max(piece.start, start), min(piece.end, end), user, None, "override")
            )
            if piece.end > end:
                replacement.append(piece._replace(start=end))
    timeline[i:j] = replacement


def merge_adjacent(timeline: list[Piece]) -> list[Piece]:
    """Join touching pieces of the same user, layer and source into one."""
    merged: list[Piece] = []
    for piece in timeline:
        if merged:
            last = merged[-1]
            if (
                last.end == piece.start
                and last.user == piece.user
                and last.layer == piece.layer
                and last.source == piece.source
            ):
                merged[-1] = last._replace(end=piece.end)
                continue
        merged.append(piece)
    return merged


def gaps_in(timeline: list[Piece], start: datetime, end: datetime) -> list[Gap]:
    """The parts of [start, end) no piece covers."""
    gaps: list[Gap] = []
    cursor = start
    for piece in timeline:
        if piece.start > cursor:
            gaps.append(Gap(cursor, piece.start))
        cursor = max(cursor, piece.end)
    if cursor < end:
        gaps.append(Gap(cursor, end))
    return gaps


def to_shifts(timeline: list[Piece]) -> tuple[Shift, ...]:
    """The pieces as public ``Shift`` values."""
    return tuple(Shift(p.user, p.start, p.end, p.layer, p.source) for p in timeline)

"""The final schedule: layers stacked, overrides applied, gaps and shadows worked out.

``final_schedule`` answers "who is on call between A and B"; ``on_call_at`` answers "who
is on call now" by computing only a small window around the instant, widened until the
shift it reports is known end to end (or a horizon is reached).

Both are local: the final schedule over [a, b) clipped to [c, d) equals the final
schedule over [c, d), which is what lets a point query look at a few days only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tocsin.core.wallclock import as_zone, to_utc
from tocsin.schedules.layers import layer_pieces
from tocsin.schedules.model import FinalSchedule, OnCall, Schedule, Shadow, ShadowShift
from tocsin.schedules.overrides import apply_overrides
from tocsin.schedules.timeline import Piece, gaps_in, merge_adjacent, overlay, to_shifts

DEFAULT_HORIZON = timedelta(days=35)
_FIRST_REACH = timedelta(days=1)


def final_schedule(schedule: Schedule, start: datetime, end: datetime) -> FinalSchedule:
    """Who is on call in [start, end): shifts, gaps and shadows, sorted, clipped, in UTC.

    Higher layers win wherever they have someone on call; overrides then apply on top in
    order. Touching shifts of the same user, layer and source are merged.
    """
    lo, hi = to_utc(start), to_utc(end)
    if hi < lo:
        raise ValueError("final_schedule needs start <= end")
    timeline = _final_pieces(schedule, lo, hi)
    return FinalSchedule(
        shifts=to_shifts(timeline),
        gaps=tuple(gaps_in(timeline, lo, hi)),
        shadows=tuple(_shadow_shifts(schedule.shadows, timeline)),
    )


def on_call_at(
    schedule: Schedule, instant: datetime, *, horizon: timedelta = DEFAULT_HORIZON
) -> OnCall:
    """Who is on call at ``instant``, computed from a few days around it only.

    The reported shift is exact when it starts and ends within ``horizon`` of the instant;
    otherwise it is clipped to [instant - horizon, instant + horizon), exactly as
    ``final_schedule`` over that interval would clip it.
    """
    moment = to_utc(instant)
    if horizon <= timedelta():
        raise ValueError("on_call_at needs a positive horizon")
    reach = min(_FIRST_REACH, horizon)
    while True:
        lo, hi = moment - reach, moment + reach
        timeline = _final_pieces(schedule, lo, hi)
        covering = [p for p in timeline if p.start <= moment < p.end]
        # A shift touching the window's edge may extend beyond it: look further out.
        if reach >= horizon or all(lo < p.start and p.end < hi for p in covering):
            break
        reach = min(reach * 2, horizon)
    shadows = [s for s in _shadow_shifts(schedule.shadows, covering) if s.start <= moment < s.end]
    return OnCall(
        instant=moment,
        users=tuple(p.user for p in covering),
        shadows=tuple(dict.fromkeys(s.user for s in shadows)),
        shifts=to_shifts(covering),
    )


def _final_pieces(schedule: Schedule, lo: datetime, hi: datetime) -> list[Piece]:
    zone = as_zone(schedule.time_zone)
    timeline: list[Piece] = []
    for layer in schedule.layers:
        timeline = overlay(timeline, layer_pieces(layer, zone, lo, hi))
    timeline = apply_overrides(timeline, schedule.overrides, lo, hi)
    return merge_adjacent(timeline)


def _shadow_shifts(shadows: tuple[Shadow, ...], timeline: list[Piece]) -> list[ShadowShift]:
    """Who shadows whom over ``timeline``; nobody shadows their own on-call time."""
    found: list[ShadowShift] = []
    for shadow in shadows:
        for piece in timeline:
            if shadow.shadowing is not None and piece.user != shadow.shadowing:
                continue
            if piece.user == shadow.user:
                continue
            start, end = piece.start, piece.end
            if shadow.start is not None:
                start = max(start, to_utc(shadow.start))
            if shadow.end is not None:
                end = min(end, to_utc(shadow.end))
            if start < end:
                found.append(ShadowShift(shadow.user, piece.user, start, end))
    # Two shadow rules can cover the same time (one for "bob", one for the whole
    # schedule): join overlapping and touching intervals per (user, shadowing) pair.
    found.sort(key=lambda s: (s.user, s.shadowing, s.start))
    merged: list[ShadowShift] = []
    for item in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last.user, last.shadowing) == (item.user, item.shadowing)
            and item.start <= last.end
        ):
            if item.end > last.end:
                merged[-1] = ShadowShift(item.user, item.shadowing, last.start, item.end)
        else:
            merged.append(item)
    merged.sort(key=lambda s: (s.start, s.user, s.shadowing))
    return merged

"""Overrides and swaps: putting someone else on call for a while.

An override is applied on top of all layers. Overrides are applied in the order the
schedule lists them, each to the result of the ones before, so where two overlap the
later one wins and an override that ``replaces`` a user also takes over that user's
earlier overrides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from tocsin.schedules.model import Override, Swap
from tocsin.schedules.timeline import Piece, splice_override


def accept_swap(swap: Swap) -> Override:
    """The override an accepted swap becomes: ``to_user`` takes ``from_user``'s time.

    The override only replaces ``from_user``, so if they were on call for part of the
    swap's interval (a restricted layer, someone else's override), only that part moves.
    """
    return Override(user=swap.to_user, start=swap.start, end=swap.end, replaces=swap.from_user)


def apply_overrides(
    timeline: list[Piece], overrides: Iterable[Override], start: datetime, end: datetime
) -> list[Piece]:
    """``timeline`` (covering [start, end)) with every override applied, clipped to it."""
    result = list(timeline)
    for override in overrides:
        # Plain comparisons first: a point query skips almost every override here.
        if override.end <= start or override.start >= end:
            continue
        lo = max(start, override.start.astimezone(UTC))
        hi = min(end, override.end.astimezone(UTC))
        if lo < hi:
            splice_override(result, override.user, lo, hi, override.replaces)
    return result

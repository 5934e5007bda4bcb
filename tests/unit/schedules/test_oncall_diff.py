"""How an edit changes who is on call: the intervals that differ, merged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.schedules.model import FinalSchedule, Shift
from tocsin.schedules.oncall_diff import OnCallChange, oncall_changes

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def final(*people: str) -> FinalSchedule:
    """One person a day from T0."""
    shifts = tuple(
        Shift(user, T0 + i * DAY, T0 + (i + 1) * DAY, "weekly", "rotation")
        for i, user in enumerate(people)
    )
    return FinalSchedule(shifts=shifts, gaps=(), shadows=())


def test_no_change_means_no_lines() -> None:
    assert oncall_changes(final("a", "b"), final("a", "b"), T0, T0 + 2 * DAY) == []


def test_swapped_days_are_reported_and_adjacent_equal_changes_merge() -> None:
    changes = oncall_changes(final("a", "b", "b", "c"), final("a", "c", "c", "c"), T0, T0 + 4 * DAY)
    assert changes == [OnCallChange(T0 + DAY, T0 + 3 * DAY, ("b",), ("c",))]


def test_a_new_or_deleted_schedule_changes_from_or_to_nobody() -> None:
    assert oncall_changes(None, final("a"), T0, T0 + DAY) == [
        OnCallChange(T0, T0 + DAY, (), ("a",))
    ]
    assert oncall_changes(final("a"), None, T0, T0 + DAY) == [
        OnCallChange(T0, T0 + DAY, ("a",), ())
    ]

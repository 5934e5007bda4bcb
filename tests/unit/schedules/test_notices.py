"""The notice rules: which notices a firing sends, and which it collapses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.schedules.model import Shift
from tocsin.schedules.notices import (
    NoticeKind,
    NoticeSettings,
    OnCallShift,
    due,
    notices,
    on_call_shifts,
)

H = timedelta(hours=1)
T = datetime(2026, 12, 3, 9, tzinfo=UTC)


def test_touching_shifts_of_one_person_are_one_shift_and_the_window_start_is_no_start() -> None:
    shifts = [
        Shift("alice", T - 5 * H, T, "a", "rotation"),
        Shift("bob", T, T + H, "a", "rotation"),
        Shift("bob", T + H, T + 2 * H, None, "override"),
        Shift("alice", T + 2 * H, T + 3 * H, "a", "rotation"),
    ]
    found = on_call_shifts(shifts, T - 5 * H, T + 3 * H)
    assert found == [
        OnCallShift("bob", T, T + 2 * H, "alice", T - 5 * H),
        OnCallShift("alice", T + 2 * H, None, "bob", T),
    ]


def test_a_late_firing_sends_only_the_newest_shift_of_each_person_and_no_stale_reminder() -> None:
    every = notices(
        [
            OnCallShift("bob", T - 3 * H, T - 2 * H),
            OnCallShift("bob", T - 10 * timedelta(minutes=1), None),
        ],
        NoticeSettings(reminder_before=timedelta(minutes=5), handoff_report=False),
    )
    sent = due(every, T)
    assert [(n.kind, n.shift.start) for n in sent] == [
        (NoticeKind.SHIFT_START, T - timedelta(minutes=10))
    ]  # the reminder 15 minutes ago is for a shift already begun; three hours ago is noise


def test_nothing_older_than_the_grace_is_sent() -> None:
    every = notices([OnCallShift("bob", T - 16 * timedelta(minutes=1), None)], NoticeSettings())
    assert due(every, T) == []
    assert len(due(every, T - 2 * timedelta(minutes=1))) == 2  # start and report, in time

"""The final schedule and the point query: layers stacked, clipped, merged, in UTC."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest

from tests.unit.schedules.factories import NEW_YORK, rotation, schedule, utc, wall
from tocsin.schedules import (
    DailyWindow,
    Layer,
    Restrictions,
    Schedule,
    TurnLength,
    final_schedule,
    on_call_at,
)


def test_a_higher_layer_wins_wherever_it_has_someone_on_call():
    base = Layer.of("primary", rotation(["ann"], start=utc(2024, 1, 1)))
    evenings = Layer.of(
        "evenings",
        rotation(
            ["eve"],
            start=utc(2024, 1, 1),
            restrictions=Restrictions((DailyWindow(time(18), time(22)),)),
        ),
    )
    final = final_schedule(
        schedule(base, evenings), wall(NEW_YORK, 2024, 1, 2), wall(NEW_YORK, 2024, 1, 3)
    )
    assert [(s.user, s.layer) for s in final.shifts] == [
        ("ann", "primary"),
        ("eve", "evenings"),
        ("ann", "primary"),
    ]


def test_shifts_are_clipped_to_the_query_and_touching_turns_of_one_person_merge():
    rota = rotation(["ann", "ann", "ben"], start=utc(2024, 1, 1))
    final = final_schedule(schedule(rota), utc(2024, 1, 1, 12), utc(2024, 1, 3, 12))
    assert [(s.user, s.start, s.end) for s in final.shifts] == [
        ("ann", utc(2024, 1, 1, 12), utc(2024, 1, 3)),
        ("ben", utc(2024, 1, 3), utc(2024, 1, 3, 12)),
    ]


def test_the_same_person_on_two_layers_gives_two_shifts():
    lower = Layer.of("lower", rotation(["ann"], start=utc(2024, 1, 1)))
    upper = Layer.of("upper", rotation(["ann"], start=utc(2024, 1, 2)))
    final = final_schedule(schedule(lower, upper), utc(2024, 1, 1), utc(2024, 1, 3))
    assert [(s.user, s.layer) for s in final.shifts] == [("ann", "lower"), ("ann", "upper")]


def test_all_times_come_out_in_utc():
    final = final_schedule(
        schedule(rotation(start=wall(NEW_YORK, 2024, 1, 1, 9))), utc(2024, 1, 1), utc(2024, 1, 5)
    )
    assert {s.start.tzinfo for s in final.shifts} | {g.end.tzinfo for g in final.gaps} == {UTC}


def test_an_empty_query_has_no_shifts_and_no_gaps():
    final = final_schedule(
        schedule(rotation(start=utc(2024, 1, 1))), utc(2024, 1, 2), utc(2024, 1, 2)
    )
    assert (final.shifts, final.gaps) == ((), ())


def test_on_call_at_reports_the_whole_shift_around_the_instant():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 9), turn=TurnLength.weeks())
    now = on_call_at(schedule(rota), wall(NEW_YORK, 2024, 1, 10, 3))
    assert now.users == ("bob",)
    assert (now.shifts[0].start, now.shifts[0].end) == (
        wall(NEW_YORK, 2024, 1, 8, 9),
        wall(NEW_YORK, 2024, 1, 15, 9),
    )
    assert now.instant == wall(NEW_YORK, 2024, 1, 10, 3)


def test_on_call_at_clips_a_shift_longer_than_its_horizon():
    rota = rotation(["solo"], start=utc(2024, 1, 1))
    now = on_call_at(schedule(rota), utc(2024, 6, 1), horizon=timedelta(days=2))
    assert (now.shifts[0].start, now.shifts[0].end) == (utc(2024, 5, 30), utc(2024, 6, 3))


def test_on_call_at_in_a_gap_has_nobody():
    now = on_call_at(schedule(rotation(start=utc(2024, 1, 2))), utc(2024, 1, 1))
    assert (now.users, now.shifts, now.shadows) == ((), (), ())


def test_naive_datetimes_and_backwards_queries_are_refused():
    sched = schedule(rotation(start=utc(2024, 1, 1)))
    with pytest.raises(ValueError, match="timezone-aware"):
        final_schedule(sched, utc(2024, 1, 1).replace(tzinfo=None), utc(2024, 1, 2))
    with pytest.raises(ValueError, match="start <= end"):
        final_schedule(sched, utc(2024, 1, 2), utc(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call_at(sched, utc(2024, 1, 1).replace(tzinfo=None))
    with pytest.raises(ValueError, match="positive horizon"):
        on_call_at(sched, utc(2024, 1, 1), horizon=timedelta(0))


def test_a_schedule_needs_a_known_zone_and_unique_layer_names():
    layer = Layer.of("primary", rotation(start=utc(2024, 1, 1)))
    with pytest.raises(ValueError, match="unknown time zone"):
        Schedule(name="s", time_zone="Nowhere/Special", layers=(layer,))
    with pytest.raises(ValueError, match="unique"):
        Schedule(name="s", time_zone="UTC", layers=(layer, layer))

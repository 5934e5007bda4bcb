"""How a rotation hands its turns around."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.unit.schedules.factories import NEW_YORK, hours, rotation, schedule, utc, wall, who
from tocsin.schedules import (
    Rotation,
    TurnLength,
    TurnUnit,
    final_schedule,
    handoff_time,
    on_call_at,
    turn_at,
    turns_between,
)


def test_turns_go_round_the_participants_in_order():
    rota = rotation(["ann", "ben", "cat"], start=utc(2024, 1, 1, 9))
    turns = list(turns_between(rota, "UTC", utc(2024, 1, 1), utc(2024, 1, 8)))
    assert [t.user for t in turns] == ["ann", "ben", "cat", "ann", "ben", "cat", "ann"]
    assert [t.index for t in turns] == list(range(7))


def test_nobody_is_on_call_before_the_rotation_starts():
    final = final_schedule(
        schedule(rotation(start=utc(2024, 1, 2, 9))), utc(2024, 1, 1), utc(2024, 1, 3)
    )
    assert [(g.start, g.end) for g in final.gaps] == [(utc(2024, 1, 1), utc(2024, 1, 2, 9))]


def test_the_first_turn_runs_from_start_to_the_first_handoff_time():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 15), handoff=time(9))
    final = final_schedule(schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 4))
    assert who(final, NEW_YORK) == [
        ("alice", "01-01 15:00-0500", "01-02 09:00-0500"),
        ("bob", "01-02 09:00-0500", "01-03 09:00-0500"),
        ("carol", "01-03 09:00-0500", "01-04 00:00-0500"),
    ]


def test_a_start_before_the_handoff_time_makes_the_first_turn_longer_not_a_stub():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 8), handoff=time(9))
    first = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 3)
    ).shifts[0]
    assert (first.user, hours(first)) == ("alice", 25)


def test_the_handoff_time_defaults_to_the_wall_clock_time_of_start():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 17, 30))
    assert handoff_time(rota, NEW_YORK) == time(17, 30)
    assert handoff_time(rotation(start=utc(2024, 1, 1), turn=TurnLength.hours(8)), "UTC") is None


def test_weekly_turns_hand_off_on_the_start_weekday():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 9), turn=TurnLength.weeks())  # a Monday
    turns = list(turns_between(rota, NEW_YORK, utc(2024, 1, 1), utc(2024, 2, 1)))
    assert {t.start.astimezone(NEW_YORK).strftime("%a %H:%M") for t in turns} == {"Mon 09:00"}


def test_custom_turns_are_any_count_of_hours_or_days():
    three_days = rotation(start=utc(2024, 1, 1), turn=TurnLength.days(3))
    thirty_six_hours = rotation(start=utc(2024, 1, 1), turn=TurnLength(36, TurnUnit.HOURS))
    assert turn_at(three_days, "UTC", utc(2024, 1, 4)).user == "bob"  # type: ignore[union-attr]
    turns = turns_between(thirty_six_hours, "UTC", utc(2024, 1, 1), utc(2024, 1, 5))
    assert [(t.user, t.start) for t in turns] == [
        ("alice", utc(2024, 1, 1)),
        ("bob", utc(2024, 1, 2, 12)),
        ("carol", utc(2024, 1, 4)),
    ]


def test_a_rotation_with_an_end_stops_putting_people_on_call():
    rota = rotation(start=utc(2024, 1, 1, 9), end=utc(2024, 1, 2, 12))
    final = final_schedule(schedule(rota), utc(2024, 1, 1, 9), utc(2024, 1, 3))
    assert [(s.user, s.end) for s in final.shifts] == [
        ("alice", utc(2024, 1, 2, 9)),
        ("bob", utc(2024, 1, 2, 12)),
    ]
    assert [(g.start, g.end) for g in final.gaps] == [(utc(2024, 1, 2, 12), utc(2024, 1, 3))]


def test_who_is_on_call_years_later_is_worked_out_directly():
    rota = rotation(["ann", "ben", "cat"], start=wall(NEW_YORK, 2024, 1, 1, 9))
    later = wall(NEW_YORK, 2034, 6, 1, 12)
    days = (later.date() - wall(NEW_YORK, 2024, 1, 1).date()).days
    assert on_call_at(schedule(rota), later).users == (("ann", "ben", "cat")[days % 3],)


def test_a_single_participant_holds_one_merged_shift():
    rota = rotation(["solo"], start=utc(2024, 1, 1))
    final = final_schedule(schedule(rota), utc(2024, 1, 1), utc(2024, 2, 1))
    assert [(s.user, s.duration) for s in final.shifts] == [("solo", timedelta(days=31))]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"participants": ()}, "at least one participant"),
        ({"start": utc(2024, 1, 1).replace(tzinfo=None)}, "timezone-aware"),
        ({"end": utc(2023, 1, 1)}, "after Rotation.start"),
        ({"turn": TurnLength.hours(8), "handoff": time(9)}, "elapsed hours"),
    ],
)
def test_a_rotation_that_makes_no_sense_is_refused(kwargs, message):
    fields = {"participants": ("ann",), "turn": TurnLength.days(), "start": utc(2024, 1, 1)}
    with pytest.raises(ValueError, match=message):
        Rotation(**(fields | kwargs))


def test_a_turn_length_must_be_a_positive_whole_number():
    with pytest.raises(ValueError, match="positive integer"):
        TurnLength.days(0)

"""Worked examples of the DST policy (docs/decisions/0002-schedule-dst-policy.md)."""

from __future__ import annotations

from datetime import date, time, timedelta

from tests.unit.schedules.factories import (
    BERLIN,
    CHATHAM,
    KOLKATA,
    LONDON,
    LORD_HOWE,
    NEW_YORK,
    hours,
    rotation,
    schedule,
    utc,
    wall,
    who,
)
from tocsin.schedules import (
    DailyWindow,
    Restrictions,
    TurnLength,
    final_schedule,
    handoffs_between,
    restriction_intervals,
    wall_to_utc,
)


def test_0900_handoff_stays_0900_across_spring_forward():
    rota = rotation(start=wall(NEW_YORK, 2024, 3, 8, 9))
    final = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 3, 8, 9), wall(NEW_YORK, 2024, 3, 12, 9)
    )
    assert who(final, NEW_YORK) == [
        ("alice", "03-08 09:00-0500", "03-09 09:00-0500"),
        ("bob", "03-09 09:00-0500", "03-10 09:00-0400"),
        ("carol", "03-10 09:00-0400", "03-11 09:00-0400"),
        ("alice", "03-11 09:00-0400", "03-12 09:00-0400"),
    ]


def test_0900_handoff_stays_0900_across_fall_back():
    rota = rotation(start=wall(NEW_YORK, 2024, 11, 1, 9))
    final = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 11, 2, 9), wall(NEW_YORK, 2024, 11, 4, 9)
    )
    assert who(final, NEW_YORK) == [
        ("bob", "11-02 09:00-0400", "11-03 09:00-0500"),
        ("carol", "11-03 09:00-0500", "11-04 09:00-0500"),
    ]


def test_a_day_turn_is_a_calendar_day_of_23_or_25_hours_on_transition_days():
    spring = final_schedule(
        schedule(rotation(start=wall(NEW_YORK, 2024, 3, 9, 9))),
        wall(NEW_YORK, 2024, 3, 9, 9),
        wall(NEW_YORK, 2024, 3, 10, 9),
    )
    autumn = final_schedule(
        schedule(rotation(start=wall(NEW_YORK, 2024, 11, 2, 9))),
        wall(NEW_YORK, 2024, 11, 2, 9),
        wall(NEW_YORK, 2024, 11, 3, 9),
    )
    assert [hours(s) for s in spring.shifts] == [23]
    assert [hours(s) for s in autumn.shifts] == [25]


def test_a_week_turn_is_seven_calendar_days_of_167_hours_across_spring_forward():
    rota = rotation(start=wall(BERLIN, 2024, 3, 25, 9), turn=TurnLength.weeks())
    final = final_schedule(
        schedule(rota, zone=BERLIN), wall(BERLIN, 2024, 3, 25, 9), wall(BERLIN, 2024, 4, 8, 9)
    )
    assert [(s.user, hours(s)) for s in final.shifts] == [("alice", 167), ("bob", 168)]
    assert who(final, BERLIN)[0][2] == "04-01 09:00+0200"


def test_hour_turns_are_elapsed_hours_so_their_wall_clock_handoffs_drift():
    rota = rotation(start=wall(NEW_YORK, 2024, 3, 9, 9), turn=TurnLength.hours(12))
    final = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 3, 9, 9), wall(NEW_YORK, 2024, 3, 11, 10)
    )
    assert all(hours(s) == 12 for s in final.shifts[:-1])
    assert who(final, NEW_YORK) == [
        ("alice", "03-09 09:00-0500", "03-09 21:00-0500"),
        ("bob", "03-09 21:00-0500", "03-10 10:00-0400"),
        ("carol", "03-10 10:00-0400", "03-10 22:00-0400"),
        ("alice", "03-10 22:00-0400", "03-11 10:00-0400"),
    ]


def test_handoff_at_0230_in_the_spring_forward_gap_moves_to_0300_in_new_york():
    rota = rotation(start=wall(NEW_YORK, 2024, 3, 8, 2, 30), handoff=time(2, 30))
    handoffs = handoffs_between(rota, NEW_YORK, utc(2024, 3, 9), utc(2024, 3, 12))
    assert [h.astimezone(NEW_YORK).strftime("%d %H:%M%z") for h in handoffs] == [
        "09 02:30-0500",
        "10 03:00-0400",
        "11 02:30-0400",
    ]
    assert handoffs[1] == utc(2024, 3, 10, 7)


def test_handoff_at_0130_in_the_fall_back_overlap_takes_the_first_occurrence():
    rota = rotation(start=wall(NEW_YORK, 2024, 11, 1, 1, 30), handoff=time(1, 30))
    final = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 11, 2, 1, 30), wall(NEW_YORK, 2024, 11, 4, 1, 30)
    )
    assert final.shifts[1].start == utc(2024, 11, 3, 5, 30)  # 01:30 EDT, not 01:30 EST
    assert [hours(s) for s in final.shifts] == [24, 25]


def test_lord_howe_handoff_in_the_30_minute_gap_moves_to_0230():
    rota = rotation(start=wall(LORD_HOWE, 2024, 10, 4, 2, 15), handoff=time(2, 15))
    final = final_schedule(schedule(rota, zone=LORD_HOWE), utc(2024, 10, 4), utc(2024, 10, 7))
    assert who(final, LORD_HOWE)[1:3] == [
        ("bob", "10-05 02:15+1030", "10-06 02:30+1100"),
        ("carol", "10-06 02:30+1100", "10-07 02:15+1100"),
    ]
    assert [hours(s) for s in final.shifts[1:3]] == [23.75, 23.75]


def test_lord_howe_days_are_23_and_a_half_and_24_and_a_half_hours_on_transition_days():
    spring = final_schedule(
        schedule(rotation(start=wall(LORD_HOWE, 2024, 10, 5, 9)), zone=LORD_HOWE),
        wall(LORD_HOWE, 2024, 10, 5, 9),
        wall(LORD_HOWE, 2024, 10, 6, 9),
    )
    autumn = final_schedule(
        schedule(rotation(start=wall(LORD_HOWE, 2024, 4, 6, 9)), zone=LORD_HOWE),
        wall(LORD_HOWE, 2024, 4, 6, 9),
        wall(LORD_HOWE, 2024, 4, 7, 9),
    )
    assert [hours(s) for s in spring.shifts] == [23.5]
    assert [hours(s) for s in autumn.shifts] == [24.5]


def test_lord_howe_handoff_in_the_30_minute_overlap_takes_the_first_occurrence():
    assert wall_to_utc(date(2024, 4, 7), time(1, 45), LORD_HOWE) == utc(2024, 4, 6, 14, 45)


def test_chatham_handoff_at_0300_in_the_gap_moves_to_0345():
    handoff = wall_to_utc(date(2024, 9, 29), time(3, 0), CHATHAM)
    assert handoff.astimezone(CHATHAM).strftime("%H:%M%z") == "03:45+1345"
    assert handoff == utc(2024, 9, 28, 14)


def test_kolkata_has_no_transitions_so_every_day_turn_is_24_hours():
    rota = rotation(start=wall(KOLKATA, 2024, 1, 1, 9))
    final = final_schedule(
        schedule(rota, zone=KOLKATA), wall(KOLKATA, 2024, 1, 1, 9), wall(KOLKATA, 2025, 1, 1, 9)
    )
    assert {s.duration for s in final.shifts} == {timedelta(days=1)}
    assert len(final.shifts) == 366


def test_restriction_window_edges_follow_the_same_rule_as_handoffs():
    window = Restrictions((DailyWindow(time(2, 30), time(9)),))
    intervals = restriction_intervals(window, NEW_YORK, utc(2024, 3, 10, 4), utc(2024, 3, 10, 20))
    assert intervals == [(utc(2024, 3, 10, 7), utc(2024, 3, 10, 13))]  # 03:00-09:00 EDT


def test_london_night_window_loses_an_hour_on_spring_forward_and_gains_one_on_fall_back():
    night = Restrictions((DailyWindow(time(0), time(6)),))
    spring = restriction_intervals(night, LONDON, utc(2024, 3, 30, 12), utc(2024, 3, 31, 12))
    autumn = restriction_intervals(night, LONDON, utc(2024, 10, 26, 12), utc(2024, 10, 27, 12))
    assert [(e - s) / timedelta(hours=1) for s, e in spring] == [5]
    assert [(e - s) / timedelta(hours=1) for s, e in autumn] == [7]

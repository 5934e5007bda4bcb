"""Restricted layers: on call only inside their windows, and follow-the-sun."""

from __future__ import annotations

from datetime import time

import pytest

from tests.unit.schedules.factories import LONDON, NEW_YORK, rotation, schedule, utc, wall, who
from tocsin.schedules import (
    DailyWindow,
    Layer,
    Restrictions,
    TurnLength,
    Weekday,
    WeeklyWindow,
    final_schedule,
    is_restricted_in,
    on_call_at,
)

BUSINESS_DAY = Restrictions((DailyWindow(time(9), time(17)),))


def test_a_business_hours_layer_has_someone_on_call_only_from_0900_to_1700():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 9), restrictions=BUSINESS_DAY)
    final = final_schedule(schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 3))
    assert who(final, NEW_YORK) == [
        ("alice", "01-01 09:00-0500", "01-01 17:00-0500"),
        ("bob", "01-02 09:00-0500", "01-02 17:00-0500"),
    ]
    assert len(final.gaps) == 3


def test_a_night_window_crosses_midnight():
    nights = Restrictions((DailyWindow(time(22), time(6)),))
    rota = rotation(["owl"], start=utc(2024, 1, 1), restrictions=nights)
    final = final_schedule(schedule(rota, zone=LONDON), utc(2024, 1, 1), utc(2024, 1, 3))
    assert [(s.start, s.end) for s in final.shifts] == [
        (utc(2024, 1, 1), utc(2024, 1, 1, 6)),
        (utc(2024, 1, 1, 22), utc(2024, 1, 2, 6)),
        (utc(2024, 1, 2, 22), utc(2024, 1, 3)),
    ]


def test_a_window_whose_start_equals_its_end_covers_the_whole_day():
    always = Restrictions((DailyWindow(time(9), time(9)),))
    rota = rotation(start=utc(2024, 1, 1), restrictions=always)
    assert final_schedule(schedule(rota), utc(2024, 1, 1), utc(2024, 1, 5)).gaps == ()


def test_a_weekly_window_runs_from_monday_0900_to_friday_1700():
    week = Restrictions((WeeklyWindow(Weekday.MONDAY, time(9), Weekday.FRIDAY, time(17)),))
    rota = rotation(["ann"], start=utc(2024, 1, 1), turn=TurnLength.weeks(), restrictions=week)
    final = final_schedule(schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 15))
    assert who(final, NEW_YORK) == [
        ("ann", "01-01 09:00-0500", "01-05 17:00-0500"),
        ("ann", "01-08 09:00-0500", "01-12 17:00-0500"),
    ]


def test_a_weekly_window_may_wrap_the_weekend():
    weekend = Restrictions((WeeklyWindow(Weekday.FRIDAY, time(17), Weekday.MONDAY, time(9)),))
    assert is_restricted_in(weekend, NEW_YORK, wall(NEW_YORK, 2024, 1, 6, 12))  # Saturday
    assert is_restricted_in(weekend, NEW_YORK, wall(NEW_YORK, 2024, 1, 8, 8, 59))  # Monday
    assert not is_restricted_in(weekend, NEW_YORK, wall(NEW_YORK, 2024, 1, 8, 9))
    assert not is_restricted_in(weekend, NEW_YORK, wall(NEW_YORK, 2024, 1, 10, 12))


def test_restrictions_clip_turns_but_do_not_change_whose_turn_it_is():
    rota = rotation(start=wall(NEW_YORK, 2024, 1, 1, 0), restrictions=BUSINESS_DAY)
    final = final_schedule(schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 7))
    assert [s.user for s in final.shifts] == ["alice", "bob", "carol", "alice", "bob", "carol"]


def test_a_lower_layer_fills_the_hours_a_restricted_higher_layer_leaves_open():
    base = Layer.of("everyone", rotation(["night-owl"], start=utc(2024, 1, 1)))
    business = Layer.of(
        "business", rotation(["desk"], start=utc(2024, 1, 1), restrictions=BUSINESS_DAY)
    )
    final = final_schedule(schedule(base, business, zone=LONDON), utc(2024, 1, 1), utc(2024, 1, 2))
    assert [(s.user, s.layer, s.start.hour, s.end.hour) for s in final.shifts] == [
        ("night-owl", "everyone", 0, 9),
        ("desk", "business", 9, 17),
        ("night-owl", "everyone", 17, 0),
    ]


def _follow_the_sun():
    # The Americas team covers 15:00-03:00 New York time, EMEA 08:00-20:00 London time.
    americas = rotation(
        ["ana", "bo"],
        start=utc(2024, 1, 1),
        turn=TurnLength.weeks(),
        restrictions=Restrictions((DailyWindow(time(15), time(3)),), time_zone="America/New_York"),
    )
    emea = rotation(
        ["eli", "fi"],
        start=utc(2024, 1, 1),
        turn=TurnLength.weeks(),
        restrictions=Restrictions((DailyWindow(time(8), time(20)),), time_zone="Europe/London"),
    )
    return schedule(Layer.of("americas", americas), Layer.of("emea", emea), zone=LONDON)


def test_follow_the_sun_hands_over_at_0800_and_2000_utc_in_winter():
    final = final_schedule(_follow_the_sun(), utc(2024, 2, 14), utc(2024, 2, 15))
    assert [(s.layer, s.start.hour, s.end.hour) for s in final.shifts] == [
        ("americas", 0, 8),
        ("emea", 8, 20),
        ("americas", 20, 0),
    ]
    assert final.gaps == ()


def test_follow_the_sun_shows_the_hour_both_teams_miss_when_clocks_change_on_different_dates():
    # Mid-March New York is on EDT but London still on GMT: the Americas shift moves an
    # hour earlier in UTC. 19:00-20:00 is covered twice (EMEA, the higher layer, wins)
    # and 07:00-08:00 by nobody: the schedule says so instead of hiding it.
    final = final_schedule(_follow_the_sun(), utc(2024, 3, 15), utc(2024, 3, 16))
    assert [(s.layer, s.start.hour, s.end.hour) for s in final.shifts] == [
        ("americas", 0, 7),
        ("emea", 8, 20),
        ("americas", 20, 0),
    ]
    assert [(g.start, g.end) for g in final.gaps] == [(utc(2024, 3, 15, 7), utc(2024, 3, 15, 8))]
    assert on_call_at(_follow_the_sun(), utc(2024, 3, 15, 7, 30)).users == ()


def test_a_restriction_without_a_zone_uses_the_schedule_zone():
    rota = rotation(["ann"], start=utc(2024, 1, 1), restrictions=BUSINESS_DAY)
    in_london = final_schedule(schedule(rota, zone=LONDON), utc(2024, 1, 2), utc(2024, 1, 3))
    in_new_york = final_schedule(schedule(rota, zone=NEW_YORK), utc(2024, 1, 2), utc(2024, 1, 3))
    assert [s.start.hour for s in in_london.shifts] == [9]
    assert [s.start.hour for s in in_new_york.shifts] == [14]


def test_restrictions_need_a_window_and_a_known_zone():
    with pytest.raises(ValueError, match="at least one window"):
        Restrictions(())
    with pytest.raises(ValueError, match="unknown time zone"):
        Restrictions((DailyWindow(time(9), time(17)),), time_zone="Mars/Olympus_Mons")

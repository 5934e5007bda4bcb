"""Shadows follow along, are told who they shadow, and are never on call themselves."""

from __future__ import annotations

from datetime import time

from tests.unit.schedules.factories import LONDON, rotation, schedule, utc
from tocsin.schedules import (
    DailyWindow,
    Override,
    Restrictions,
    Shadow,
    ShadowShift,
    final_schedule,
    on_call_at,
)

DAILY = rotation(["alice", "bob"], start=utc(2024, 1, 1, 9))


def test_a_user_shadow_is_reported_only_while_that_user_is_on_call():
    sched = schedule(DAILY, zone=LONDON, shadows=[Shadow(user="newbie", shadowing="alice")])
    assert on_call_at(sched, utc(2024, 1, 1, 12)).shadows == ("newbie",)
    assert on_call_at(sched, utc(2024, 1, 2, 12)).shadows == ()
    assert on_call_at(sched, utc(2024, 1, 2, 12)).users == ("bob",)


def test_a_schedule_shadow_follows_whoever_is_on_call():
    sched = schedule(DAILY, zone=LONDON, shadows=[Shadow(user="newbie")])
    final = final_schedule(sched, utc(2024, 1, 1, 9), utc(2024, 1, 3, 9))
    assert final.shadows == (
        ShadowShift("newbie", "alice", utc(2024, 1, 1, 9), utc(2024, 1, 2, 9)),
        ShadowShift("newbie", "bob", utc(2024, 1, 2, 9), utc(2024, 1, 3, 9)),
    )


def test_a_shadow_never_fills_a_gap_or_counts_as_on_call():
    business = rotation(
        ["alice"],
        start=utc(2024, 1, 1),
        restrictions=Restrictions((DailyWindow(time(9), time(17)),)),
    )
    sched = schedule(business, zone=LONDON, shadows=[Shadow(user="newbie")])
    night = on_call_at(sched, utc(2024, 1, 1, 22))
    assert (night.users, night.shadows) == ((), ())
    final = final_schedule(sched, utc(2024, 1, 1), utc(2024, 1, 2))
    assert [s.user for s in final.shifts] == ["alice"]
    assert len(final.gaps) == 2


def test_a_shadow_with_a_window_only_shadows_inside_it():
    shadow = Shadow(user="newbie", start=utc(2024, 1, 1, 12), end=utc(2024, 1, 1, 18))
    final = final_schedule(
        schedule(DAILY, zone=LONDON, shadows=[shadow]), utc(2024, 1, 1, 9), utc(2024, 1, 2, 9)
    )
    assert final.shadows == (
        ShadowShift("newbie", "alice", utc(2024, 1, 1, 12), utc(2024, 1, 1, 18)),
    )


def test_a_shadow_follows_the_user_through_their_overrides_too():
    cover = Override(user="alice", start=utc(2024, 1, 2, 9), end=utc(2024, 1, 2, 12))
    sched = schedule(
        DAILY, zone=LONDON, overrides=[cover], shadows=[Shadow(user="newbie", shadowing="alice")]
    )
    final = final_schedule(sched, utc(2024, 1, 1, 9), utc(2024, 1, 2, 18))
    assert final.shadows == (
        ShadowShift("newbie", "alice", utc(2024, 1, 1, 9), utc(2024, 1, 2, 12)),
    )


def test_nobody_shadows_their_own_on_call_time():
    sched = schedule(DAILY, zone=LONDON, shadows=[Shadow(user="bob")])
    assert on_call_at(sched, utc(2024, 1, 2, 12)).shadows == ()
    assert on_call_at(sched, utc(2024, 1, 1, 12)).shadows == ("bob",)


def test_two_shadow_rules_covering_the_same_time_report_it_once():
    rules = [Shadow(user="newbie", shadowing="alice"), Shadow(user="newbie")]
    final = final_schedule(
        schedule(DAILY, zone=LONDON, shadows=rules), utc(2024, 1, 1, 9), utc(2024, 1, 2, 9)
    )
    assert final.shadows == (
        ShadowShift("newbie", "alice", utc(2024, 1, 1, 9), utc(2024, 1, 2, 9)),
    )
    assert on_call_at(schedule(DAILY, zone=LONDON, shadows=rules), utc(2024, 1, 1, 12)).shadows == (
        "newbie",
    )

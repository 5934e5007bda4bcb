"""Overrides put someone else on call; accepted swaps become overrides."""

from __future__ import annotations

from datetime import time

import pytest

from tests.unit.schedules.factories import LONDON, rotation, schedule, utc
from tocsin.schedules import (
    DailyWindow,
    Layer,
    Override,
    Restrictions,
    Swap,
    accept_swap,
    final_schedule,
    on_call_at,
)

DAILY = rotation(["alice", "bob", "carol"], start=utc(2024, 1, 1, 9))


def _summary(sched, start, end):
    final = final_schedule(sched, start, end)
    return [(s.user, s.source, s.start, s.end) for s in final.shifts]


def test_an_override_replaces_whoever_is_on_call_in_every_layer():
    upper = Layer.of(
        "business",
        rotation(
            ["desk"],
            start=utc(2024, 1, 1),
            restrictions=Restrictions((DailyWindow(time(9), time(17)),)),
        ),
    )
    cover = Override(user="zed", start=utc(2024, 1, 1, 12), end=utc(2024, 1, 1, 20))
    sched = schedule(Layer.of("base", DAILY), upper, zone=LONDON, overrides=[cover])
    assert _summary(sched, utc(2024, 1, 1, 9), utc(2024, 1, 1, 21)) == [
        ("desk", "rotation", utc(2024, 1, 1, 9), utc(2024, 1, 1, 12)),
        ("zed", "override", utc(2024, 1, 1, 12), utc(2024, 1, 1, 20)),
        ("alice", "rotation", utc(2024, 1, 1, 20), utc(2024, 1, 1, 21)),
    ]


def test_an_override_fills_a_gap():
    cover = Override(user="zed", start=utc(2024, 1, 1, 6), end=utc(2024, 1, 1, 10))
    final = final_schedule(
        schedule(DAILY, zone=LONDON, overrides=[cover]), utc(2024, 1, 1), utc(2024, 1, 1, 12)
    )
    assert [(g.start, g.end) for g in final.gaps] == [(utc(2024, 1, 1), utc(2024, 1, 1, 6))]
    assert final.shifts[0].user == "zed"


def test_override_shifts_have_no_layer_and_say_they_are_overrides():
    cover = Override(user="zed", start=utc(2024, 1, 2), end=utc(2024, 1, 3))
    shift = on_call_at(schedule(DAILY, zone=LONDON, overrides=[cover]), utc(2024, 1, 2, 12)).shifts[
        0
    ]
    assert (shift.user, shift.layer, shift.source) == ("zed", None, "override")


def test_where_overrides_overlap_the_later_one_wins():
    first = Override(user="yan", start=utc(2024, 1, 2, 10), end=utc(2024, 1, 2, 14))
    second = Override(user="zed", start=utc(2024, 1, 2, 12), end=utc(2024, 1, 2, 16))
    sched = schedule(DAILY, zone=LONDON, overrides=[first, second])
    assert _summary(sched, utc(2024, 1, 2, 10), utc(2024, 1, 2, 17)) == [
        ("yan", "override", utc(2024, 1, 2, 10), utc(2024, 1, 2, 12)),
        ("zed", "override", utc(2024, 1, 2, 12), utc(2024, 1, 2, 16)),
        ("bob", "rotation", utc(2024, 1, 2, 16), utc(2024, 1, 2, 17)),
    ]


def test_an_accepted_swap_becomes_an_override_that_replaces_the_requester():
    swap = Swap(from_user="alice", to_user="bob", start=utc(2024, 1, 1, 9), end=utc(2024, 1, 2, 9))
    assert accept_swap(swap) == Override(
        user="bob", start=utc(2024, 1, 1, 9), end=utc(2024, 1, 2, 9), replaces="alice"
    )


def test_a_swap_only_moves_the_time_the_requester_was_actually_on_call():
    # Alice asks Dan to cover "Monday noon to Tuesday noon"; her turn ends at 09:00
    # Tuesday, so Bob keeps his own morning.
    swap = Swap(
        from_user="alice", to_user="dan", start=utc(2024, 1, 1, 12), end=utc(2024, 1, 2, 12)
    )
    sched = schedule(DAILY, zone=LONDON, overrides=[accept_swap(swap)])
    assert _summary(sched, utc(2024, 1, 1, 9), utc(2024, 1, 2, 18)) == [
        ("alice", "rotation", utc(2024, 1, 1, 9), utc(2024, 1, 1, 12)),
        ("dan", "override", utc(2024, 1, 1, 12), utc(2024, 1, 2, 9)),
        ("bob", "rotation", utc(2024, 1, 2, 9), utc(2024, 1, 2, 18)),
    ]


def test_a_later_swap_can_pass_on_time_someone_took_over_by_an_earlier_swap():
    to_dan = accept_swap(
        Swap(from_user="alice", to_user="dan", start=utc(2024, 1, 1, 9), end=utc(2024, 1, 2, 9))
    )
    to_eve = accept_swap(
        Swap(from_user="dan", to_user="eve", start=utc(2024, 1, 1, 18), end=utc(2024, 1, 2, 9))
    )
    sched = schedule(DAILY, zone=LONDON, overrides=[to_dan, to_eve])
    assert on_call_at(sched, utc(2024, 1, 1, 20)).users == ("eve",)
    assert on_call_at(sched, utc(2024, 1, 1, 10)).users == ("dan",)


def test_back_to_back_overrides_by_one_person_read_as_one_shift():
    parts = [
        Override(user="zed", start=utc(2024, 1, 2, 10), end=utc(2024, 1, 2, 12)),
        Override(user="zed", start=utc(2024, 1, 2, 12), end=utc(2024, 1, 2, 14)),
    ]
    sched = schedule(DAILY, zone=LONDON, overrides=parts)
    assert _summary(sched, utc(2024, 1, 2, 10), utc(2024, 1, 2, 14)) == [
        ("zed", "override", utc(2024, 1, 2, 10), utc(2024, 1, 2, 14))
    ]


def test_swaps_and_overrides_need_a_real_interval_and_two_people():
    with pytest.raises(ValueError, match=r"after Override\.start"):
        Override(user="zed", start=utc(2024, 1, 2), end=utc(2024, 1, 2))
    with pytest.raises(ValueError, match="two different users"):
        Swap(from_user="zed", to_user="zed", start=utc(2024, 1, 1), end=utc(2024, 1, 2))

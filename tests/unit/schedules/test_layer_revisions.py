"""Editing a layer adds a revision: the past (and, by default, the present) stays put."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.schedules.factories import NEW_YORK, rotation, schedule, wall, who
from tocsin.schedules import (
    EditAnchor,
    Layer,
    Revision,
    change_participants,
    final_schedule,
    on_call_at,
    revise,
    revision_at,
)

START = wall(NEW_YORK, 2024, 1, 1, 9)
EDIT_AT = wall(NEW_YORK, 2024, 1, 3, 12)  # carol's turn, Wed 09:00 - Thu 09:00
ORIGINAL = Layer.of("primary", rotation(["alice", "bob", "carol"], start=START))


def _week(layer: Layer) -> list[tuple[str, str, str]]:
    final = final_schedule(schedule(layer), START, wall(NEW_YORK, 2024, 1, 7, 9))
    return who(final, NEW_YORK)


def test_changing_participants_keeps_who_was_on_call_before_the_change():
    edited = change_participants(
        ORIGINAL, ["dave", "erin"], at=EDIT_AT, time_zone=NEW_YORK, anchor=EditAnchor.CONTINUE
    )
    before = final_schedule(schedule(ORIGINAL), START, EDIT_AT)
    assert final_schedule(schedule(edited), START, EDIT_AT) == before


def test_by_default_the_new_list_takes_over_at_the_next_handoff_so_now_is_unchanged():
    edited = change_participants(ORIGINAL, ["dave", "erin"], at=EDIT_AT, time_zone=NEW_YORK)
    assert on_call_at(schedule(edited), EDIT_AT).users == ("carol",)
    assert _week(edited) == [
        ("alice", "01-01 09:00-0500", "01-02 09:00-0500"),
        ("bob", "01-02 09:00-0500", "01-03 09:00-0500"),
        ("carol", "01-03 09:00-0500", "01-04 09:00-0500"),
        ("dave", "01-04 09:00-0500", "01-05 09:00-0500"),
        ("erin", "01-05 09:00-0500", "01-06 09:00-0500"),
        ("dave", "01-06 09:00-0500", "01-07 09:00-0500"),
    ]


def test_continue_keeps_counting_turns_from_the_original_start():
    edited = change_participants(
        ORIGINAL,
        ["dave", "erin", "frank"],
        at=EDIT_AT,
        time_zone=NEW_YORK,
        anchor=EditAnchor.CONTINUE,
    )
    assert [user for user, _, _ in _week(edited)] == [
        "alice",
        "bob",
        "carol",
        "frank",
        "dave",
        "erin",
        "frank",
    ]
    assert on_call_at(schedule(edited), EDIT_AT).users == ("frank",)


def test_restart_puts_the_first_new_participant_on_call_at_once_and_keeps_handoff_times():
    edited = change_participants(
        ORIGINAL,
        ["dave", "erin", "frank"],
        at=EDIT_AT,
        time_zone=NEW_YORK,
        anchor=EditAnchor.RESTART,
    )
    assert _week(edited)[2:5] == [
        ("carol", "01-03 09:00-0500", "01-03 12:00-0500"),
        ("dave", "01-03 12:00-0500", "01-04 09:00-0500"),
        ("erin", "01-04 09:00-0500", "01-05 09:00-0500"),
    ]


def test_a_revision_that_keeps_the_previous_start_continues_the_same_cycle():
    new_rotation = replace(
        ORIGINAL.revisions[0].rotation, participants=("alice", "bob", "carol", "dave")
    )
    edited = revise(ORIGINAL, Revision(wall(NEW_YORK, 2024, 1, 4, 9), new_rotation))
    # Turn 3 belongs to the fourth participant now that there is one.
    assert [user for user, _, _ in _week(edited)] == [
        "alice",
        "bob",
        "carol",
        "dave",
        "alice",
        "bob",
    ]


def test_a_planned_revision_takes_over_from_its_own_effective_from():
    later = Revision(
        wall(NEW_YORK, 2024, 1, 5, 9), rotation(["zoe"], start=wall(NEW_YORK, 2024, 1, 5, 9))
    )
    edited = change_participants(revise(ORIGINAL, later), ["dave"], at=EDIT_AT, time_zone=NEW_YORK)
    assert [user for user, _, _ in _week(edited)] == ["alice", "bob", "carol", "dave", "zoe"]
    assert revision_at(edited, wall(NEW_YORK, 2024, 1, 4, 12)).rotation.participants == ("dave",)  # type: ignore[union-attr]
    assert revision_at(edited, wall(NEW_YORK, 2023, 12, 31)) is None


def test_revising_at_the_same_instant_replaces_that_revision():
    first = change_participants(ORIGINAL, ["dave"], at=EDIT_AT, time_zone=NEW_YORK)
    second = change_participants(first, ["erin"], at=EDIT_AT, time_zone=NEW_YORK)
    assert len(second.revisions) == 2
    assert second.revisions[-1].rotation.participants == ("erin",)


def test_an_edit_before_the_rotation_starts_applies_from_its_start():
    edited = change_participants(
        ORIGINAL, ["dave"], at=wall(NEW_YORK, 2023, 12, 1), time_zone=NEW_YORK
    )
    assert [user for user, _, _ in _week(edited)] == ["dave"]


def test_revisions_must_be_in_order():
    rota = ORIGINAL.revisions[0].rotation
    with pytest.raises(ValueError, match="increasing effective_from"):
        Layer("primary", (Revision(EDIT_AT, rota), Revision(START, rota)))


def test_next_handoff_edit_is_refused_when_the_rotation_ends_before_its_next_handoff():
    ending = Layer.of("primary", rotation(start=START, end=wall(NEW_YORK, 2024, 1, 3, 18)))
    with pytest.raises(ValueError, match="ends before its next handoff"):
        change_participants(ending, ["dave"], at=EDIT_AT, time_zone=NEW_YORK)


def test_the_anchor_may_be_given_by_name():
    edited = change_participants(
        ORIGINAL, ["dave"], at=EDIT_AT, time_zone=NEW_YORK, anchor="restart"
    )
    assert on_call_at(schedule(edited), EDIT_AT).users == ("dave",)

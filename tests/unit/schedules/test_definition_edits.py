"""Layer edits on a stored definition: whatever the edit, who was on call before it takes
effect stays the same, and everything the edit did not touch keeps its spelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tocsin.schedules import final_schedule
from tocsin.schedules.definition import (
    LayerSpec,
    ScheduleDefinition,
    parse_instant,
    to_schedule,
)
from tocsin.schedules.definition_edits import (
    LayerChange,
    NewLayer,
    add_layer,
    change_layer,
    remove_layer,
)
from tocsin.schedules.errors import ScheduleError

NOW = datetime(2026, 3, 4, 11, tzinfo=UTC)
SEEN_FROM = datetime(2025, 12, 1, tzinfo=UTC)
SEEN_UNTIL = datetime(2026, 9, 1, tzinfo=UTC)
WEEKDAYS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
DEFINITION = ScheduleDefinition.model_validate(
    {
        "time_zone": "Europe/Berlin",
        "layers": [
            {
                "name": "weekly",
                "rotation": {
                    "participants": ["alice", "bob", "carol"],
                    "turn": "1w",
                    "handoff": "09:00",
                    "start": "2026-01-05T09:00:00+01:00",
                },
                "revisions": [
                    {
                        "effective_from": "2026-04-06T09:00:00+02:00",
                        "rotation": {
                            "participants": ["alice", "bob"],
                            "turn": {"count": 7, "unit": "days"},
                            "handoff": "09:00",
                            "start": "2026-04-06T09:00:00+02:00",
                        },
                    }
                ],
            },
            {
                "name": "daytime",
                "rotation": {
                    "participants": ["dave", "erin"],
                    "turn": "1d",
                    "start": "2026-01-05T09:00:00+01:00",
                    "restrictions": {"windows": [WEEKDAYS]},
                },
            },
        ],
    }
)
PEOPLE = st.lists(
    st.sampled_from(["alice", "bob", "carol", "dave", "gina"]), min_size=1, max_size=4
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 8, 1), timezones=st.just(UTC)
)


def _final(spec: ScheduleDefinition, until: datetime) -> Any:
    if until <= SEEN_FROM:
        return None
    return final_schedule(to_schedule("s", spec), SEEN_FROM, until)


@settings(max_examples=60, deadline=None)
@given(
    layer=st.sampled_from(["weekly", "daytime"]),
    people=PEOPLE,
    anchor=st.sampled_from(["next_handoff", "continue", "restart"]),
    at=INSTANTS,
)
def test_new_participants_never_change_who_was_on_call_before_the_edit(
    layer: str, people: list[str], anchor: str, at: datetime
) -> None:
    change = LayerChange.model_validate(
        {"participants": people, "anchor": anchor, "effective_from": at.isoformat()}
    )
    edited, _ = change_layer(DEFINITION, layer, change, NOW)
    assert _final(edited, at) == _final(DEFINITION, at)
    # Past the next handoff and until a revision planned before the edit takes over again,
    # the layer's people are the new ones.
    planned = [parse_instant(r.effective_from) for r in _layer(layer).revisions]
    until = min([p for p in planned if p > at] or [SEEN_UNTIL])
    if at + timedelta(weeks=1) < until:
        after = final_schedule(to_schedule("s", edited), at + timedelta(weeks=1), until)
        assert {s.user for s in after.shifts if s.layer == layer} <= set(people)


def _layer(name: str) -> LayerSpec:
    return next(layer for layer in DEFINITION.layers if layer.name == name)


@settings(max_examples=40, deadline=None)
@given(people=PEOPLE, turn_days=st.integers(1, 14), at=INSTANTS, starts_later=st.booleans())
@example(people=["gina"], turn_days=2, at=datetime(2026, 1, 3, tzinfo=UTC), starts_later=True)
@example(people=["gina"], turn_days=2, at=datetime(2025, 12, 20, tzinfo=UTC), starts_later=True)
def test_a_new_rotation_never_changes_who_was_on_call_before_it(
    people: list[str], turn_days: int, at: datetime, starts_later: bool
) -> None:
    start = at + timedelta(days=3) if starts_later else at
    rotation = {"participants": people, "turn": f"{turn_days}d", "start": start.isoformat()}
    change = LayerChange.model_validate({"rotation": rotation, "effective_from": at.isoformat()})
    began = parse_instant(DEFINITION.layers[0].rotation.start)
    if at < began <= start:
        # Before the layer began, a start after that cannot be written as its first rotation.
        with pytest.raises(ScheduleError, match="must start at its effective_from"):
            change_layer(DEFINITION, "weekly", change, NOW)
        return
    edited, _ = change_layer(DEFINITION, "weekly", change, NOW)
    assert _final(edited, at) == _final(DEFINITION, at)


def test_an_edit_keeps_the_spelling_of_what_it_did_not_touch() -> None:
    change = LayerChange(participants=["gina"], effective_from="2026-01-21T12:00:00+01:00")
    edited, position = change_layer(DEFINITION, "daytime", change, NOW)
    daytime = edited.layers[position]
    assert daytime.rotation == DEFINITION.layers[1].rotation
    [revision] = daytime.revisions
    assert revision.effective_from == "2026-01-22T09:00:00+01:00"  # the next handoff
    assert revision.rotation.restrictions == DEFINITION.layers[1].rotation.restrictions
    assert revision.rotation.restrictions is not None
    assert revision.rotation.restrictions.windows[0].days == WEEKDAYS["days"]
    assert edited.layers[0] == DEFINITION.layers[0]


def test_effective_from_defaults_to_now_or_to_a_later_start() -> None:
    now_change = LayerChange(participants=["gina"], anchor="continue")
    edited, _ = change_layer(DEFINITION, "daytime", now_change, NOW)
    assert parse_instant(edited.layers[1].revisions[0].effective_from) == NOW
    later = {"participants": ["gina"], "turn": "1w", "start": "2026-03-16T09:00:00+01:00"}
    planned, _ = change_layer(
        DEFINITION, "daytime", LayerChange.model_validate({"rotation": later}), NOW
    )
    assert planned.layers[1].revisions[0].effective_from == "2026-03-16T09:00:00+01:00"


def test_a_first_rotation_cannot_start_before_it_takes_effect() -> None:
    early = {"participants": ["gina"], "turn": "1w", "start": "2025-12-01T09:00:00+01:00"}
    change = LayerChange.model_validate(
        {"rotation": early, "effective_from": "2026-01-05T09:00:00+01:00"}
    )
    with pytest.raises(ScheduleError) as caught:
        change_layer(DEFINITION, "weekly", change, NOW)
    assert caught.value.code == "invalid_layer_change"


def test_layers_are_added_at_a_position_and_removed_but_never_the_last() -> None:
    new = NewLayer.model_validate(
        {**DEFINITION.layers[1].model_dump(), "name": "nights", "position": 0}
    )
    added, position = add_layer(DEFINITION, new)
    assert position == 0
    assert [layer.name for layer in added.layers] == ["nights", "weekly", "daytime"]
    assert [layer.name for layer in remove_layer(added, "weekly").layers] == ["nights", "daytime"]
    only = remove_layer(DEFINITION, "daytime")
    with pytest.raises(ScheduleError) as caught:
        remove_layer(only, "weekly")
    assert (caught.value.status, caught.value.code) == (409, "last_layer")

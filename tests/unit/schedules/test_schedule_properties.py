"""Properties every schedule must have, in every zone, across DST transitions."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.schedules import strategies as gen
from tests.unit.schedules.factories import first_instant_reading_at_least
from tocsin.schedules import (
    DailyWindow,
    FinalSchedule,
    Layer,
    Override,
    Restrictions,
    Rotation,
    Schedule,
    final_schedule,
    layer_shifts,
    on_call_at,
    wall_to_utc,
)

# TOCSIN_PROPERTY_EXAMPLES=2000 gives a thorough run; the default keeps the suite quick.
PROPERTY = settings(
    max_examples=int(os.environ.get("TOCSIN_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def clip(final: FinalSchedule, start: datetime, end: datetime) -> FinalSchedule:
    """What ``final`` says about [start, end), clipped to it."""

    def inside(items, make):
        out = []
        for item in items:
            s, e = max(item.start, start), min(item.end, end)
            if s < e:
                out.append(make(item, s, e))
        return tuple(out)

    return FinalSchedule(
        shifts=inside(final.shifts, lambda x, s, e: replace(x, start=s, end=e)),
        gaps=inside(final.gaps, lambda x, s, e: replace(x, start=s, end=e)),
        # Clipping can give several shadows the same start; restore the documented order.
        shadows=tuple(
            sorted(
                inside(final.shadows, lambda x, s, e: replace(x, start=s, end=e)),
                key=lambda x: (x.start, x.user, x.shadowing),
            )
        ),
    )


def _local_dates(zone: ZoneInfo, start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def expected_handoffs(
    rotation: Rotation, zone: ZoneInfo, start: datetime, end: datetime
) -> set[datetime]:
    """Handoffs in [start, end] worked out independently of the implementation."""
    found = {rotation.start.astimezone(UTC)}
    days = rotation.turn.calendar_days
    if days is None:
        step = timedelta(hours=rotation.turn.count)
        k = max(0, (start - rotation.start) // step)
        while rotation.start + k * step <= end:
            found.add((rotation.start + k * step).astimezone(UTC))
            k += 1
        return found
    local_start = rotation.start.astimezone(zone)
    handoff = rotation.handoff or local_start.time().replace(fold=0)
    for day in _local_dates(zone, start, end):
        if (day - local_start.date()).days % days == 0:
            found.add(first_instant_reading_at_least(day, handoff, zone))
    return found


def expected_window_edges(
    restrictions: Restrictions, zone: ZoneInfo, start: datetime, end: datetime
) -> set[datetime]:
    """Restriction window edges in [start, end], worked out by brute force."""
    if restrictions.time_zone:
        zone = ZoneInfo(restrictions.time_zone)
    found: set[datetime] = set()
    for day in _local_dates(zone, start, end):
        for window in restrictions.windows:
            if isinstance(window, DailyWindow):
                found.add(first_instant_reading_at_least(day, window.start, zone))
                found.add(first_instant_reading_at_least(day, window.end, zone))
            else:
                if day.weekday() == window.start_day:
                    found.add(first_instant_reading_at_least(day, window.start, zone))
                if day.weekday() == window.end_day:
                    found.add(first_instant_reading_at_least(day, window.end, zone))
    return found


def allowed_boundaries(schedule: Schedule, start: datetime, end: datetime) -> set[datetime]:
    """Every instant at which a shift may legitimately begin or end."""
    zone = ZoneInfo(schedule.time_zone)
    allowed = {start, end}
    for layer in schedule.layers:
        for revision in layer.revisions:
            rotation = revision.rotation
            allowed.add(revision.effective_from)
            if rotation.end is not None:
                allowed.add(rotation.end)
            allowed |= expected_handoffs(rotation, zone, start, end)
            if rotation.restrictions is not None:
                allowed |= expected_window_edges(rotation.restrictions, zone, start, end)
    for override in schedule.overrides:
        allowed |= {override.start, override.end}
    return {moment.astimezone(UTC) for moment in allowed}


@st.composite
def worlds(draw: st.DrawFn, *, with_overrides: bool = True):
    zone = draw(gen.zones)
    start, end = draw(gen.windows(zone))
    schedule = draw(gen.schedules(zone, start, with_overrides=with_overrides))
    return schedule, start, end


@PROPERTY
@given(zone=gen.zones, data=st.data())
def test_wall_clock_readings_resolve_to_first_instant_reading_at_least_that(zone, data):
    zone_info = ZoneInfo(zone)
    day = data.draw(gen.naive_dates_near_transitions(zone))
    at = data.draw(gen.wall_times)
    assert wall_to_utc(day, at, zone_info) == first_instant_reading_at_least(day, at, zone_info)


@PROPERTY
@given(world=worlds())
def test_shifts_and_gaps_tile_the_query_without_overlapping(world):
    schedule, start, end = world
    final = final_schedule(schedule, start, end)
    pieces = sorted(
        [(s.start, s.end) for s in final.shifts] + [(g.start, g.end) for g in final.gaps]
    )
    assert [s.start for s in final.shifts] == sorted(s.start for s in final.shifts)
    assert all(s < e for s, e in pieces)
    assert pieces[0][0] == start.astimezone(UTC)
    assert pieces[-1][1] == end.astimezone(UTC)
    for (_, previous_end), (next_start, _) in pairwise(pieces):
        assert previous_end == next_start


@PROPERTY
@given(world=worlds(with_overrides=False))
def test_within_a_layer_no_two_people_are_on_call_at_once(world):
    schedule, start, end = world
    for layer in schedule.layers:
        shifts = layer_shifts(layer, schedule.time_zone, start, end)
        for earlier, later in pairwise(shifts):
            assert earlier.end <= later.start


@PROPERTY
@given(zone=gen.zones, data=st.data())
def test_a_rotation_without_restrictions_leaves_no_gaps(zone, data):
    start, end = data.draw(gen.windows(zone))
    rotation = data.draw(gen.rotations(zone, start, restricted=False))
    rotation = replace(rotation, start=min(rotation.start, start), end=None)
    schedule = Schedule(name="s", time_zone=zone, layers=(Layer.of("only", rotation),))
    assert final_schedule(schedule, start, end).gaps == ()


@PROPERTY
@given(world=worlds())
def test_every_shift_boundary_is_a_handoff_window_edge_override_edge_or_query_edge(world):
    schedule, start, end = world
    final = final_schedule(schedule, start, end)
    boundaries = {s.start for s in final.shifts} | {s.end for s in final.shifts}
    assert boundaries <= allowed_boundaries(schedule, start, end)


@PROPERTY
@given(world=worlds(), data=st.data())
def test_adding_then_removing_an_override_restores_the_schedule_exactly(world, data):
    schedule, start, end = world
    override = data.draw(gen.overrides(start))
    position = data.draw(st.integers(0, len(schedule.overrides)))
    with_it = list(schedule.overrides)
    with_it.insert(position, override)
    changed = replace(schedule, overrides=tuple(with_it))
    original = final_schedule(schedule, start, end)
    overridden = final_schedule(changed, start, end)

    # Outside the override nothing moves...
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    before = min(max(override.start, lo), hi)
    after = max(min(override.end, hi), lo)
    assert clip(overridden, lo, before) == clip(original, lo, before)
    assert clip(overridden, after, hi) == clip(original, after, hi)
    # ...and taking it out again gives back exactly what was there.
    del with_it[position]  # by position: an equal override may also be in the list
    assert final_schedule(replace(changed, overrides=tuple(with_it)), start, end) == original


@PROPERTY
@given(world=worlds())
def test_an_override_without_replaces_covers_its_whole_interval_when_applied_last(world):
    schedule, start, end = world
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    middle = lo + (hi - lo) / 3
    changed = replace(
        schedule,
        overrides=(*schedule.overrides, Override(user="zed", start=middle, end=hi)),
    )
    inside = clip(final_schedule(changed, start, end), middle, hi)
    assert [(s.user, s.start, s.end, s.source) for s in inside.shifts] == [
        ("zed", middle, hi, "override")
    ]
    assert inside.gaps == ()


@PROPERTY
@given(world=worlds(), horizon_hours=st.sampled_from([6, 72, 240]), data=st.data())
def test_on_call_at_agrees_with_the_final_schedule_around_the_instant(world, horizon_hours, data):
    schedule, start, end = world
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    moment = lo + (hi - lo) * data.draw(st.floats(0, 0.999))
    horizon = timedelta(hours=horizon_hours)
    now = on_call_at(schedule, moment, horizon=horizon)
    around = final_schedule(schedule, moment - horizon, moment + horizon)
    covering = tuple(s for s in around.shifts if s.start <= moment < s.end)
    shadowing = tuple(dict.fromkeys(s.user for s in around.shadows if s.start <= moment < s.end))
    assert now.shifts == covering
    assert now.users == tuple(s.user for s in covering)
    assert now.shadows == shadowing


@PROPERTY
@given(world=worlds(), data=st.data())
def test_a_sub_interval_of_the_final_schedule_is_the_final_schedule_of_the_sub_interval(
    world, data
):
    schedule, start, end = world
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    a, b = sorted(data.draw(st.floats(0, 1)) for _ in range(2))
    sub_start, sub_end = lo + (hi - lo) * a, lo + (hi - lo) * b
    assert clip(final_schedule(schedule, lo, hi), sub_start, sub_end) == final_schedule(
        schedule, sub_start, sub_end
    )


@PROPERTY
@given(world=worlds())
def test_shadows_never_count_as_on_call_and_only_follow_someone_on_call(world):
    schedule, start, end = world
    final = final_schedule(schedule, start, end)
    for shadow in final.shadows:
        overlapping = [s for s in final.shifts if s.start < shadow.end and shadow.start < s.end]
        assert overlapping
        assert all(s.user == shadow.shadowing for s in overlapping)
        assert not any(g.start < shadow.end and shadow.start < g.end for g in final.gaps)
        assert shadow.user != shadow.shadowing
    bare = replace(schedule, shadows=())
    assert final_schedule(bare, start, end).shifts == final.shifts
    assert final_schedule(bare, start, end).gaps == final.gaps

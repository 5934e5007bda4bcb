"""Fairness report: on-call hours by business hours, off hours, nights and weekends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.schedules import strategies as gen
from tests.unit.schedules.factories import NEW_YORK, rotation, schedule, wall
from tocsin.schedules import (
    BusinessHours,
    HourCategory,
    OnCallHours,
    Shift,
    Weekday,
    final_schedule,
    on_call_hours,
)

H = timedelta(hours=1)


def _shift(user: str, start: datetime, end: datetime) -> Shift:
    return Shift(user, start.astimezone(UTC), end.astimezone(UTC), "primary", "rotation")


def test_a_full_week_splits_into_business_off_hours_nights_and_a_short_weekend():
    # The week of 2024-03-04 in New York ends with the spring-forward Sunday (23 hours).
    week = _shift("ann", wall(NEW_YORK, 2024, 3, 4), wall(NEW_YORK, 2024, 3, 11))
    hours = on_call_hours([week], "America/New_York", week.start, week.end)["ann"]
    assert hours == OnCallHours(
        user="ann", business=45 * H, off_hours=30 * H, night=45 * H, weekend=47 * H
    )
    assert hours.total == 167 * H


def test_the_fall_back_sunday_counts_25_weekend_hours():
    sunday = _shift("ann", wall(NEW_YORK, 2024, 11, 3), wall(NEW_YORK, 2024, 11, 4))
    assert on_call_hours([sunday], NEW_YORK, sunday.start, sunday.end)["ann"].weekend == 25 * H


def test_friday_late_evening_is_night_and_saturday_early_morning_is_weekend():
    shift = _shift("ann", wall(NEW_YORK, 2024, 1, 5, 22), wall(NEW_YORK, 2024, 1, 6, 7))
    hours = on_call_hours([shift], NEW_YORK, shift.start, shift.end)["ann"]
    assert (hours.night, hours.weekend, hours.business, hours.off_hours) == (
        2 * H,
        7 * H,
        0 * H,
        0 * H,
    )


def test_monday_early_morning_is_night():
    shift = _shift("ann", wall(NEW_YORK, 2024, 1, 7, 20), wall(NEW_YORK, 2024, 1, 8, 9))
    hours = on_call_hours([shift], NEW_YORK, shift.start, shift.end)["ann"]
    assert (hours.weekend, hours.night, hours.off_hours) == (4 * H, 7 * H, 2 * H)


def test_only_the_report_period_is_counted_and_users_are_reported_separately():
    rota = rotation(["ann", "ben"], start=wall(NEW_YORK, 2024, 1, 1, 9))
    start, end = wall(NEW_YORK, 2024, 1, 1, 12), wall(NEW_YORK, 2024, 1, 3, 12)
    shifts = final_schedule(
        schedule(rota), wall(NEW_YORK, 2024, 1, 1), wall(NEW_YORK, 2024, 1, 5)
    ).shifts
    report = on_call_hours(shifts, NEW_YORK, start, end)
    assert list(report) == ["ann", "ben"]
    assert report["ann"].total == 21 * H + 3 * H  # Mon 12:00-Tue 09:00, Wed 09:00-12:00
    assert report["ben"].total == 24 * H


def test_business_hours_and_workdays_can_be_changed():
    rules = BusinessHours(
        start=time(8),
        end=time(16),
        workdays=frozenset(
            {Weekday.SUNDAY, Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY}
        ),
    )
    sunday = _shift("ann", wall(NEW_YORK, 2024, 1, 7, 8), wall(NEW_YORK, 2024, 1, 7, 16))
    friday = _shift("ben", wall(NEW_YORK, 2024, 1, 5, 8), wall(NEW_YORK, 2024, 1, 5, 16))
    report = on_call_hours([sunday, friday], NEW_YORK, sunday.start - 9 * 24 * H, sunday.end, rules)
    assert report["ann"].business == 8 * H
    assert report["ben"].weekend == 8 * H


def _category_by_minute(moment: datetime, zone: ZoneInfo) -> HourCategory:
    """The documented rules, applied to one wall-clock reading."""
    local = moment.astimezone(zone)
    if local.weekday() >= 5:
        return HourCategory.WEEKEND
    if local.time() >= time(22) or local.time() < time(7):
        return HourCategory.NIGHT
    if time(9) <= local.time() < time(18):
        return HourCategory.BUSINESS
    return HourCategory.OFF_HOURS


@settings(max_examples=40, deadline=None)
@given(zone=gen.zones, data=st.data())
def test_categories_are_disjoint_and_add_up_to_the_minutes_on_call(zone, data):
    zone_info = ZoneInfo(zone)
    start = data.draw(gen.instants(zone))
    cuts = sorted(
        data.draw(st.lists(st.integers(0, 3 * 24 * 60), min_size=2, max_size=6, unique=True))
    )
    users = data.draw(
        st.lists(st.sampled_from(["ann", "ben"]), min_size=len(cuts) - 1, max_size=len(cuts) - 1)
    )
    shifts = [
        _shift(user, start + timedelta(minutes=a), start + timedelta(minutes=b))
        for user, a, b in zip(users, cuts, cuts[1:], strict=False)
    ]
    report_start = start + timedelta(minutes=data.draw(st.integers(0, 24 * 60)))
    report_end = report_start + timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60)))
    report = on_call_hours(shifts, zone, report_start, report_end)

    expected: dict[str, dict[HourCategory, int]] = {}
    for shift in shifts:
        moment = max(shift.start, report_start)
        while moment < min(shift.end, report_end):
            by_user = expected.setdefault(shift.user, dict.fromkeys(HourCategory, 0))
            by_user[_category_by_minute(moment, zone_info)] += 1
            moment += timedelta(minutes=1)
    assert set(report) == set(expected)
    for user, minutes in expected.items():
        hours = report[user]
        assert hours.business == timedelta(minutes=minutes[HourCategory.BUSINESS])
        assert hours.off_hours == timedelta(minutes=minutes[HourCategory.OFF_HOURS])
        assert hours.night == timedelta(minutes=minutes[HourCategory.NIGHT])
        assert hours.weekend == timedelta(minutes=minutes[HourCategory.WEEKEND])
        assert hours.total == timedelta(minutes=sum(minutes.values()))

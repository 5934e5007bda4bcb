"""Urgency from a service's mapping, and when a low-urgency escalation may start."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tocsin.escalation.urgency import Urgency, page_from, support_hours_start, urgency_of
from tocsin.schedules.model import Restrictions, Weekday, WeeklyWindow

# Weekdays 09:00-18:00 in Berlin (DST changes on 29 March and 25 October 2026).
OFFICE = Restrictions(
    tuple(WeeklyWindow(Weekday(d), time(9), Weekday(d), time(18)) for d in range(5)),
    "Europe/Berlin",
)
BERLIN_WINTER = timedelta(hours=1)


def test_the_default_mapping_pages_critical_and_error_loudly() -> None:
    assert [urgency_of(s, {}) for s in ("critical", "error", "warning", "info")] == [
        Urgency.HIGH, Urgency.HIGH, Urgency.LOW, Urgency.LOW,
    ]  # fmt: skip


def test_a_service_s_mapping_overrides_the_default_and_unknown_severities_page_loudly() -> None:
    assert urgency_of("warning", {"warning": "high"}) is Urgency.HIGH
    assert urgency_of("critical", {"critical": "low"}) is Urgency.LOW
    assert urgency_of("disaster", {}) is Urgency.HIGH


def test_outside_support_hours_a_low_urgency_page_waits_for_their_start() -> None:
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)  # 20:00 in Berlin
    monday_nine = datetime(2026, 12, 7, 9, 0, tzinfo=UTC) - BERLIN_WINTER
    assert support_hours_start(OFFICE, friday_evening) == monday_nine
    assert page_from(Urgency.LOW, OFFICE, friday_evening) == monday_nine
    assert page_from(Urgency.HIGH, OFFICE, friday_evening) is None
    assert page_from(Urgency.LOW, None, friday_evening) is None


def test_inside_support_hours_nothing_waits() -> None:
    tuesday_noon = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
    assert support_hours_start(OFFICE, tuesday_noon) is None


def test_support_hours_follow_the_wall_clock_across_a_dst_change() -> None:
    # Saturday 28 March 2026 is winter time; Monday 30 March summer time (UTC+2).
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert support_hours_start(OFFICE, saturday) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_wait_ends_at_the_first_instant_inside_support_hours(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    start = support_hours_start(OFFICE, now)
    if start is None:
        return
    assert now < start <= now + timedelta(days=4)  # a weekend plus a night at most
    assert support_hours_start(OFFICE, start) is None  # it is inside
    # A minute before it is still outside (the window starts there, not earlier).
    assert support_hours_start(OFFICE, start - timedelta(minutes=1)) == start

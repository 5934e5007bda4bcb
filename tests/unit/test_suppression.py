"""Maintenance windows and silences as pure functions of time, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.core.matchers import Matcher
from tocsin.core.suppression import (
    MaintenanceWindow,
    Recurrence,
    Silence,
    occurrence_at,
    suppression_for,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
]


def nightly(zone: str = "Europe/Berlin", **kw: object) -> MaintenanceWindow:
    rec = Recurrence(zone, timedelta(hours=2), start_time=time(1, 0), **kw)  # type: ignore[arg-type]
    return MaintenanceWindow("nightly-batch", frozenset({"svc"}), recurrence=rec)


def berlin(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


def test_nightly_batch_window_holds_from_one_to_three_berlin_time() -> None:
    window = nightly()
    assert occurrence_at(window, berlin(2026, 11, 10, 0, 59)) is None
    start, end = occurrence_at(window, berlin(2026, 11, 10, 1, 0)) or (None, None)
    assert (start, end) == (berlin(2026, 11, 10, 1), berlin(2026, 11, 10, 3))
    assert occurrence_at(window, berlin(2026, 11, 10, 2, 59)) is not None
    assert occurrence_at(window, berlin(2026, 11, 10, 3, 0)) is None


def test_duration_is_elapsed_time_across_spring_forward() -> None:
    # 2026-03-29: Berlin jumps 02:00 -> 03:00. The window still lasts two hours: until 04:00.
    start, end = occurrence_at(nightly(), berlin(2026, 3, 29, 3, 30)) or (None, None)
    assert start == berlin(2026, 3, 29, 1)
    assert end == berlin(2026, 3, 29, 4)


def test_start_inside_a_spring_forward_gap_moves_to_the_end_of_the_gap() -> None:
    rec = Recurrence("America/New_York", timedelta(hours=1), start_time=time(2, 30))
    window = MaintenanceWindow("w", frozenset({"svc"}), recurrence=rec)
    ny = ZoneInfo("America/New_York")
    # 2026-03-08 02:30 does not exist in New York; the window opens at 03:00 EDT.
    start, _ = occurrence_at(window, datetime(2026, 3, 8, 3, 15, tzinfo=ny)) or (None, None)
    assert start == datetime(2026, 3, 8, 3, 0, tzinfo=ny)


def test_weekday_rule_only_on_its_days() -> None:
    window = nightly(weekdays=("sat", "sun"))
    assert occurrence_at(window, berlin(2026, 11, 28, 1, 30)) is not None  # Saturday
    assert occurrence_at(window, berlin(2026, 11, 30, 1, 30)) is None  # Monday


def test_one_off_window() -> None:
    window = MaintenanceWindow(
        "db-upgrade", frozenset({"svc"}), start=berlin(2026, 12, 1, 22), end=berlin(2026, 12, 2, 0)
    )
    assert occurrence_at(window, berlin(2026, 12, 1, 23)) is not None
    assert occurrence_at(window, berlin(2026, 12, 2, 0)) is None


def test_window_is_scoped_to_services_and_label_matchers() -> None:
    window = MaintenanceWindow(
        "w",
        frozenset({"svc"}),
        matchers=(Matcher.parse("job=batch"),),
        start=berlin(2026, 1, 1, 0),
        end=berlin(2027, 1, 1, 0),
    )
    at = berlin(2026, 6, 1, 12)
    assert suppression_for("svc", {"job": "batch"}, at, [window]) is not None
    assert suppression_for("svc", {"job": "web"}, at, [window]) is None
    assert suppression_for("other", {"job": "batch"}, at, [window]) is None


def test_silence_reports_the_longest_hold() -> None:
    at = datetime(2026, 11, 28, 12, tzinfo=UTC)
    short = Silence(
        "s1",
        (Matcher.parse("alertname=~Disk.*"),),
        at - timedelta(hours=1),
        at + timedelta(hours=1),
    )
    long = Silence("s2", (Matcher.parse('severity!="info"'),), at, at + timedelta(hours=5))
    found = suppression_for(
        "svc", {"alertname": "DiskFull", "severity": "critical"}, at, (), [short, long]
    )
    assert found is not None
    assert (found.reason, found.until) == ("silence:s2", at + timedelta(hours=5))
    assert (
        suppression_for("svc", {"alertname": "CPU", "severity": "info"}, at, (), [short, long])
        is None
    )


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("team=ops", {"team": "ops"}, True),
        ("team!=ops", {}, True),  # a missing label is the empty string
        ("team=~o.s", {"team": "ops"}, True),
        ("team=~o", {"team": "ops"}, False),  # anchored
        ("team!~db|ops", {"team": "ops"}, False),
        ('team="a b"', {"team": "a b"}, True),
    ],
)
def test_matchers_follow_alertmanager(text: str, labels: dict[str, str], expected: bool) -> None:
    assert Matcher.parse(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["team", "=ops", "team=~(", "9x=y"])
def test_bad_matchers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"matcher|regex"):
        Matcher.parse(text)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    at=instants,
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minutes=st.sampled_from([0, 30]),
)
def test_cron_and_weekday_rules_agree_on_every_instant(
    at: datetime, zone: str, hour: int, minutes: int
) -> None:
    duration = timedelta(hours=2)
    by_rule = MaintenanceWindow(
        "r", frozenset({"s"}), recurrence=Recurrence(zone, duration, start_time=time(hour, minutes))
    )
    by_cron = MaintenanceWindow(
        "c", frozenset({"s"}), recurrence=Recurrence(zone, duration, cron=f"{minutes} {hour} * * *")
    )
    assert occurrence_at(by_rule, at) == occurrence_at(by_cron, at)


@settings(max_examples=300, deadline=None)
@given(at=instants, zone=st.sampled_from(ZONES), hour=st.integers(0, 23))
def test_an_occurrence_contains_the_instant_and_lasts_the_duration(
    at: datetime, zone: str, hour: int
) -> None:
    window = MaintenanceWindow(
        "r",
        frozenset({"s"}),
        recurrence=Recurrence(zone, timedelta(hours=3), start_time=time(hour)),
    )
    found = occurrence_at(window, at)
    if found is not None:
        start, end = found
        assert start <= at < end
        assert end - start == timedelta(hours=3)
        local = start.astimezone(ZoneInfo(zone))
        # Starts at the wall-clock hour, or at the end of a DST gap that swallowed it.
        assert local.hour == hour or local.minute in (0, 30)
    # One hour later inside the same occurrence gives the same occurrence.
    if found is not None and at + timedelta(hours=1) < found[1]:
        assert occurrence_at(window, at + timedelta(hours=1)) == found

"""The input rules every face shares: instants, time zones, names, text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.inputs import EARLIEST, LATEST, OUT_OF_RANGE, check_instant, parse_instant_text

OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(st.datetimes(timezones=OFFSETS))
def test_every_aware_datetime_is_either_in_range_or_refused_with_the_range(
    value: datetime,
) -> None:
    utc = (
        value.astimezone(UTC)
        if datetime.min + timedelta(days=2)
        < value.replace(tzinfo=None)
        < datetime.max - timedelta(days=2)
        else None
    )
    if utc is not None and EARLIEST <= utc <= LATEST:
        assert check_instant(value) == value
    else:
        with pytest.raises(ValueError, match=OUT_OF_RANGE):
            check_instant(value)


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(8999, 12, 31)), OFFSETS)
def test_an_accepted_instant_survives_any_zone_and_a_year_either_way(
    wall: datetime, offset: timezone
) -> None:
    value = check_instant(wall.replace(tzinfo=offset))
    for zone in (timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))):
        for shift in (timedelta(days=-400), timedelta(days=3650)):
            assert (value + shift).astimezone(zone) > datetime(1, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0001-01-01T00:00:00+05:00", "must be between"),
        ("9999-12-31T23:59:59-05:00", "must be between"),
        ("1969-12-31T23:59:59Z", "must be between"),
        ("2026-01-01T00:00:00", "needs a UTC offset"),
        ("next tuesday", "is not an ISO 8601 date-time"),
    ],
)
def test_instant_text_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_instant_text(text)


def test_instant_text_naive_is_utc_only_when_asked() -> None:
    parsed = parse_instant_text("2026-01-01T09:00:00", naive_is_utc=True)
    assert parsed == datetime(2026, 1, 1, 9, tzinfo=UTC)


def test_a_long_bad_value_is_not_echoed_whole() -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 date-time") as raised:
        parse_instant_text("x" * 10_000)
    assert len(str(raised.value)) < 100

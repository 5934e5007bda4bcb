"""The input rules every face shares: instants, time zones, names, text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.alerts.models import AlertOut
from tocsin.inputs import (
    EARLIEST,
    LATEST,
    MAX_JSON_DEPTH,
    OUT_OF_RANGE,
    TOO_DEEP,
    capped_json,
    check_instant,
    check_name,
    check_time_zone,
    is_name,
    json_too_deep,
    nul_in,
    parse_instant_text,
    reject_nul,
)

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


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Argentina/ComodRivadavia"])
def test_iana_zones_are_time_zones(zone: str) -> None:
    assert check_time_zone(zone) == zone


@pytest.mark.parametrize(
    "zone",
    ["x" * 10_000, "../../etc/passwd", "/etc/localtime", "Europe", "UTC\x00", "UTC ", "", "é"],
)
def test_anything_else_is_an_unknown_time_zone(zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as raised:
        check_time_zone(zone)
    assert len(str(raised.value)) < 120


@pytest.mark.parametrize("name", ["alice", "alice@example.com", "ops:primary", "v1.2_x-3", "7"])
def test_names_in_the_rule(name: str) -> None:
    assert check_name(name) == name
    assert is_name(name)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "must not be empty"),
        (" padded", "must not start or end with spaces"),
        ("x" * 201, "must be at most 200 characters"),
        *((bad, "may hold only") for bad in ["a/b", "..", "a?b", "#1", "50%", "a b", "é", "-x"]),
        ("a\x00b", "may hold only"),
    ],
)
def test_names_outside_the_rule_say_why(name: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_name(name)
    assert not is_name(name)


def test_a_nul_anywhere_in_a_value_is_found_with_its_place() -> None:
    assert nul_in({"a": ["ok", {"b": "x\x00"}]}) == ".a[1].b"
    assert nul_in({"k\x00": "v"}) == ""
    assert nul_in(["fine", 3, None]) is None
    with pytest.raises(ValueError, match=r"NUL character \(at a\[1\]\.b\)"):
        reject_nul({"a": ["ok", {"b": "x\x00"}]})


def test_json_stored_deeper_than_the_rule_is_cut_when_read_back() -> None:
    """An alert stored before ingest refused such details serializes (the API's
    serializer stops at about 250 levels), its deepest levels replaced by a note."""
    deep: list[object] = []
    for _ in range(400):
        deep = [deep]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    alert = AlertOut(
        id="a",
        service_id="s",
        service="web",
        integration_id="i",
        incident_id=None,
        dedup_key="k",
        status="triggered",
        summary="s",
        source="s",
        severity="info",
        custom_details={"deep": deep},
        occurrences=1,
        created_at=now,
        last_seen_at=now,
    )
    shown = alert.model_dump_json()
    assert TOO_DEEP in shown
    details = json.dumps(alert.custom_details)
    assert details.count("[") == MAX_JSON_DEPTH - 1  # under the details object
    assert capped_json({"flat": [1, 2]}) == {"flat": [1, 2]}
    assert not json_too_deep("text")

"""Ids: 16 base32hex characters, time-ordered, never repeated by one process."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tocsin.ids import id_floor, new_id

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _millis(value: str) -> int:
    raw = base64.b32hexdecode(value.upper())
    return int.from_bytes(raw[:6], "big")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1)))
def test_an_id_is_base32hex_of_its_millisecond_and_a_sequence(when: datetime) -> None:
    when = when.replace(tzinfo=UTC)
    made = new_id(when)
    assert len(made) == 16
    assert made == made.lower()
    assert _millis(made) == int(when.timestamp() * 1000)


def test_ids_of_one_millisecond_are_unique_and_increasing() -> None:
    made = [new_id(EPOCH) for _ in range(50_000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=50))
def test_ids_sort_by_creation_time(offsets: list[int]) -> None:
    times = sorted(EPOCH + timedelta(milliseconds=m) for m in offsets)
    made = [new_id(t) for t in times]
    for i in range(1, len(times)):
        if times[i - 1] < times[i]:
            assert made[i - 1] < made[i]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1)))
def test_id_floor_is_at_most_every_id_of_that_instant_and_above_earlier_ones(
    when: datetime,
) -> None:
    when = when.replace(tzinfo=UTC)
    floor = id_floor(when)
    assert len(floor) == 16
    assert floor <= new_id(when)
    assert new_id(when - timedelta(milliseconds=1)) < floor

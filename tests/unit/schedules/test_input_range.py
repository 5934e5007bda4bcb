"""A schedule the input rules accept can be computed at any instant they accept.

This is what lets the API and the world file refuse bad schedules when they are written
instead of failing every later read (``tocsin.inputs``): instants in 1970..9000, turns of
at most ten years, any IANA zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tocsin.inputs import EARLIEST, LATEST
from tocsin.schedules import final_schedule, on_call_at
from tocsin.schedules.definition import ScheduleDefinition, to_schedule

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"]
INSTANTS = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)
).map(lambda value: value.replace(tzinfo=UTC))
TURNS = st.one_of(
    st.integers(1, 87_600).map(lambda n: f"{n}h"),
    st.integers(1, 3650).map(lambda n: f"{n}d"),
    st.integers(1, 521).map(lambda n: f"{n}w"),
)


def definition(zone: str, start: datetime, turn: str, restricted: bool) -> dict[str, Any]:
    rotation: dict[str, Any] = {
        "participants": ["ann", "ben"],
        "turn": turn,
        "start": start.astimezone(ZoneInfo(zone)).isoformat(),
    }
    if restricted:
        rotation["restrictions"] = {"windows": [{"start": "22:00", "end": "06:00"}]}
    return {"time_zone": zone, "layers": [{"name": "l", "rotation": rotation}]}


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=INSTANTS,
    turn=TURNS,
    restricted=st.booleans(),
    at=INSTANTS,
)
def test_an_accepted_schedule_is_computable_anywhere_in_the_range(
    zone: str, start: datetime, turn: str, restricted: bool, at: datetime
) -> None:
    spec = ScheduleDefinition.model_validate(definition(zone, start, turn, restricted))
    schedule = to_schedule("s", spec)
    on_call_at(schedule, at)
    window = timedelta(days=400)
    final_schedule(schedule, max(EARLIEST, at - window), max(at, EARLIEST + timedelta(hours=1)))
    final_schedule(schedule, min(at, LATEST - timedelta(hours=1)), min(at + window, LATEST))


@pytest.mark.parametrize(
    ("start", "accepted"),
    [
        ("0001-01-01T00:00:00+05:00", False),
        ("9999-12-31T23:59:59-05:00", False),
        ("1969-12-31T23:00:00-01:00", True),  # 1970-01-01T00:00:00Z, the first instant
        ("8999-12-31T23:59:59-14:00", False),  # 9000-01-01T13:59:59Z
    ],
)
def test_the_range_is_that_of_the_instant_in_utc(start: str, accepted: bool) -> None:
    document = definition("UTC", datetime(2026, 1, 5, tzinfo=UTC), "1w", False)
    document["layers"][0]["rotation"]["start"] = start
    if accepted:
        ScheduleDefinition.model_validate(document)
    else:
        with pytest.raises(ValidationError, match="must be between"):
            ScheduleDefinition.model_validate(document)

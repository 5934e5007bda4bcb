"""The circuit breaker's pure arithmetic: a table of transitions, and properties over any
sequence of sends and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.notify.providers.breaker import (
    CLOSED,
    Breaker,
    Decision,
    Outcome,
    Policy,
    State,
    admit,
    record,
)

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
POLICY = Policy(failures=3, window=timedelta(seconds=60), cool_down=timedelta(seconds=30))
S = timedelta(seconds=1)
OPEN = Breaker(State.OPEN, 3, T0, T0, T0 + 30 * S, "HTTP 500")


def fail(breaker: Breaker, at: datetime) -> Breaker:
    return record(breaker, Outcome.FAILURE, at, POLICY, "HTTP 500")


@pytest.mark.parametrize(
    ("before", "now", "decision", "after"),
    [
        (CLOSED, T0, Decision.SEND, CLOSED),
        (OPEN, T0 + 29 * S, Decision.SKIP, OPEN),
        (OPEN, T0 + 30 * S, Decision.PROBE, Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 60 * S,
                                                    "HTTP 500")),
        # another worker's probe under way: skipped until its deadline, then taken over
        (Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 60 * S), T0 + 59 * S, Decision.SKIP,
         Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 60 * S)),
        (Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 60 * S), T0 + 60 * S, Decision.PROBE,
         Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 90 * S)),
    ],
)  # fmt: skip
def test_admit(before: Breaker, now: datetime, decision: Decision, after: Breaker) -> None:
    assert admit(before, now, POLICY) == (decision, after)


PROBING = Breaker(State.HALF_OPEN, 3, T0, T0, T0 + 60 * S, "HTTP 500")


@pytest.mark.parametrize(
    ("before", "outcome", "now", "after"),
    [
        # the hot path: a success through a healthy provider changes nothing
        (CLOSED, Outcome.SUCCESS, T0, CLOSED),
        (CLOSED, Outcome.FAILURE, T0, Breaker(failures=1, window_start=T0, last_error="HTTP 500")),
        # the second failure within the window counts on; after the window it starts over
        (Breaker(failures=1, window_start=T0), Outcome.FAILURE, T0 + 59 * S,
         Breaker(failures=2, window_start=T0, last_error="HTTP 500")),
        (Breaker(failures=2, window_start=T0), Outcome.FAILURE, T0 + 60 * S,
         Breaker(failures=1, window_start=T0 + 60 * S, last_error="HTTP 500")),
        # the third opens it for the cool-down
        (Breaker(failures=2, window_start=T0), Outcome.FAILURE, T0 + 10 * S,
         Breaker(State.OPEN, 3, T0, T0 + 10 * S, T0 + 40 * S, "HTTP 500")),
        # a success starts the count over (the last error stays, for the operator)
        (Breaker(failures=2, window_start=T0, last_error="x"), Outcome.SUCCESS, T0,
         Breaker(last_error="x")),
        # the probe: a success closes, a failure opens for another cool-down
        (PROBING, Outcome.SUCCESS, T0 + 31 * S, Breaker(last_error="HTTP 500")),
        (PROBING, Outcome.FAILURE, T0 + 31 * S,
         Breaker(State.OPEN, 4, T0, T0 + 31 * S, T0 + 61 * S, "HTTP 500")),
        # a probe that could not be tried is handed back at once
        (PROBING, Outcome.NEUTRAL, T0 + 31 * S,
         Breaker(State.OPEN, 3, T0, T0, T0 + 31 * S, "HTTP 500")),
        (CLOSED, Outcome.NEUTRAL, T0, CLOSED),
        # a late failure of a send begun before it opened leaves the cool-down alone
        (OPEN, Outcome.FAILURE, T0 + 5 * S, Breaker(State.OPEN, 4, T0, T0, T0 + 30 * S,
                                                    "HTTP 500")),
    ],
)  # fmt: skip
def test_record(before: Breaker, outcome: Outcome, now: datetime, after: Breaker) -> None:
    assert record(before, outcome, now, POLICY, "HTTP 500") == after


EVENTS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=90),  # seconds since the previous event
        st.sampled_from([Outcome.SUCCESS, Outcome.FAILURE, Outcome.NEUTRAL]),
    ),
    max_size=40,
)


def run(events: list[tuple[int, Outcome]]) -> list[tuple[datetime, Decision, Breaker]]:
    """A provider's life: at each event a worker asks, and records what its send showed."""
    breaker, now, seen = CLOSED, T0, []
    for gap, outcome in events:
        now += gap * S
        decision, breaker = admit(breaker, now, POLICY)
        seen.append((now, decision, breaker))
        if decision is not Decision.SKIP:
            breaker = record(breaker, outcome, now, POLICY, "e")
    return seen


@given(EVENTS)
def test_only_one_probe_at_a_time(events: list[tuple[int, Outcome]]) -> None:
    for now, decision, stored in run(events):
        if decision is Decision.PROBE:
            # a second worker asking at the same instant, with what the first stored
            assert admit(stored, now, POLICY)[0] is Decision.SKIP


@given(EVENTS)
def test_a_closed_breaker_always_sends_and_an_open_one_skips_until_its_time(
    events: list[tuple[int, Outcome]],
) -> None:
    breaker, now = CLOSED, T0
    for gap, outcome in events:
        now += gap * S
        decision, after = admit(breaker, now, POLICY)
        if breaker.state is State.CLOSED:
            assert decision is Decision.SEND
        else:
            assert breaker.open_until is not None
            assert (decision is Decision.SKIP) == (now < breaker.open_until)
        breaker = after if decision is Decision.SKIP else record(after, outcome, now, POLICY)


@given(EVENTS)
def test_it_opens_only_after_enough_failures_in_a_row_within_the_window(
    events: list[tuple[int, Outcome]],
) -> None:
    breaker, now, streak = CLOSED, T0, []
    for gap, outcome in events:
        now += gap * S
        decision, breaker = admit(breaker, now, POLICY)
        if decision is Decision.SKIP:
            continue
        was = breaker.state
        breaker = record(breaker, outcome, now, POLICY)
        if outcome is Outcome.FAILURE:
            streak.append(now)
        elif outcome is Outcome.SUCCESS:
            streak = []
        if was is State.CLOSED and breaker.state is State.OPEN:
            recent = [t for t in streak if now - t < POLICY.window]
            assert len(recent) >= POLICY.failures
            assert breaker.open_until == now + POLICY.cool_down
        if outcome is Outcome.SUCCESS:
            assert breaker.state is State.CLOSED


@given(st.integers(min_value=60, max_value=600), st.integers(min_value=1, max_value=30))
def test_failures_further_apart_than_the_window_never_open_it(gap: int, count: int) -> None:
    breaker = CLOSED
    for i in range(count):
        breaker = fail(breaker, T0 + i * gap * S)
    assert breaker.state is State.CLOSED
    assert breaker.failures == 1

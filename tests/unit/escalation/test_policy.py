"""The pure arithmetic of escalation steps: order, repeats, timing from due times, and
collapsing the steps missed while Tocsin was down."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.escalation.policy import (
    Level,
    LevelMode,
    Policy,
    Position,
    Step,
    Target,
    TargetKind,
    advance,
    following,
    from_document,
    start,
    to_document,
)

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
ALICE, BOB, CARA = (Target(TargetKind.USER, n) for n in ("alice", "bob", "cara"))
PRIMARY = Target(TargetKind.SCHEDULE, "web-primary")
SRE = Target(TargetKind.TEAM, "sre")

targets = st.lists(st.sampled_from([ALICE, BOB, CARA, PRIMARY, SRE]), min_size=1, max_size=3)
levels = st.builds(
    Level,
    targets.map(tuple),
    st.integers(1, 60).map(lambda m: timedelta(minutes=m)),
    st.sampled_from(LevelMode),
)
policies = st.builds(
    Policy,
    st.just("p"),
    st.lists(levels, min_size=1, max_size=4).map(tuple),
    st.integers(0, 3),
    targets.map(tuple),
)


def on_time(policy: Policy) -> list[tuple[Position, datetime]]:
    """Every step and when it is paged, each timer firing exactly when due."""
    step = start(policy, T0)
    steps = [(step.position, T0)]
    while step.next_due is not None:
        due = step.next_due
        following_step = advance(policy, step.position, due, due)
        assert following_step is not None
        assert following_step.skipped == 0
        step = following_step
        steps.append((step.position, due))
    assert advance(policy, step.position, T0 + timedelta(days=9), T0 + timedelta(days=9)) is None
    return steps


def test_two_levels_page_the_second_only_when_the_delay_has_passed() -> None:
    policy = Policy(
        "web", (Level((PRIMARY,), timedelta(minutes=5)), Level((ALICE,), timedelta(minutes=5)))
    )
    first = start(policy, T0)
    assert first == Step(Position(0, 0), T0 + timedelta(minutes=5))
    second = advance(policy, first.position, T0 + timedelta(minutes=5), T0 + timedelta(minutes=5))
    assert second == Step(Position(0, 1), None)  # the last step: nothing after it


@given(policies)
def test_on_time_every_level_is_paged_in_order_once_per_repeat(policy: Policy) -> None:
    positions = [p for p, _ in on_time(policy)]
    assert positions == [
        Position(r, lvl) for r in range(policy.repeat + 1) for lvl in range(len(policy.levels))
    ]


@given(policies)
def test_each_step_is_paged_its_level_delay_after_the_one_before(policy: Policy) -> None:
    steps = on_time(policy)
    for (before, at), (_, next_at) in itertools.pairwise(steps):
        assert next_at - at == policy.levels[before.level].delay


@given(policies, st.lists(st.integers(0, 24 * 60), min_size=1, max_size=20))
def test_late_firings_page_once_where_the_escalation_would_be_by_now(
    policy: Policy, lags: list[int]
) -> None:
    schedule = on_time(policy)
    step = start(policy, T0)
    paged = [step.position]
    for lag in lags:
        if step.next_due is None:
            break
        now = step.next_due + timedelta(minutes=lag)
        later = advance(policy, step.position, step.next_due, now)
        assert later is not None
        # Exactly where the on-time escalation is at `now`: its last step paged by then.
        expected = [(p, at) for p, at in schedule if at <= now][-1]
        assert later.position == expected[0]
        assert later.skipped == schedule.index(expected) - schedule.index(
            next((p, at) for p, at in schedule if p == following(policy, step.position))
        )
        # Timing never drifts: the next step is due when the on-time one would be.
        upcoming = [at for _, at in schedule if at > expected[1]]
        assert later.next_due == (upcoming[0] if upcoming else None)
        step = later
        paged.append(step.position)
    assert paged == sorted(set(paged))  # forward only, each step at most once


def test_round_robin_takes_turns_and_all_pages_everyone() -> None:
    rr = Level((ALICE, BOB, CARA), timedelta(minutes=5), LevelMode.ROUND_ROBIN)
    assert [rr.pick(turn) for turn in range(4)] == [(ALICE,), (BOB,), (CARA,), (ALICE,)]
    everyone = Level((ALICE, SRE), timedelta(minutes=5))
    assert everyone.pick(7) == (ALICE, SRE)


@given(policies)
def test_a_snapshot_reads_back_as_the_same_policy(policy: Policy) -> None:
    assert from_document(to_document(policy)) == policy


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: Level((), timedelta(minutes=5)), "at least one target"),
        (lambda: Level((ALICE,), timedelta(0)), "longer than zero"),
        (lambda: Policy("p", ()), "at least one level"),
        (lambda: Policy("p", (Level((ALICE,), timedelta(minutes=1)),), repeat=-1), "negative"),
    ],
)
def test_impossible_policies_are_refused(build: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build()  # type: ignore[operator]

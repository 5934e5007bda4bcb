"""Circuit breaker arithmetic, pure: given a breaker, what happened and ``now``, the new
breaker. No clock, no database (``providers.store`` keeps the rows, one per provider,
shared by every worker).

- **closed**: sends go through. ``failures`` counts failures in a row; the count starts
  over at the first failure after ``window`` has passed since the count began, and at any
  success. ``failures`` reaching ``Policy.failures`` opens the breaker.
- **open**: the provider is skipped until ``open_until`` (``cool_down`` after opening).
- **half_open**: the first send after the cool-down is a probe, taken by one worker
  only; ``open_until`` is then the probe's deadline (a worker that died while probing
  does not hold it for ever). A success closes the breaker, a failure opens it again for
  another cool-down.

A *neutral* outcome (the address could not even be tried: a missing secret, a malformed
URL) says nothing about the provider; a probe that ends so is handed back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum, StrEnum


class State(StrEnum):
    """Where a breaker is."""

    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


class Decision(Enum):
    """What to do with a provider now."""

    SEND = "send"  # closed: send
    PROBE = "probe"  # the cool-down is over and this worker took the probe: send
    SKIP = "skip"  # open, or another worker is probing: try the next provider


class Outcome(Enum):
    """What a send through the provider showed."""

    SUCCESS = "success"  # delivered, or the peer answered a permanent refusal: it is up
    FAILURE = "failure"  # no answer, a timeout, a 5xx: the provider may be down
    NEUTRAL = "neutral"  # not tried (a local error): nothing learnt about the provider


@dataclass(frozen=True, slots=True)
class Policy:
    """When a breaker opens and for how long (``TOCSIN_BREAKER_*``)."""

    failures: int = 5
    window: timedelta = timedelta(seconds=60)
    cool_down: timedelta = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Breaker:
    """One provider's breaker; ``Breaker()`` is a provider never seen failing."""

    state: State = State.CLOSED
    failures: int = 0
    window_start: datetime | None = None
    opened_at: datetime | None = None
    open_until: datetime | None = None
    last_error: str | None = None


CLOSED = Breaker()


def admit(breaker: Breaker, now: datetime, policy: Policy) -> tuple[Decision, Breaker]:
    """May a send go to the provider at ``now``? The breaker to store with the answer: a
    PROBE moves it to half-open with the probe's deadline, so a second worker asking
    with the stored breaker is told SKIP."""
    if breaker.state is State.CLOSED:
        return Decision.SEND, breaker
    if breaker.open_until is not None and now < breaker.open_until:
        return Decision.SKIP, breaker
    return Decision.PROBE, replace(
        breaker, state=State.HALF_OPEN, open_until=now + policy.cool_down
    )


def record(
    breaker: Breaker, outcome: Outcome, now: datetime, policy: Policy, error: str | None = None
) -> Breaker:
    """The breaker after a send through the provider ended with ``outcome`` at ``now``."""
    if outcome is Outcome.NEUTRAL:
        if breaker.state is State.HALF_OPEN:
            return replace(breaker, state=State.OPEN, open_until=now)  # hand the probe back
        return breaker
    if outcome is Outcome.SUCCESS:
        if breaker.state is State.CLOSED and breaker.failures == 0:
            return breaker  # the common case: nothing to write
        return Breaker(last_error=breaker.last_error)
    if breaker.state is State.OPEN:
        # A send begun before another worker opened it: the cool-down stands.
        return replace(breaker, failures=breaker.failures + 1, last_error=error)
    if breaker.state is State.HALF_OPEN:
        return _opened(breaker, breaker.failures + 1, now, policy, error)
    fresh = breaker.window_start is None or now - breaker.window_start >= policy.window
    failures = 1 if fresh else breaker.failures + 1
    start = now if fresh else breaker.window_start
    if failures >= policy.failures:
        return _opened(replace(breaker, window_start=start), failures, now, policy, error)
    return replace(breaker, failures=failures, window_start=start, last_error=error)


def _opened(
    breaker: Breaker, failures: int, now: datetime, policy: Policy, error: str | None
) -> Breaker:
    return replace(
        breaker,
        state=State.OPEN,
        failures=failures,
        opened_at=now,
        open_until=now + policy.cool_down,
        last_error=error,
    )

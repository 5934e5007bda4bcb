"""One attempt of a delivery: its providers in order, within the attempt.

A provider whose breaker is open is skipped at once; one that fails (no answer, a
timeout, a 5xx) counts a failure on its breaker and the next is tried at once; the first
that delivers ends the attempt. A permanent refusal (a 401, a bad address) moves on too:
a fallback has an address of its own. What each provider did is a ``Try``; the delivery
worker decides from them whether the delivery is sent, retried or failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from tocsin.notify.channels.base import (
    ChannelError,
    ChannelNotConfigured,
    InvalidAddress,
    PermanentFailure,
)
from tocsin.notify.providers import store
from tocsin.notify.providers.breaker import Breaker, Decision, Outcome, Policy, State
from tocsin.notify.providers.chain import Provider

log = logging.getLogger(__name__)


class Result(StrEnum):
    """What one provider did."""

    SENT = "sent"
    FAILED = "failed"  # may work later: counted on its breaker
    REFUSED = "refused"  # never will for this address: not retried, shown on the method
    SKIPPED = "skipped"  # its breaker is open (or another worker is probing it)


@dataclass(frozen=True, slots=True)
class Try:
    """One provider's part in an attempt."""

    provider: str
    result: Result
    error: str | None
    seconds: float


def attempt(
    engine: Engine,
    providers: Sequence[Provider],
    message: Mapping[str, Any],
    key: str,
    now: Callable[[], datetime],
    policy: Policy,
) -> list[Try]:
    """Send through ``providers`` in order until one delivers; what each did (the ones
    after the first success are not tried, and not listed)."""
    tries: list[Try] = []
    for provider in providers:
        decision, breaker = store.take(engine, provider.name, now(), policy)
        if decision is Decision.SKIP:
            tries.append(Try(provider.name, Result.SKIPPED, _why_skipped(breaker), 0.0))
            continue
        started = time.perf_counter()
        result, outcome, error = _send(provider, message, key)
        tries.append(Try(provider.name, result, error, time.perf_counter() - started))
        # A success through a healthy breaker changes nothing: no write on the hot path.
        healthy = breaker.state is State.CLOSED and breaker.failures == 0
        if not (outcome is Outcome.SUCCESS and healthy):
            store.note(engine, provider.name, outcome, now(), policy, error)
        if result is Result.SENT:
            break
    return tries


def _send(
    provider: Provider, message: Mapping[str, Any], key: str
) -> tuple[Result, Outcome, str | None]:
    """Send through one provider: what it did, and what that says about the provider."""
    try:
        provider.channel.send_page(provider.method, message, key)
    except PermanentFailure as exc:
        return Result.REFUSED, Outcome.SUCCESS, exc.message  # the peer answered: it is up
    except (InvalidAddress, ChannelNotConfigured) as exc:
        return Result.REFUSED, Outcome.NEUTRAL, exc.message  # never reached the peer
    except ChannelError as exc:
        return Result.FAILED, Outcome.FAILURE, exc.message
    except Exception as exc:  # a channel bug must not stop the worker
        log.exception("provider %s failed", provider.name)
        return Result.FAILED, Outcome.FAILURE, f"{type(exc).__name__}: {exc}"
    return Result.SENT, Outcome.SUCCESS, None


def _why_skipped(breaker: Breaker) -> str:
    if breaker.state is State.HALF_OPEN:
        return "circuit half-open: another worker is probing it"
    until = f" until {breaker.open_until.isoformat()}" if breaker.open_until else ""
    return f"circuit open{until}"

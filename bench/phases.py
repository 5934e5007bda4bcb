"""What the latency benchmarks (timer lateness, alert to page) report per phase."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    """Latency percentiles (seconds) of one phase: how many samples, p50, p99, max."""

    count: int
    p50: float
    p99: float
    worst: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Phase:
        """The phase of ``samples`` (nearest-rank percentiles); NaNs when there are none."""
        ordered = sorted(samples)
        if not ordered:
            return cls(0, float("nan"), float("nan"), float("nan"))
        n = len(ordered)
        return cls(n, ordered[n // 2], ordered[min(n - 1, int(n * 0.99))], ordered[-1])


@dataclass(frozen=True)
class RunResult:
    """One run: the idle phase (the baseline), the phase under ingest, and its rate."""

    idle: Phase
    loaded: Phase
    ingest_rps: float

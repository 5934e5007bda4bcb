"""What the latency benchmarks (timer lateness, alert to page) report per phase."""

from __future__ import annotations

import statistics
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


def phase_rows(runs: Sequence[RunResult], goal_p99: float) -> list[tuple[str, list[str]]]:
    """Table cells per phase ("idle", "loaded") over ``runs``: samples (fewest of the
    runs), p50, p99, max (medians over runs), p99 loaded / idle (median of the same-run
    ratios), ingest req/s (median), and whether the median p99 is under ``goal_p99``."""
    ratios = [r.loaded.p99 / r.idle.p99 for r in runs if r.idle.p99 > 0]
    rows = []
    for name in ("idle", "loaded"):
        phases = [getattr(r, name) for r in runs]
        p99 = statistics.median([p.p99 for p in phases])
        loaded = name == "loaded"
        rows.append(
            (
                name,
                [
                    f"{min(p.count for p in phases):,}",
                    _ms(statistics.median([p.p50 for p in phases])),
                    _ms(p99),
                    _ms(statistics.median([p.worst for p in phases])),
                    f"{statistics.median(ratios):.2f}x" if loaded and ratios else "",
                    f"{statistics.median([r.ingest_rps for r in runs]):,.0f}" if loaded else "",
                    "met" if p99 < goal_p99 else "NOT met",
                ],
            )
        )
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"

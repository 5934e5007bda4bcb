"""What the latency benchmarks (timer lateness, alert to page) report per phase."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


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


def per_run_line(results: Mapping[str, Sequence[RunResult]]) -> str:
    """The report's line of every run's p99 idle / loaded, by database."""
    return "Per run (p99 idle / loaded, seconds): " + "; ".join(
        f"{backend}: " + ", ".join(f"{r.idle.p99:.3f}/{r.loaded.p99:.3f}" for r in runs)
        for backend, runs in results.items()
    )


def each_run(runs: int, backends: str, prefix: str) -> Iterator[tuple[int, str, Path]]:
    """(run, backend, its own new work directory) for ``runs`` runs of each of the
    comma-separated ``backends``, interleaved; the directories go when it ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for run in range(runs):
            for backend in backends.split(","):
                workdir = Path(tmp) / f"{backend}-{run}"
                workdir.mkdir()
                yield run, backend, workdir

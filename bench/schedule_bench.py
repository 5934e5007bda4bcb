"""Benchmark the schedule core: "who is on call now?" and a year of the final schedule.

The schedule is the size of a busy team: three layers (a weekly primary, a follow-the-sun
business-hours layer with a mid-year revision, a 12-hour night layer), 20 participants
and 200 overrides over the year, in America/New_York so both DST transitions are crossed.

Baselines measured in the same run:
- for the year: iterating the raw handoffs of the three rotations over the year (the turn
  arithmetic alone, without restrictions, layering, overrides or merging);
- for the point query: the year itself, which is what a point query would cost if it
  computed the whole schedule and searched it.

Run from the repository root: ``python -m bench.schedule_bench`` (with the project
installed, or ``PYTHONPATH=src``). Results go to the "schedules" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from zoneinfo import ZoneInfo

from bench.report import machine_line, median, write_section
from tocsin.schedules import (
    DailyWindow,
    Layer,
    Override,
    Restrictions,
    Revision,
    Rotation,
    Schedule,
    TurnLength,
    Weekday,
    WeeklyWindow,
    final_schedule,
    handoffs_between,
    on_call_at,
)

ZONE = "America/New_York"
USERS = [f"user{n:02d}" for n in range(1, 21)]
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
POINT_CALLS = 2000
POINT_RUNS = 5
YEAR_RUNS = 7
BASELINE_RUNS = 7


def build_schedule() -> Schedule:
    """Three layers, 20 participants, 200 overrides spread over 2025."""
    zone = ZoneInfo(ZONE)
    start = datetime(2024, 12, 30, 9, tzinfo=zone)  # a Monday
    primary = Rotation(participants=tuple(USERS[:8]), turn=TurnLength.weeks(), start=start)
    weekdays = WeeklyWindow(Weekday.MONDAY, wall_time(9), Weekday.FRIDAY, wall_time(17))
    business = Rotation(
        participants=tuple(USERS[8:14]),
        turn=TurnLength.days(),
        start=start,
        restrictions=Restrictions((weekdays,), time_zone="Europe/London"),
    )
    business_v2 = Rotation(
        participants=tuple(USERS[8:13]),
        turn=TurnLength.days(),
        start=start,
        restrictions=Restrictions((weekdays,), time_zone="Europe/London"),
    )
    nights = Rotation(
        participants=tuple(USERS[14:20]),
        turn=TurnLength.hours(12),
        start=start,
        restrictions=Restrictions((DailyWindow(wall_time(22), wall_time(6)),)),
    )
    rng = random.Random(20250101)
    overrides = []
    for _ in range(200):
        begin = YEAR_START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60, 15))
        length = timedelta(minutes=rng.randrange(60, 48 * 60, 15))
        replaces = rng.choice(USERS) if rng.random() < 0.5 else None
        overrides.append(
            Override(user=rng.choice(USERS), start=begin, end=begin + length, replaces=replaces)
        )
    return Schedule(
        name="payments",
        time_zone=ZONE,
        layers=(
            Layer.of("primary", primary),
            Layer(
                "business",
                (
                    Revision(start, business),
                    Revision(datetime(2025, 7, 1, tzinfo=zone), business_v2),
                ),
            ),
            Layer.of("nights", nights),
        ),
        overrides=tuple(overrides),
    )


def _timed(work: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``runs`` calls of ``work``."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return walls, cpus


def measure_point_queries(schedule: Schedule) -> dict[str, float]:
    """Median microseconds per ``on_call_at`` over several runs of many random instants."""
    rng = random.Random(7)
    span = int((YEAR_END - YEAR_START).total_seconds())
    instants = [YEAR_START + timedelta(seconds=rng.randrange(span)) for _ in range(POINT_CALLS)]
    run_medians, cpu_per_call = [], []
    for _ in range(POINT_RUNS):
        gc.collect()
        samples = []
        cpu0 = time.process_time()
        for instant in instants:
            t0 = time.perf_counter_ns()
            on_call_at(schedule, instant)
            samples.append(time.perf_counter_ns() - t0)
        cpu_per_call.append((time.process_time() - cpu0) / POINT_CALLS * 1e6)
        run_medians.append(statistics.median(samples) / 1000)
    return {
        "median_us": median(run_medians),
        "best_run_us": min(run_medians),
        "worst_run_us": max(run_medians),
        "cpu_us": median(cpu_per_call),
    }


def measure_year(schedule: Schedule) -> dict[str, float]:
    """Median milliseconds for one year of ``final_schedule``."""
    result = final_schedule(schedule, YEAR_START, YEAR_END)
    walls, cpus = _timed(lambda: final_schedule(schedule, YEAR_START, YEAR_END), YEAR_RUNS)
    return {
        "median_ms": median(walls) * 1000,
        "best_ms": min(walls) * 1000,
        "worst_ms": max(walls) * 1000,
        "cpu_ms": median(cpus) * 1000,
        "shifts": len(result.shifts),
        "gaps": len(result.gaps),
    }


def measure_handoff_baseline(schedule: Schedule) -> dict[str, float]:
    """Median milliseconds to list every raw handoff of every rotation for the year."""
    rotations = [rev.rotation for layer in schedule.layers for rev in layer.revisions]
    count = sum(len(handoffs_between(r, ZONE, YEAR_START, YEAR_END)) for r in rotations)

    def iterate() -> None:
        for rotation in rotations:
            handoffs_between(rotation, ZONE, YEAR_START, YEAR_END)

    walls, cpus = _timed(iterate, BASELINE_RUNS)
    return {
        "median_ms": median(walls) * 1000,
        "best_ms": min(walls) * 1000,
        "worst_ms": max(walls) * 1000,
        "cpu_ms": median(cpus) * 1000,
        "handoffs": count,
    }


def render(point: dict[str, float], year: dict[str, float], base: dict[str, float]) -> str:
    """The markdown for the "schedules" section of docs/benchmarks.md."""
    year_ratio = year["median_ms"] / base["median_ms"]
    point_share = point["median_us"] / (year["median_ms"] * 1000)
    point_ok = "met" if point["median_us"] < 1000 else "MISSED"
    year_ok = "met" if year["median_ms"] < 50 else "MISSED"
    rows = [
        (
            f"`on_call_at` point query, median of {POINT_CALLS} instants x {POINT_RUNS} runs",
            f"{point['median_us']:.0f} µs",
            f"{point['best_run_us']:.0f}-{point['worst_run_us']:.0f} µs",
            f"{point['cpu_us']:.0f} µs/call (mean)",
            f"< 1 ms: {point_ok}",
        ),
        (
            f"`final_schedule` for all of 2025, {YEAR_RUNS} runs",
            f"{year['median_ms']:.1f} ms",
            f"{year['best_ms']:.1f}-{year['worst_ms']:.1f} ms",
            f"{year['cpu_ms']:.1f} ms",
            f"< 50 ms: {year_ok}",
        ),
        (
            f"Baseline: raw handoffs of the 4 rotation revisions, each over all of 2025 "
            f"({base['handoffs']:.0f} handoffs), {BASELINE_RUNS} runs",
            f"{base['median_ms']:.1f} ms",
            f"{base['best_ms']:.1f}-{base['worst_ms']:.1f} ms",
            f"{base['cpu_ms']:.1f} ms",
            "",
        ),
    ]
    table = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    return f"""
## Schedules (`tocsin.schedules`)

{machine_line()}

Reproduce: `python -m bench.schedule_bench` from the repository root (with the project
installed, or `PYTHONPATH=src`).

Workload: {ZONE}, 3 layers (weekly primary; follow-the-sun business hours in
Europe/London with a mid-year revision; 12-hour night turns restricted to 22:00-06:00),
20 participants, 200 overrides in 2025 (half of them replace one user, as accepted swaps do).
The year yields {year["shifts"]:.0f} final shifts and {year["gaps"]:.0f} gaps.

| Measurement | Median | Spread (runs) | CPU (process_time) | Goal |
|---|---|---|---|---|
{table}

Ratios (same run):
- A year of the final schedule costs **{year_ratio:.1f}x** iterating the raw handoffs:
  restrictions, revisions, three-layer stacking, 200 overrides and merging on top of the
  turn arithmetic itself.
- A point query costs **{point_share:.2%}** of computing the year (1/{1 / point_share:.0f}):
  it computes a few days around the instant, widening only until the current shift's
  ends are known, instead of the whole schedule.
"""


def main() -> int:
    """Run the benchmark, print the section and write it to docs/benchmarks.md."""
    schedule = build_schedule()
    base = measure_handoff_baseline(schedule)
    year = measure_year(schedule)
    point = measure_point_queries(schedule)
    body = render(point, year, base)
    print(body)
    write_section("schedules", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

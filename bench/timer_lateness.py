"""Timer lateness: how long after its due time a durable timer fires, with 10,000 pending.

For each database, a fresh ``tocsin serve`` gets two sets of 10,000 heartbeats whose
timers are all pending at start: the first set comes due spread over a window while the
server is idle (the baseline), the second over a window of the same length while wrk
sends PagerDuty events as fast as the server takes them (background ingest). Every
heartbeat is overdue, so every firing raises an expiry alert: the timers do real work.
Lateness is read back from the database (``last_fired_at - due_at`` per timer, the same
figure ``tocsin_timer_lateness_seconds`` records). The report gives medians over runs of
p50 / p99 / max, and the loaded-over-idle ratio of the same run.

    python -m bench.timer_lateness [--runs 3] [--window 20] [--backends sqlite,postgresql]

Writes the ``timers`` section of docs/benchmarks.md. Only 127.0.0.1 is targeted; every
phase is bounded in time.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select

from bench.databases import fresh_database
from bench.ingest import SCENARIOS, install_world
from bench.loadtest import Target, free_port, run_wrk, running_server
from bench.phases import Phase, RunResult, each_run, per_run_line, phase_rows
from bench.report import machine_line, write_section
from tocsin.ids import new_id, new_secret
from tocsin.store.db import create_db_engine
from tocsin.store.schema import heartbeats, services, timers

PENDING = 10_000
START_AFTER = timedelta(seconds=8)  # the server is up well before the first timer is due
GOAL_P99_SECONDS = 1.0


def seed_timers(engine: Engine, prefix: str, first_due: datetime, window: timedelta) -> None:
    """``PENDING`` overdue heartbeats named ``prefix-N``, their timers due across ``window``."""
    long_ago = first_due - timedelta(days=30)
    with engine.begin() as conn:
        service_id = conn.execute(select(services.c.id)).scalar_one()
        beats, rows = [], []
        for i in range(PENDING):
            hid = new_id(long_ago)
            beats.append(
                {
                    "id": hid,
                    "service_id": service_id,
                    "name": f"{prefix}-{i}",
                    "key": new_secret(),
                    "interval_seconds": 3600,
                    "grace_seconds": 0,
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
            )
            rows.append(
                {
                    "id": new_id(long_ago),
                    "kind": "heartbeat",
                    "subject": hid,
                    "due_at": first_due + window * (i / PENDING),
                    "payload": {},
                    "created_at": long_ago,
                    "updated_at": long_ago,
                }
            )
        conn.execute(insert(heartbeats), beats)
        conn.execute(insert(timers), rows)


def lateness(engine: Engine, prefix: str) -> Phase:
    """Percentiles of fired-at minus due-at for the heartbeats named ``prefix-N``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(timers.c.last_fired_at, timers.c.due_at, heartbeats.c.name)
            .join(heartbeats, heartbeats.c.id == timers.c.subject)
            .where(heartbeats.c.name.like(f"{prefix}-%"))
        ).all()
    # A fired timer's row no longer holds its due time (it is disarmed): use the plan.
    return Phase.of(
        [
            (fired - planned).total_seconds()
            for fired, planned in ((r[0], _planned.get(r[2])) for r in rows)
            if fired is not None and planned is not None
        ]
    )


_planned: dict[str, datetime] = {}


def plan(prefix: str, first_due: datetime, window: timedelta) -> None:
    """Remember each timer's due time (the row forgets it once fired)."""
    for i in range(PENDING):
        _planned[f"{prefix}-{i}"] = first_due + window * (i / PENDING)


def one_run(backend: str, window: timedelta, workdir: Path) -> RunResult:
    """A fresh database and server: an idle window, then a window under ingest."""
    key = secrets.token_hex(16)
    with fresh_database(backend, workdir) as db:
        install_world(db, key, workdir)
        engine = create_db_engine(db.url)
        try:
            start = datetime.now(UTC) + START_AFTER
            loaded_start = start + window + timedelta(seconds=5)
            for prefix, first in (("idle", start), ("loaded", loaded_start)):
                plan(prefix, first, window)
                seed_timers(engine, prefix, first, window)
            port = free_port()
            env = {"TOCSIN_DATABASE_URL": db.url, "TOCSIN_LOG_LEVEL": "warning"}
            with running_server(Target(backend, backend), port, workdir / "server.log", env):
                _sleep_until(loaded_start - timedelta(seconds=2))
                scenario = SCENARIOS[0]  # unique PagerDuty triggers
                seconds = int(window.total_seconds()) + 4
                result = run_wrk(port, scenario, seconds, workdir, {"TOCSIN_BENCH_KEY": key})
                _sleep_until(loaded_start + window + timedelta(seconds=3))
            return RunResult(
                lateness(engine, "idle"), lateness(engine, "loaded"), result.requests / seconds
            )
        finally:
            engine.dispose()


def _sleep_until(when: datetime) -> None:
    """A benchmark waits for wall-clock time to pass (the server runs on the real clock)."""
    remaining = (when - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        threading.Event().wait(remaining)


def render(results: dict[str, list[RunResult]], window: int, runs: int, command: str) -> str:
    """The ``timers`` section of docs/benchmarks.md."""
    lines = [
        f"## Timer lateness, {PENDING:,} timers due over {window} s (`bench/timer_lateness.py`)",
        "",
        machine_line(),
        "",
        f"Reproduce: `{command}`",
        "",
        f"Workload per run: a fresh database and server; {PENDING:,} overdue heartbeats whose "
        f"timers come due spread over {window} s while the server is idle (baseline), then "
        f"{PENDING:,} more over {window} s while wrk sends unique PagerDuty triggers as fast as "
        f"the server takes them (64 connections). All {2 * PENDING:,} timers are pending when "
        "the server starts; every firing raises an expiry alert. Lateness = fired at - due at. "
        f"Medians of {runs} runs; goal: p99 under {GOAL_P99_SECONDS:.0f} s.",
        "",
        "| Database | Phase | Fired | p50 | p99 | max | p99 loaded / idle | Ingest req/s | Goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, samples in results.items():
        for phase, cells in phase_rows(samples, GOAL_P99_SECONDS):
            lines.append(f"| {backend} | {phase} | " + " | ".join(cells) + " |")
    lines += ["", per_run_line(results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the section and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=20, help="seconds each set comes due over")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--section", default="timers", help="docs/benchmarks.md section")
    args = parser.parse_args(argv)
    results: dict[str, list[RunResult]] = {}
    for run, backend, workdir in each_run(args.runs, args.backends, "tocsin-timer-bench-"):
        result = one_run(backend, timedelta(seconds=args.window), workdir)
        print(
            f"run {run + 1} {backend}: idle p99 {result.idle.p99:.3f}s "
            f"loaded p99 {result.loaded.p99:.3f}s ({result.loaded.count} fired, "
            f"{result.ingest_rps:,.0f} req/s)",
            flush=True,
        )
        results.setdefault(backend, []).append(result)
    command = "python -m bench.timer_lateness " + " ".join(sys.argv[1:] if argv is None else argv)
    body = render(results, args.window, args.runs, command.strip())
    print(body)
    write_section(args.section, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

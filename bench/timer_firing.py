"""Timer firing cost: heartbeat expiries fired in batches against one at a time, same run.

In-process (no HTTP): a fresh database per measurement holds N overdue heartbeats, and a
``TimerService`` on a ``ManualClock`` fires them all with one ``fire_due()``. The baseline
calls the one-timer handler per timer (a savepoint, a heartbeat read and update, a timer
update per firing, in the same batches of 100 with the same batched locks); the measured
mode is how ``tocsin serve`` fires them (``TIMER_BATCH_HANDLERS``). Both modes run in
every run, alternating which goes first; the report gives medians of firings/s and CPU
per firing, and the batched/one-at-a-time ratio of each run.

    python -m bench.timer_firing [--runs 5] [--timers 2000] [--backends sqlite,postgresql]
        [--kind heartbeat|escalation]

``--kind escalation`` fires the first escalation step of N incidents opened together
(one per alert, paging an on-call schedule) instead: the one-timer handler against the
batch handler ``build_runtime`` registers; it prints its table and writes no section.

Writes the ``timer-firing`` section of docs/benchmarks.md. Touches only local databases.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.databases import fresh_database
from bench.report import machine_line, median, write_section
from tocsin.api.app import TIMER_BATCH_HANDLERS, TIMER_SUBJECT_LOCKS
from tocsin.clock import ManualClock
from tocsin.core.events import Action, AlertEvent
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.escalation import service as escalation
from tocsin.heartbeats import service as heartbeats
from tocsin.ingest.routing import KeyDirectory
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade
from tocsin.store.schema import alerts, deliveries
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
MODES = ("one at a time", "batched")


@dataclass(frozen=True)
class Sample:
    per_second: float
    cpu_ms: float  # CPU of this process per firing (the database server's is not counted)


def world(count: int) -> str:
    beats = "".join(
        f"  - {{name: job-{i}, service: batch, interval: 5m, key: hbkey{i:016d}}}\n"
        for i in range(count)
    )
    return f"version: 1\nservices:\n  - name: batch\nheartbeats:\n{beats}"


def escalation_world(count: int) -> str:
    return (
        "version: 1\nusers:\n  - {name: alice, contact_methods: "
        '[{type: webhook, address: "http://127.0.0.1:9/alice"}]}\n'
        "schedules:\n  - {name: primary, time_zone: UTC, layers: [{name: weekly, rotation: "
        '{start: "2026-11-30T00:00:00+00:00", turn: 1w, participants: [alice]}}]}\n'
        "escalation_policies:\n  - {name: p, levels: [{targets: [{schedule: primary}], "
        "delay: 5m}, {targets: [{user: alice}], delay: 5m}]}\n"
        "services:\n  - {name: batch, escalation_policy: p, incident_grouping: per_alert, "
        'integrations: [{name: pd, type: pagerduty, key: "' + "b" * 32 + '"}]}\n'
    )


def escalation_service(writer: GroupCommitWriter, clock: ManualClock, mode: str) -> TimerService:
    kind = escalation.TIMER_KIND
    return TimerService(
        writer,
        clock,
        {kind: escalation.on_escalation},
        subject_locks=TIMER_SUBJECT_LOCKS,
        batch_handlers={kind: escalation.on_escalations} if mode == "batched" else {},
    )


async def open_incidents(engine: Engine, writer: GroupCommitWriter, count: int) -> None:
    """``count`` incidents opened at T0, each arming its escalation timer."""
    keys = KeyDirectory(engine)
    keys.reload()
    info = keys.lookup("b" * 32)
    assert info is not None
    assert info.route is not None
    route = info.route
    for first in range(0, count, 500):
        await writer.submit(
            [
                AlertEvent(route, Action.TRIGGER, f"k{i}", T0, "{}", f"Disk {i}", "db1")
                for i in range(first, min(first + 500, count))
            ]
        )


def service(writer: GroupCommitWriter, clock: ManualClock, mode: str) -> TimerService:
    if mode == "batched":
        return TimerService(
            writer,
            clock,
            {},
            subject_locks=TIMER_SUBJECT_LOCKS,
            batch_handlers=TIMER_BATCH_HANDLERS,
        )
    return TimerService(
        writer,
        clock,
        {heartbeats.TIMER_KIND: heartbeats.on_expiry},
        subject_locks=TIMER_SUBJECT_LOCKS,
    )


def measure(backend: str, mode: str, count: int, workdir: Path, kind: str = "heartbeat") -> Sample:
    paging = kind == "escalation"
    with fresh_database(backend, workdir) as db:
        engine = create_db_engine(db.url)
        try:
            upgrade(engine)
            text = escalation_world(count) if paging else world(count)
            apply_world(engine, load_world_text(text), T0)
            clock = ManualClock(T0 + timedelta(minutes=6))  # every heartbeat overdue

            async def main() -> tuple[int, float, float]:
                writer = GroupCommitWriter(engine)
                writer.start()
                try:
                    if paging:
                        clock.set(T0)
                        await open_incidents(engine, writer, count)
                    make = escalation_service if paging else service
                    timers = make(writer, clock, mode)
                    wall, cpu = time.perf_counter(), time.process_time()
                    fired = await timers.fire_due()
                    return fired, time.perf_counter() - wall, time.process_time() - cpu
                finally:
                    await writer.stop()

            fired, wall, cpu = asyncio.run(main())
            with engine.connect() as conn:
                made = deliveries if paging else alerts
                raised = conn.execute(select(func.count()).select_from(made)).scalar_one()
            fired -= paging  # the schedule's on-call notice timer, due at T0 too
            if fired != count or raised != count:
                raise RuntimeError(f"{mode}: fired {fired}, raised {raised}, expected {count}")
            return Sample(fired / wall, cpu * 1000 / fired)
        finally:
            engine.dispose()


def render(results: dict[str, dict[str, list[Sample]]], count: int, runs: int, cmd: str) -> str:
    lines = [
        f"## Timer firing, {count:,} heartbeat expiries at once (`bench/timer_firing.py`)",
        "",
        machine_line(),
        "",
        f"Reproduce: `{cmd}`",
        "",
        f"Method: in-process, a fresh database per measurement holding {count:,} overdue "
        "heartbeats; one `TimerService.fire_due()` fires them all and each raises its "
        "expiry alert. Baseline: the one-timer handler called per timer (a savepoint, "
        "the heartbeat read and update, the timer update each; same batches of 100, same "
        "batched subject and timer locks). Measured: batches of 100 through "
        "`TIMER_BATCH_HANDLERS`, as `tocsin serve` fires them. Both modes in every run, "
        f"order alternating; medians of {runs} runs. CPU is this process's per firing "
        "(PostgreSQL's own is not counted).",
        "",
        "| Database | Mode | firings/s | CPU ms/firing | batched / one at a time |",
        "|---|---|---|---|---|",
    ]
    for backend, by_mode in results.items():
        ratios = [
            b.per_second / o.per_second
            for b, o in zip(by_mode["batched"], by_mode["one at a time"], strict=True)
        ]
        for mode in MODES:
            samples = by_mode[mode]
            ratio = f"{median(ratios):.2f}x" if mode == "batched" else "1.00x"
            lines.append(
                f"| {backend} | {mode} | {median([s.per_second for s in samples]):,.0f} | "
                f"{median([s.cpu_ms for s in samples]):.3f} | {ratio} |"
            )
    lines += ["", "Per-run ratios: " + "; ".join(
        f"{backend}: " + ", ".join(
            f"{b.per_second / o.per_second:.2f}x"
            for b, o in zip(by_mode["batched"], by_mode["one at a time"], strict=True)
        )
        for backend, by_mode in results.items()
    )]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the section and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timers", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kind", choices=("heartbeat", "escalation"), default="heartbeat")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # every firing is late by design: no log line each
    results: dict[str, dict[str, list[Sample]]] = {}
    with tempfile.TemporaryDirectory(prefix="tocsin-timer-firing-") as tmp:
        for run in range(args.runs):
            for backend in args.backends.split(","):
                order = MODES if run % 2 == 0 else MODES[::-1]
                for mode in order:
                    workdir = Path(tmp) / f"{backend}-{run}-{mode.replace(' ', '-')}"
                    workdir.mkdir()
                    sample = measure(backend, mode, args.timers, workdir, args.kind)
                    print(
                        f"run {run + 1} {backend} {mode}: {sample.per_second:,.0f}/s, "
                        f"{sample.cpu_ms:.3f} ms CPU/firing",
                        flush=True,
                    )
                    results.setdefault(backend, {}).setdefault(mode, []).append(sample)
    command = "python -m bench.timer_firing " + " ".join(sys.argv[1:] if argv is None else argv)
    body = render(results, args.timers, args.runs, command.strip())
    print(body)
    if args.kind == "heartbeat":
        write_section("timer-firing", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

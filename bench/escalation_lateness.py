"""Escalation timer lateness: how late the next level is paged, with 10,000 escalating.

For each database, a fresh ``tocsin serve`` holds a service whose escalation policy has
two levels, both paging one user's webhook (a receiver in this process that answers 200
at once). Twice, 10,000 ACTIVE escalations are written straight into the database, as
the escalation timer leaves them after paging level 1: an incident with its alert, its
``escalations`` row (state ``active``, level 1, the policy snapshot ``escalation.service``
writes) and its ``escalation`` timer, fired once and due again for level 2. The timers
come due spread over a window: the first set while the server is otherwise idle (the
baseline), the second while wrk sends PagerDuty events to another service as fast as the
server takes them. Each firing pages level 2 (an outbox row, delivered to the receiver):
real work. Lateness is read back from the database (``last_fired_at - due_at``, the figure
``tocsin_timer_lateness_seconds`` records). The report gives medians over runs of p50 /
p99 / max, and the loaded-over-idle ratio of the same run.

    python -m bench.escalation_lateness [--runs 3] [--window 15] [--backends sqlite,postgresql]

Writes the ``escalation-timers`` section of docs/benchmarks.md. Only 127.0.0.1 is
targeted; every phase is bounded in time.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from bench.alert_to_page import Arrivals, install
from bench.databases import fresh_database
from bench.ingest import SCENARIOS
from bench.loadtest import Target, free_port, run_wrk, running_server
from bench.phases import Phase, RunResult, each_run, per_run_line, phase_rows
from bench.report import machine_line, write_section
from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.policy import to_document
from tocsin.ids import new_id
from tocsin.incidents.ingest_store import ESCALATION_TIMER
from tocsin.inputs import STORED
from tocsin.store.db import create_db_engine
from tocsin.store.schema import (
    alerts,
    deliveries,
    escalation_policies,
    escalations,
    incidents,
    integrations,
    services,
    timers,
)

ACTIVE = 10_000
LEVEL_DELAY = timedelta(minutes=30)  # the world's levels (bench.alert_to_page.install)
SEED_MARGIN = timedelta(seconds=10)  # seeding a set takes a few seconds: due after that
DRAIN_SECONDS = 120.0  # the longest we wait, after a window, for its last firings
GOAL_P99_SECONDS = 1.0


@dataclass(frozen=True)
class Seeded:
    """One set of escalations: each incident's id -> the due time of its level-2 timer."""

    prefix: str
    due: dict[str, datetime]


def seed(engine: Engine, prefix: str, window: timedelta) -> Seeded:
    """``ACTIVE`` escalations of service ``paged`` that paged level 1 ``LEVEL_DELAY`` before
    their timer's due time, the due times spread over ``window`` from ``SEED_MARGIN`` on."""
    first_due = datetime.now(UTC) + SEED_MARGIN
    with engine.begin() as conn:
        service_id, policy_name, definition = conn.execute(
            select(services.c.id, escalation_policies.c.name, escalation_policies.c.definition)
            .join(escalation_policies, escalation_policies.c.id == services.c.escalation_policy_id)
            .where(services.c.name == "paged")
        ).one()
        integration_id = conn.execute(
            select(integrations.c.id).where(integrations.c.service_id == service_id)
        ).scalar_one()
        # The snapshot as ``escalation.service`` takes it when an escalation starts.
        policy = PolicyDefinition.model_validate(definition, context=STORED).to_policy(policy_name)
        snapshot = to_document(policy)
        rows: dict[str, list[dict[str, object]]] = {"i": [], "a": [], "e": [], "t": []}
        due: dict[str, datetime] = {}
        for i in range(ACTIVE):
            due_at = first_due + window * (i / ACTIVE)
            opened = due_at - LEVEL_DELAY  # level 1 was paged when the incident opened
            incident_id = new_id(opened)
            due[incident_id] = due_at
            title = f"{prefix}-{i}"
            rows["i"].append(
                {"id": incident_id, "service_id": service_id, "title": title,
                 "status": "triggered", "group_key": "", "created_at": opened,
                 "updated_at": opened}
            )  # fmt: skip
            rows["a"].append(
                {"id": new_id(opened), "service_id": service_id,
                 "integration_id": integration_id, "incident_id": incident_id,
                 "dedup_key": title, "status": "triggered", "summary": title,
                 "source": "bench", "severity": "critical", "created_at": opened,
                 "last_seen_at": opened}
            )  # fmt: skip
            rows["e"].append(
                {"incident_id": incident_id, "policy": snapshot, "repeat": 0, "level": 0,
                 "state": "active", "round": 0, "started_at": opened, "updated_at": opened}
            )  # fmt: skip
            # As the first firing left it: fired once, due again for the next level.
            rows["t"].append(
                {"id": new_id(opened), "kind": ESCALATION_TIMER, "subject": incident_id,
                 "due_at": due_at, "payload": {}, "fire_count": 1, "last_fired_at": opened,
                 "created_at": opened, "updated_at": opened}
            )  # fmt: skip
        for table, key in ((incidents, "i"), (alerts, "a"), (escalations, "e"), (timers, "t")):
            conn.execute(insert(table), rows[key])
    if datetime.now(UTC) > first_due - timedelta(seconds=1):
        raise RuntimeError(f"seeding took longer than {SEED_MARGIN}: raise SEED_MARGIN")
    return Seeded(prefix, due)


def fired(engine: Engine, seeded: Seeded) -> int:
    """How many of the set's timers fired for level 2."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(timers)
                .join(incidents, incidents.c.id == timers.c.subject)
                .where(timers.c.kind == ESCALATION_TIMER, timers.c.fire_count >= 2)
                .where(incidents.c.title.like(f"{seeded.prefix}-%"))
            ).scalar_one()
        )


def wait_fired(engine: Engine, seeded: Seeded, window: timedelta) -> None:
    """Until the window has passed and every timer of the set fired (bounded)."""
    _sleep_until(max(seeded.due.values()) + timedelta(seconds=1))
    deadline = time.monotonic() + DRAIN_SECONDS
    while fired(engine, seeded) < ACTIVE and time.monotonic() < deadline:
        time.sleep(0.5)


def lateness(engine: Engine, seeded: Seeded) -> Phase:
    """Percentiles of fired-at minus due-at of the set's level-2 firings. A fired timer's
    row no longer holds its due time (the escalation is exhausted): use the plan."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(timers.c.subject, timers.c.last_fired_at).where(
                timers.c.kind == ESCALATION_TIMER, timers.c.fire_count >= 2
            )
        ).all()
    return Phase.of(
        [
            (at - seeded.due[subject]).total_seconds()
            for subject, at in rows
            if subject in seeded.due
        ]
    )


def queued(engine: Engine, seeded: Seeded) -> int:
    """Outbox rows (pages) the set's firings wrote."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(deliveries)
                .join(incidents, incidents.c.id == deliveries.c.incident_id)
                .where(incidents.c.title.like(f"{seeded.prefix}-%"))
            ).scalar_one()
        )


def received(arrivals: Arrivals, seeded: Seeded) -> int:
    """Pages of the set the receiver got so far."""
    return sum(1 for title in list(arrivals.at) if title.startswith(f"{seeded.prefix}-"))


@dataclass(frozen=True)
class EscalationRun:
    """One run: lateness idle and loaded (with the ingest rate); per phase, the pages
    queued and those the receiver got by the end of the run."""

    result: RunResult
    queued: dict[str, int]
    received: dict[str, int]


def one_run(backend: str, window: timedelta, workdir: Path) -> EscalationRun:
    """A fresh database and server: a set due while idle, then one due under ingest."""
    arrivals = Arrivals()
    paged_key, bench_key = secrets.token_hex(16), secrets.token_hex(16)
    try:
        with fresh_database(backend, workdir) as db:
            install(db.url, arrivals.url, paged_key, bench_key, workdir, levels=2)
            engine = create_db_engine(db.url)
            try:
                port = free_port()
                env = {"TOCSIN_DATABASE_URL": db.url, "TOCSIN_LOG_LEVEL": "warning"}
                with running_server(Target(backend, backend), port, workdir / "server.log", env):
                    idle = seed(engine, "idle", window)
                    wait_fired(engine, idle, window)
                    loaded = seed(engine, "loaded", window)
                    _sleep_until(min(loaded.due.values()) - timedelta(seconds=2))
                    seconds = int(window.total_seconds()) + 4
                    wrk = run_wrk(
                        port, SCENARIOS[0], seconds, workdir, {"TOCSIN_BENCH_KEY": bench_key}
                    )
                    wait_fired(engine, loaded, window)
                    time.sleep(2)  # the last pages reach the receiver
                result = RunResult(
                    lateness(engine, idle), lateness(engine, loaded), wrk.requests / seconds
                )
                sets = {"idle": idle, "loaded": loaded}
                return EscalationRun(
                    result,
                    {name: queued(engine, s) for name, s in sets.items()},
                    {name: received(arrivals, s) for name, s in sets.items()},
                )
            finally:
                engine.dispose()
    finally:
        arrivals.server.shutdown()


def _sleep_until(when: datetime) -> None:
    """A benchmark waits for wall-clock time to pass (the server runs on the real clock)."""
    remaining = (when - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        threading.Event().wait(remaining)


def render(results: dict[str, list[EscalationRun]], window: int, runs: int, command: str) -> str:
    """The ``escalation-timers`` section of docs/benchmarks.md."""
    lines = [
        f"## Escalation timer lateness, {ACTIVE:,} active escalations due over {window} s "
        "(`bench/escalation_lateness.py`)",
        "",
        machine_line(),
        "",
        f"Reproduce: `{command}`",
        "",
        "Workload per run: a fresh database and `tocsin serve`; a service whose escalation "
        "policy has 2 levels, each paging one user's webhook (a receiver in the benchmark "
        f"process answering 200 at once). {ACTIVE:,} active escalations are written into the "
        "database as level 1 leaves them (incident, alert, `escalations` row with the policy "
        "snapshot, `escalation` timer fired once), their timers due spread over "
        f"{window} s while the server is idle (baseline); once they all fired, {ACTIVE:,} "
        f"more over {window} s while wrk sends unique PagerDuty triggers to another service "
        "as fast as the server takes them (64 connections). Every firing pages level 2 "
        "through the outbox while the delivery worker sends the pages queued so far. "
        "Lateness = fired at - due at. Queued: the set's pages in the outbox; received: "
        "those the receiver got by the end of the run (both the fewest of the runs). "
        f"Medians of {runs} runs; goal: p99 under {GOAL_P99_SECONDS:.0f} s.",
        "",
        "| Database | Phase | Fired | Queued | Received | p50 | p99 | max | p99 loaded / idle "
        "| Ingest req/s | Goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, samples in results.items():
        for phase, cells in phase_rows([s.result for s in samples], GOAL_P99_SECONDS):
            pages = (min(s.queued[phase] for s in samples), min(s.received[phase] for s in samples))
            lines.append(
                f"| {backend} | {phase} | {cells[0]} | {pages[0]:,} | {pages[1]:,} | "
                + " | ".join(cells[1:])
                + " |"
            )
    lines += ["", per_run_line({b: [s.result for s in rs] for b, rs in results.items()})]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the section and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=15, help="seconds each set comes due over")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--section", default="escalation-timers", help="docs/benchmarks.md section")
    args = parser.parse_args(argv)
    results: dict[str, list[EscalationRun]] = {}
    for run, backend, workdir in each_run(args.runs, args.backends, "tocsin-escalation-bench-"):
        done = one_run(backend, timedelta(seconds=args.window), workdir)
        r = done.result
        print(
            f"run {run + 1} {backend}: idle p50/p99/max {r.idle.p50:.3f}/{r.idle.p99:.3f}/"
            f"{r.idle.worst:.3f}s ({r.idle.count} fired); "
            f"loaded {r.loaded.p50:.3f}/{r.loaded.p99:.3f}/{r.loaded.worst:.3f}s "
            f"({r.loaded.count} fired, queued/received {done.queued} {done.received}, "
            f"{r.ingest_rps:,.0f} req/s)",
            flush=True,
        )
        results.setdefault(backend, []).append(done)
    command = "python -m bench.escalation_lateness " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    body = render(results, args.window, args.runs, command.strip())
    print(body)
    write_section(args.section, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

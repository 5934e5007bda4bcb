"""Benchmark durable ingest: Tocsin on SQLite and PostgreSQL against a bare baseline app.

Each run starts every target on a fresh database, warms it up for 2 s, then runs
``wrk -t1 -c64`` per scenario. Targets are interleaved within a run (their order rotated
between runs) and ratios against the baseline are taken within each run, so the machine's
speed swings hit every target alike; the tables quote medians over runs. After each Tocsin
server stops, its database must hold an ``alert_events`` row for every 2xx answer.

Run from the repository root: ``.venv/bin/python -m bench.ingest --runs 3 --duration 10``
(what ``make bench`` runs). Results go to the "ingest" section of docs/benchmarks.md.

Scenarios and targets are data: another sender format is one more ``Scenario`` with its
own Lua script (which must write the same JSON from ``done()`` as ``wrk/pagerduty.lua``).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.databases import Database, apply_world_file, fresh_database
from bench.ingest_report import IngestReport, StoredCheck, progress_line
from bench.loadtest import (
    CONNECTIONS,
    Sample,
    Scenario,
    Target,
    by_name,
    free_port,
    pin_self,
    run_wrk,
    running_server,
)
from bench.procs import OthersMeter, TreeMonitor, cpu_delta, cpu_seconds, wait_until_quiet
from bench.report import write_section

WRK_SCRIPTS = Path(__file__).resolve().parent / "wrk"
WARMUP_SECONDS = 2
# Other people's work on the machine skews a target; wait a little for it to calm down.
QUIET_BELOW_CPUS = 0.25
QUIET_WAIT_SECONDS = 60
# ... and measure a target again (at most RETRIES times) when others took this much.
MAX_OTHERS_PERCENT = 50
RETRIES = 2
MAKE_BENCH_ARGS = ["--runs", "3", "--duration", "10"]


def _pagerduty(name: str, description: str, *, on_baseline: bool = False) -> Scenario:
    env = {"TOCSIN_BENCH_SCENARIO": name}
    return Scenario(name, description, WRK_SCRIPTS / "pagerduty.lua", env, 1, on_baseline)


def _alertmanager(alerts: int) -> Scenario:
    name = f"am-{alerts}"
    description = f"Alertmanager webhook, {alerts} new firing alert(s) per notification"
    env = {"TOCSIN_BENCH_ALERTS": str(alerts)}
    return Scenario(name, description, WRK_SCRIPTS / "alertmanager.lua", env, alerts)


SCENARIOS: tuple[Scenario, ...] = (
    _pagerduty("unique", "PagerDuty v2 trigger, a new dedup key every time", on_baseline=True),
    _pagerduty("repeated", "PagerDuty v2 trigger, always the same dedup key"),
    _pagerduty("mix", "PagerDuty v2, per key: trigger, trigger, acknowledge, resolve"),
    _alertmanager(1),
    _alertmanager(100),
)
# The warm-up, and what the baseline always runs: ratios divide by its events/s on it.
REFERENCE = SCENARIOS[0]

TARGETS: tuple[Target, ...] = (
    Target("baseline"),
    Target("tocsin-sqlite", "sqlite"),
    Target("tocsin-postgresql", "postgresql"),
    Target("tocsin-postgresql-w2", "postgresql", workers=2),
)


@dataclass
class Options:
    duration: int
    runs: int
    targets: list[Target]
    scenarios: list[Scenario]
    write: bool
    argv: list[str]


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    checks: list[StoredCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)  # "run N target" measured again


def scenarios_for(target: Target, selected: list[Scenario]) -> list[Scenario]:
    """The baseline stores nothing, so it runs only bodies it answers, and always the reference."""
    if not target.is_baseline:
        return selected
    return [s for s in SCENARIOS if s.on_baseline and (s in selected or s is REFERENCE)]


# --- setting up Tocsin ------------------------------------------------------------------


def alertmanager_key(key: str) -> str:
    """The bench world's Alertmanager integration key, derived from the PagerDuty one."""
    return key[::-1]


def install_world(db: Database, key: str, workdir: Path) -> None:
    """Create a service with a PagerDuty integration whose key is ``key`` and an
    Alertmanager one (``alertmanager_key(key)``), as a user would: ``tocsin db upgrade``
    and ``tocsin apply``.
    """
    world = workdir / "world.yaml"
    world.write_text(
        "version: 1\nservices:\n  - name: bench\n    integrations:\n"
        f"      - name: wrk\n        type: pagerduty\n        key: '{key}'\n"
        "      - name: wrk-am\n        type: alertmanager\n"
        f"        key: '{alertmanager_key(key)}'\n"
    )
    apply_world_file(db.url, world)


# --- measuring --------------------------------------------------------------------------


def measure_target(run: int, target: Target, opts: Options, workdir: Path, out: Results) -> None:
    """A fresh database and server; warm-up; every scenario; then the stored-events check."""
    workdir.mkdir(parents=True)
    if target.backend is None:
        _measure_server(run, target, None, "0" * 32, opts, workdir, out)
        return
    key = secrets.token_hex(16)
    with fresh_database(target.backend, workdir) as db:
        install_world(db, key, workdir)
        _measure_server(run, target, db, key, opts, workdir, out)


@dataclass(frozen=True)
class Running:
    """A server under test and what a wrk run against it needs."""

    target: Target
    port: int
    workdir: Path
    wrk_env: dict[str, str]
    monitor: TreeMonitor
    db: Database | None


def _measure_server(
    run: int,
    target: Target,
    db: Database | None,
    key: str,
    opts: Options,
    workdir: Path,
    out: Results,
) -> None:
    port, log_path = free_port(), workdir / "server.log"
    server_env = {"TOCSIN_DATABASE_URL": db.url} if db else {}
    samples = []
    with running_server(target, port, log_path, server_env) as monitor:
        wrk_env = {"TOCSIN_BENCH_KEY": key, "TOCSIN_BENCH_AM_KEY": alertmanager_key(key)}
        server = Running(target, port, workdir, wrk_env, monitor, db)
        warmup = run_wrk(port, REFERENCE, WARMUP_SECONDS, workdir, server.wrk_env)
        for scenario in scenarios_for(target, opts.scenarios):
            samples.append(measure_scenario(run, server, scenario, opts.duration))
            print(f"  {progress_line(samples[-1])}", flush=True)
    out.samples += samples
    out.notes += (f"run {run + 1}, {target.name}: {n}" for n in _log_problems(log_path))
    if db is not None:
        wrk_runs = [(REFERENCE, warmup), *((s.scenario, s.wrk) for s in samples)]
        out.checks.append(
            StoredCheck(
                run,
                target,
                answered=sum(r.accepted * s.events_per_request for s, r in wrk_runs),
                stored=db.count("alert_events"),
                in_flight_max=sum(CONNECTIONS * s.events_per_request for s, _ in wrk_runs),
            )
        )
        print(f"  {out.checks[-1].line()}", flush=True)


def measure_scenario(run: int, server: Running, scenario: Scenario, seconds: int) -> Sample:
    """One wrk run, with the CPU spent meanwhile by the server, its PostgreSQL backends
    (None on SQLite) and every other process on the machine.
    """
    db = server.db
    db_pids = db.server_pids() if db else []
    server0, db0 = server.monitor.cpu(), cpu_seconds(db_pids)
    others = OthersMeter()
    result = run_wrk(server.port, scenario, seconds, server.workdir, server.wrk_env)
    server_cpu = cpu_delta(server0, server.monitor.cpu())
    db_cpu = None
    if db is not None and db.pg_name is not None:
        db_pids = sorted({*db_pids, *db.server_pids()})
        db_cpu = cpu_delta(db0, cpu_seconds(db_pids))
    other_cpu = others.stop(exclude=db_pids)
    peak = server.monitor.peak_rss_mib()
    return Sample(run, server.target, scenario, result, server_cpu, db_cpu, other_cpu, peak)


def _log_problems(log_path: Path) -> list[str]:
    """Warnings, errors and tracebacks in the server log, quoted (the log is deleted later)."""
    marks = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "warning:")
    lines = log_path.read_text(errors="replace").splitlines()
    bad = [line for line in lines if any(mark in line for mark in marks)]
    if not bad:
        return []
    excerpt = "".join(f"\n    {line}" for line in bad[:15])
    more = f"\n    ... and {len(bad) - 15} more" if len(bad) > 15 else ""
    problem = f"WARNING: the server log has {len(bad)} warning/error lines:{excerpt}{more}"
    print(f"  {problem}", flush=True)
    return [problem]


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per scenario")
    parser.add_argument("--runs", type=int, default=3, help="how often to measure every target")
    parser.add_argument("--targets", help=f"comma list of {', '.join(t.name for t in TARGETS)}")
    parser.add_argument("--scenarios", help=f"comma list of {', '.join(s.name for s in SCENARIOS)}")
    parser.add_argument("--quick", action="store_true", help="--duration 3 --runs 1")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.runs = 3, 1
    if args.duration < 1 or args.runs < 1:
        parser.error("--duration and --runs must be at least 1")
    targets, scenarios = by_name(args.targets, TARGETS), by_name(args.scenarios, SCENARIOS)
    return Options(args.duration, args.runs, targets, scenarios, not args.no_write, argv)


def _command(argv: list[str]) -> str:
    command = " ".join([".venv/bin/python -m bench.ingest", *argv])
    return f"`make bench` (`{command}`)" if argv == MAKE_BENCH_ARGS else f"`{command}`"


def measure_all(opts: Options, results: Results) -> None:
    """Every run, every target; everything started is stopped and removed on the way out."""
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-") as tmp:
        for run in range(opts.runs):
            shift = run % len(opts.targets)
            for target in opts.targets[shift:] + opts.targets[:shift]:
                for attempt in range(RETRIES + 1):
                    busy = wait_until_quiet(QUIET_BELOW_CPUS, QUIET_WAIT_SECONDS)
                    print(
                        f"run {run + 1}/{opts.runs}: {target.name} "
                        f"(machine busy before: {busy:.2f} CPUs)",
                        flush=True,
                    )
                    part = Results()
                    workdir = Path(tmp) / f"{run}-{target.name}-{attempt}"
                    measure_target(run, target, opts, workdir, part)
                    results.checks += part.checks  # every server's checks count
                    results.notes += part.notes
                    others = max((s.others_percent for s in part.samples), default=0.0)
                    if others <= MAX_OTHERS_PERCENT or attempt == RETRIES:
                        results.samples += part.samples
                        break
                    print(f"  others used {others:.0f}% of a core: measuring again", flush=True)
                    results.retried.append(f"run {run + 1} {target.name}")


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    # SIGTERM (and SIGINT even where a shell ignores it) unwind through the finally blocks
    # that stop servers and drop databases.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)
    pin_self()
    results = Results()
    try:
        measure_all(opts, results)
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc}); servers stopped, databases dropped", file=sys.stderr)
        return 130
    report = IngestReport(
        results.samples,
        results.checks,
        results.notes,
        results.retried,
        runs=opts.runs,
        scenarios=opts.scenarios,
        reference=REFERENCE,
        duration=opts.duration,
        warmup_seconds=WARMUP_SECONDS,
        noise_policy=(
            f"The machine is shared: each target starts once it uses under {QUIET_BELOW_CPUS} "
            f"CPUs (or after {QUIET_WAIT_SECONDS} s), and is measured again (up to {RETRIES} "
            f"times) when other processes took over {MAX_OTHERS_PERCENT}% of a core during a "
            "scenario. Samples where they still did are left out of medians and ratios "
            "when that target and scenario has calmer ones."
        ),
        max_others_percent=MAX_OTHERS_PERCENT,
        command=_command(opts.argv),
    ).markdown()
    print(f"\n{report}")
    if opts.write:
        write_section("ingest", report)
        print("\nwritten to docs/benchmarks.md (section 'ingest')")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Alert to page: from a sender's 202 to the page arriving at the on-call's webhook.

For each database, a fresh ``tocsin serve`` holds two services: ``paged``, whose every
alert opens an incident (``per_alert``) that pages one user's webhook through an
escalation policy, and ``bench``, which pages nobody and takes the background load. A
receiver in this process records when each page arrives. Alerts go one at a time, a
fixed gap apart, first with the server otherwise idle (the baseline), then while wrk
sends unique PagerDuty triggers to ``bench`` as fast as the server takes them (64
connections). Latency = page received - 202 received, per alert. The report gives
medians over runs of p50 / p99 / max, and the loaded-over-idle ratio of the same run.

    python -m bench.alert_to_page [--runs 3] [--alerts 200] [--backends sqlite,postgresql]

Writes the ``alert-to-page`` section of docs/benchmarks.md. Only 127.0.0.1 is targeted;
every phase is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.databases import apply_world_file, fresh_database
from bench.ingest import SCENARIOS
from bench.loadtest import Target, free_port, run_wrk, running_server
from bench.phases import Phase, RunResult
from bench.report import machine_line, median, write_section

GAP_SECONDS = 0.05  # between two paged alerts
WAIT_SECONDS = 30.0  # for the last pages of a phase
GOALS = {"idle": 1.0, "loaded": 2.0}  # p99 seconds, from the issue


class Arrivals:
    """The receiver: when each page (by alert summary) arrived."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                now = time.monotonic()
                # A bundle (notify.bundling) carries several pages: each arrived now.
                for page in body.get("pages", [body]):
                    arrivals.at.setdefault(page["incident"]["title"], now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def install(
    url: str, sink: str, paged_key: str, bench_key: str, workdir: Path, *, levels: int = 1
) -> None:
    """Services ``paged`` (its policy pages ``oncall``'s webhook at ``sink``, ``levels``
    levels 30 minutes apart) and ``bench`` (pages nobody), each with a PagerDuty key."""
    world = workdir / "world.yaml"
    level = "      - {targets: [{user: oncall}], delay: 30m}\n"
    world.write_text(f"""\
version: 1
users:
  - name: oncall
    contact_methods: [{{type: webhook, address: "{sink}/oncall"}}]
escalation_policies:
  - name: page-oncall
    levels:
{level * levels}services:
  - name: paged
    escalation_policy: page-oncall
    incident_grouping: per_alert
    integrations: [{{name: pd, type: pagerduty, key: "{paged_key}"}}]
  - name: bench
    integrations: [{{name: wrk, type: pagerduty, key: "{bench_key}"}}]
""")
    apply_world_file(url, world)


def send_alerts(port: int, key: str, prefix: str, count: int) -> dict[str, float]:
    """``count`` alerts, ``GAP_SECONDS`` apart; when each one's 202 came back."""
    answered: dict[str, float] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for i in range(count):
            summary = f"{prefix}-{i}"
            body = {
                "routing_key": key,
                "event_action": "trigger",
                "payload": {"summary": summary, "source": "bench", "severity": "critical"},
            }
            response = client.post("/v2/enqueue", json=body)
            if response.status_code == 202:
                answered[summary] = time.monotonic()
            time.sleep(GAP_SECONDS)
    return answered


def phase(arrivals: Arrivals, answered: dict[str, float]) -> Phase:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not all(s in arrivals.at for s in answered):
        time.sleep(0.1)
    return Phase.of([arrivals.at[s] - t for s, t in answered.items() if s in arrivals.at])


def one_run(backend: str, count: int, workdir: Path) -> RunResult:
    arrivals = Arrivals()
    paged_key, bench_key = secrets.token_hex(16), secrets.token_hex(16)
    try:
        with fresh_database(backend, workdir) as db:
            install(db.url, arrivals.url, paged_key, bench_key, workdir)
            port = free_port()
            # Every alert's own page, at once: bundling would fold the 200 pages to one
            # user into a few messages, and this measures the path of one page.
            env = {
                "TOCSIN_DATABASE_URL": db.url,
                "TOCSIN_LOG_LEVEL": "warning",
                "TOCSIN_BUNDLE_WINDOW": "0",
                "TOCSIN_USER_PAGE_LIMIT": "1000000",
            }
            with running_server(Target(backend, backend), port, workdir / "server.log", env):
                idle = phase(arrivals, send_alerts(port, paged_key, "idle", count))
                seconds = int(count * GAP_SECONDS * 1.5) + 6
                wrk: dict[str, object] = {}

                def load() -> None:
                    wrk["result"] = run_wrk(
                        port, SCENARIOS[0], seconds, workdir, {"TOCSIN_BENCH_KEY": bench_key}
                    )

                background = threading.Thread(target=load)
                background.start()
                time.sleep(2)  # the load is on before the first paged alert
                loaded = phase(arrivals, send_alerts(port, paged_key, "loaded", count))
                background.join(timeout=seconds + 120)
            result = wrk.get("result")
            rps = result.requests / seconds if result is not None else 0.0  # type: ignore[attr-defined]
            return RunResult(idle, loaded, rps)
    finally:
        arrivals.server.shutdown()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def render(results: dict[str, list[RunResult]], count: int, runs: int, command: str) -> str:
    lines = [
        f"## Alert to page, {count} alerts per phase (`bench/alert_to_page.py`)",
        "",
        machine_line(),
        "",
        f"Reproduce: `{command}`",
        "",
        "Workload per run: a fresh database and `tocsin serve`; each alert (PagerDuty "
        f"trigger, one at a time, {GAP_SECONDS * 1000:.0f} ms apart) opens an incident "
        "whose escalation policy pages one user's webhook, received by this process. "
        "Latency = page received - 202 received. Idle: nothing else runs; loaded: wrk "
        "sends unique PagerDuty triggers to another service as fast as the server takes "
        f"them (64 connections). Medians of {runs} runs; goals: p99 under 1 s idle, under "
        "2 s loaded.",
        "",
        "| Database | Phase | Paged | p50 | p99 | max | p99 loaded / idle | Ingest req/s | Goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, runs_of in results.items():
        for name in ("idle", "loaded"):
            phases = [getattr(r, name) for r in runs_of]
            p99 = median([p.p99 for p in phases])
            ratio = (
                f"{median([r.loaded.p99 / r.idle.p99 for r in runs_of]):.2f}x"
                if name == "loaded"
                else ""
            )
            rps = f"{median([r.ingest_rps for r in runs_of]):,.0f}" if name == "loaded" else ""
            goal = "met" if p99 < GOALS[name] else "NOT met"
            lines.append(
                f"| {backend} | {name} | {min(p.count for p in phases):,} | "
                f"{_ms(median([p.p50 for p in phases]))} | {_ms(p99)} | "
                f"{_ms(median([p.worst for p in phases]))} | {ratio} | {rps} | {goal} |"
            )
    per_run = "; ".join(
        f"{backend}: " + ", ".join(f"{r.idle.p99:.3f}/{r.loaded.p99:.3f}" for r in runs_of)
        for backend, runs_of in results.items()
    )
    lines += ["", f"Per run (p99 idle / loaded, seconds): {per_run}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the section and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    results: dict[str, list[RunResult]] = {}
    with tempfile.TemporaryDirectory(prefix="tocsin-alert-to-page-") as tmp:
        for run in range(args.runs):
            for backend in args.backends.split(","):
                workdir = Path(tmp) / f"{backend}-{run}"
                workdir.mkdir()
                result = one_run(backend, args.alerts, workdir)
                print(
                    f"run {run + 1} {backend}: idle p99 {result.idle.p99:.3f}s "
                    f"loaded p99 {result.loaded.p99:.3f}s ({result.idle.count}/"
                    f"{result.loaded.count} paged, {result.ingest_rps:,.0f} req/s)",
                    flush=True,
                )
                results.setdefault(backend, []).append(result)
    command = "python -m bench.alert_to_page " + " ".join(sys.argv[1:] if argv is None else argv)
    body = render(results, args.alerts, args.runs, command.strip())
    print(body)
    write_section("alert-to-page", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

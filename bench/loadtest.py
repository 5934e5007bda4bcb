"""Load-testing machinery: scenarios and targets as data, a server's lifetime, one wrk run.

A ``Scenario`` is a wrk Lua script plus its environment; a ``Target`` is a server to start
(the bare baseline app, or ``tocsin serve`` on a database). With at least two CPUs and
``taskset``, a one-process server runs on core 0 and wrk on core 1.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from bench.procs import TreeMonitor

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 64
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Scenario:
    """One wrk workload: a Lua script, its environment, and how many events a request holds."""

    name: str
    description: str
    lua: Path
    env: Mapping[str, str]
    events_per_request: int = 1
    on_baseline: bool = False  # the baseline app answers these bodies too


@dataclass(frozen=True)
class Target:
    """A server to measure: the baseline app (no backend) or Tocsin on a database."""

    name: str
    backend: str | None = None  # "sqlite" | "postgresql"; None for the baseline app
    workers: int = 1

    @property
    def is_baseline(self) -> bool:
        return self.backend is None

    @property
    def pinned(self) -> bool:
        return bool(SERVER_PIN) and self.workers == 1


@dataclass(frozen=True)
class WrkResult:
    """What ``done()`` in a bench Lua script writes (times in microseconds)."""

    requests: int
    duration_us: int
    errors_status: int
    errors_connect: int
    errors_read: int
    errors_write: int
    errors_timeout: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int

    @property
    def accepted(self) -> int:
        """Responses with a 2xx status (wrk counts status >= 400 as errors; none send 3xx)."""
        return self.requests - self.errors_status

    @property
    def socket_errors(self) -> int:
        return self.errors_connect + self.errors_read + self.errors_write + self.errors_timeout


@dataclass(frozen=True)
class Sample:
    """One scenario against one target in one run."""

    run: int
    target: Target
    scenario: Scenario
    wrk: WrkResult
    server_cpu_s: float  # the server's process tree, over the wrk run
    db_cpu_s: float | None  # PostgreSQL backends serving the database, over the wrk run
    other_cpu_s: float  # everyone else on the machine, over the wrk run
    peak_rss_mib: float  # the server's process tree, since it started

    @property
    def events_per_s(self) -> float:
        """Events answered 2xx per second."""
        events = self.wrk.accepted * self.scenario.events_per_request
        return events / self.seconds

    def _per_request_us(self, cpu_s: float) -> float:
        return cpu_s * 1e6 / max(self.wrk.requests, 1)

    @property
    def seconds(self) -> float:
        return self.wrk.duration_us / 1e6

    @property
    def others_percent(self) -> float:
        """CPU used by other processes during the run, in percent of one core."""
        return 100 * self.other_cpu_s / self.seconds

    @property
    def cpu_us(self) -> float:
        return self._per_request_us(self.server_cpu_s)

    @property
    def db_cpu_us(self) -> float | None:
        return None if self.db_cpu_s is None else self._per_request_us(self.db_cpu_s)


def _pin_prefixes() -> tuple[list[str], list[str], list[str]]:
    """``taskset`` prefixes for (a pinned server, wrk, an unpinned server).

    Cores 0 and 1 when there are two; an unpinned server may use every core (it must not
    inherit this script's own pinning, see ``pin_self``).
    """
    cpus = os.cpu_count() or 1
    if shutil.which("taskset") and cpus >= 2:
        return ["taskset", "-c", "0"], ["taskset", "-c", "1"], ["taskset", "-c", f"0-{cpus - 1}"]
    return [], [], []


SERVER_PIN, WRK_PIN, UNPINNED = _pin_prefixes()


def pin_self() -> None:
    """Keep this script (its sampler thread, its CLI children) off the pinned server's core."""
    if WRK_PIN:
        os.sched_setaffinity(0, {int(WRK_PIN[-1])})


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(target: Target, port: int) -> list[str]:
    """How to start ``target`` on ``port`` (from the repository root)."""
    pin = SERVER_PIN if target.pinned else UNPINNED
    python = [*pin, sys.executable, "-m"]
    if target.is_baseline:
        return [
            *(*python, "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1"),
            *("--port", str(port), "--loop", "uvloop", "--http", "httptools"),
            *("--no-access-log", "--log-level", "warning"),
        ]
    workers = ["--workers", str(target.workers)] if target.workers > 1 else []
    return [*python, "tocsin", "serve", "--host", "127.0.0.1", "--port", str(port), *workers]


def _is_ready(target: Target, port: int) -> bool:
    if target.is_baseline:  # the bare app has no health route: listening is ready
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_server(
    target: Target, port: int, log_path: Path, env: Mapping[str, str]
) -> Iterator[TreeMonitor]:
    """Start the target, wait until it is ready, yield its monitor; stop it and its children."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            server_command(target, port),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop exactly what we started
        )
        monitor = TreeMonitor(proc.pid, single_process=target.workers == 1)
        try:
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while not _is_ready(target, port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{target.name} did not become ready:\n{tail}")
                time.sleep(0.05)
            yield monitor
        finally:
            monitor.stop()
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, wait, then SIGKILL whatever is left of its process group.

    The leader is reaped only at the end, so its process group id cannot have been reused
    by anyone else's process while we signal it.
    """
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        while os.waitid(os.P_PID, proc.pid, flags) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # stray workers of this server only
    proc.wait()


def run_wrk(
    port: int, scenario: Scenario, seconds: int, workdir: Path, env: Mapping[str, str]
) -> WrkResult:
    """One ``wrk -t1 -c64`` run of ``scenario``; each run gets its own TOCSIN_BENCH_RUN id."""
    out = workdir / f"wrk-{secrets.token_hex(4)}.json"
    command = [
        *WRK_PIN,
        *("wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "60s"),
        *("-s", str(scenario.lua), f"http://127.0.0.1:{port}/"),
    ]
    run_env = {
        **os.environ,
        **scenario.env,
        **env,
        "TOCSIN_BENCH_RUN": secrets.token_hex(6),
        "TOCSIN_BENCH_OUT": str(out),
    }
    subprocess.run(
        command, env=run_env, check=True, capture_output=True, timeout=seconds + 90, cwd=ROOT
    )
    return WrkResult(**json.loads(out.read_text()))


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def by_name(names: str | None, options: Sequence[N]) -> list[N]:
    """The options named in a comma list (all of them when ``names`` is None)."""
    if names is None:
        return list(options)
    known = {o.name: o for o in options}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)} (choose from {', '.join(known)})")
    return [known[n] for n in wanted]

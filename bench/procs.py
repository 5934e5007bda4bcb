"""What processes cost, read from /proc: CPU time and resident memory.

Linux only (the benchmarks run there). A server is measured as the process we started plus
every descendant (uvicorn's ``--workers`` children), found by walking parent ids.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_SAMPLE_SECONDS = 0.1
_REDISCOVER_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ProcCpu:
    ppid: int
    cpu_s: float  # user + system of the process itself
    reaped_s: float  # user + system of its children that it has waited for


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (so field 3, the state, is [0])."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()


def process_table(pids: Iterable[int] | None = None) -> dict[int, ProcCpu]:
    """Parent and CPU seconds of ``pids`` (default: every process) that are alive."""
    if pids is None:
        pids = (int(e.name) for e in PROC.iterdir() if e.name.isdigit())
    table = {}
    for pid in pids:
        f = _stat_fields(pid)
        if f is not None:  # fields 4 (ppid), 14-17 (utime, stime, cutime, cstime)
            own = (int(f[11]) + int(f[12])) / CLOCK_TICKS
            table[pid] = ProcCpu(int(f[1]), own, (int(f[13]) + int(f[14])) / CLOCK_TICKS)
    return table


def descendants(table: Mapping[int, ProcCpu], root: int) -> list[int]:
    """``root`` and every process in ``table`` below it."""
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_pids(root: int) -> list[int]:
    """``root`` and all its live descendants."""
    return descendants(process_table(), root)


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU seconds used so far by each live process in ``pids``."""
    return {pid: proc.cpu_s for pid, proc in process_table(pids).items()}


def cpu_delta(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds spent between two ``cpu_seconds`` snapshots.

    A process that appeared in between counts from zero; one that exited is lost (servers
    keep their workers for the whole run, so nothing is).
    """
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def _cpu_line() -> list[int]:
    """The machine-wide ``cpu`` line of /proc/stat, in ticks."""
    return [int(f) for f in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent not idle since boot (steal included: the CPU was taken)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = _cpu_line()[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class OthersMeter:
    """CPU that everyone else used on the machine while we measured.

    Sums the CPU deltas of every process that is not this script or its descendants (the
    servers, wrk) and not in ``exclude`` (e.g. PostgreSQL backends serving the benchmark),
    counting children reaped meanwhile through their parents, plus the hypervisor's steal.
    Kernel interrupt work for our own traffic is charged to whichever process it
    interrupted, so it mostly lands on ours, not here.
    """

    def __init__(self) -> None:
        self._before = process_table()
        self._steal = _cpu_line()[7]
        self._busy = machine_busy_seconds()

    def stop(self, exclude: Iterable[int] = ()) -> float:
        after = process_table()
        ours = {*descendants(after, os.getpid()), *descendants(self._before, os.getpid())}
        ours.update(exclude)
        total = (_cpu_line()[7] - self._steal) / CLOCK_TICKS
        for pid, proc in after.items():
            if pid in ours:
                continue
            old = self._before.get(pid)
            if old is None or old.ppid != proc.ppid:  # born in between (or a reused pid)
                total += proc.cpu_s + proc.reaped_s
            else:
                total += proc.cpu_s - old.cpu_s + proc.reaped_s - old.reaped_s
        # A child reaped meanwhile brings its whole lifetime along: never report more than
        # the machine actually spent.
        return min(total, machine_busy_seconds() - self._busy)


def _status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/PID/status (0 if the process is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMonitor:
    """Samples a process tree's CPU and memory while it runs.

    Peak memory: for a single process its own high-water mark (VmHWM, exact, no sampling);
    for a tree, the largest sum of VmRSS seen by a sampler thread every 100 ms (the tree is
    re-discovered every 2 s: scanning /proc costs milliseconds). Both count from the moment
    the server started (imports, migrations and warm-up included).
    """

    def __init__(self, root: int, *, single_process: bool) -> None:
        self.root = root
        self._single = single_process
        self._peak_tree_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        if not single_process:
            self._thread.start()

    def _sample(self) -> None:
        pids: list[int] = []
        found_at = float("-inf")
        while not self._stop.is_set():
            if time.monotonic() - found_at > _REDISCOVER_SECONDS:
                pids, found_at = tree_pids(self.root), time.monotonic()
            total = sum(_status_kib(pid, "VmRSS") for pid in pids)
            self._peak_tree_kib = max(self._peak_tree_kib, total)
            self._stop.wait(_SAMPLE_SECONDS)

    def cpu(self) -> dict[int, float]:
        """A CPU snapshot of the whole tree, for ``cpu_delta``."""
        return cpu_seconds(tree_pids(self.root))

    def peak_rss_mib(self) -> float:
        """Peak resident memory so far, in MiB."""
        if self._single:
            return _status_kib(self.root, "VmHWM") / 1024
        return self._peak_tree_kib / 1024

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def wait_until_quiet(max_busy: float, max_wait: float, window: float = 1.0) -> float:
    """Wait (at most ``max_wait`` seconds) until the machine uses under ``max_busy`` CPUs.

    Returns the CPUs in use in the last window (1.0 = one core fully busy).
    """
    deadline = time.monotonic() + max_wait
    while True:
        before, start = machine_busy_seconds(), time.monotonic()
        time.sleep(window)
        busy = (machine_busy_seconds() - before) / (time.monotonic() - start)
        if busy < max_busy or time.monotonic() >= deadline:
            return busy

"""Write one benchmark's results into its own section of docs/benchmarks.md.

Each benchmark owns a section between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``
markers, so benchmarks can be re-run one at a time without clobbering each other.
"""

from __future__ import annotations

import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

HEADER = """# Benchmarks

Every figure here was written by a script in `bench/`, on the machine named in its section,
with the command given to reproduce it. The machine's speed swings by 20-50% within minutes,
so each section quotes medians of several runs and ratios against a baseline measured in
the same run; compare ratios, not absolute numbers, across machines and days.
"""


def machine_line() -> str:
    """Describe where and when the benchmark ran, for the section's first line."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpus = _cpu_model()
    return f"Measured {now} on {platform.machine()} ({cpus}), Python {platform.python_version()}."


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                import os

                return f"{os.cpu_count()} x {line.split(':', 1)[1].strip()}"
    except OSError:
        pass
    return "unknown CPU"


def median(values: list[float]) -> float:
    """Median of a non-empty list of samples."""
    return statistics.median(values)


def write_section(name: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section called ``name`` in docs/benchmarks.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = path.read_text() if path.exists() else HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)

"""FileClock: the instant in a file, so a test can move a server process's clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tocsin.clock import FileClock

T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    # A new mtime even within the file system's timestamp granularity.
    os.utime(path, ns=(bump * 10**9, bump * 10**9))


def test_reads_the_instant_and_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    write(path, "2026-12-03T04:00:00+01:00", 1)
    clock = FileClock(path)
    assert clock.now() == T0
    assert clock.now().tzinfo == UTC
    write(path, (T0 + timedelta(minutes=6)).isoformat(), 2)
    assert clock.now() == T0 + timedelta(minutes=6)


def test_a_half_written_file_keeps_the_last_instant(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    write(path, T0.isoformat(), 1)
    clock = FileClock(path)
    write(path, "2026-12-0", 2)
    assert clock.now() == T0
    path.unlink()
    assert clock.now() == T0


@pytest.mark.parametrize(
    ("text", "problem"),
    [("2026-12-03T03:00:00", "needs an offset"), ("tomorrow", "Invalid isoformat"),
     ("", "Invalid isoformat")],
)  # fmt: skip
def test_a_bad_file_fails_at_start(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "clock"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        FileClock(path)


def test_a_missing_file_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileClock(tmp_path / "nothing")

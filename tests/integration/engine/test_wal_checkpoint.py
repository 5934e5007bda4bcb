"""SQLite's WAL starts over under sustained ingest instead of growing without bound.

A checkpoint beside a busy writer never copies every frame, and only a complete one lets
the WAL start over; the writer finishes the background checkpoint between two batches.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.support.writer_world import route_of, writer_world
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.writer import GroupCommitWriter

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff02"


def wal_generation(path: Path) -> int:
    """The WAL header's checkpoint sequence number: it goes up each time the WAL starts
    over (read from the file, so looking does not checkpoint)."""
    header = (path.parent / (path.name + "-wal")).read_bytes()[:32]
    return int.from_bytes(header[12:16], "big")


def test_the_wal_starts_over_once_the_writer_finishes_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "tocsin.db"  # where writer_world puts a SQLite database
    with writer_world("sqlite", tmp_path, KEY, T0) as engine:
        _check_wal_starts_over(engine, route_of(engine, KEY), path)


def _check_wal_starts_over(engine: Engine, route: Route, path: Path) -> None:
    def batch(n: int) -> list[AlertEvent]:
        return [
            AlertEvent(route, Action.TRIGGER, f"k{n}-{i}", T0, "{}", "boom", "tests")
            for i in range(200)
        ]

    async def main() -> tuple[int, int, int]:
        writer = GroupCommitWriter(engine, checkpoint_every=None)  # the test asks instead
        writer.start()
        try:
            for n in range(5):
                await writer.submit(batch(n))
            first = wal_generation(path)
            for n in range(5, 10):
                await writer.submit(batch(n))
            unchanged = wal_generation(path)  # writes alone never start the WAL over
            # What the background task does each second, without waiting a second for it:
            # ask the writer to finish a checkpoint between batches, then write on.
            writer.request_checkpoint()
            await writer.submit(batch(10))
            return first, unchanged, wal_generation(path)
        finally:
            await writer.stop()

    first, unchanged, after = asyncio.run(main())
    assert unchanged == first
    assert after == first + 1

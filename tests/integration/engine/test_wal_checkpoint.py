"""SQLite's WAL starts over under sustained ingest instead of growing without bound.

A checkpoint beside a busy writer never copies every frame, and only a complete one lets
the WAL start over; the writer finishes the background checkpoint between two batches.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tocsin.core.events import Action, AlertEvent
from tocsin.engine.writer import GroupCommitWriter
from tocsin.ingest.routing import KeyDirectory
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade
from tocsin.world import apply_world, load_world_text

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff02"
WORLD = f"""
version: 1
services:
  - name: web
    integrations: [{{name: pd, type: pagerduty, key: "{KEY}"}}]
"""


def wal_generation(path: Path) -> int:
    """The WAL header's checkpoint sequence number: it goes up each time the WAL starts
    over (read from the file, so looking does not checkpoint)."""
    header = (path.parent / (path.name + "-wal")).read_bytes()[:32]
    return int.from_bytes(header[12:16], "big")


def test_the_wal_starts_over_once_the_writer_finishes_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "tocsin.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    apply_world(engine, load_world_text(WORLD), T0)
    keys = KeyDirectory(engine)
    keys.reload()
    info = keys.lookup(KEY)
    assert info is not None
    assert info.route is not None
    route = info.route

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
            engine.dispose()

    first, unchanged, after = asyncio.run(main())
    assert unchanged == first
    assert after == first + 1

"""The writer outlives its PostgreSQL connection: a restart or failover of the server costs
the events in flight a retry, not every event until Tocsin is restarted.

The server's side of the connection is cut with ``pg_terminate_backend`` (what a restart or
a failover does to it); while new connections are refused (``ALLOW_CONNECTIONS false``)
ingest answers 503, and it recovers by itself once they are allowed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, func, select

from tests.support.writer_world import route_of, writer_world
from tocsin.alerts.ingest_store import IngestStore
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.engine.writer import GroupCommitWriter, StorageError
from tocsin.store.schema import alert_events, alerts

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff05"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, Route]]:
    with writer_world("postgresql", tmp_path, KEY, T0) as engine:
        yield engine, route_of(engine, KEY)


class Server:
    """What a database administrator (or a failover) does to the test database."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url
        self.name = url.database
        admin = url.set(drivername="postgresql", database="postgres")
        self.admin = psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)

    def cut_connections(self) -> int:
        rows = self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (self.name,),
        ).fetchall()
        return len(rows)

    def allow_connections(self, allowed: bool) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {allowed}')


def trigger(route: Route, key: str) -> list[AlertEvent]:
    return [AlertEvent(route, Action.TRIGGER, key, T0, "{}", "replica lag", "tests")]


def test_a_cut_connection_is_replaced_and_the_batch_written_again(
    world: tuple[Engine, Route],
) -> None:
    engine, route = world
    server = Server(engine)

    async def main() -> list[str]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            outcomes = await writer.submit(trigger(route, "k1"))
            assert server.cut_connections() >= 1
            outcomes += await writer.submit(trigger(route, "k2"))  # no 503 for this one
            outcomes += await writer.submit(trigger(route, "k1"))
            return [o.value for o in outcomes]
        finally:
            await writer.stop()

    try:
        assert asyncio.run(main()) == ["created", "created", "appended"]
    finally:
        server.admin.close()


def test_while_the_database_is_unreachable_ingest_is_refused_then_recovers(
    world: tuple[Engine, Route],
) -> None:
    engine, route = world
    server = Server(engine)

    async def main() -> tuple[list[str], list[str]]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            await writer.submit(trigger(route, "k1"))
            server.allow_connections(False)
            server.cut_connections()
            refused = []
            for key in ("k2", "k3"):  # each batch tries to reconnect, and cannot
                with pytest.raises(StorageError) as error:
                    await writer.submit(trigger(route, key))
                refused.append(str(error.value))
            server.allow_connections(True)
            after = await writer.submit(trigger(route, "k2"))
            return refused, [o.value for o in after]
        finally:
            server.allow_connections(True)
            await writer.stop()

    try:
        refused, after = asyncio.run(main())
    finally:
        server.admin.close()
    assert refused == ["the database connection was lost", "the database cannot be reached"]
    assert after == ["created"]


def test_a_commit_whose_answer_was_lost_is_not_written_twice(
    world: tuple[Engine, Route], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit reaches the server, then the connection dies before its answer comes
    back: the writer cannot know, writes the batch again on a new connection, and finds
    its id already committed."""
    engine, route = world
    lose_next_answer = [False]
    real_commit = IngestStore.commit

    def commit_then_lose_the_answer(store: IngestStore) -> None:
        real_commit(store)
        if lose_next_answer[0]:
            lose_next_answer[0] = False
            store._conn.close()  # what a cut network looks like to the driver
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(IngestStore, "commit", commit_then_lose_the_answer)

    async def main() -> list[str]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            outcomes = await writer.submit(trigger(route, "k1"))
            lose_next_answer[0] = True
            outcomes += await writer.submit(trigger(route, "k1"))  # answered, not 503
            outcomes += await writer.submit(trigger(route, "k1"))
            return [o.value for o in outcomes]
        finally:
            await writer.stop()

    assert asyncio.run(main()) == ["created", "appended", "appended"]
    with engine.connect() as conn:
        occurrences = conn.execute(select(alerts.c.occurrences)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(alert_events)).scalar_one()
    assert (occurrences, logged) == (3, 3)  # each event counted once

"""The writer's lookups stay index lookups on PostgreSQL, whatever the planner estimates.

psycopg prepares a statement after a few executions, and PostgreSQL may then cache one
generic plan for it, made from the statistics of the moment. On a fresh database those
describe empty tables, and a plan that suits an empty table (hash the keys, scan the
table) was kept while the table grew: the open-alert lookup scanned every alert on every
batch. Here every statement is prepared at once with a generic plan, on empty tables, and
auto_explain hands each plan back to the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.support.writer_world import route_of, writer_world
from tocsin.core.dedup import Outcome
from tocsin.core.events import Action, AlertEvent
from tocsin.engine.writer import GroupCommitWriter

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = "ffffffffffffffffffffffffffffff03"


@pytest.fixture
def explained(tmp_path: Path) -> Iterator[tuple[Engine, list[str]]]:
    """A migrated, empty PostgreSQL database whose connections report every plan."""
    plans: list[str] = []
    with writer_world("postgresql", tmp_path, KEY, T0) as engine:

        @event.listens_for(engine, "connect")
        def _explain_everything(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.prepare_threshold = 0  # prepare every statement at once
            dbapi_conn.add_notice_handler(lambda notice: plans.append(notice.message_primary))
            with dbapi_conn.cursor() as cur:
                cur.execute("LOAD 'auto_explain'")
                cur.execute("SET auto_explain.log_min_duration = 0")
                cur.execute("SET client_min_messages = log")
                cur.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_conn.commit()

        engine.pool.dispose()  # connections made from now on report their plans
        yield engine, plans


def test_lookups_use_indexes_even_with_plans_made_for_empty_tables(
    explained: tuple[Engine, list[str]],
) -> None:
    engine, plans = explained
    route = route_of(engine, KEY)

    def events(action: Action, count: int) -> list[AlertEvent]:
        return [AlertEvent(route, action, f"k{i}", T0, "{}", "boom", "tests") for i in range(count)]

    async def main() -> list[list[Outcome]]:
        writer = GroupCommitWriter(engine)
        writer.start()
        try:
            return [
                await writer.submit(events(Action.TRIGGER, 3)),  # opens an incident
                await writer.submit(events(Action.TRIGGER, 5)),  # appends, and joins it
                await writer.submit(events(Action.ACKNOWLEDGE, 5)),  # rechecks it
                await writer.submit(events(Action.RESOLVE, 5)),  # resolves it
            ]
        finally:
            await writer.stop()

    outcomes = asyncio.run(main())
    assert [o.value for o in outcomes[0]] == ["created"] * 3
    assert [o.value for o in outcomes[1]] == ["appended"] * 3 + ["created"] * 2
    assert [o.value for o in outcomes[3]] == ["resolved"] * 5

    lookups = [p for p in plans if "Query Text: SELECT" in p and "pg_advisory" not in p]
    text = "\n\n".join(lookups)
    # Every kind of lookup the writer makes was prepared and explained...
    for fragment in ("k.dedup_key", "FROM incidents", "status = 'triggered'"):
        assert fragment in text, f"no plan for the statement with {fragment!r}:\n{text}"
    # ... and none of them reads a whole table that grows with the alerts.
    for plan in lookups:
        for table in ("alerts", "incidents", "alert_events"):
            assert f"Seq Scan on {table} " not in plan, plan
    assert "uq_alerts_open_dedup" in text
    assert "ix_alerts_incident_id_status" in text
    assert "ix_incidents_open_group" in text

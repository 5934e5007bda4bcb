"""Fixtures shared by the whole suite: real databases, migrated engines, running servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.databases import BACKENDS, database_url
from tests.support.sinks import WebhookSink, webhook_sink
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``TOCSIN_TEST_ORDER=reverse``: run each module's tests in reverse order, to find a
    test that passes only on what an earlier one left in a shared (module) fixture."""
    if os.environ.get("TOCSIN_TEST_ORDER") != "reverse":
        return
    by_module: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_module.setdefault(item.nodeid.split("::")[0], []).append(item)
    items[:] = [item for group in by_module.values() for item in reversed(group)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: once on SQLite and once on PostgreSQL."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with every migration applied."""
    eng = create_db_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    """A local webhook receiver for one test (modules that share one define their own)."""
    with webhook_sink() as found:
        yield found

"""Fixtures shared by the whole suite: real databases, migrated engines, running servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.databases import BACKENDS, database_url
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade


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

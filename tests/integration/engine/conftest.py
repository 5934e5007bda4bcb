"""Fixtures of the in-process engine tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.databases import database_url
from tocsin.store.db import create_db_engine
from tocsin.store.migrate import upgrade


@pytest.fixture
def pg_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL database only, for what only PostgreSQL can do
    (several processes writing at once, LISTEN/NOTIFY)."""
    with database_url("postgresql", tmp_path) as url:
        eng = create_db_engine(url)
        upgrade(eng)
        yield eng
        eng.dispose()

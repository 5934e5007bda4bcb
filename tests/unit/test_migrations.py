"""The migrations produce exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from tocsin.store.migrate import current_revision, head_revision, schema_is_current
from tocsin.store.schema import metadata


def test_migrated_database_matches_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_marks_schema_current(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert schema_is_current(engine)

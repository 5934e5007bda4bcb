"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database each time.

PostgreSQL is reached at ``TOCSIN_TEST_PG_ADMIN_URL`` (default: the local server with
trust auth). Without a reachable server the PostgreSQL half of the suite is skipped with a
message saying how to get one, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "TOCSIN_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def skip_or_fail(reason: str) -> None:
    """Skip locally with a how-to; under CI a missing dependency is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may skip)")
    pytest.skip(reason)


def _pg_admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a throwaway PostgreSQL database; yield its URL; drop it afterwards."""
    name = f"tocsin_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        skip_or_fail(
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}); "
            "install and start it (apt-get install postgresql) or set TOCSIN_TEST_PG_ADMIN_URL"
        )
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of a new, empty database of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'tocsin.db'}"
    else:
        with postgres_database() as url:
            yield url

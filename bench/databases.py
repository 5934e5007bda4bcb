"""Throwaway databases for benchmarks: a SQLite file in a directory, or a fresh PostgreSQL
database on the local server (dropped afterwards).

PostgreSQL is reached at ``TOCSIN_BENCH_PG_ADMIN_URL`` (default: 127.0.0.1:5432, user
postgres, trust auth), the same server the tests use.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "TOCSIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Database:
    """One benchmark database: its URL and, for PostgreSQL, how to find its server processes."""

    url: str
    pg_name: str | None = None
    pg_admin: Engine | None = None

    def count(self, table: str) -> int:
        """Rows in ``table`` (a name from our own schema, never user input)."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            engine.dispose()

    def server_pids(self) -> list[int]:
        """PostgreSQL backend processes connected to this database (none for SQLite)."""
        if self.pg_admin is None:
            return []
        with self.pg_admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": self.pg_name}
            )
            return [int(pid) for (pid,) in rows]


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[Database]:
    """A new, empty database of ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        yield Database(f"sqlite:///{(directory / 'bench.db').resolve()}")
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"tocsin_bench_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        try:
            yield Database(url, name, admin)
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
    finally:
        admin.dispose()


def apply_world_file(url: str, world: Path) -> None:
    """Migrate the database at ``url`` and apply ``world``, as a user would: ``tocsin db
    upgrade`` and ``tocsin apply``."""
    env = {**os.environ, "TOCSIN_DATABASE_URL": url}
    for args in (["db", "upgrade"], ["apply", "-f", str(world)]):
        done = subprocess.run(
            [sys.executable, "-m", "tocsin", *args], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"tocsin {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

"""Connecting to the database: SQLite (WAL, one writer) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# Python's sqlite3 binds str, int and float directly but sends every other value,
# None included, through its adapter protocol, whose miss path (looking up __adapt__
# and __conform__, raising and clearing two AttributeErrors) costs more than binding a
# string. An alert row has a dozen NULL columns: mapping None to itself with a C-level
# callable (a dict's .get returns None for any key) halves what a NULL costs. The value
# stored is unchanged: NULL.
_NONE_TO_NONE: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NONE_TO_NONE.get)


def is_sqlite(url: str) -> bool:
    """True when ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, *, sqlite_synchronous: str = "FULL", **kwargs: Any) -> Engine:
    """An engine with the settings Tocsin relies on for each database."""
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"unsupported sqlite synchronous mode {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control so BEGIN IMMEDIATE can be issued by the writer.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # 64 MB page cache: the indexes of a busy alert table stay in memory.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of
        # failing with "database is locked" when a reader upgrades to a writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

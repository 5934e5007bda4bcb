"""One write transaction on a raw DB-API connection (sqlite3 or psycopg 3): the platform
under the group-commit writer and the timers.

``Batch`` owns what every domain's hot-path SQL shares: beginning, committing and
rolling back; the parameter mark and time values of each database; transaction-scoped
advisory locks; bulk inserts; the transaction id that tells, after a lost connection,
whether a commit happened; and the note of timers armed, for waking the timer loop after
the commit. The domains' statements live
with their domains (``alerts.ingest_store`` for alerts, incidents and changes) and take
a ``Batch`` (or a subclass) and its cursor.

SQLAlchemy Core costs about 80 microseconds of Python per statement here, more than the
statement itself, so the hot path speaks DB-API directly. The schema is still owned by
``store.schema`` (and Alembic). Datetimes are written in the same text form SQLAlchemy
uses on SQLite, so every other reader sees the same values.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection

_json = msgspec.json.Encoder().encode


@contextmanager
def raw_batch(conn: Connection) -> Iterator[tuple[Batch, Any]]:
    """A ``Batch`` and a raw cursor on a SQLAlchemy connection, in its transaction: the
    writer's statements (timers, escalation targets) used outside the writer."""
    raw: Any = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        yield Batch(raw, conn.dialect.name), cur
    finally:
        cur.close()


def json_column(value: Any) -> Any:
    """A JSON column as a raw cursor returns it: text on SQLite, decoded already by
    psycopg on PostgreSQL; decoded either way."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def placeholders(count: int, mark: str) -> str:
    """``count`` parameter marks, comma-separated."""
    return ", ".join([mark] * count)


class Batch:
    """One write transaction at a time on one DB-API connection."""

    def __init__(self, dbapi_conn: Any, dialect: str) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {dialect!r}")
        self._conn = dbapi_conn
        self._pg = dialect == "postgresql"
        self._times: dict[datetime, str] = {}
        self._armed: datetime | None = None  # earliest timer armed in this transaction
        self._queued = False  # a message was queued in the outbox in this transaction
        self._p = "%s" if self._pg else "?"

    # -- transactions ---------------------------------------------------------------

    def begin(self) -> Any:
        """Start a write transaction and return a cursor for it."""
        cur = self._conn.cursor()
        if not self._pg:
            cur.execute("BEGIN IMMEDIATE")
        return cur

    def commit(self) -> None:
        """Make the transaction durable."""
        self._conn.commit()

    def rollback(self) -> None:
        """Abandon the transaction."""
        self._conn.rollback()

    def transaction_id(self, cur: Any) -> int:
        """This transaction's id (PostgreSQL), to ask about it after a lost connection."""
        cur.execute("SELECT txid_current()")
        return int(cur.fetchone()[0])

    def commit_status(self, transaction_id: int, *, patience: float = 30.0) -> str | None:
        """What became of a transaction (PostgreSQL's ``txid_status``): ``committed`` or
        ``aborted``; None when PostgreSQL no longer knows. Waits (up to ``patience``
        seconds) while the transaction is still being decided by its old backend."""
        deadline = time.monotonic() + patience
        cur = self._conn.cursor()
        try:
            while True:
                cur.execute("SELECT txid_status(%s)", (transaction_id,))
                row = cur.fetchone()
                status = row[0] if row else None
                self._conn.rollback()  # a read; start clean for the next batch
                if status != "in progress" or time.monotonic() > deadline:
                    return None if status == "in progress" else status
                time.sleep(0.05)
        finally:
            cur.close()

    def note_armed(self, due_at: datetime) -> None:
        """A timer was armed for ``due_at`` in this transaction (``engine.timers.arm``)."""
        if self._armed is None or due_at < self._armed:
            self._armed = due_at

    def take_armed(self) -> datetime | None:
        """The earliest timer armed since the last call (the writer asks after a commit)."""
        armed, self._armed = self._armed, None
        return armed

    def note_queued(self) -> None:
        """A message was queued in the outbox in this transaction (``notify.outbox``)."""
        self._queued = True

    def take_queued(self) -> bool:
        """Whether a message was queued since the last call (asked after a commit)."""
        queued, self._queued = self._queued, False
        return queued

    def checkpoint(self) -> None:
        """Copy what is left of the SQLite WAL into the database (between transactions)."""
        if not self._pg:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    # -- values -----------------------------------------------------------------------

    @property
    def mark(self) -> str:
        """The DB-API parameter placeholder of this database (``?`` or ``%s``)."""
        return self._p

    def db_time(self, value: datetime | None) -> Any:
        """A datetime as this database's driver wants it (see ``_time``)."""
        return self._time(value)

    def from_db_time(self, value: Any) -> datetime | None:
        """A datetime read back through the driver, as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def _time(self, value: datetime | None) -> Any:
        if value is None or self._pg:
            return value
        # A batch writes the same few instants many times (every alert of a notification
        # was received at once): format each once.
        text = self._times.get(value)
        if text is None:
            if len(self._times) > 4096:
                self._times.clear()
            # SQLAlchemy's SQLite DateTime text form, in UTC.
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = self._times[value] = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
        return text

    def _jsonb(self, value: Any) -> str | None:
        return None if value is None else _json(value).decode()

    @property
    def concurrent_writers(self) -> bool:
        """True where several processes may write at once (PostgreSQL), so locks matter."""
        return self._pg

    def advisory_locks(self, cur: Any, names: set[str]) -> None:
        """Take transaction-scoped advisory locks on ``names`` (PostgreSQL; no-op on SQLite)."""
        # Transaction-scoped, taken in sorted order in one statement: no lock-order cycles.
        if not self._pg or not names:
            return
        cur.execute(
            "SELECT pg_advisory_xact_lock(k) FROM "
            "(SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS s",
            (sorted({_lock_id(n) for n in names}),),
        )

    def insert_rows(
        self, cur: Any, table: str, columns: str, sql: str, rows: list[tuple[Any, ...]]
    ) -> None:
        """Bulk insert: COPY on PostgreSQL (one statement for the batch; per-row INSERTs
        cost the server more CPU than the request itself), executemany on SQLite."""
        if not self._pg:
            cur.executemany(sql, rows)
            return
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _lock_id(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)

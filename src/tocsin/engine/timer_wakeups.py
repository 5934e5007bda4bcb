"""Hearing timers armed by other processes (PostgreSQL ``LISTEN/NOTIFY``).

``engine.timers.arm`` sends ``NOTIFY tocsin_timers, '<due time>'`` in the transaction that
arms a timer; PostgreSQL delivers it to every listener when (and only if) that commits.
Each server process listens on a connection of its own and nudges its timer loop, so an
escalation armed "due now" by an acknowledgement handled in another process fires at once
instead of at that loop's next look. Missing a notification is harmless: the loop never
sleeps longer than ``TimerService.max_sleep``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import psycopg
from sqlalchemy import Engine

from tocsin.store.timers import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2.0


def libpq_url(engine: Engine) -> str:
    """The engine's database as a plain libpq URL (without SQLAlchemy's driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_forever(engine: Engine, nudge: Callable[[datetime], None]) -> None:
    """Nudge the timer loop for every timer another process arms; reconnect if cut."""
    if engine.dialect.name != "postgresql":
        return
    url = libpq_url(engine)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                async for note in conn.notifies():
                    try:
                        nudge(datetime.fromisoformat(note.payload))
                    except ValueError:
                        log.warning("ignoring timer notification %r", note.payload)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("timer notifications lost (%s); listening again shortly", error)
        await asyncio.sleep(RECONNECT_SECONDS)

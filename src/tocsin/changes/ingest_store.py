"""The ingest hot path's change-record SQL: one row per (change event, affected service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from tocsin.core.events import ChangeEvent
from tocsin.ids import new_id
from tocsin.store.batch import Batch, placeholders

_json = msgspec.json.Encoder().encode
_COLUMNS = (
    "id, service_id, origin, summary, source, occurred_at, received_at, custom_details, links"
)


class ChangeStatements:
    """The change statements of one group commit, on ``batch``'s connection."""

    def __init__(self, batch: Batch) -> None:
        self._batch = batch
        self._insert = f"INSERT INTO changes ({_COLUMNS}) VALUES ({placeholders(9, batch.mark)})"

    def insert(self, cur: Any, events: Sequence[ChangeEvent]) -> None:
        """Record change events, one row per affected service."""
        when = self._batch.db_time
        rows = [
            (
                new_id(c.received_at),
                sid,
                c.origin,
                c.summary,
                c.source,
                when(c.occurred_at),
                when(c.received_at),
                None if c.custom_details is None else _json(c.custom_details).decode(),
                _json(c.links).decode(),
            )
            for c in events
            for sid in c.service_ids
        ]
        if rows:
            self._batch.insert_rows(cur, "changes", _COLUMNS, self._insert, rows)

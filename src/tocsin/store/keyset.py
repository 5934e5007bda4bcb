"""Keyset paging in SQL: one page of a query's rows after a cursor, in one statement.

The sort key is a few columns, ending with a unique one so the order is total; a cursor
(``core.paging``) holds the last shown row's key and the next page is a range read on an
index of those columns, never an OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, literal, tuple_

from tocsin.core.paging import KeyKinds, KeyValue, Page, decode_cursor, encode_cursor


def keyset_page(
    conn: Connection,
    query: Select[Any],
    key: Sequence[ColumnElement[Any]],
    kinds: KeyKinds,
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> Page[Row[Any]]:
    """The rows of ``query`` ordered by ``key`` (of ``kinds``), ``limit`` of them after
    ``cursor`` (each row also has the key's values, as ``_key0``, ``_key1``...)."""
    if cursor:
        after = after_key(key, decode_cursor(cursor, kinds), descending=descending)
        query = query.where(after)
    order = [c.desc() for c in key] if descending else list(key)
    labels = [f"_key{i}" for i in range(len(key))]
    query = query.add_columns(*(c.label(name) for c, name in zip(key, labels, strict=True)))
    rows = list(conn.execute(query.order_by(*order).limit(limit + 1)))
    shown = rows[:limit]
    if len(rows) <= limit:
        return Page(shown, None)
    last = shown[-1]._mapping
    return Page(shown, encode_cursor([last[name] for name in labels]))


def after_key(
    key: Sequence[ColumnElement[Any]], values: Sequence[KeyValue], *, descending: bool = False
) -> ColumnElement[bool]:
    """Rows whose ``key`` sorts after ``values`` (a row-value comparison, which both
    databases read as a range on an index of those columns)."""
    # Bound with the columns' own types (UTC times are stored naive on SQLite).
    bound = [literal(v, c.type) for c, v in zip(key, values, strict=True)]
    left = key[0] if len(key) == 1 else tuple_(*key)
    right = bound[0] if len(key) == 1 else tuple_(*bound)
    return left < right if descending else left > right

"""Pages of a list: opaque cursors, and keyset paging of values already in memory.

A cursor is the sort key of the last item a page showed, written as URL-safe text. The
next page is what sorts after that key (keyset paging, never an offset): items added or
removed meanwhile neither repeat nor hide the ones a client has not seen yet, and a page
deep in a long list costs what the first one does. ``store.keyset`` does the same in SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

KeyValue = str | int | datetime
KeyKinds = tuple[type[str] | type[int] | type[datetime], ...]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Some items of a list, in its order; ``next_cursor`` (None: the list ends here) asks
    for the items after them."""

    items: list[T]
    next_cursor: str | None

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with every item converted."""
        return Page([convert(item) for item in self.items], self.next_cursor)


class CursorError(ValueError):
    """A cursor no page of this list gave out (garbled, cut short, or another list's)."""


def encode_cursor(key: Sequence[KeyValue]) -> str:
    """The cursor that resumes a list after the item whose sort key is ``key``."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_cursor(cursor: str, *shapes: KeyKinds) -> tuple[KeyValue, ...]:
    """The sort key in ``cursor``, as the first of ``shapes`` (the kinds of its parts) it
    fits; CursorError if it fits none."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise CursorError("not a cursor this list gave out") from exc
    if isinstance(values, list):
        for kinds in shapes:
            key = _as_key(values, kinds)
            if key is not None:
                return key
    raise CursorError("not a cursor this list gave out")


def _as_key(values: list[object], kinds: KeyKinds) -> tuple[KeyValue, ...] | None:
    if len(values) != len(kinds):
        return None
    key = [_as_part(value, kind) for value, kind in zip(values, kinds, strict=True)]
    return None if None in key else tuple(v for v in key if v is not None)


def _as_part(value: object, kind: type) -> KeyValue | None:
    if kind is datetime and isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return None
        return instant if instant.tzinfo is not None else None
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if kind is str and isinstance(value, str) else None


def page_of(
    items: Sequence[T],
    key: Callable[[T], tuple[KeyValue, ...]],
    kinds: KeyKinds,
    *,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """A page of ``items`` (already sorted by ``key``, ascending) after ``cursor``: for
    lists computed in memory (a schedule's layers, hours per user)."""
    after = decode_cursor(cursor, kinds) if cursor else None
    rest = [item for item in items if after is None or key(item) > after]
    shown = rest[:limit]
    more = len(rest) > limit
    return Page(shown, encode_cursor(key(shown[-1])) if more else None)


def every_page(fetch: Callable[[str | None], Page[T]], cursor: str | None = None) -> list[T]:
    """Every item of a list (after ``cursor``), following its cursors to the last page."""
    items: list[T] = []
    while True:
        page = fetch(cursor)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor

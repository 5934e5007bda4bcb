"""Cursors and keyset pages of lists in memory (``core.paging``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.core.paging import (
    CursorError,
    Page,
    decode_cursor,
    encode_cursor,
    every_page,
    page_of,
)


def test_a_cursor_gives_back_the_key_it_was_made_from() -> None:
    at = datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC)
    cursor = encode_cursor([at, "06h205df5ufr05ju"])
    assert decode_cursor(cursor, (datetime, str)) == (at, "06h205df5ufr05ju")
    assert decode_cursor(encode_cursor([7]), (int,)) == (7,)
    assert decode_cursor(encode_cursor(["zoë/β?&"]), (str,)) == ("zoë/β?&",)


def test_a_cursor_is_url_safe_text() -> None:
    cursor = encode_cursor(["a name with spaces/and?signs&=", 3])
    assert cursor.replace("-", "").replace("_", "").isalnum()


def test_a_cursor_fits_the_first_shape_it_matches() -> None:
    shapes = ((int,), (datetime, str))
    assert decode_cursor(encode_cursor([2]), *shapes) == (2,)
    at = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert decode_cursor(encode_cursor([at, "x"]), *shapes) == (at, "x")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",
        encode_cursor(["x"]),  # a string where an int is expected
        encode_cursor([True]),  # JSON true is no position
        encode_cursor([1, 2]),  # too long
        encode_cursor(["2026-01-01T00:00:00", "x"]),  # a time without an offset
        encode_cursor(["yesterday", "x"]),
        "eyJhIjogMX0",  # {"a": 1}: not a list
    ],
)
def test_a_cursor_no_page_gave_out_is_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor, (int,), (datetime, str))


@given(st.lists(st.text(max_size=5), unique=True), st.integers(min_value=1, max_value=7))
def test_walking_pages_of_any_size_yields_every_item_once_in_order(
    names: list[str], limit: int
) -> None:
    items = sorted(names)

    def fetch(cursor: str | None) -> Page[str]:
        page = page_of(items, lambda n: (n,), (str,), limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        assert page.next_cursor is None or len(page.items) == limit
        return page

    assert every_page(fetch) == items


def test_a_page_resumes_after_its_key_even_when_the_list_changed() -> None:
    first = page_of(["a", "b", "c", "d"], lambda n: (n,), (str,), limit=2, cursor=None)
    assert first == Page(["a", "b"], encode_cursor(["b"]))
    # "b" was removed and "bb" added before the client asked for the next page.
    rest = page_of(["a", "bb", "c", "d"], lambda n: (n,), (str,), limit=2, cursor=first.next_cursor)
    assert rest.items == ["bb", "c"]

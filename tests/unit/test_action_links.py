"""Signed ack and resolve links: what they carry, and that any change breaks them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.notify.links import ActionLink, LinkError, sign, verify

KEY = b"k" * 32
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
LINK = ActionLink("06h3incident", "acknowledge", "alice", NOW + timedelta(hours=24))


def test_a_link_reads_back_until_it_expires() -> None:
    token = sign(LINK, KEY)
    assert verify(token, KEY, NOW) == LINK
    assert verify(token, KEY, LINK.expires - timedelta(seconds=1)) == LINK
    with pytest.raises(LinkError, match="expired") as caught:
        verify(token, KEY, LINK.expires)
    assert caught.value.code == "link_expired"


def test_another_installation_s_key_does_not_verify() -> None:
    with pytest.raises(LinkError, match="not one Tocsin made") as caught:
        verify(sign(LINK, KEY), b"x" * 32, NOW)
    assert caught.value.code == "bad_link"


@given(
    st.integers(min_value=0),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
)
def test_changing_any_character_breaks_the_link(position: int, replacement: str) -> None:
    """Even the last character of a part, whose low bits base64 leaves unused."""
    token = sign(LINK, KEY)
    index = position % len(token)
    if token[index] == replacement or token[index] == ".":
        return
    altered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(LinkError):
        verify(altered, KEY, NOW)


@pytest.mark.parametrize("token", ["", ".", "a.b.c", "no-dot-at-all", "%%%.%%%"])
def test_garbage_is_refused_as_a_bad_link(token: str) -> None:
    with pytest.raises(LinkError) as caught:
        verify(token, KEY, NOW)
    assert caught.value.code == "bad_link"

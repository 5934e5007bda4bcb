"""Apprise contact methods keep their tokens out of the world file: env: and file:."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.notify.channels import ChannelNotConfigured, ContactMethod, InvalidAddress
from tocsin.notify.channels.apprise_channel import AppriseChannel, resolve_address
from tocsin.notify.channels.secrets import address_of, redacted


def test_a_literal_url_is_itself() -> None:
    assert resolve_address("ntfy://ntfy.example/alerts") == "ntfy://ntfy.example/alerts"


def test_env_and_file_addresses_are_read_when_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_TEST_TELEGRAM", " tgram://bot-token/chat-id \n")
    assert resolve_address("env:TOCSIN_TEST_TELEGRAM") == "tgram://bot-token/chat-id"
    secret = tmp_path / "pushover"
    secret.write_text("pover://user@token\n")
    assert resolve_address(f"file:{secret}") == "pover://user@token"


def test_a_missing_secret_says_which(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOCSIN_TEST_NOT_SET", raising=False)
    with pytest.raises(ChannelNotConfigured, match="TOCSIN_TEST_NOT_SET"):
        resolve_address("env:TOCSIN_TEST_NOT_SET")
    with pytest.raises(ChannelNotConfigured, match="cannot read"):
        resolve_address(f"file:{tmp_path / 'absent'}")


def test_an_url_apprise_does_not_know_is_a_bad_address_and_is_not_echoed() -> None:
    method = ContactMethod("alice", "apprise", "nosuchservice://secret-token@host")
    with pytest.raises(InvalidAddress) as caught:
        AppriseChannel().send_verification(method, "123456")
    assert "secret-token" not in caught.value.message


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/SECRET", "https://hooks.slack.com/…"),
        ("tgram://123456:BOT-TOKEN/987", "tgram://123456/…"),
        ("http://127.0.0.1:9999", "http://127.0.0.1"),
        ("env:ALICE_SLACK", "env:ALICE_SLACK"),
        ("alice@example.com", "alice@example.com"),
    ],
)
def test_addresses_are_shown_without_their_credentials(address: str, shown: str) -> None:
    assert redacted(address) == shown
    assert "SECRET" not in redacted(address)
    assert "BOT-TOKEN" not in redacted(address)


def test_a_slack_address_may_name_where_the_url_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_TEST_SLACK", "https://hooks.slack.com/services/T/B/X")
    assert address_of("env:TOCSIN_TEST_SLACK", "the Slack webhook URL").endswith("/T/B/X")
    assert address_of("https://h.example/x", "the webhook's URL") == "https://h.example/x"
